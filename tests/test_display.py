"""What a record is and how a page names it (issue 17): kinds in words, 第N段 for prose and
lists only, on the results, paragraph and reader pages and in their JSON twins."""

from __future__ import annotations

import re

from report_search.index.paragraph import KIND_LABELS


def _hit_html(html: str, pid: str) -> str:
    return re.search(rf'<li class="hit" id="{pid}">.*?</li>', html, re.S).group(0)


def test_a_map_reads_as_a_figure_everywhere(client):
    # corpus/2017-ch4.txt 418–510: the 紫竹创新创业走廊布局 map, 93 lines of labels (零号湾 at 471)
    html = client.get("/search?q=零号湾&year=2017").get_data(as_text=True)
    hit = _hit_html(html, "2017-ch4-0418")
    assert '<span class="kind kind-figure">图示</span>' in hit and "段" not in re.sub(r"<[^>]+>", "", hit).split("原文与引用")[0]
    assert "第19段" not in html
    found = client.get("/api/search?q=零号湾&year=2017").get_json()["hits"][0]
    assert (found["id"], found["kind"], found["kind_label"], found["number"]) == ("2017-ch4-0418", "figure", "图示", None)

    page = client.get("/p/2017-ch4-0418").get_data(as_text=True)
    assert re.search(r"<h1>[^<]*· 图示</h1>", page) and '<dd class="kind">图示</dd>' in page
    twin = client.get("/api/paragraphs/2017-ch4-0418").get_json()
    assert (twin["kind_label"], twin["number"]) == ("图示", None)

    reader = client.get("/r/2017-ch4").get_data(as_text=True)
    block = re.search(r'<div class="para kind-figure[^"]*" id="2017-ch4-0418">.*?</div>', reader, re.S).group(0)
    assert '<p class="kind-label">图示</p>' in block and 'aria-label="图示的原文与引用"' in block


def test_prose_keeps_its_number_and_shows_no_kind(client, paragraphs):
    # corpus/2020-ch4.txt 177: prose in 4.4, numbered among the section's prose and lists only
    p = next(p for p in paragraphs if p.id == "2020-ch4-0177")
    before = [q for q in paragraphs if q.section == p.section and q.file == p.file and q.order < p.order]
    assert p.kind == "prose" and p.number == 1 + sum(q.kind in ("prose", "list") for q in before)
    hit = _hit_html(client.get("/search?q=其中上海37家").get_data(as_text=True), p.id)
    assert 'class="kind' not in hit and f"第{p.number}段" in hit
    assert client.get("/api/paragraphs/2020-ch4-0177").get_json()["kind_label"] == "正文"


def test_every_kind_in_the_corpus_has_its_word(paragraphs):
    assert {p.kind for p in paragraphs} <= set(KIND_LABELS)
    assert set(KIND_LABELS.values()) == {"正文", "列表", "表格", "图示", "大事记", "图注", "标题"}
