"""Search within results (结果中检索, issue 7, point 8): a term added to the current query and
filters, shown as a removable chip."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse


def test_a_term_within_results_narrows_them_and_keeps_the_rest(client, paragraphs):
    base = client.get("/api/search?q=科技&district=闵行&sort=newest").get_json()
    within = client.get("/api/search?q=科技&district=闵行&sort=newest&within=零号湾").get_json()
    def has(p, term: str) -> bool:  # in the text or the title (section + sub-heading): what a query matches
        return term in p.text.lower() or term in " ".join(t for t in (p.section, p.heading, p.label) if t)

    expected = [p for p in paragraphs if has(p, "科技") and has(p, "零号湾") and "闵行区" in p.districts]
    assert within["within"] == ["零号湾"] and within["query"] == "科技" and within["sort"] == "newest"
    assert 0 < within["total"] == len(expected) < base["total"]
    assert within["filters"]["district"] == ["闵行区"]
    twice = client.get("/api/search?q=科技&within=零号湾&within=-创业").get_json()
    assert twice["total"] <= within["total"] and "不含 创业" in twice["understood"]


def test_the_results_page_has_the_box_and_a_removable_chip(client):
    html = client.get("/search?q=科技&year=2019&within=" + quote("张江")).get_data(as_text=True)
    form = re.search(r'<form class="within"[^>]*>(.*?)</form>', html, re.S).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert hidden["q"] == "科技" and hidden["year"] == "2019" and hidden["within"] == "张江"
    chip = re.search(r'class="chip within" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(chip).query) == {"q": ["科技"], "year": ["2019"]}  # removing it keeps the rest
    top_box = re.search(r'<form class="searchbox".*?</form>', html, re.S).group(0)
    assert 'name="within"' not in top_box  # a new query starts afresh, keeping filters only


def test_within_results_in_the_browser(new_page, server):
    page = new_page(390, 844)
    page.goto(server + "/search?q=" + quote("科技"))
    before = int(page.locator("#total strong").inner_text())
    page.get_by_role("searchbox", name="在当前结果中再检索").fill("天文馆")
    page.get_by_role("button", name="结果中检索").click()
    page.wait_for_url(re.compile(r"within="))
    after = int(page.locator("#total strong").inner_text())
    assert 0 < after < before and page.locator(".hit mark", has_text="天文馆").count() >= 1
    page.locator(".chip.within").click()
    page.wait_for_url(lambda url: "within=" not in url)
    assert int(page.locator("#total strong").inner_text()) == before
