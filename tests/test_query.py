"""Query language: parsing, segmentation and hostile input."""

from __future__ import annotations

import pytest

from report_search.search.params import MAX_LENGTH
from report_search.search.query import QueryError, parse


def test_terms_are_anded_and_segmented():
    q = parse("科创板上市企业 保险")
    assert [c.parts for g in q.groups for c in g] == [("科创板", "上市", "企业"), ("保险",)]
    assert q.terms == ["科创板", "上市", "企业", "保险"]
    assert len(q.groups) == 2


def test_or_quotes_exclusion_and_filters():
    q = parse('"科技创新中心" 长三角 OR 一带一路 -保险 year:2020 district:闵行 theme:科技金融')
    assert [[c.text for c in g] for g in q.groups] == [["科技创新中心"], ["长三角", "一带一路"]]
    assert q.groups[0][0].phrase and q.groups[0][0].parts == ("科技创新中心",)
    assert [c.text for c in q.excluded] == ["保险"]
    assert q.filters == {"year": ("2020",), "district": ("闵行",), "theme": ("科技金融",)}
    assert q.describe() == '"科技创新中心"，长三角 或 一带一路，不含 保险'
    assert parse("科技 -奔驰亚洲").describe() == "科技，不含 奔驰亚洲"  # excluded as typed, not by parts
    assert parse("year:2020 OR").notes == ("OR 前面没有词，已忽略",)


def test_folding_ascii_and_full_width():
    assert parse("Ｇ60").groups[0][0].text == "g60"
    assert parse("R&D").terms == ["r&d"]


@pytest.mark.parametrize(
    "text, terms, notes",
    [
        ('"科技创新', ["科技创新"], 1),  # unbalanced quote: rest is a phrase
        ("OR", [], 1),  # a lone OR
        ("科创板 OR", ["科创板"], 1),
        ("-", ["-"], 0),  # a lone dash is text, not an exclusion of nothing
        ('""', [], 0),
        ("   ", [], 0),
        ("\x00\x07科创\x1b板", ["科创", "板"], 0),  # control characters are spaces
        ("<script>alert(1)</script>", ["script", "alert", "1"], 0),
        ("foo:bar", ["foo", "bar"], 1),  # unknown field: text, and a note says so
        ("，", [","], 0),  # punctuation alone is still searchable text (folded by NFKC)
    ],
)
def test_any_input_parses(text, terms, notes):
    q = parse(text)
    assert q.terms == terms and len(q.notes) == notes


def test_too_long_is_a_clear_error():
    parse("科" * MAX_LENGTH)
    with pytest.raises(QueryError, match=f"最多 {MAX_LENGTH} 个"):
        parse("科" * 10_000)
