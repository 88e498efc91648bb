"""The 引用清单 (issue 7, point 5): paragraphs collected in the browser (localStorage, no server
state), listed in order, all their citations copied or downloaded at once."""

from __future__ import annotations

import re
from urllib.parse import quote


def test_the_list_page_shows_collected_paragraphs_in_order_with_all_citations(client):
    html = client.get("/collection?id=2020-ch4-0177&id=2019-ch4-1088&id=nope&id=2020-ch4-0177").get_data(as_text=True)
    assert re.findall(r'<li data-id="([^"]+)"', html) == ["2020-ch4-0177", "2019-ch4-1088"]  # in order, once each
    assert "没有编号为 nope 的段落，已略过" in html
    numbered = re.search(r'<pre id="all-gbt"[^>]*>(.*?)</pre>', html, re.S).group(1)
    assert numbered.startswith("[1] 上海市科学技术委员会. 2020上海科技进步报告[R/OL]") and "[2] 上海市科学技术委员会. 2019上海科技进步报告" in numbered
    assert "http://localhost/p/2019-ch4-1088." in numbered


def test_downloads_hold_every_collected_paragraph(client):
    ids = "id=2020-ch4-0177&id=2019-ch4-1088&id=2017-ch4-0097"
    ris = client.get(f"/collection/download?{ids}&format=ris")
    assert ris.headers["Content-Disposition"].startswith("attachment;") and "%E5%BC%95%E7%94%A8%E6%B8%85%E5%8D%95" in ris.headers["Content-Disposition"]
    assert re.findall(r"ID  - (\S+)", ris.get_data(as_text=True)) == ["2020-ch4-0177", "2019-ch4-1088", "2017-ch4-0097"]
    assert client.get(f"/collection/download?{ids}&format=bibtex").get_data(as_text=True).count("@report{") == 3
    gbt = client.get(f"/collection/download?{ids}&format=gbt").get_data(as_text=True).splitlines()
    assert [line[:3] for line in gbt] == ["[1]", "[2]", "[3]"]
    body = client.get(f"/api/citations?{ids}&id=x").get_json()
    assert [i["id"] for i in body["items"]] == ["2020-ch4-0177", "2019-ch4-1088", "2017-ch4-0097"] and body["unknown"] == ["x"]
    assert all(i["ris"].startswith("TY  - RPRT") and i["bibtex"].startswith("@report{") for i in body["items"])


def test_an_empty_collection_says_what_to_do(client):
    assert "引用清单是空的" in client.get("/collection").get_data(as_text=True)
    empty = client.get("/collection/download?format=ris")
    assert empty.status_code == 400 and "引用清单是空的" in empty.get_data(as_text=True)
    assert client.get("/collection/download?id=2020-ch4-0177&format=xls").status_code == 400


def test_collect_three_passages_from_two_searches_and_export_their_citations(new_page, server):
    page = new_page(1280, 900)
    page.goto(server + "/search?q=" + quote("科创板"))
    first_two = [page.locator(".hit").nth(i).get_attribute("id") for i in range(2)]
    for i in range(2):
        page.locator(".hit").nth(i).locator("input[data-collect]").check()
    page.goto(server + "/search?q=" + quote("上海天文馆"))  # a second search
    third = page.locator(".hit").first.get_attribute("id")
    page.locator(".hit").first.locator("input[data-collect]").check()
    assert page.locator("[data-collection-count]").first.inner_text() == "3"
    page.reload()  # kept across reloads
    assert page.locator(".hit").first.locator("input[data-collect]").is_checked()
    page.locator("a.collection-link").click()
    page.wait_for_url(re.compile(r"/collection\?id="))
    assert [li.get_attribute("data-id") for li in page.locator("li[data-id]").all()] == [*first_two, third]
    page.locator("button[data-copy=all-gbt]").click()
    page.wait_for_function("document.querySelector('button[data-copy=all-gbt]').textContent === '已复制'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.count("[R/OL]") == 3 and all(f"/p/{pid}" in copied for pid in [*first_two, third])
    with page.expect_download() as download:
        page.locator(".exports a", has_text="RIS").click()
    ris = open(download.value.path(), encoding="utf-8").read()
    assert re.findall(r"ID  - (\S+)", ris) == [*first_two, third]
    page.locator(f'[data-collection-remove="{first_two[0]}"]').click()  # remove one, the list follows
    page.wait_for_function("document.querySelectorAll('li[data-id]').length === 2")
    page.goto(server + "/collection")  # the bare list page finds this browser's collection
    page.wait_for_url(re.compile(r"/collection\?id="))
    assert page.locator("li[data-id]").count() == 2
