"""The same rules at every door (issue 18): one table of bad inputs run through every page, its
JSON twin, the export and the CLI, each expected to give the same note or the same 400 (exit 2
from the CLI). The request model behind them all is search/request.py."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import unquote

import pytest

from report_search.search.params import MAX_LENGTH, MAX_TERMS

PAGES = ("/search", "/compare", "/export", "/p/2020-ch4-0177", "/r/2020-ch4")
TWINS = ("/api/search", "/api/compare", "/api/paragraphs/2020-ch4-0177", "/api/reports/2020-ch4")
CLI = ("query", "query --format")
FILTERING = ("/search", "/compare", "/export", "/api/search", "/api/compare", *CLI)  # the doors that read filters
EVERY = (*PAGES, *TWINS, *CLI)
CLI_FLAGS = {"theme": "--theme", "district": "--district", "year": "--year"}


@pytest.fixture()
def through(client, run, index_path):
    """`through(door, q, **filters)` → ("ok", notes, answer) or (400, message, None): one request
    through one door, its notes read where that door shows them."""
    location = str(index_path.parent.parent)

    def go(door: str, q: str, **filters: str):
        if door in CLI:
            flags = [x for name, value in filters.items() for x in (CLI_FLAGS[name], value)]
            fmt = ["--format", "jsonl"] if door.endswith("--format") else ["--json"]
            ran = run("query", q, *flags, *fmt, "--index", location, "--no-build")
            if ran.returncode == 2:
                return 400, ran.stderr, None
            assert ran.returncode == 0, ran.stderr
            if fmt[0] == "--json":
                answer = json.loads(ran.stdout)
                return "ok", answer["notes"], answer
            return "ok", re.findall(r"注意：(.+)", ran.stderr), None
        response = client.get(door, query_string={"q": q, **filters})
        body = response.get_data(as_text=True)
        if response.status_code == 400:
            message = response.get_json()["error"]["message"] if door.startswith("/api/") else html.unescape(body)
            return 400, message, None
        assert response.status_code == 200, (door, body[:300])
        if door.startswith("/api/"):
            answer = response.get_json()
            return "ok", answer["notes"], answer
        if door == "/export":
            return "ok", unquote(response.headers.get("X-Export-Note", "")).split("；"), None
        return "ok", [html.unescape(n) for n in re.findall(r'<p class="note">(.*?)</p>', body, re.S)], None

    return go


@pytest.mark.parametrize("door", EVERY)
def test_an_overlong_query_is_the_same_400_at_every_door(through, door):
    status, message, _ = through(door, "科" * (MAX_LENGTH + 1))
    assert status == 400 and f"最多 {MAX_LENGTH} 个" in message


@pytest.mark.parametrize("door", EVERY)
def test_too_many_terms_are_cut_with_the_same_note_at_every_door(through, door):
    """40 one-word terms (none in the corpus; 150 characters, under the length cap)."""
    status, notes, _ = through(door, " ".join(f"z{i}" for i in range(MAX_TERMS + 10)))
    assert status == "ok" and f"查询包含 {MAX_TERMS + 10} 个检索词，只检索前 {MAX_TERMS} 个" in notes


@pytest.mark.parametrize("door", EVERY)
def test_a_broken_escape_is_removed_with_the_same_note_at_every_door(through, door):
    """q=%E7%A7科普: werkzeug decodes the broken escape as U+FFFD; argv bytes that are not UTF-8
    arrive as lone surrogates. Either way the rest is searched, and a note says what was removed."""
    broken = "\udce7\udca7" if door in CLI else "\ufffd"
    status, notes, answer = through(door, f"{broken}科普")
    assert status == "ok" and any(n.startswith("q 中有无法解码的字节") for n in notes)
    if answer is not None and "query" in answer:
        assert answer["query"].strip() == "科普"


@pytest.mark.parametrize("door", FILTERING)
def test_unknown_filter_values_are_dropped_with_the_same_note(through, door):
    """/compare used to echo an unknown theme as if it applied."""
    status, notes, answer = through(door, "科技", theme="不存在的主题")
    assert status == "ok" and any(n.startswith("未知的主题：不存在的主题，已忽略") for n in notes)
    if answer is not None:
        assert answer["filters"]["theme"] == []


@pytest.mark.parametrize("door", FILTERING)
@pytest.mark.parametrize("typed", ["闵行", "閔行", "闵行区"])
def test_short_and_traditional_district_names_are_folded(through, door, typed, paragraphs):
    status, notes, answer = through(door, "", district=typed)
    assert status == "ok" and not any("未知的区" in n for n in notes)
    if answer is not None:
        assert answer["filters"]["district"] == ["闵行区"]
        if "total" in answer:  # counted by brute force over the parsed records
            assert answer["total"] == sum("闵行区" in p.districts for p in paragraphs)


@pytest.mark.parametrize("door", FILTERING)
def test_a_malformed_year_is_the_same_400(through, door):
    status, message, _ = through(door, "科技", year="20x0")
    assert status == 400 and "年份应为四位数字" in message


@pytest.mark.parametrize("door", ("/api/search", "query"))
def test_section_takes_every_label_the_records_carry(through, door, paragraphs):
    """导语 (the paragraphs before a report's first section), a number, a title, a whole label;
    counts by brute force over the parsed records."""
    cases = {
        "导语": lambda s: s == "",
        "4.4": lambda s: s.startswith("4.4 "),
        "推动科学普及事业发展": lambda s: s.endswith(" 推动科学普及事业发展"),
        '"4.4 优化科技金融生态"': lambda s: s == "4.4 优化科技金融生态",
        "原始创新能力不断增强": lambda s: s == "原始创新能力不断增强",
    }
    for typed, chosen in cases.items():
        status, notes, answer = through(door, f"section:{typed}")
        assert status == "ok" and not any("节，已忽略" in n for n in notes), (typed, notes)
        assert answer["total"] == sum(chosen(p.section) for p in paragraphs) > 0, typed
    status, notes, _ = through(door, "section:9.9")
    assert any(n.startswith("没有 9.9 节，已忽略") and "导语" in n for n in notes)
