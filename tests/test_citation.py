"""Citations a journal accepts (issue 18, point 2; issue 17, point 2): one builder
(search/citation.py) for every form — plain, GB/T 7714-2015 [R/OL] with the publication year,
BibTeX read back whole by a BibTeX parser, RIS, CSV — the same from the pages, the API, the
exports, the 引用清单 and the CLI; a figure cited as a figure, never as a numbered paragraph."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from pybtex.database import parse_string
from pylatexenc.latex2text import LatexNodes2Text

from report_search.index.corpus import CorpusError, load_corpus
from report_search.index.paragraph import KIND_LABELS, NUMBERED
from report_search.search.citation import Citer, lines

PUBLIC = "https://reports.example.org/search/"
PUBLISHER = "上海市科学技术委员会"


@pytest.fixture(scope="module")
def cite(corpus) -> Citer:
    return Citer(corpus.reports, lambda pid: f"{PUBLIC}p/{pid}")


def today() -> str:
    return date.today().isoformat()


def test_a_passage_is_cited_by_its_place_paragraph_and_lines(engine, cite):
    """corpus/2020-ch4.txt line 177, under 4.4 优化科技金融生态: 科创板已上市企业**215家**，其中上海**37家**.
    It is the section's 第3段: 4.4 (line 167) opens with prose at 169 (1); 171 (► 多层次资本市场…)
    and 173 (● 科技创新企业…) are sub-headings; prose at 175 (2) and 177 (3). The year [2021?] is
    the manifest's estimate for 2020-ch4.txt (corpus/manifest.toml, its `published`)."""
    c = cite(engine.paragraph("2020-ch4-0177"))
    assert c.plain() == (f"{PUBLISHER}.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态, 第3段 "
                         f"(corpus/2020-ch4.txt 第177行) {PUBLIC}p/2020-ch4-0177")
    # GB/T 7714-2015, electronic report: 责任者. 题名[R/OL]. 出版地: 出版者, 出版年: 位置[引用日期]. URL.
    assert c.gbt7714() == (f"{PUBLISHER}. 2020上海科技进步报告[R/OL]. 上海: {PUBLISHER}, [2021?]: "
                           f"第4部分 4.4 优化科技金融生态, 第3段[{today()}]. {PUBLIC}p/2020-ch4-0177.")
    assert c.note == "第4部分 4.4 优化科技金融生态, 第3段 (corpus/2020-ch4.txt 第177行)；出版年为推定（[2021?]）"
    offline = Citer([r for r in engine.corpus.reports])(c.paragraph)  # no public address known (the CLI): the print form
    assert offline.url == "/p/2020-ch4-0177" and offline.gbt7714().endswith("[2021?]: 第4部分 4.4 优化科技金融生态, 第3段.")
    assert "[R]." in offline.gbt7714() and "/p/" not in offline.plain()


def test_a_citation_names_the_lines_it_leaves_out(engine, cite):
    """corpus/2019-ch4.txt 1088–1108 is one paragraph; lines 1092 (科普设施建设进一步完善) and 1094
    (科普工作取得丰硕成果) are headings the extraction put inside it."""
    c = cite(engine.paragraph("2019-ch4-1088"))
    assert "(corpus/2019-ch4.txt 第1088–1108行，略去第1092、1094行)" in c.plain()


def test_a_figure_is_cited_as_a_figure_never_as_a_numbered_paragraph(engine, paragraphs, cite):
    """corpus/2017-ch4.txt 418–510: the 紫竹创新创业走廊布局 map, one place name or two per line
    (申 / 嘉 / 湖 … 上海 / 交通 / 大学)."""
    figure = cite(engine.paragraph("2017-ch4-0418"))
    assert figure.paragraph.kind == "figure" and figure.position == "图示，第418–510行"
    assert "图示，第418–510行 (corpus/2017-ch4.txt)" in figure.plain() and "图示，第418–510行[" in figure.gbt7714()
    others = [p for p in paragraphs if p.kind not in NUMBERED]
    assert {p.kind for p in others} >= {"figure", "table", "event", "caption", "heading-only"}
    for p in others:  # every kind by its word and its lines
        c = cite(p)
        assert c.position == f"{KIND_LABELS[p.kind]}，{lines(p)}"
        assert not re.search(r"第\d+段", c.plain() + c.gbt7714() + c.bibtex() + c.ris())
    counted: Counter[tuple[str, str]] = Counter()  # 第N段 counted afresh: the prose and list records of each section, in order
    for p in paragraphs:
        if p.kind in NUMBERED:
            counted[p.file, p.section] += 1
            assert cite(p).position == p.designation == f"第{counted[p.file, p.section]}段"
        else:
            assert p.designation == KIND_LABELS[p.kind] and p.to_json()["designation"] == KIND_LABELS[p.kind]


GBT_ONLINE = re.compile(rf"{PUBLISHER}\. (?P<title>\d{{4}}上海科技进步报告)\[R/OL\]\. 上海: {PUBLISHER}, "
                        r"(?P<year>\d{4}|\[\d{4}\?\]): (?P<where>.+)\[(?P<cited>\d{4}-\d\d-\d\d)\]\. (?P<url>\S+)\.")


def test_every_gbt7714_citation_has_the_standards_parts_and_the_manifests_year(paragraphs, corpus, cite):
    published = {r.file: r.published for r in corpus.reports}
    for p in paragraphs:
        m = GBT_ONLINE.fullmatch(cite(p).gbt7714())
        assert m, cite(p).gbt7714()
        assert (m["title"], m["year"], m["cited"], m["url"]) == (p.report, published[p.file], today(), f"{PUBLIC}p/{p.id}")


def test_the_publication_year_is_the_manifests_estimate_where_the_texts_state_none(corpus):
    """None of the five extracted chapters names its year of publication (no cover or colophon:
    each starts with its chapter title, e.g. corpus/2017-ch4.txt lines 2–4) and each reviews its
    edition's year to its end (截至年底), so manifest.toml estimates the year after, bracketed."""
    assert {r.file: r.published for r in corpus.reports} == {
        "corpus/2017-ch4.txt": "[2018?]", "corpus/2019-ch4.txt": "[2020?]", "corpus/2020-overview.txt": "[2021?]",
        "corpus/2020-ch4.txt": "[2021?]", "corpus/2021-ch4.txt": "[2022?]"}
    assert all("截至年底" in r.text or "全年" in r.text for r in corpus.reports)


@pytest.mark.parametrize("value", ['"2021?"', '"二〇二一"', "true", '"[21?]"'])
def test_a_malformed_publication_year_is_named(tmp_path, corpus, value):
    import shutil

    copy = tmp_path / "corpus"
    shutil.copytree(corpus.root, copy)
    manifest = copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('published = "[2020?]"', f"published = {value}", 1), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"2019-ch4\.txt: published must be the year the report states"):
        load_corpus(copy)


def latex_text(value: str) -> str:
    """What LaTeX prints for a BibTeX value (pylatexenc, as bibtexparser decodes)."""
    return LatexNodes2Text().latex_to_text(value)


def test_every_bibtex_entry_reads_back_whole_through_a_bibtex_parser(paragraphs, cite):
    entries = parse_string("\n".join(cite(p).bibtex() for p in paragraphs), "bibtex").entries
    assert list(entries) == [p.id for p in paragraphs]
    for p in paragraphs:
        c, entry = cite(p), entries[p.id]
        fields = {name: latex_text(value) for name, value in entry.fields.items()}
        assert entry.type == "report" and [str(a) for a in entry.persons["author"]] == [f"{{{PUBLISHER}}}"]
        assert fields["abstract"] == p.text and fields["title"] == p.report and fields["note"] == c.note
        assert fields["institution"] == PUBLISHER and fields["year"] == c.published.strip("[?]")
        assert fields["url"] == f"{PUBLIC}p/{p.id}" and fields["urldate"] == today()
    assert any("%" in p.text for p in paragraphs) and any("&" in p.text for p in paragraphs)  # the corpus's specials


def test_every_ascii_character_round_trips_through_bibtex(engine, cite):
    """Beyond the corpus: every printable ASCII character, ligature pairs (-- `` '' ?`) and a
    lone brace. (^ is left out: LaTeX prints \\textasciicircum as ^, pylatexenc as U+02C6; the space is
    inside, as BibTeX trims a value's ends, and a record's text never starts or ends with one.)"""
    p = engine.paragraph("2020-ch4-0177")
    text = "".join(chr(c) for c in range(33, 127) if chr(c) != "^") + " a--b ``c'' ?`!` 科创板 ① ％"
    for odd in (text, "开 { 不闭", "} 先闭"):
        entry = parse_string(cite(replace(p, text=odd)).bibtex(), "bibtex").entries[p.id]
        if odd == text:
            assert latex_text(entry.fields["abstract"]) == odd
        else:  # a lone brace still leaves a well-formed entry
            assert entry.fields["url"] == f"{PUBLIC}p/{p.id}"


def test_ris_and_csv_carry_the_same_fields(client, engine):
    p = engine.paragraph("2019-ch4-1088")
    ris = client.get("/collection/download?id=2019-ch4-1088&format=ris").get_data(as_text=True)
    tags = dict(line.split("  - ", 1) for line in ris.rstrip("\r\n").split("\r\n") if line != "ER  - ")
    assert tags["PY"] == "2020" and tags["PB"] == PUBLISHER and tags["AB"] == p.text and tags["Y2"] == today()
    assert tags["UR"] == "http://localhost/p/2019-ch4-1088" and "略去第1092、1094行" in tags["N1"] and "[2020?]" in tags["N1"]
    body = client.get("/collection/download?id=2019-ch4-1088&id=2017-ch4-0418&format=csv").data
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["skipped"] == "1092 1094" and rows[1]["skipped"] == ""  # the lines the text leaves out
    assert (rows[0]["published"], rows[0]["publisher"], rows[0]["accessed"]) == ("[2020?]", PUBLISHER, today())
    assert rows[1]["kind"] == "figure" and "图示，第418–510行" in rows[1]["citation_gbt7714"]


def test_every_door_gives_the_same_citation(client, run, index_path, monkeypatch):
    """The results page, the paragraph page, /api/search, /api/paragraphs, /api/citations, the
    export, the 引用清单 and the CLI: one builder, so the forms never drift apart."""
    for pid, query in (("2020-ch4-0177", '"其中上海37家"'), ("2017-ch4-0418", '"紫竹创新创业走廊布局"')):
        expected = client.get(f"/api/paragraphs/{pid}").get_json()
        plain, gbt = expected["citation"], expected["citation_gbt7714"]
        assert plain.endswith(f" http://localhost/p/{pid}") and gbt.endswith(f"http://localhost/p/{pid}.")
        hit = next(h for h in client.get("/api/search", query_string={"q": query}).get_json()["hits"] if h["id"] == pid)
        item = client.get(f"/api/citations?id={pid}").get_json()["items"][0]
        assert (hit["citation"], hit["citation_gbt7714"]) == (item["citation"], item["citation_gbt7714"]) == (plain, gbt)
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert _html(plain) in page and _html(gbt) in client.get(f"/collection?id={pid}").get_data(as_text=True)
        assert _html(gbt) in client.get(f"/p/{pid}").get_data(as_text=True)
        exported = client.get("/export", query_string={"q": query, "format": "gbt"}).get_data(as_text=True)
        assert f"] {gbt}\n" in exported
        monkeypatch.setenv("REPORT_SEARCH_PUBLIC_URL", "http://localhost")  # the CLI, told the same address
        cli = run("query", query, "--format", "jsonl", "--index", str(index_path.parent.parent), "--no-build")
        assert f'"citation": "{plain}"' in cli.stdout and f'"citation_gbt7714": "{gbt}"' in cli.stdout


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
