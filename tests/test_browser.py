"""Real-browser tests: Debian's Chromium, driven by Playwright, against `report-search serve`
(fixtures `server`, `browser`, `page`, `new_page` in conftest.py)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

pytestmark = pytest.mark.usefixtures("browser")  # skips here, fails in CI, without Chromium


def test_type_a_query_and_see_marked_results(page, server, tmp_path):
    page.goto(server + "/")
    box = page.locator("input[name=q]")
    assert box.evaluate("el => el === document.activeElement")  # focused on arrival
    box.fill("上海天文馆")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator(".hit").count() >= 3
    assert page.locator(".hit mark").first.inner_text() == "上海天文馆"
    shot = tmp_path / "results.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("REPORT_SEARCH_SCREENSHOT")  # set to refresh docs/screenshot.png
    if target:
        shutil.copy(shot, target)


def test_click_a_year_facet(page, server):
    page.goto(server + "/search?q=%E7%A7%91%E5%88%9B%E6%9D%BF")  # 科创板
    before = int(page.locator("#total strong").inner_text())
    year = page.locator(".facet[data-facet=year] .facet-value", has_text="2020")
    expected = int(year.locator(".count").inner_text().split()[0])
    year.locator("input[type=checkbox]").check()  # applied at once with JavaScript
    page.wait_for_url(re.compile(r"year=2020"))
    after = int(page.locator("#total strong").inner_text())
    assert after == expected < before
    assert page.locator(".chip", has_text="2020").count() == 1
    page.locator(".chip", has_text="2020").click()  # one-click removal
    page.wait_for_url(lambda url: "year=" not in url)
    assert int(page.locator("#total strong").inner_text()) == before


def test_open_a_permalink_and_copy_the_citation(page, server):
    page.goto(server + "/search?q=%E7%A7%91%E5%88%9B%E6%9D%BF&year=2020")
    page.locator(".hit .permalink").first.click()
    page.wait_for_url(re.compile(r"/p/2020-ch4-0177"))
    assert page.locator("#fulltext mark").first.inner_text() == "科创板"
    assert page.locator(".line.cited .no").first.inner_text() == "177"
    page.locator("button[data-copy=cite-plain]").click()
    page.wait_for_function("document.querySelector('button[data-copy=cite-plain]').textContent === '已复制'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-plain").inner_text()
    assert copied.startswith("上海市科学技术委员会.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态")
    page.locator("a", has_text="返回结果").click()
    page.wait_for_url(re.compile(r"/search\?q="))


def test_literal_angle_brackets_show_as_text(page, server):
    page.goto(server + "/search?q=%E4%B8%8A%E6%B5%B7%E8%B4%AF%E5%BD%BB")  # 上海贯彻
    snippet = page.locator(".hit .snippet").first
    assert "《上海贯彻<长江三角洲区域一体化发展规划纲要>实施方案》" in snippet.inner_text()
    assert snippet.locator("长江三角洲区域一体化发展规划纲要").count() == 0  # no element was made
    page.goto(server + "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert "<script>alert(1)</script>" in page.locator("input[type=search][name=q]").input_value()


def test_works_without_javascript(new_page, server):
    page = new_page(javascript=False)
    page.goto(server + "/search?q=%E5%BC%A0%E6%B1%9F")  # 张江
    page.locator(".facet[data-facet=district] input[type=checkbox]").first.check()
    page.get_by_role("button", name="应用筛选").click()  # without JavaScript, the form's own button
    page.wait_for_url(re.compile(r"district="))
    assert page.locator(".hit").count() > 0 and page.locator(".chip").count() == 1
