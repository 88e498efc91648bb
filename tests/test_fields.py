"""The 领域 (technology field) and 类型 (kind) facets (issue 17, points 2 and 3): the alias table's
counts are the corpus's, and both facets filter the same way through every door (URL, API,
CLI, typed prefix, export). Their counts against brute force: tests/test_search.py's facet oracle."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from urllib.parse import quote

import pytest

from report_search.search.request import SearchRequest


def squeezed(text: str) -> str:
    """NFKC, lower case, no white space: how the table says aliases are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def holds(text: str, alias: str, blocked: list[str]) -> bool:
    """Brute force: the alias occurs outside every blocked phrase; an ASCII alias not inside an ASCII word."""
    text, alias = squeezed(text), squeezed(alias)
    spans = [(m.start(), m.end()) for b in blocked for m in re.finditer(re.escape(squeezed(b)), text)]
    for m in re.finditer(re.escape(alias), text):
        inside_word = alias.isascii() and (
            (m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum())
            or (m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalnum()))
        if not inside_word and not any(s <= m.start() and m.end() <= e for s, e in spans):
            return True
    return False


@pytest.fixture(scope="module")
def table(corpus) -> list[dict]:
    return tomllib.loads((corpus.root / "fields.toml").read_text(encoding="utf-8"))["field"]


def test_each_alias_count_is_the_number_of_records_holding_it(table, paragraphs):
    for row in table:
        for alias, count in row["aliases"].items():
            assert sum(holds(p.text, alias, row.get("not", [])) for p in paragraphs) == count > 0, (row["name"], alias)


def test_a_record_is_in_the_fields_its_text_names(table, paragraphs):
    for p in paragraphs:
        expected = [row["name"] for row in table if any(holds(p.text, a, row.get("not", [])) for a in row["aliases"])]
        assert list(p.fields) == expected, p.id


@pytest.mark.parametrize("year, snippet, fields", [
    (2020, "复洁环保、先惠自动化", ()),  # 2020-ch4.txt: the 科创板 listings name a company, not 节能环保
    (2021, "上海交通大学医学院(医药卫生学部)", ()),  # 2021-ch4.txt: an academician's division
    (2021, "中科院脑科学与智能技术卓越创新中心", ()),  # 2021-ch4.txt: an academician's institute and division
    (2019, "上海海洋国家大学科技园", ("航空航天",)),  # 2019-ch4.txt: a university park; 北斗/无人机 are fields
    (2019, "基因溯源", ()),  # 2019-ch4.txt: a TV programme's figure of speech
    (2021, "上海中医药与天然药物国际大会", ("生物医药",)),  # 2021-ch4.txt: 中医药产业示范基地, a pharma industry
])
def test_a_name_holding_an_alias_is_not_the_field(find, year, snippet, fields):
    assert find(year, snippet).fields == fields


def test_the_issue_fields_are_all_there(table):
    names = [row["name"] for row in table]
    assert names == ["人工智能", "集成电路", "生物医药", "智能网联汽车/新能源汽车", "航空航天", "新材料", "量子科技",
                     "脑科学与类脑", "海洋", "绿色低碳/节能环保", "数字经济", "先进制造"]


def test_an_alias_or_a_word_filters_like_the_name(engine):
    """field=芯片 is 集成电路 (2017-ch4.txt line 117: 芯片制造业 under 集成电路产业集聚度高);
    kind=图示 is figure; typed prefixes do the same."""
    by_name = engine.search(SearchRequest("", field=("集成电路",), kind=("figure", "prose")))
    by_alias = engine.search(SearchRequest("", field=("芯片",), kind=("图示", "正文")))
    typed = engine.search(SearchRequest("领域:芯片 类型:图示 kind:prose"))
    assert by_name.total == by_alias.total == typed.total > 0
    assert by_alias.filters == typed.filters == by_name.filters
    assert "2017-ch4-0116" in {h.paragraph.id for h in engine.search(SearchRequest("", field=("芯片",), per_page=100)).hits}


def test_the_default_keeps_every_kind_ranked_as_before(engine):
    every = engine.search(SearchRequest("科技", per_page=50))
    all_kinds = engine.search(SearchRequest("科技", kind=("prose", "list", "table", "figure", "event", "caption", "heading-only"),
                                            per_page=50))
    assert every.total == all_kinds.total
    assert [h.paragraph.id for h in every.hits] == [h.paragraph.id for h in all_kinds.hits]
    kinds = {row["value"] for row in every.facets["kind"]}
    assert {"figure", "heading-only", "prose"} <= kinds


def test_dropping_figures_and_headings(engine, paragraphs):
    """零号湾 in 2017 finds the map 2017-ch4-0418 (a figure, issue 17); 正文 + 列表 leave it out."""
    assert "2017-ch4-0418" in {h.paragraph.id for h in engine.search(SearchRequest("零号湾", year=(2017,), per_page=100)).hits}
    kept = engine.search(SearchRequest("零号湾", year=(2017,), kind=("正文", "列表"), per_page=100))
    assert {h.paragraph.kind for h in kept.hits} <= {"prose", "list"} and "2017-ch4-0418" not in {h.paragraph.id for h in kept.hits}
    assert kept.total == sum(p.year == 2017 and p.kind in ("prose", "list") and ("零号湾" in p.text or "零号湾" in " ".join(p.path))
                             for p in paragraphs)


def test_the_page_shows_words_help_and_chips(client, corpus):
    html = client.get("/search?q=" + quote("零号湾") + "&kind=figure&theme=" + quote("承载区")).get_data(as_text=True)
    assert '<legend>类型</legend>' in html and '<legend>领域</legend>' in html
    assert 'name="kind" value="figure" checked' in html and '<span class="value">图示</span>' in html
    assert 'aria-label="去掉筛选：图示"' in html  # the chip says the word, not "figure"
    assert "<summary>主题说明</summary>" in html and corpus.definitions["承载区"] in html


def test_the_api_rows_carry_label_and_help(client, corpus):
    body = client.get("/api/search?q=" + quote("人工智能") + "&field=AI").get_json()
    assert body["filters"]["field"] == ["人工智能"]
    assert all("人工智能" in h["fields"] for h in body["hits"])
    kinds = {row["value"]: row["label"] for row in body["facets"]["kind"]}
    assert kinds.get("prose") == "正文"
    themes = {row["value"]: row.get("help") for row in body["facets"]["theme"]}
    assert themes and all(themes[t] == corpus.definitions[t] for t in themes)


def test_the_openapi_theme_parameter_gives_every_definition(client, corpus):
    params = {p["name"]: p for p in client.get("/api/openapi.json").get_json()["paths"]["/api/search"]["get"]["parameters"]}
    assert {"field", "kind"} <= set(params)
    assert all(line in params["theme"]["description"] for line in corpus.definitions.values())


def test_the_cli_and_the_export_filter_alike(run, index_path, client, paragraphs):
    location = str(index_path.parent.parent)
    expected = {p.id for p in paragraphs if "生物医药" in p.fields and p.kind == "prose" and "研发" in p.text}
    cli = run("query", "研发", "--field", "医药", "--kind", "正文", "--format", "csv", "--index", location)
    assert cli.returncode == 0, cli.stderr
    rows = list(csv.DictReader(io.StringIO(cli.out_bytes.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == expected and all(r["kind"] == "prose" and "生物医药" in r["fields"] for r in rows)
    web = client.get("/export?q=" + quote("研发") + "&field=" + quote("生物医药") + "&kind=prose&format=csv")
    assert {r["id"] for r in csv.DictReader(io.StringIO(web.data.decode("utf-8-sig")))} == expected


def test_comparing_editions_keeps_the_new_facets(client):
    html = client.get("/compare?q=" + quote("人工智能") + "&field=AI&kind=figure").get_data(as_text=True)
    assert "筛选：人工智能、图示" in html
    assert "field=" + quote("人工智能") in html and "kind=figure" in html  # the way back keeps them
    body = client.get("/api/compare?q=" + quote("人工智能") + "&field=AI&kind=" + quote("正文")).get_json()
    assert body["filters"]["field"] == ["人工智能"] and body["filters"]["kind"] == ["prose"]
    assert all(h["kind"] == "prose" and "人工智能" in h["fields"] for y in body["years"] for h in y["hits"])
