"""Every page usable on a phone, by keyboard and with a screen reader, with no dead ends —
checked in Debian's Chromium at 390 px and 1280 px, with axe-core for the automated part."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

pytestmark = pytest.mark.usefixtures("browser")  # skips here, fails in CI, without Chromium

PHONE, DESKTOP = (390, 844), (1280, 900)
WIDTHS = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1280px"])

PAGES = {
    "home": "/",
    "results": f"/search?q={quote('科创板')}&year=2020",
    "zero-results": f"/search?q={quote('科创板 火星人')}&district={quote('闵行')}",
    "paragraph": f"/p/2020-ch4-0177?q={quote('科创板')}",
    "compare": f"/compare?q={quote('科创板')}",
    "reader": f"/r/2020-ch4?q={quote('科创板')}",
    "collection": "/collection?id=2020-ch4-0177&id=2019-ch4-1088",
    "error": f"/search?q={quote('科创板')}&page=0",
    "not-found": "/p/no-such-paragraph",
}


def q(text: str) -> str:
    return quote(text)


@pytest.mark.parametrize("name", PAGES)
@WIDTHS
def test_axe_finds_no_serious_or_critical_violation(new_page, server, name, size):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(*size)
    page.goto(server + PAGES[name])
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, bad


# -- 1. phone ------------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_filters_open_from_a_button_above_the_results(new_page, server, javascript):
    page = new_page(*PHONE, javascript=javascript)
    page.goto(server + f"/search?q={q('科技')}&district={q('闵行')}")
    toggle, facets, first_hit = page.locator("label.filter-toggle"), page.locator("#facets"), page.locator(".hit").first
    assert toggle.is_visible() and not facets.is_visible()
    assert toggle.bounding_box()["y"] < first_hit.bounding_box()["y"] < 900  # results start on the first screen
    chip = page.locator(".chip", has_text="闵行区")
    assert chip.is_visible() and chip.bounding_box()["y"] < first_hit.bounding_box()["y"]  # chosen filters always shown
    shots = os.environ.get("REPORT_SEARCH_SCREENSHOT_DIR")  # set to refresh the README's phone screenshots
    if shots and javascript:
        page.screenshot(path=str(Path(shots) / "mobile-results.png"))
    toggle.click()
    assert facets.is_visible()
    if shots and javascript:
        page.screenshot(path=str(Path(shots) / "mobile-filters.png"))
    page.locator(".facet[data-facet=year] input[type=checkbox]").first.check()
    if not javascript:
        page.get_by_role("button", name="应用筛选").click()
    page.wait_for_url(re.compile(r"year=\d{4}"))
    assert page.locator(".chip").count() == 2 and not page.locator("#facets").is_visible()


def test_on_a_wide_screen_the_filters_are_always_shown(new_page, server):
    page = new_page(*DESKTOP)
    page.goto(server + f"/search?q={q('科技')}")
    assert page.locator("#facets").is_visible() and not page.locator("label.filter-toggle").is_visible()
    assert page.locator("#facets").bounding_box()["x"] < page.locator(".hit").first.bounding_box()["x"]


def test_no_page_scrolls_sideways_on_a_phone(new_page, server):
    page = new_page(*PHONE)
    wide = {}
    for name, path in PAGES.items():
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE[0]:
            wide[name] = width
    assert not wide, wide  # e.g. the 复制 GB/T 7714 button once made the paragraph page 403 px wide


@WIDTHS
def test_a_jump_in_the_reader_shows_the_heading_below_the_match_bar(new_page, server, size):
    # corpus/2021-ch4.txt 35: the sub-heading 院士增选结果出炉, 上海新增院士12人 opens 2021-ch4-0037
    page = new_page(*size)
    page.goto(server + f"/r/2021-ch4?q={q('院士')}#2021-ch4-0037")
    heading = page.locator('[id="2021-ch4-0037"] .subheading')
    assert heading.inner_text() == "院士增选结果出炉, 上海新增院士12人"
    bar, top = page.locator(".matchbar").bounding_box(), heading.bounding_box()
    assert bar["y"] < 1 and top["y"] >= bar["y"] + bar["height"], (bar, top)  # the bar is stuck on top, the heading below it


# -- 2. keyboard and screen reader ----------------------------------------------------------------

@WIDTHS
def test_skip_link_first_then_straight_to_the_results(new_page, server, size):
    page = new_page(*size)
    page.goto(server + f"/search?q={q('科创板')}")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip" and skip.inner_text() == "跳到结果"
    assert skip.is_visible()  # shown when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hit') !== null")  # the first result's link, next


def results_with_filters_shown(new_page, server, size, path: str):
    """A results page with the filters on screen (on a phone, behind the 筛选 button)."""
    page = new_page(*size)
    page.goto(server + path)
    if size == PHONE:
        page.locator("label.filter-toggle").click()
    return page


@WIDTHS
def test_facets_are_checkboxes_read_with_their_count(new_page, server, size):
    page = results_with_filters_shown(new_page, server, size, f"/search?q={q('科创板')}&year=2020")
    # 8 in 2020: five say 科创板, three more sit under the sub-heading that does (corpus/2020-ch4.txt 173–185)
    box = page.get_by_role("checkbox", name=re.compile(r"^2020 8 条$"))
    assert box.count() == 1 and box.is_checked()
    assert page.get_by_role("checkbox", name=re.compile(r"^2021 \d+ 条$")).is_checked() is False
    assert page.get_by_role("group", name="年度").count() == 1  # fieldset + legend


@WIDTHS
def test_landmarks_on_the_results_page(new_page, server, size):
    page = results_with_filters_shown(new_page, server, size, f"/search?q={q('科技')}")
    for role, name in [("main", None), ("search", "全文检索"), ("navigation", "分页"), ("complementary", "筛选"),
                       ("banner", None), ("contentinfo", None)]:
        assert page.get_by_role(role, name=name).count() == 1, role


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_one_h1_headings_in_order_and_its_language(new_page, server, name):
    page = new_page(*DESKTOP)
    page.goto(server + PAGES[name])
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    levels = page.evaluate("[...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert page.get_by_role("search", name="全文检索").count() == 1 and page.get_by_role("main").count() == 1


# -- 3. no dead ends --------------------------------------------------------------------------------

@WIDTHS
def test_zero_results_say_which_term_finds_nothing(new_page, server, size):
    page = new_page(*size)
    page.goto(server + f"/search?q={q('科创板 火星人')}")
    counts = page.locator(".term-counts li")
    assert counts.count() == 2
    assert re.search(r"科创板 \d+ 条", counts.nth(0).inner_text()) and "火星人 0 条" in counts.nth(1).inner_text()
    assert "减少关键词" not in page.content()
    page.locator("a.without").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert parse_qs(urlparse(page.url).query)["q"] == ["科创板"] and page.locator(".hit").count() > 0


def test_a_single_unknown_term_is_not_told_to_use_fewer_words(new_page, server):
    page = new_page(*PHONE)
    page.goto(server + f"/search?q={q('火星人')}")
    text = page.locator(".empty").inner_text()
    assert "“火星人”在全部报告中没有出现" in text and "减少" not in text


@WIDTHS
def test_the_400_page_keeps_what_was_typed_and_leads_back(new_page, server, size):
    page = new_page(*size)
    page.goto(server + f"/search?q={q('科创板')}&year=2020&per_page=7&page=0")
    assert page.locator(".searchbox input[type=search]").input_value() == "科创板"
    assert "页码（page）" in page.locator(".message").inner_text()
    page.locator("a.retry").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert parse_qs(urlparse(page.url).query) == {"q": ["科创板"], "year": ["2020"], "per_page": ["7"]}
    assert page.locator(".hit").count() == 7  # the first page of 7 of the 8 hits


@WIDTHS
def test_a_new_query_keeps_sort_and_per_page(new_page, server, size):
    page = new_page(*size)
    page.goto(server + f"/search?q={q('科技')}&sort=newest")
    page.get_by_role("link", name="每页 20 条").click()
    page.wait_for_url(re.compile(r"per_page=20"))
    assert page.locator(".hit").count() == 20
    box = page.locator(".searchbox input[type=search]")
    box.fill("张江")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=%E5%BC%A0%E6%B1%9F"))
    params = parse_qs(urlparse(page.url).query)
    assert params["sort"] == ["newest"] and params["per_page"] == ["20"]
    years = [int(t) for t in page.locator(".hit .edition").all_inner_texts()]
    assert years == sorted(years, reverse=True) and len(years) == 20


# -- 4. keyboard shortcuts ------------------------------------------------------------------------

@WIDTHS
def test_keyboard_shortcuts(new_page, server, size):
    page = new_page(*size)
    page.goto(server + f"/search?q={q('科创板')}")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    hits = page.locator(".hit")
    assert hits.nth(0).get_attribute("class").split().count("current") == 1
    assert page.evaluate("document.activeElement.classList.contains('hit')")
    page.keyboard.press("j")
    second = hits.nth(1).get_attribute("id")
    page.keyboard.press("o")
    page.wait_for_url(re.compile(rf"/p/{second}"))
    page.go_back()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.type") == "search"
    page.keyboard.type("j")  # typing in the box is typing, not a shortcut
    assert page.locator(".searchbox input[type=search]").input_value().endswith("j")
    page.locator(".searchbox input[type=search]").blur()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="键盘快捷键")
    assert dialog.is_visible() and "下一条 / 上一条结果" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_enter_opens_the_selected_result(new_page, server):
    page = new_page(*PHONE)
    page.goto(server + f"/search?q={q('张江')}")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    first = page.locator(".hit").first.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/p/{first}"))
