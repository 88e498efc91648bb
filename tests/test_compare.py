"""Compare editions (issue 7, point 2): the same search once per edition, one column each."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from jsonschema import Draft202012Validator

from report_search.web.openapi import spec


def test_one_entry_per_edition_with_its_count_and_top_hits(client, corpus):
    body = client.get("/api/compare?q=科创板&theme=科技金融").get_json()
    Draft202012Validator({"$ref": "#/components/schemas/Comparison", "components": spec()["components"]}).validate(body)
    years = sorted({r.year for r in corpus.reports})
    assert [e["year"] for e in body["years"]] == years
    for e in body["years"]:
        alone = client.get(f"/api/search?q=科创板&theme=科技金融&year={e['year']}&per_page=5").get_json()
        assert e["total"] == alone["total"] and [h["id"] for h in e["hits"]] == [h["id"] for h in alone["hits"]]
        assert all(h["year"] == e["year"] for h in e["hits"])
        assert client.get(e["url"]).status_code == 200 and f"year={e['year']}" in e["url"]
    # read from the reports: 科创板 (opened 2019) is not in the 2017 chapter, and is in 2019 and 2020
    by_year = {e["year"]: e["total"] for e in body["years"]}
    assert by_year[2017] == 0 and by_year[2019] > 0 and by_year[2020] > 0


def test_a_typed_year_filter_does_not_narrow_the_comparison(client):
    body = client.get("/api/compare?q=科普&year=2019").get_json()
    assert sum(e["total"] > 0 for e in body["years"]) >= 3


def test_the_page_has_a_column_per_edition_and_is_linked_from_results(client):
    results = client.get("/search?q=张江&year=2020").get_data(as_text=True)
    link = re.search(r'class="compare-link" href="([^"]+)"', results).group(1).replace("&amp;", "&")
    assert "year=" not in link
    page = client.get(link).get_data(as_text=True)
    assert page.count('class="edition-column"') == 4 and "<mark>张江</mark>" in page
    assert 'rel="alternate" type="application/json" href="/api/compare?q=' in page


def test_bad_input_is_a_400_not_a_500(client):
    assert client.get("/api/compare?q=" + quote("科" * 300)).status_code == 400
    assert client.get("/api/compare?q=x&sort=random").get_json()["error"]["code"] == "invalid_parameter"
    assert client.get("/compare?q=x&district=" + quote("火星")).status_code == 200  # dropped, with a note


def test_compare_editions_in_the_browser(new_page, server):
    page = new_page(1280, 900)
    page.goto(server + "/search?q=" + quote("科技小巨人"))
    page.locator("a.compare-link").click()
    page.wait_for_url(re.compile(r"/compare\?q="))
    columns = page.locator(".edition-column")
    assert columns.count() == 4
    if os.environ.get("REPORT_SEARCH_SCREENSHOT_DIR"):  # set to refresh the README's screenshots
        page.screenshot(path=str(Path(os.environ["REPORT_SEARCH_SCREENSHOT_DIR"]) / "compare.png"))
    assert [c.get_attribute("data-year") for c in columns.all()] == ["2017", "2019", "2020", "2021"]
    first_with_hits = page.locator(".edition-column:has(.hits) a.permalink").first
    first_with_hits.click()
    page.wait_for_url(re.compile(r"/p/"))
    assert page.locator("#fulltext mark").count() >= 1
