"""Issue 10: every query is answered by Whoosh's searcher, through Whoosh's extension points.

Expectations are read from the reports (file and lines named); the architecture checks make
sure no second engine creeps back beside Whoosh."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from urllib.parse import quote

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.searching import Searcher

from report_search.search.citation import Citer
from report_search.index.analysis import words
from report_search.search.exact import AndNot, AndNotMatcher, Exact, Evaluated
from report_search.search.query import parse, tree
from report_search.search.ranking import TITLE, idf, term_score
from report_search.search.request import SearchRequest


def ids(engine, text: str, **kw) -> list[str]:
    return [h.paragraph.id for h in engine.search(SearchRequest(text, per_page=100, **kw)).hits]


# The query tree and the index ----------------------------------------------------------------

def test_the_query_language_becomes_a_whoosh_tree():
    # each tree is answered as a whole (Evaluated); what it wraps is Whoosh's own algebra
    assert tree(parse('"科技创新中心"')) == Evaluated(Exact("科技创新中心"))
    assert tree(parse("科创板 OR 长三角 -保险")) == Evaluated(AndNot(
        wq.Or([Exact("科创板"), Exact("长三角")]), Exact("保险")
    ))
    segmented = tree(parse("科创板上市企业"))  # jieba's words, all required; the whole as a bonus
    assert segmented == Evaluated(wq.AndMaybe(wq.And([Exact("科创板"), Exact("上市"), Exact("企业")]), Exact("科创板上市企业", score=2.0)))
    assert tree(parse("")) == Evaluated(wq.Every())


def test_exclusion_equals_a_brute_force_scan(engine, paragraphs):
    """Whoosh's own AndNotMatcher let a first document through when the excluded list started
    before it (AndNotMatcher([1,2,3], [0,1,3]) gave [1, 2]); ours is mended."""
    from whoosh.matching import ListMatcher

    assert list(AndNotMatcher(ListMatcher([1, 2, 3]), ListMatcher([0, 1, 3])).all_ids()) == [2]
    rng = random.Random(20261202)
    fold = lambda t: unicodedata.normalize("NFKC", t).lower()  # noqa: E731
    fields = [(fold(p.text), fold(" ".join(t for t in (p.section, p.heading, p.label) if t))) for p in paragraphs]
    for _ in range(150):
        a, b = (rng.choice(paragraphs).text for _ in range(2))
        i, j = rng.randrange(max(1, len(a) - 2)), rng.randrange(max(1, len(b) - 2))
        keep, drop = a[i : i + rng.randint(1, 2)], b[j : j + rng.randint(1, 3)]
        if '"' in keep + drop or not keep.strip() or not drop.strip():
            continue
        keep, drop = fold(keep).strip(), fold(drop).strip()
        expected = {d for d, (t, h) in enumerate(fields) if (keep in t or keep in h) and not (drop in t or drop in h)}
        results = engine.search(SearchRequest(f'-"{drop}" "{keep}"', per_page=100, sort="order"))
        assert results.total == len(expected), (keep, drop)
        assert {engine.by_id[h.paragraph.id] for h in results.hits} <= expected, (keep, drop)


def test_every_sort_runs_every_kind_of_tree(engine):
    for sort in ("relevance", "newest", "oldest", "order"):
        for text in ("科创板上市企业", "科技金融 -保险", "长三角 OR 一带一路", '"科技创新中心"', ""):
            results = engine.search(SearchRequest(text, sort=sort, per_page=50))
            assert results.total and len(results.hits) == min(50, results.total), (sort, text)


def test_terms_searched_within_stay_apart_from_the_query(engine):
    """A stray OR or open quote in q must not reach the term searched within its results."""
    within = engine.search(SearchRequest("科创板 OR", within=("人才",), per_page=100))
    both = engine.search(SearchRequest("科创板 人才", per_page=100))
    assert within.total == both.total and [h.paragraph.id for h in within.hits] == [h.paragraph.id for h in both.hits]
    quoted = engine.search(SearchRequest('"科创', within=("人才",)))
    assert quoted.total == engine.search('"科创" 人才').total > 0


def test_one_shared_whoosh_searcher_and_no_store_of_our_own(engine):
    assert isinstance(engine.searcher, Searcher)
    files = {f.name for f in engine.path.iterdir()}
    assert not {"grams.bin"} & files
    whooshs = files - {"meta.json", ".report-search-build"}  # the rest is Whoosh's: its TOC and segment
    assert whooshs and all(re.fullmatch(r"_MAIN_\d+\.toc|MAIN_\w+\.seg|MAIN_WRITELOCK", name) for name in whooshs), whooshs
    # the gram postings are Whoosh's: 馆 is a term of the grams field, listing the same paragraphs
    reader = engine.searcher.reader()
    assert set(reader.postings("grams", "天文").all_ids()) == {d for d, t in enumerate(engine.searcher.texts) if "天文" in t}


def test_lengths_are_the_true_jieba_counts(engine):
    for d in range(0, engine.size, 37):
        assert engine.searcher.lengths[d] == max(1, sum(1 for _ in words(engine.paragraphs[d].text)))


def test_term_score_is_whooshs_bm25_over_text_and_title():
    # by hand: idf 2, tf 1 in the text + 1 in the title (×TITLE), length 10, average 20, B .75, K1 1.2
    tf = 1 + TITLE
    by_hand = 2 * (tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * 10 / 20))
    assert math.isclose(term_score(1, 1, 10, 20.0, 2.0, 0.75, 1.2), by_hand)
    assert term_score(0, 0, 10, 20.0, 2.0, 0.75, 1.2) == 0.0
    # below half the average length a record scores as if it were half the average long
    assert term_score(1, 0, 2, 20.0, 2.0, 0.75, 1.2) == term_score(1, 0, 10, 20.0, 2.0, 0.75, 1.2) > term_score(1, 0, 11, 20.0, 2.0, 0.75, 1.2)
    assert math.isclose(idf(100, 1), math.log(1 + 99.5 / 1.5)) and idf(100, 100) > 0


# Prose that says more wins ------------------------------------------------------------------

def test_prose_outranks_a_one_line_entry_on_the_same_news(engine):
    """corpus/2021-ch4.txt: line 26 is the timeline entry "两院院士增选名单公布，上海12人当选"; line 37
    is the paragraph that tells it (中科院选举产生65名院士 … 上海共12人当选, 其中 …)."""
    top = [h.paragraph for h in engine.search("院士 当选").hits[:2]]
    assert "上海共12人当选" in top[0].text and "两院院士增选名单公布" in top[1].text


def test_prose_outranks_figures_and_timeline_entries(engine):
    """Read from the reports: corpus/2017-ch4.txt 772–773 (科技小巨人工程实施十余年来，共有6187家…)
    is the paragraph that tells of 科技小巨人; 878–892 is the infographic beside it (…平均研发投
    入强度8%以上, 科技小巨人企业在创业板上市企业中的占比82.7% …). For 上海天文馆, 2019-ch4.txt
    1088 tells of its first lighting; 2021-ch4.txt 14–17 is a timeline entry (7月 …开馆)."""
    first = engine.search("科技小巨人").hits[0].paragraph
    assert first.id == "2017-ch4-0772" and first.kind == "prose"
    hits = [h.paragraph for h in engine.search("上海天文馆").hits]
    assert hits[0].kind == "prose" and "首次亮灯" in hits[0].text
    kinds = [p.kind for p in hits]
    assert {"caption", "event"} <= set(kinds)  # 2019-ch4.txt 1127 (a photo's caption), 2021-ch4.txt 17
    last_prose = max(i for i, k in enumerate(kinds) if k == "prose")
    assert all(i > last_prose for i, k in enumerate(kinds) if k in ("caption", "event"))  # the 2021 prose (457) too


# Headings are searchable --------------------------------------------------------------------

def test_a_heading_finds_the_paragraphs_it_titles(engine):
    """corpus/2020-ch4.txt: the sub-heading at line 413 "推进大零号湾创新创业集聚区建设" titles the
    paragraphs at 415–435; those at 419 (20多万平方米科创载体…) and 427 (华谊科创综合体…) never say 零号湾."""
    found = ids(engine, "零号湾")
    assert {"2020-ch4-0419", "2020-ch4-0427"} <= set(found)
    hits = engine.search(SearchRequest("零号湾", per_page=100)).hits
    in_text = [i for i, h in enumerate(hits) if "零号湾" in h.paragraph.text]
    heading_only = [i for i, h in enumerate(hits) if "零号湾" not in h.paragraph.text]
    assert heading_only and max(in_text) < min(heading_only)  # a text match ranks above a heading-only one
    only = next(h for h in hits if h.paragraph.id == "2020-ch4-0419")
    assert "<mark>零号湾</mark>" in only.heading_html and "<mark>" not in only.snippet_html
    assert only.to_json(Citer(engine.corpus.reports))["heading_html"] == only.heading_html


def test_exclusion_covers_the_heading_too(engine):
    assert "2020-ch4-0419" in ids(engine, "科创载体")
    assert "2020-ch4-0419" not in ids(engine, "科创载体 -零号湾")


def test_words_together_rank_above_words_apart(engine):
    """技术合同 (jieba: 技术 + 合同). corpus/2020-overview.txt line 64 says 全年技术合同成交额1815.3亿元;
    corpus/2020-ch4.txt line 461 has 技术 and 合同 apart (…促成合同…)."""
    assert parse("技术合同").clauses[0].parts == ("技术", "合同")
    found = ids(engine, "技术合同")
    assert found.index("2020-overview-0064") < found.index("2020-ch4-0461")
    hit = next(h for h in engine.search("技术合同").hits if h.paragraph.id == "2020-overview-0064")
    assert "<mark>技术合同</mark>成交额1815.3亿元" in hit.snippet_html


# The query language says what it did ---------------------------------------------------------

def test_section_filter(engine, paragraphs):
    results = engine.search(SearchRequest("科技 section:4.4", per_page=100))
    assert results.total == sum(1 for p in paragraphs if p.section.startswith("4.4 ") and ("科技" in p.text or "科技" in p.section + p.heading))
    assert results.sections == ("4.4",) and all(h.paragraph.section.startswith("4.4 ") for h in results.hits)
    odd = engine.search("科技 section:9.9")
    assert any("没有 9.9 节" in n for n in odd.notes) and odd.total == engine.search("科技").total


def test_an_unknown_field_is_text_with_a_note(engine):
    results = engine.search("foo:科创板")
    assert any("未知的字段 foo:" in n for n in results.notes)


# Did you mean --------------------------------------------------------------------------------

def test_did_you_mean_offers_a_spelling_that_finds_more(engine, client):
    """上海天文官 is a typo of 上海天文馆 (corpus/2019-ch4.txt line 1088 and others)."""
    results = engine.search("上海天文官")
    assert results.total == 0
    assert results.suggestions == [{"query": "上海天文馆", "total": engine.search("上海天文馆").total}]
    api = client.get("/api/search?q=" + quote("上海天文官")).get_json()
    assert api["suggestions"] == results.suggestions
    html = client.get("/search?q=" + quote("上海天文官")).get_data(as_text=True)
    assert "您是不是要找" in html and 'class="suggestion" href="/search?q=%E4%B8%8A%E6%B5%B7%E5%A4%A9%E6%96%87%E9%A6%86"' in html
    assert engine.search("上海天文馆").suggestions == []  # found plenty: nothing to suggest
    assert engine.search('"上海天文官"').suggestions == []  # a quoted phrase is what was meant


# The collector scores as Whoosh's own stepping does ------------------------------------------

def test_bulk_scores_equal_whooshs_matcher_scores(engine):
    """FacetedTopCollector scores documents with the leaves' scorers instead of stepping the
    matcher tree; Whoosh's own ScoredCollector (searcher.search) must give the same scores."""
    from report_search.search.collect import FacetedTopCollector

    for text in ["科创板", "科技金融 -保险", "长三角 OR 一带一路", "科创板上市企业", '"科技创新中心" 张江', "新 -创新 OR 科", "\"00\"", "\"11\""]:
        q = tree(parse(text, engine.corpus.synonyms))
        ours = FacetedTopCollector((1 << engine.size) - 1, engine.size, engine.size)
        engine.searcher.search_with_collector(q, ours)
        mine = {d: score for score, d in ours.results().top_n}
        # q.child: the same tree stepped by Whoosh's own compound matchers (its boolean algebra,
        # its sums of the leaves' scores); q: answered as a whole (exact.Evaluated), scored per document
        for stepped in (q.child, q):
            whooshs = {hit.docnum: hit.score for hit in engine.searcher.search(stepped, limit=None)}
            assert whooshs.keys() == mine.keys() and whooshs, text
            assert all(math.isclose(whooshs[d], mine[d]) for d in mine), text


def test_a_common_terms_kept_scores_are_the_very_numbers_of_scoring_its_matches(engine):
    """A term in over an eighth of the records keeps every record's score (ranking.ExactScorer):
    the same arithmetic, so exactly the same numbers, not merely close ones."""
    from report_search.search import bitset

    for text in ("新", "创", "科技", "创新", "的"):
        assert engine.searcher.in_text(text).dense is not None, text
        scorer = engine.searcher.weighting.scorer(engine.searcher, "text", text)
        docs = bitset.to_array(engine.searcher.containing(text), engine.size)
        assert np.array_equal(scorer.score_docs(docs), scorer._scores(docs)), text
        assert np.allclose(scorer.score_docs(docs[:50]), [scorer.score_doc(d) for d in docs[:50].tolist()], rtol=1e-12), text


# 相关词: significant words of all the hits (search/significant.py) ---------------------------------

def test_key_terms_come_from_the_hits_and_narrow_them(engine, client):
    results = engine.search("上海天文馆")
    terms = engine.key_terms(results)
    assert terms and "上海天文馆" not in terms and not any(t in "上海天文馆" for t in terms)
    assert all(any(t in h.paragraph.text.lower() for h in results.hits) for t in terms)
    assert all(engine.searcher.doc_frequency("words", t) <= 0.05 * engine.size for t in terms)  # not the common words
    assert client.get("/api/search?q=" + quote("上海天文馆")).get_json()["key_terms"] == terms
    html = client.get("/search?q=" + quote("上海天文馆")).get_data(as_text=True)
    first = re.search(r'class="key-term" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    narrowed = client.get(first).get_data(as_text=True)
    assert f"结果中检索：{terms[0]}" in narrowed or f"{terms[0]} <span aria-hidden" in narrowed
    assert engine.key_terms(engine.search("")) == []  # browsing: nothing to characterise
    for q in ("上海天文馆", "科创板", "长三角"):  # the stored term vectors say what segmenting the texts again says
        docs = [engine.by_id[h.paragraph.id] for h in engine.search(q).hits]
        text = "\n".join(engine.paragraphs[d].text for d in docs)
        assert dict(engine.searcher.key_terms(docs, "words", numterms=30)) == pytest.approx(dict(engine.searcher.key_terms_from_text("words", text, numterms=30)))


def test_a_district_label_line_is_part_of_the_title(engine):
    """corpus/2021-ch4.txt: the label line 临港 (line 344) names the paragraph at 346 (建设具有国际
    竞争力的产业集群…), which never says 临港."""
    p = engine.paragraph("2021-ch4-0346")
    assert p.label == "临港" and "临港" not in p.text
    assert p.path == ("4.4 优化全域创新空间格局", "科技创新中心重要承载区功能持续提升", "临港")  # lines 334, 338, 344
    found = [h.paragraph.id for h in engine.search(SearchRequest("临港", year=(2021,), per_page=50)).hits]
    assert "2021-ch4-0346" in found
    assert "2021-ch4-0346" not in [h.paragraph.id for h in engine.search(SearchRequest("产业集群 -临港", per_page=100)).hits]


def test_and_and_not_are_read_as_a_searcher_means_them(engine):
    both = engine.search("科创板 上市")
    assert engine.search("科创板 AND 上市").total == both.total > 0
    assert any("AND 已省略" in n for n in engine.search("科创板 AND 上市").notes)
    assert engine.search("科创板 NOT 上市").total == engine.search("科创板 -上市").total < engine.search("科创板").total


def test_a_hit_found_by_its_label_line_shows_it_marked(engine):
    hit = next(h for h in engine.search(SearchRequest("临港", year=(2021,), per_page=50)).hits if h.paragraph.id == "2021-ch4-0346")
    assert hit.label_html == "<mark>临港</mark>" and hit.to_json(Citer(engine.corpus.reports))["label_html"] == hit.label_html


def test_the_page_is_exactly_a_full_sort(engine):
    """The collector sorts only the candidates that can reach the page (collect._first); every
    page equals the same slice of a full sort by (text coverage, score, document number)."""
    from report_search.search.collect import _first

    rng = np.random.default_rng(16)
    for n, limit, digits in [(1, 10, 1), (50, 10, 1), (5000, 10, 1), (5000, 100, 1), (300, 299, 1), (40_000, 10, 0), (40_000, 10, 3)]:
        docs = np.sort(rng.choice(100_000, n, replace=False))
        key = -rng.integers(0, 3, n)  # coverage: few distinct values, many ties
        then = -np.round(rng.random(n) * 4, digits)  # scores with ties (digits=0: five values, thousands tied at the bound)
        expected = sorted(range(n), key=lambda i: (key[i], then[i], docs[i]))[:limit]
        assert _first(key, then, docs, limit).tolist() == expected
    for sort in ("newest", "oldest"):  # a year, then reading order: every page in sequence
        first = engine.search(SearchRequest("科技", sort=sort, per_page=100))
        shown = [h.paragraph for page in range(1, first.pages + 1) for h in engine.search(SearchRequest("科技", sort=sort, per_page=100, page=page)).hits]
        order = [(-p.year if sort == "newest" else p.year, p.order) for p in shown]
        assert len(shown) == first.total > 200 and order == sorted(order)


def test_the_words_field_holds_what_its_analyzer_makes_of_the_text(engine):
    """A build segments each text once and hands the words to Whoosh as tokens; the field must
    hold exactly what analysing the text would (the query side and more_like analyse text)."""
    from collections import Counter

    from report_search.index.analysis import WordTokenizer

    reader = engine.searcher.reader()
    for d in range(0, engine.size, 7):
        expected = Counter(WordTokenizer().terms(engine.paragraphs[d].text))
        held = dict(reader.vector_as("weight", d, "words")) if reader.has_vector(d, "words") else {}
        assert held == expected, engine.paragraphs[d].id


def test_counting_a_search_equals_its_total(engine):
    """Engine.count (did-you-mean, the zero-results help) counts what search would find."""
    for text, kw in [("科技", {}), ("科创板", {"year": (2020,)}), ("长三角 OR 一带一路 -上海", {"theme": ("区域协同",)}),
                     ("创新 section:4.4", {}), ("", {"district": ("闵行",)}), ("量子猫", {}), ('"科技创新中心"', {"year": (2017, 2019)})]:
        request = SearchRequest(text, **kw)
        assert engine.count(request) == engine.search(request).total, text
