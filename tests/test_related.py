"""Related passages (issue 7, point 3): paragraphs that share a paragraph's key terms, found by
Whoosh's more_like over the jieba words field, other editions first."""

from __future__ import annotations

import shutil

from report_search.search.engine import Engine


def test_related_share_the_key_terms_and_other_editions_come_first(client):
    body = client.get("/api/paragraphs/2020-ch4-0177").get_json()  # 科创板已上市企业215家 …
    related = body["related"]
    assert 1 <= len(related) <= 5 and "2020-ch4-0177" not in [r["id"] for r in related]
    years = [r["year"] for r in related]
    assert years == sorted(years, key=lambda y: y == 2020)  # other editions first
    # read from the reports: 2019 line 822 reports the same figure a year earlier (科创板已上市企业70家)
    assert "2019-ch4-0822" in [r["id"] for r in related]
    assert sum("科创板" in r["text"] for r in related) >= 3
    for r in related:
        assert client.get(r["url"]).status_code == 200


def test_the_paragraph_page_shows_them(client):
    html = client.get("/p/2019-ch4-1088").get_data(as_text=True)  # 上海天文馆完成首次亮灯 …
    block = html[html.index('<section class="related"'):html.index("</section>", html.index('<section class="related"'))]
    assert "相关段落" in block and "上海天文馆" in block and block.count("<li>") <= 5


def test_related_still_answer_when_the_build_is_gone(built, corpus):
    engine = Engine(built[1], corpus)
    before = engine.related("2020-ch4-0177")
    assert before
    shutil.rmtree(engine.path)  # replaced and pruned while this engine still serves: its open searcher reads on
    assert engine.related("2020-ch4-0177") == before and engine.search("科创板").total > 0


def test_a_record_without_words_has_its_page_and_its_hits_their_key_terms(client, engine):
    """corpus/2019-ch4.txt line 847 is a date alone (6月13日): no jieba word, so no term vector.
    Its page answers with no related passages, and a search that shows it still offers 相关词."""
    body = client.get("/api/paragraphs/2019-ch4-0847").get_json()
    assert body["text"] == "6月13日" and body["related"] == []
    results = engine.search('"6月13日"')
    assert "2019-ch4-0847" in [h.paragraph.id for h in results.hits]
    assert client.get("/api/search?q=" + "%226%E6%9C%8813%E6%97%A5%22").status_code == 200
    engine.key_terms(results)  # no error for the vector-less hit
