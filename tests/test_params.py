"""The one parameter definition (search/params.py) against every door that reads it: the API's
limits as its OpenAPI document states them hold on the live app and the CLI, every response
shape is described, and the README's query language and commands are the code's own."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from report_search.search.params import FACET_NAMES, MAX_COLLECTED, MAX_VALUES
from report_search.search.query import SYNTAX
from report_search.web.cli import build_parser, main
from report_search.web.openapi import spec
from report_search.web.params import REPEATED, SINGLE

README = Path(__file__).resolve().parent.parent / "README.md"


def _parameter(path: str, name: str) -> dict:
    return next(p for p in spec()["paths"][path]["get"]["parameters"] if p["name"] == name)


def _validate(name: str, body: dict) -> None:
    Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec()["components"]}).validate(body)


def test_the_api_documents_exactly_the_parameters_the_code_reads():
    documented = {p["name"] for p in spec()["paths"]["/api/search"]["get"]["parameters"]}
    assert documented == set(SINGLE) | set(REPEATED) and set(FACET_NAMES) <= documented


def test_the_documented_page_size_limits_hold(client, capsys):
    per_page = _parameter("/api/search", "per_page")["schema"]
    top, default = per_page["maximum"], per_page["default"]
    assert client.get(f"/api/search?q=科技&per_page={top}").status_code == 200
    assert client.get(f"/api/search?q=科技&per_page={top + 1}").status_code == 400
    assert client.get(f"/search?q=科技&per_page={top + 1}").status_code == 400
    assert client.get("/api/search?q=科技").get_json()["per_page"] == default
    with pytest.raises(SystemExit) as ended:
        main(["query", "科技", "--per-page", str(top + 1), "--no-build"])
    assert ended.value.code == 2 and f"1–{top}" in capsys.readouterr().err


def test_the_documented_query_length_holds(client):
    longest = _parameter("/api/search", "q")["schema"]["maxLength"]
    assert client.get("/api/search", query_string={"q": "科" * longest}).status_code == 200
    refused = client.get("/api/search", query_string={"q": "科" * (longest + 1)})
    assert refused.status_code == 400 and str(longest) in refused.get_json()["error"]["message"]


def test_the_documented_cap_on_facet_values_holds(client):
    assert f"at most {MAX_VALUES}" in _parameter("/api/search", "theme")["description"]
    themes = [("theme", f"主题{i}") for i in range(MAX_VALUES + 3)]
    body = client.get("/api/search", query_string=[("q", "科技"), *themes]).get_json()
    assert any(f"最多选 {MAX_VALUES} 个，其余 3 个已忽略" in note for note in body["notes"])


def test_the_reader_and_the_citations_have_their_shapes_described(client):
    chapter = client.get("/api/reports/2019-ch4?q=天文馆").get_json()
    _validate("Chapter", chapter)
    assert chapter["matching"] > 0
    ids = ["2020-ch4-0177", "nope", *[f"x{i}" for i in range(MAX_COLLECTED + 5)]]
    citations = client.get("/api/citations", query_string=[("id", i) for i in ids]).get_json()
    _validate("Citations", citations)
    assert [item["id"] for item in citations["items"]] == ["2020-ch4-0177"]
    assert len(citations["unknown"]) == MAX_COLLECTED - 1  # the cap counts the ids asked for, in order
    assert f"at most {MAX_COLLECTED}" in _parameter("/api/citations", "id")["description"]


def test_the_readme_query_language_is_the_parser_own():
    readme = README.read_text(encoding="utf-8")
    table = readme[readme.index("The query language:\n"):].split("\n\n")[1].splitlines()
    assert table[0] == "| you type | it means |"
    assert table[2:] == [f"| `{typed}` | {meaning} |" for typed, meaning in SYNTAX]


def test_every_readme_command_line_parses():
    """Each `report-search …` line of the README goes through the real parser (cog --check style)."""
    readme = README.read_text(encoding="utf-8")
    lines = [m.group(1).split("  #")[0].split(" | ")[0].split(" > ")[0] for m in re.finditer(r"^report-search (.+)$", readme, re.M)]
    assert len(lines) >= 10
    parser = build_parser()
    for line in lines:
        parser.parse_args(shlex.split(line))
    usage = re.search(r"`report-search serve (\[.+?)`", readme, re.S).group(1)  # the serve command's options, each bracketed
    parser.parse_args(["serve", *shlex.split(re.sub(r"[\[\]]", " ", usage))])


def test_the_work_of_one_request_is_bounded_and_said(client, engine):
    from report_search.search.params import HELP_TERMS, MAX_TERMS

    many = " ".join(f"z{i}" for i in range(MAX_TERMS + 10))  # 40 one-word terms none of which occurs
    body = client.get("/api/search", query_string={"q": many}).get_json()
    assert f"查询包含 {MAX_TERMS + 10} 个检索词，只检索前 {MAX_TERMS} 个" in body["notes"]
    assert len(body["terms"]) == MAX_TERMS
    page = client.get("/search", query_string={"q": many}).get_data(as_text=True)
    counted = re.search(r'<ul class="term-counts">(.*?)</ul>', page, re.S).group(1)
    assert counted.count('class="term"') == HELP_TERMS and f"另有 {MAX_TERMS - HELP_TERMS} 个词未逐一查找" in counted
    assert engine.search("科技 创新").notes == []  # an ordinary query: nothing cut


def test_a_long_sentence_searches_its_beginning_never_everything(engine):
    """A sentence jieba cuts into more than MAX_TERMS words (2019-ch4 prose, 70 characters) keeps
    its first words, all required: the cut never widens the search to the whole corpus."""
    from report_search.search.params import MAX_TERMS

    sentence = "加快推进一馆一品建设提升科普场馆服务能级稳步推进上海科普公园建设强化科普与文化旅游体育等融合发展为市民群众提供又一科普好去处截至年底全市共有示范性科普场馆"
    results = engine.search(sentence)
    assert len(results.parsed.clauses[0].parts) == MAX_TERMS  # of 33
    assert results.parsed.groups and results.total < engine.size
    assert any("只检索前" in n for n in results.notes)
