"""The chapter reader (issue 7, point 1): a whole report file to read, with its table of
contents, every paragraph anchored, the query marked throughout and a bar between matches."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest


def test_every_paragraph_in_order_with_its_anchor_and_permalink(client, paragraphs):
    html = client.get("/r/2020-ch4").get_data(as_text=True)
    mine = [p for p in paragraphs if p.id.startswith("2020-ch4-")]
    anchors = re.findall(r'id="(2020-ch4-\d{4})"', html)
    assert anchors == [p.id for p in mine]  # all of them, in reading order
    for p in mine:
        if p.kind != "heading-only":
            assert f'href="/p/{p.id}"' in html
    sections = list(dict.fromkeys(p.section or "导语" for p in mine))
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    assert [s for s in sections if s in toc] == sections  # the table of contents lists every section
    assert 'class="para kind-table' in html and "表格" in html  # tables shown as such


def _matching(paragraphs, corpus, slug: str, word: str, titles: bool = True) -> list[str]:
    """Brute force: the records of a chapter holding `word` or a synonym (synonyms.toml) in the
    text or, with `titles`, in the section, sub-heading or label line they are filed under."""
    forms = next((group for group in corpus.synonyms if word in group), (word,))
    return [p.id for p in paragraphs if p.id.startswith(slug + "-")
            and any(f in t for f in forms for t in ((p.text, *p.path) if titles else (p.text,)))]


def test_the_query_is_marked_throughout_and_counted(client, paragraphs, corpus):
    body = client.get("/api/reports/2019-ch4?q=" + quote("科普")).get_json()
    # as search counts: 科普 or its synonym 科学普及 (synonyms.toml), in the text or in the section,
    # sub-heading or label line it is filed under
    expected = _matching(paragraphs, corpus, "2019-ch4", "科普")
    in_text = _matching(paragraphs, corpus, "2019-ch4", "科普", titles=False)
    assert [p["id"] for p in body["paragraphs"] if p["matches"]] == expected and body["matching"] == len(expected) > 3
    assert body["by_title"] == len(expected) - len(in_text)
    html = client.get("/r/2019-ch4?q=" + quote("科普")).get_data(as_text=True)
    assert f"“科普”：{len(expected)} 段匹配" in html and html.count("<mark>科普") >= len(in_text)
    assert f'class="next-match" href="#{expected[0]}"' in html and f'class="prev-match" href="#{expected[-1]}"' in html


def test_results_and_paragraph_pages_link_into_the_reader(client):
    results = client.get("/search?q=" + quote("上海天文馆")).get_data(as_text=True)
    link = re.search(r'class="in-context" href="([^"]+)"', results).group(1).replace("&amp;", "&")
    path, anchor = link.split("#")
    assert client.get(path).status_code == 200 and f'id="{anchor}"' in client.get(path).get_data(as_text=True)
    page = client.get("/p/2020-ch4-0177?q=" + quote("科创板")).get_data(as_text=True)
    assert 'href="/r/2020-ch4?q=%E7%A7%91%E5%88%9B%E6%9D%BF#2020-ch4-0177"' in page


@pytest.mark.parametrize("path", ["/r/nope", "/api/reports/nope", "/r/2020-ch4-0177"])
def test_an_unknown_report_is_a_clear_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "没有名为" in response.get_data(as_text=True) and "2020-ch4" in response.get_data(as_text=True)


def test_read_a_chapter_and_jump_between_matches(new_page, server, paragraphs, corpus):
    expected = _matching(paragraphs, corpus, "2019-ch4", "科普")
    page = new_page(390, 844)
    page.goto(server + "/r/2019-ch4?q=" + quote("科普"))
    bar = page.locator(".matchbar")
    bar.locator(".next-match").click()
    page.wait_for_function(f"location.hash === '#{expected[0]}'")
    bar.locator(".next-match").click()
    page.wait_for_function(f"location.hash === '#{expected[1]}'")
    assert bar.is_visible()  # the bar stays on screen while reading
    assert page.locator(f'[id="{expected[1]}"]').evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    bar.locator(".prev-match").click()
    page.wait_for_function(f"location.hash === '#{expected[0]}'")
    bar.locator(".prev-match").click()  # wraps around to the last match
    page.wait_for_function(f"location.hash === '#{expected[-1]}'")
    shots = os.environ.get("REPORT_SEARCH_SCREENSHOT_DIR")  # set to refresh the README's screenshots
    if shots:
        wide = new_page(1280, 900)
        wide.goto(server + "/r/2019-ch4?q=" + quote("科普") + "#" + expected[1])
        wide.screenshot(path=str(Path(shots) / "reader.png"))


def test_the_table_of_contents_lists_each_section_once_in_order(client):
    """2019-ch4's introduction is eleven records (a timeline) and its 4.3 figures were extracted
    after the 4.4 heading (lines 392–410): one 导语 entry, and 4.3 once, before 4.4."""
    for report in ("2017-ch4", "2019-ch4", "2020-overview", "2020-ch4", "2021-ch4"):
        toc = client.get(f"/api/reports/{report}").get_json()["toc"]
        sections = [entry["section"] for entry in toc]
        assert len(sections) == len(set(sections)), report
    sections = [entry["section"].split(" ")[0] for entry in client.get("/api/reports/2019-ch4").get_json()["toc"]]
    assert sections[0] == "导语" and sections.index("4.3") < sections.index("4.4")
