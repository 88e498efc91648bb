"""What a record is and how a page names it (issue 17): kinds in words, 第N段 for prose and
lists only, on the results, paragraph and reader pages and in their JSON twins."""

from __future__ import annotations

import re

import pytest

from report_search.index.normalize import fold
from report_search.index.paragraph import KIND_LABELS
from report_search.search.params import MAX_PER_PAGE
from report_search.search.request import SearchRequest
from report_search.search.significant import stop_words


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


# 相关词: significant terms of all the hits against the whole corpus ---------------------------

def _holding(paragraphs, word: str) -> set[str]:
    """Brute force: the records whose folded text contains `word`."""
    return {p.id for p in paragraphs if word in fold(p.text)}


def _all_hits(engine, q: str) -> set[str]:
    results = engine.search(SearchRequest(q, per_page=MAX_PER_PAGE))
    found = {h.paragraph.id for h in results.hits}
    page = 1
    while len(found) < results.total:
        page += 1
        found |= {h.paragraph.id for h in engine.search(SearchRequest(q, per_page=MAX_PER_PAGE, page=page)).hits}
    return found


def test_related_words_for_a_broad_query_are_no_filler(engine, paragraphs):
    stop = stop_words()
    assert {"不断", "建立", "之地"} <= stop  # issue 17's filler for 科技
    results = engine.search("科技")
    terms = engine.key_terms(results)
    hits = _all_hits(engine, "科技")
    assert len(hits) == results.total and len(terms) == 8
    for t in terms:
        assert t not in stop and "科技" not in t
        holding = _holding(paragraphs, fold(t))
        # more common among the hits than in the whole corpus, counted on the texts
        assert len(holding & hits) / len(hits) > len(holding) / len(paragraphs), t


def test_related_words_of_a_narrow_query_include_one_only_its_hits_share(engine, paragraphs):
    terms = engine.key_terms(engine.search("科创板"))
    hits = _all_hits(engine, "科创板")
    own = [t for t in terms if len(_holding(paragraphs, fold(t))) >= 2 and _holding(paragraphs, fold(t)) <= hits]
    assert own, terms  # e.g. 登陆 (corpus/2019-ch4.txt 328, 2020-ch4.txt 187 …): said only where 科创板 is
    assert not any(t in "科创板" or "科创板" in t for t in terms)


def test_related_words_are_spelled_as_printed(engine):
    # corpus/2017-ch4.txt 515: "G60上海松江科创走廊" — the index holds g60, the page says G60
    terms = engine.key_terms(engine.search("松江"))
    assert "G60" in terms and "g60" not in terms
    assert not any("g60" in fold(t) for t in engine.key_terms(engine.search("G60")))  # part of the query: never offered


# One count everywhere: the reader counts and marks what search finds ----------------------------

def test_the_reader_counts_what_search_finds_headings_included(client, engine, paragraphs):
    # corpus/2021-ch4.txt: 院士 in the text of 6 records (37, 227, 367, 478, …) and in the
    # sub-headings 新增中科院院士 (39) and 新增工程院院士 (83) over 12 list items with none in their text
    mine = [p for p in paragraphs if p.id.startswith("2021-ch4-")]
    by_text = [p.id for p in mine if "院士" in p.text]
    by_title = [p.id for p in mine if "院士" not in p.text and any("院士" in t for t in p.path)]
    assert (len(by_text), len(by_title)) == (6, 12)
    searched = engine.search(SearchRequest("院士", year=(2021,))).total
    body = client.get("/api/reports/2021-ch4?q=院士").get_json()
    assert body["matching"] == searched == 18 and body["by_title"] == 12
    assert [p["id"] for p in body["paragraphs"] if p["matched_by"] == "title"] == by_title
    item = next(p for p in body["paragraphs"] if p["id"] == "2021-ch4-0043")
    assert item["title_html"] == "新增中科院<mark>院士</mark>" and "<mark>" not in item["html"]
    html = client.get("/r/2021-ch4?q=院士").get_data(as_text=True)
    assert "“院士”：18 段匹配（其中 12 段由标题匹配）" in html
    assert '<h3 class="subheading">新增中科院<mark>院士</mark></h3>' in html
    assert html.count("由标题匹配：") == 12


@pytest.mark.parametrize("q", ["theme:人才", "-科技"])
def test_a_query_of_filters_or_exclusions_alone_counts_alike_in_the_reader(client, engine, paragraphs, q):
    # no positive term: the reader still counts the search's matches, and marks nothing
    mine = [p for p in paragraphs if p.year == 2021]
    expected = sum(("人才" in p.themes) if q == "theme:人才" else ("科技" not in fold(p.text) and not any("科技" in fold(t) for t in p.path))
                   for p in mine)
    body = client.get(f"/api/reports/2021-ch4?q={q}").get_json()
    assert body["matching"] == engine.search(SearchRequest(q, year=(2021,))).total == expected
    assert not any("<mark>" in p["html"] for p in body["paragraphs"])


def test_the_reader_marks_only_the_records_search_finds(client, engine):
    # 院士 顶尖 (both): 2021-ch4-0037 (line 37) has 院士 but not 顶尖, so it is no match and unmarked
    body = client.get("/api/reports/2021-ch4?q=院士 顶尖").get_json()
    assert body["matching"] == engine.search(SearchRequest("院士 顶尖", year=(2021,))).total > 0
    item = next(p for p in body["paragraphs"] if p["id"] == "2021-ch4-0037")
    assert not item["matches"] and "<mark>" not in item["html"]
    assert all("<mark>" not in p["html"] for p in body["paragraphs"] if not p["matches"])
    bad = client.get("/r/2021-ch4?q=院士" + "x" * 300)  # a query that cannot run: the same 400 as at every door (issue 18)
    assert bad.status_code == 400 and "查询过长" in bad.get_data(as_text=True)


# No dead end: a term that finds nothing is cut into its words -----------------------------------

def test_garbage_beside_a_real_word_points_to_the_word(client, paragraphs):
    def finds(word: str) -> int:  # brute force: in the text or what the record is filed under
        return sum(any(word in fold(t) for t in (p.text, *p.path)) for p in paragraphs)

    # 量子: corpus/2020-ch4.txt 155 (量子信息技术) and 2020-overview.txt 11 (脑科学、量子); no 猫, no asdkjh
    assert (finds("量子"), finds("猫"), finds("asdkjh")) == (2, 0, 0)
    html = client.get("/search?q=asdkjh 量子猫").get_data(as_text=True)
    counted = re.search(r'<ul class="term-counts">(.*?)</ul>', html, re.S).group(1)
    plain = re.sub(r"<[^>]+>", "", counted)
    assert "asdkjh 0 条（没有找到）" in plain and "量子猫 0 条（没有找到）；拆开查找：量子 2 条，猫 0 条" in plain
    link = re.search(r'class="without" href="([^"]+)">([^<]+)<', html)
    assert link.group(2) == "量子" and client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True).count('class="hit"') == 2
