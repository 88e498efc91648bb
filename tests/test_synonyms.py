"""Synonyms and abbreviations (issue 7, point 6): the reports' own short and full forms
(corpus/synonyms.toml) find each other; a quoted phrase never expands; one click turns it off."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from urllib.parse import parse_qs, quote, urlparse

import pytest

from report_search.search.request import SearchRequest


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def has(p, form: str) -> bool:
    """In the text or the title (section + sub-heading): the fields a query matches."""
    return form in folded(p.text) or form in folded(" ".join(t for t in (p.section, p.heading, p.label) if t))


def test_the_table_counts_are_what_the_reports_say(corpus, paragraphs):
    table = tomllib.loads((corpus.root / "synonyms.toml").read_text(encoding="utf-8"))["synonym"]
    text = "\n".join(folded(p.text) for p in paragraphs)
    for row in table:
        assert [text.count(folded(f)) for f in row["forms"]] == row["counts"], row["forms"]
        assert all(n > 0 for n in row["counts"])  # every form is the reports' own


@pytest.mark.parametrize("typed, other", [("科创中心", "科技创新中心"), ("科技创新中心", "科创中心"), ("长江三角洲", "长三角"),
                                         ("长三角", "长江三角洲"), ("双创", "大众创业"), ("AI", "人工智能"), ("高企", "高新技术企业")])
def test_a_term_finds_its_equivalents_in_both_directions(engine, paragraphs, typed, other):
    group = next(g for g in engine.corpus.synonyms if folded(typed) in map(folded, g))
    expected = {p.id for p in paragraphs if any(has(p, folded(f)) for f in group)}
    results = engine.search(SearchRequest(typed, per_page=100))
    assert {h.paragraph.id for h in results.hits} == expected
    assert any(other in folded(p.text) for p in paragraphs if p.id in expected)  # the other form is found
    assert any(n.startswith("同义词一并查找：") for n in results.notes)


def test_expansion_finds_what_the_typed_form_alone_misses(engine, paragraphs):
    """2019-ch4, for one: 科创中心 is written in full (科技创新中心) in most paragraphs."""
    alone = {p.id for p in paragraphs if "科创中心" in p.text}
    both = {h.paragraph.id for h in engine.search(SearchRequest("科创中心", per_page=100)).hits}
    assert alone < both and len(both) > 2 * len(alone)


def test_quoted_and_turned_off_find_only_what_was_typed(engine, paragraphs):
    only = {p.id for p in paragraphs if has(p, "科创中心")}
    assert {h.paragraph.id for h in engine.search(SearchRequest('"科创中心"', per_page=100)).hits} == only
    off = engine.search(SearchRequest("科创中心", expand=False, per_page=100))
    assert {h.paragraph.id for h in off.hits} == only and not any("同义词" in n for n in off.notes)


def test_the_page_says_so_and_offers_one_click_without_it(client):
    html = client.get("/search?q=" + quote("科创中心")).get_data(as_text=True)
    assert "同义词一并查找：查“科创中心”时也查“科技创新中心”" in html and "科创中心</span> 或 <span class=\"term\">科技创新中心" in html
    link = re.search(r'class="no-synonyms" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"q": ["科创中心"], "expand": ["0"]}
    off = client.get(link).get_data(as_text=True)
    # ten paragraphs say 科创中心, and one more is titled by it: the 2019 sub-heading at
    # corpus/2019-ch4.txt line 798 ("支持外资研发中心加速融入科创中心建设", after its content).
    assert "已关闭同义词扩展" in off and re.search(r"共 <strong>11</strong> 条", off)
    api = client.get("/api/search?q=" + quote("科创中心") + "&expand=0").get_json()
    assert api["total"] == 11
    assert client.get("/api/search?q=x&expand=maybe").status_code == 400
