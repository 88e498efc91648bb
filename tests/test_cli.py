"""The `report-search` command line, called in-process as `main([...])` (sqlite-utils' CliRunner
style, the `run` fixture of conftest.py); a process is spawned only where the process is what is
tested (a closed pipe)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

FIELDS = ["id", "year", "report", "chapter", "section", "heading", "themes", "districts", "fields", "kind", "kind_label", "number", "designation", "label", "path", "text", "source"]


def test_paragraphs_json_lines_have_the_api_fields(run):
    result = run("paragraphs", "--year", "2020", "--section", "4.4", "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and all(list(r) == FIELDS for r in records)
    assert all(r["year"] == 2020 and r["section"] == "4.4 优化科技金融生态" for r in records)
    assert set(records[0]["source"]) == {"file", "line_start", "line_end", "skipped"}  # skipped: issue 9, point 1
    assert any("其中上海37家" in r["text"] for r in records)


def test_paragraphs_human_readable(run):
    result = run("paragraphs", "--year", "2019", "--section", "4.1")
    assert result.returncode == 0
    assert "2019-ch4-0055" in result.stdout and "districts: 青浦区" in result.stdout
    assert "source: corpus/2019-ch4.txt lines 55–57" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["paragraphs", "--year", "abc"], "invalid int value: 'abc'"),
        (["paragraphs", "--year", "2018"], "no report for year 2018; the corpus has 2017, 2019, 2020, 2021"),
        (["paragraphs", "--section", "9.9"], "no section matches '9.9'"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_arguments_get_a_message_not_a_traceback(run, args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_corpus_summary(run):
    result = run("corpus")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["file", "year", "paragraphs"]
    assert any(line.startswith("corpus/2021-ch4.txt") for line in lines)


def test_build_says_what_it_built(run, tmp_path):
    result = run("build", "--index", str(tmp_path / "ix"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "built" in result.stdout and "paragraphs" in result.stdout


@pytest.fixture(scope="module")
def built_index(index_path) -> str:
    """The session's index location (a build as `report-search build` makes it)."""
    return str(index_path.parent.parent)


def test_query_json_is_the_api_shape(run, built_index):
    result = run("query", "科创板", "--year", "2020", "--theme", "科技金融", "--json", "--index", built_index)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"query", "filters", "total", "page", "per_page", "pages", "took_ms", "terms", "hits", "facets"}
    assert data["filters"] == {"year": [2020], "theme": ["科技金融"], "district": [], "field": [], "kind": []}
    assert data["hits"][0]["snippet_html"].startswith("<mark>科创板</mark>")
    assert "上海37家" in data["hits"][0]["text"]
    assert [row["value"] for row in data["facets"]["year"] if row["selected"]] == [2020]


def test_query_human_readable_marks_matches(run, built_index):
    result = run("query", "零号湾", "--district", "闵行", "--page", "1", "--index", built_index)
    assert result.returncode == 0, result.stderr
    assert "【零号湾】" in result.stdout and "查询理解为：零号湾；district: 闵行区" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["query", "x", "--page", "0"], "页码（page）应为整数，不小于 1"),
        (["query", "x", "--page", "abc"], "页码（page）应为正整数"),
        (["query", "x", "--page", "-1"], "页码（page）应为正整数，而不是 '-1'"),
        (["query", "x", "--per-page", "1000"], "每页条数（per_page）应为整数，范围 1–100"),
        (["query", "x", "--year", "20x0"], "四位数字"),
        (["query", "科" * 300], "查询过长"),
        (["query", "x", "--sort", "random"], "invalid choice"),
    ],
)
def test_query_bad_input(run, built_index, args, message):
    result = run(*args, "--index", built_index)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_query_without_index_and_no_build_says_what_to_run(run, tmp_path):
    result = run("query", "科创板", "--no-build", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "run: report-search build --index" in result.stderr


def test_build_into_a_file_is_a_message_not_a_traceback(run, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    result = run("build", "--index", str(target), "--quiet")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "a-file" in result.stderr


def test_output_into_a_closed_pipe_is_quiet():
    result = subprocess.run(
        f"{sys.executable} -m report_search.web.cli paragraphs | head -1", shell=True, capture_output=True, text=True, encoding="utf-8"
    )
    assert result.stdout.count("\n") == 1 and result.stderr == ""


def test_check_parse_is_silent_on_the_bundled_corpus(run):
    # issue 9: every finding on the bundled corpus is fixed or explained in corpus/manifest.toml
    result = run("check-parse")
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_index_commands_load_no_web_server():
    """`report-search query/build/status` start without Flask or waitress: only `serve` needs them."""
    code = "import sys, report_search.web.cli; print(sorted(m for m in ('flask', 'waitress') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_a_quoted_query_never_loads_jieba(built_index):
    """Cold start: `report-search query '"科创板"'` needs no segmenting, so jieba's dictionary
    (half a second) is never loaded; a typed query loads it before its clock starts."""
    code = ("import sys; from report_search.web.cli import main; main(['query', sys.argv[1], '--index', sys.argv[2], '--no-build']); "
            "print('jieba' in sys.modules)")
    quoted = subprocess.run([sys.executable, "-c", code, '"科创板"', built_index], capture_output=True, text=True, encoding="utf-8")
    typed = subprocess.run([sys.executable, "-c", code, "科创板", built_index], capture_output=True, text=True, encoding="utf-8")
    assert quoted.stdout.splitlines()[-1] == "False" and typed.stdout.splitlines()[-1] == "True"
    took = [float(re.search(r"· ([\d.]+) ms", r.stdout).group(1)) for r in (quoted, typed)]
    assert max(took) < 100  # the search itself, not the 0.5 s of loading jieba
