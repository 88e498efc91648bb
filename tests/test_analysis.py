"""The shared analysis: folding, offsets, jieba words with the report dictionary, grams."""

from __future__ import annotations

import concurrent.futures
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from report_search.search import bitset
from report_search.index.analysis import char_grams, gram_counts, gram_keys, words
from report_search.index.normalize import cjk_gaps, compact, fold, fold_with_offsets, nfkc
from report_search.search.highlight import highlight, snippet


def test_fold_is_nfkc_lowercase_and_one_space():
    assert fold("Ｇ60 科创走廊") == "g60 科创走廊"
    assert fold("中以（上海）创新园") == "中以(上海)创新园"
    assert fold("a\u3000\t b") == "a b"
    assert fold("科\u200b技\ufeff") == "科技"  # invisible characters never split a word


def test_a_space_between_chinese_characters_folds_to_nothing():
    """2017-ch4.txt lines 185-186: 张江高科技园区 | 为 基 础 — a line break, not a word break."""
    assert fold("张江高科技园区 为基础") == fold("张江高科技园区为基础") == "张江高科技园区为基础"
    assert fold("上海市“全国科普日” 活动") == "上海市“全国科普日”活动"  # quotes set full width count as Chinese
    assert fold("R&D 经费") == "r&d 经费" and fold("G60 科创走廊") == "g60 科创走廊"  # an ASCII word keeps its space
    assert fold("科技 \u3000\n 创新") == "科技创新"  # any run of white space
    text = "张江高科技园区 为基础"
    folded, offsets = fold_with_offsets(text)
    start = folded.index("园区为")
    assert text[offsets[start] : offsets[start + 2] + 1] == "园区 为"  # a match across it covers the space
    assert highlight(text, ["园区为"]) == "张江高科技<mark>园区 为</mark>基础"


def test_offsets_survive_length_changes():
    text = "面积约6000㎡，R&D"
    folded, offsets = fold_with_offsets(text)
    assert folded == "面积约6000m2,r&d"
    start = folded.index("m2")
    assert text[offsets[start] : offsets[start + 1] + 1] == "㎡"
    assert highlight(text, ["m2"]) == "面积约6000<mark>㎡</mark>，R&amp;D"


def test_jieba_uses_the_report_dictionary():
    assert [w for w, _, _ in words("张江科学城建设")] == ["张江科学城", "建设"]
    assert "g60科创走廊" in [w for w, _, _ in words("长三角G60科创走廊")]
    assert [w for w, _, _ in words("，。 ")] == []  # punctuation and spaces are no words


def test_the_trie_segments_exactly_as_jieba_does(corpus):
    """The served tokenizer (its dictionary a trie) cuts every line of the corpus, and a few
    unknown runs jieba's HMM has to guess, into the same words as jieba's own dict-backed one."""
    from report_search.index import analysis, lexicon

    served = analysis.tokenizer()
    assert isinstance(served, lexicon.TrieTokenizer)
    own = analysis._jieba_own(analysis._userdict())
    lines = [fold(line) for report in corpus.reports for line in report.lines]
    lines += ["张江科学城建设", "长三角g60科创走廊", "浦江创新论坛书写新愿景", "骉驫羴犇"]
    for line in lines:
        assert list(served.tokenize(line)) == list(own.tokenize(line)), line


def test_segmenting_loads_jieba_without_pkg_resources():
    """A process that segments imports jieba but not setuptools' pkg_resources (65 ms, 4.4 MB),
    and jieba still reads its own dictionary file."""
    import subprocess
    import sys

    code = ("import sys; from report_search.index.analysis import words; from report_search.index.lexicon import jieba; "
            "print(next(words('张江科学城'))[0], 'pkg_resources' in sys.modules, jieba.get_module_res('dict.txt').readline().split()[0].decode())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["False", "AT&T"] and out[0] in ("张江", "张江科学城")


def test_grams_cover_every_substring():
    folded = fold("科创板上市")
    grams = set(char_grams(folded))
    for i in range(len(folded)):
        for j in range(i + 1, len(folded) + 1):
            assert set(gram_keys(folded[i:j])) <= grams


def test_gram_counts_count_every_gram_char_grams_lists(paragraphs):
    """The `grams` field's postings (gram_counts, counted in C) against char_grams, one by one."""
    from collections import Counter

    for p in paragraphs:
        assert gram_counts(p.text) == Counter(char_grams(fold(p.text))), p.id
    assert gram_counts("哈哈哈 a") == {"哈": 3, "哈哈": 2, "a": 1, "哈 ": 1, " a": 1}  # overlapping pairs; the space only in pairs


def test_word_counts_count_a_word_list_as_whoosh_frequency_does(paragraphs):
    """schema.WordCounts counts a build's word list in one pass: the same (word, count, weight,
    value) as Whoosh's Frequency format over its Tokens, in the same order."""
    from whoosh import formats

    from report_search.index.analysis import WordTokenizer, index_terms, segmented
    from report_search.index.schema import WordCounts

    for p in paragraphs[::10]:
        terms = index_terms(segmented(p.text))
        assert list(WordCounts().word_values(terms, WordTokenizer())) == list(formats.Frequency().word_values(terms, WordTokenizer()))
    text = "科技创新 科技金融"  # a string goes through the analyzer, as before
    assert list(WordCounts().word_values(text, WordTokenizer())) == list(formats.Frequency().word_values(text, WordTokenizer()))


def test_a_second_process_segments_as_this_one_does(paragraphs, monkeypatch):
    """segment_all hands many texts to a spawned process: the same words, in the same order."""
    from report_search.index import analysis

    texts = [p.text for p in paragraphs[:300]]
    monkeypatch.setattr(analysis, "IN_WORKER_FROM", 100)
    spawned = []
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", lambda *a, **kw: spawned.append(1) or ProcessPoolExecutor(*a, **kw))
    assert list(analysis.segment_all(texts)) == [analysis.segmented(t) for t in texts] and spawned
    assert list(analysis.segment_all(texts[:99])) == [analysis.segmented(t) for t in texts[:99]] and len(spawned) == 1


def test_a_script_that_builds_without_a_main_guard_is_told_and_still_built(tmp_path):
    """The spawned segmenting process imports the calling script again: without
    `if __name__ == "__main__":` it ran the build a second time and waited for the first's
    lock forever. Now that second build stops with the hint, and the first segments the rest itself."""
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "from pathlib import Path\n"
        "from report_search.index import analysis\n"
        "from report_search.index.build import build\n"
        "analysis.IN_WORKER_FROM = 100  # the bundled corpus's 560 records: a second process\n"
        f"print(build(Path({str(tmp_path / 'ix')!r}), progress=False).name)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "ix" / "builds" / done.stdout.split()[-1]).is_dir()
    assert 'call build() under `if __name__ == "__main__":`' in done.stderr and "segmenting in this one" in done.stderr


def test_bitsets():
    mask = bitset.from_array(np.array([0, 5, 64, 200, 256]), 257)
    assert mask == (1 | 1 << 5 | 1 << 64 | 1 << 200 | 1 << 256)  # bit d is document d
    assert bitset.to_array(mask, 257).tolist() == [0, 5, 64, 200, 256]
    assert bitset.to_array(0, 257).tolist() == [] and bitset.to_array(bitset.full(10), 10).tolist() == list(range(10))
    assert mask.bit_count() == 5 and bitset.full(10).bit_count() == 10
    rng = np.random.default_rng(3)
    for size in (1, 7, 8, 9, 1000, 56_001):  # sparse to full, sizes on and off a byte boundary
        for share in (0.0, 0.001, 0.3, 1.0):
            docs = np.flatnonzero(rng.random(size) < share)
            out = bitset.to_array(bitset.from_array(docs, size), size)
            assert out.dtype == np.int64 and out.tolist() == docs.tolist()


def test_snippet_marks_and_escapes():
    text = "<div>标签</div>" + "这是一个很长的句子。" * 30 + "关键词在这里。" + "后面还有很多内容。" * 20
    html = snippet(text, ["关键词"])
    assert "<mark>关键词</mark>" in html and html.startswith("…") and html.endswith("…")
    assert "<div>" not in html
    assert "&lt;div&gt;" in snippet(text, ["标签"])


def test_the_three_strengths_build_on_each_other():
    assert nfkc("Ｇ60（上海）") == "G60(上海)"  # compatibility forms only: case kept, as the tables match
    assert compact("上 海 天 文 馆 Ｇ60") == "上海天文馆G60"  # 2019 l.1127, letter-spaced
    for text in ("Ｇ60 科创走廊", "上 海\u3000天文馆", "科\u200b技"):
        assert fold(text) == fold(nfkc(text)) and compact(fold(text)) == compact(fold(compact(text)))


def test_folding_with_offsets_takes_the_quick_path_only_where_it_is_exact(paragraphs):
    """The identity mapping is used only where folding keeps every character in its place: the
    result always equals the character-by-character fold (every piece folded alone, spaces
    between Chinese characters dropped)."""
    from report_search.index.normalize import _fold_char

    def slow(text: str) -> tuple[str, list[int]]:
        out, offsets = [], []
        for i, ch in enumerate(text):
            piece = _fold_char(ch)
            if piece == " " and out and out[-1] == " ":
                continue
            out.append(piece)
            offsets.extend([i] * len(piece))
        folded = "".join(out)
        gaps = set(cjk_gaps(folded))  # a space between two CJK characters folds to nothing
        kept = [k for k in range(len(folded)) if k not in gaps]
        return "".join(folded[k] for k in kept), [offsets[k] for k in kept]

    samples = [p.text for p in paragraphs] + ["面积约6000㎡，R＆D", "科\u200b技  创新", "İstanbul 科技", "a\tb", "ㄱ㎡\u200b", "园区 \u200b为 基础 R&D 经费"]
    for text in samples:
        folded, offsets = fold_with_offsets(text)
        assert (folded, list(offsets)) == slow(text), text


def test_a_damaged_trie_is_made_again(tmp_path, monkeypatch):
    """The trie lives in the user's cache folder; a file cut short or emptied there is noticed
    and made again from jieba's own dictionary, never read as a smaller dictionary."""
    from report_search.index import analysis, lexicon

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    entries = analysis._userdict()
    first = lexicon.load(b"test", lambda: analysis._jieba_own(entries))
    trie, counts = lexicon._paths(b"test")
    assert trie.is_relative_to(tmp_path) and trie.is_file()
    size = trie.stat().st_size
    trie.write_bytes(trie.read_bytes()[: size // 2])
    counts.write_bytes(b"")
    again = lexicon.load(b"test", lambda: analysis._jieba_own(entries))
    assert isinstance(again, lexicon.TrieTokenizer) and trie.stat().st_size == size
    assert list(again.tokenize("张江科学城建设")) == list(first.tokenize("张江科学城建设"))
