"""Export of a whole result set (issue 7, point 4): CSV with a BOM and the documented columns,
JSONL, BibTeX and RIS, each carrying the paragraph's permalink; from the results page, the
URL and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from urllib.parse import unquote, urlparse

import pytest

from report_search.search import params
from report_search.search.export import CSV_COLUMNS


def total(client, query: str) -> int:
    return client.get(f"/api/search?{query}").get_json()["total"]


def rows(body: bytes) -> list[dict]:
    assert body.startswith("\ufeff".encode())  # spreadsheet programs then read the Chinese as UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_is_the_whole_result_set_with_the_documented_columns(client, corpus):
    found = total(client, "q=科技")
    assert found > 100  # more than one page of the API
    response = client.get("/export?q=科技&format=csv&page=3")  # page does not narrow an export
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["X-Export-Count"] == response.headers["X-Export-Total"] == str(found)
    body = response.data
    assert body.decode("utf-8-sig").splitlines()[0].split(",") == CSV_COLUMNS
    records = rows(body)
    assert len(records) == found == len({r["id"] for r in records})
    lines = {r.file: r.lines for r in corpus.reports}
    for r in records[:50]:  # the cited lines hold the text, and the url is the paragraph's page
        assert "科技" in r["text"] and r["citation"].startswith("上海市科学技术委员会.《") and r["citation_gbt7714"].endswith(f"{r['url']}.")
        assert r["citation"].endswith(" " + r["url"]) and "[R/OL]" in r["citation_gbt7714"]
        cited = "".join(lines[r["file"]][int(r["line_start"]) - 1 : int(r["line_end"])])
        assert re.sub(r"\s", "", r["text"])[:4] in re.sub(r"\s", "", cited)  # the columns cite the right lines
        assert urlparse(r["url"]).path == f"/p/{r['id']}" and urlparse(r["url"]).scheme == "http"


def test_filters_apply_and_the_download_is_named_for_the_query_and_day(client):
    response = client.get("/export?q=科创板&year=2020&format=csv")
    records = rows(response.data)
    assert len(records) == total(client, "q=科创板&year=2020") and {r["year"] for r in records} == {"2020"}
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert name == f"报告检索-科创板-{date.today().isoformat()}.csv"


def test_jsonl_bibtex_and_ris_hold_one_entry_per_hit_with_its_permalink(client):
    found = total(client, "q=上海天文馆")
    jsonl = client.get("/export?q=上海天文馆&format=jsonl").get_data(as_text=True).splitlines()
    objects = [json.loads(line) for line in jsonl]
    assert len(objects) == found and all(o["url"].endswith(f"/p/{o['id']}") and o["citation"] for o in objects)
    bib = client.get("/export?q=上海天文馆&format=bibtex").get_data(as_text=True)
    assert bib.count("@report{") == found and bib.count("{") == bib.count("}")
    assert all(f"url = {{http://localhost/p/{o['id']}}}" in bib for o in objects)
    ris = client.get("/export?q=上海天文馆&format=ris").get_data(as_text=True)
    assert ris.count("TY  - RPRT\r\n") == ris.count("ER  - \r\n") == found
    assert all(f"UR  - http://localhost/p/{o['id']}\r\n" in ris for o in objects)


def test_past_the_cap_the_export_stops_and_says_so(client, monkeypatch):
    monkeypatch.setattr(params, "MAX_EXPORT", 30)  # the one definition, read by the export and the page
    response = client.get("/export?q=科技&format=jsonl")
    assert len(response.get_data(as_text=True).splitlines()) == 30
    assert response.headers["X-Export-Count"] == "30" and int(response.headers["X-Export-Total"]) > 30
    assert "只导出前 30 条" in unquote(response.headers["X-Export-Note"])
    page = client.get("/search?q=科技").get_data(as_text=True)
    assert "（最多 30 条）" in page


@pytest.mark.parametrize("query, message", [("format=xls&q=科技", "导出格式（format）应为 csv / jsonl / bibtex / ris / gbt"),
                                             ("format=csv&q=科技&year=20x0", "四位数字")])
def test_bad_export_requests_are_400_with_a_message(client, query, message):
    response = client.get(f"/export?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_results_page_links_every_format(client):
    html = client.get("/search?q=科创板&district=浦东").get_data(as_text=True)
    for fmt in ("csv", "jsonl", "bibtex", "ris"):
        link = re.search(rf'href="(/export\?[^"]*format={fmt})"', html).group(1).replace("&amp;", "&")
        assert client.get(link).status_code == 200


def test_the_cli_exports_the_same_set(client, index_path, run):
    result = run("query", "科创板", "--format", "csv", "--index", str(index_path.parent.parent), "--no-build")
    assert result.returncode == 0, result.stderr
    cli_ids = [r["id"] for r in rows(result.out_bytes)]
    assert cli_ids == [r["id"] for r in rows(client.get("/export?q=科创板&format=csv").data)]


def test_export_a_csv_in_the_browser_and_read_it_back(new_page, server):
    page = new_page()
    page.goto(server + "/search?q=%E4%B8%8A%E6%B5%B7%E5%A4%A9%E6%96%87%E9%A6%86")  # 上海天文馆
    shown = int(page.locator("#total strong").inner_text())
    with page.expect_download() as download:
        page.locator(".exports a", has_text="CSV").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    records = rows(open(path, "rb").read())
    assert len(records) == shown and all("上海天文馆" in r["text"] + r["heading"] + r["section"] for r in records)


def test_the_collection_page_and_the_gbt_export_print_one_numbered_list(client):
    """One numbered reference list (search/citation.py numbered_references) for the 引用清单's
    copy box and its GB/T 7714 download: the same text, [1] … [3], in the order collected."""
    import html

    ids = "id=2020-ch4-0177&id=2017-ch4-0418&id=2019-ch4-1088"
    page = client.get(f"/collection?{ids}").get_data(as_text=True)
    shown = html.unescape(re.search(r'<pre id="all-gbt"[^>]*>(.*?)</pre>', page, re.S).group(1))
    download = client.get(f"/collection/download?{ids}&format=gbt").get_data(as_text=True)
    assert shown == download and [line[:4] for line in download.splitlines()] == ["[1] ", "[2] ", "[3] "]
    # corpus/2017-ch4.txt 418–510 is a map: named as a figure with its lines, never as a 第N段
    assert "第4部分 4.4 优化科技金融生态, 第3段[" in download and "图示，第418–510行[" in download
