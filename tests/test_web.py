"""Every route, parameter and error path of the web app, through Flask's test client."""

from __future__ import annotations

import json
import random
import re
from urllib.parse import parse_qs, quote, urlparse

import pytest
from jsonschema import Draft202012Validator

from report_search.web.openapi import spec


def schema(name: str) -> Draft202012Validator:
    document = spec()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", **{"components": document["components"]}})


def test_security_headers_everywhere(client):
    for path in ["/", "/search?q=科创板", "/p/2020-ch4-0177", "/api/search?q=x", "/healthz", "/nope"]:
        response = client.get(path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_home(client, paragraphs):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "autofocus" in html
    assert f"共 {len(paragraphs)} 个段落" in html
    assert "/search?year=2021" in html and "/search?theme=%E7%A7%91%E6%8A%80%E9%87%91%E8%9E%8D" in html


def test_search_page(client):
    html = client.get("/search?q=科创板&year=2020").get_data(as_text=True)
    # 2020: five paragraphs say 科创板, and three more (corpus/2020-ch4.txt lines 181, 183, 185)
    # sit under the sub-heading "科技创新企业在上交所科创板上市融资" (line 173): a heading matches too.
    assert re.search(r'共 <strong>8</strong> 条结果', html)
    assert "<mark>科创板</mark>" in html
    assert "查询理解为" in html and "已选筛选：" in html and "清除全部" in html
    assert '<input type="checkbox" name="year" value="2020" checked>' in html  # the selected year, a real checkbox
    assert "各年度分布" in html and "<svg" in html
    assert 'rel="alternate" type="application/json" href="/api/search?q=' in html
    assert "上海市科学技术委员会.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态" in html


def test_search_page_empty_state_suggests_removing_filters(client):
    html = client.get("/search?q=科创板上市企业&district=崇明").get_data(as_text=True)
    assert "没有找到结果" in html and "去掉 崇明区" in html and "在全部报告中搜索" in html
    assert '<span class="term">科创板</span><span class="term">上市</span><span class="term">企业</span>' in html


def test_pagination_links(client):
    html = client.get("/search?q=科技&page=2").get_data(as_text=True)
    assert 'rel="prev" href="/search?q=%E7%A7%91%E6%8A%80"' in html
    assert 'rel="next" href="/search?q=%E7%A7%91%E6%8A%80&amp;page=3"' in html
    beyond = client.get("/search?q=科技&page=999")
    text = beyond.get_data(as_text=True)
    assert beyond.status_code == 200 and "这一页已超出结果范围" in text
    assert "/999" not in text and "减少关键词" not in text
    api = client.get("/api/search?q=科技&page=999").get_json()
    assert api["hits"] == [] and api["notes"][-1] == f"第 999 页已超出结果范围（共 {api['pages']} 页）。"
    assert not any("超出" in n for n in client.get("/api/search?q=科技&page=2").get_json()["notes"])


def test_corpus_angle_brackets_and_user_html_are_escaped(client):
    html = client.get("/search?q=规划纲要").get_data(as_text=True)
    assert "&lt;长江三角洲区域一体化发展" in html and "<长江" not in html
    hostile = client.get('/search?q=<script>alert(1)</script>"><img src=x>').get_data(as_text=True)
    assert "<script>alert" not in hostile and "<img src=x>" not in hostile


def test_paragraph_page(client):
    html = client.get("/p/2019-ch4-0055?q=智慧青浦&back=/search%3Fq%3D%E6%99%BA%E6%85%A7%E9%9D%92%E6%B5%A6").get_data(as_text=True)
    assert "<mark>智慧青浦</mark>" in html
    assert "青浦区" in html and "4.1 建设各具特色的科技创新中心承载区" in html
    assert 'class="line cited"><span class="no">55</span>' in html and 'class="line cited"><span class="no">57</span>' in html
    assert "上海市科学技术委员会.《2019上海科技进步报告》第4部分 4.1 建设各具特色的科技创新中心承载区" in html
    assert "[R/OL]. 上海: 上海市科学技术委员会, [2020?]:" in html and "http://localhost/p/2019-ch4-0055" in html  # citations carry the permalink
    assert 'data-copy="cite-plain"' in html and 'rel="prev"' in html and 'rel="next"' in html
    assert 'href="/search?q=智慧青浦">← 返回结果' in html


def test_paragraph_back_link_only_to_our_results(client):
    html = client.get("/p/2019-ch4-0055?back=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in html


def test_not_found_pages(client):
    page = client.get("/p/2099-xx-0001")
    assert page.status_code == 404 and "找不到页面" in page.get_data(as_text=True)
    assert "2020-ch4-0177" in page.get_data(as_text=True)  # says what an id looks like
    api = client.get("/api/paragraphs/2099-xx-0001")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    assert client.get("/nothing/here").status_code == 404
    assert client.get("/api/nothing").get_json()["error"]["code"] == "not_found"


def test_only_get(client):
    for path in ["/search", "/api/search", "/p/2020-ch4-0177"]:
        response = client.post(path)
        assert response.status_code == 405 and "GET" in response.headers["Allow"]
        assert "not allowed" not in response.get_data(as_text=True)  # Chinese, not werkzeug's English
    assert "只接受 GET" in client.post("/api/search").get_json()["error"]["message"]


def test_error_pages_speak_chinese(client):
    for path in ["/nope", "/api/nope"]:
        text = client.get(path).get_data(as_text=True)
        assert "找不到页面" in text and "requested URL" not in text


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=abc", "四位数字"),
        ("page=0", "页码（page）应为整数"),
        ("page=x", "页码（page）应为正整数"),
        ("page=-1", "页码（page）应为正整数"),
        ("per_page=1000", "每页条数（per_page）应为整数，范围 1–100"),
        ("per_page=0", "每页条数"),
        ("sort=random", "排序方式（sort）"),
        ("q=" + "科" * 201, "查询过长"),
        ("q=科创板+year:20x0", "四位数字"),
        ("year=²⁰²⁰", "四位数字"),  # digits, but not ASCII ones
        ("page=²", "页码（page）应为正整数"),
        ("per_page=¹", "每页条数"),
        ("page=" + "1" * 5000, "页码（page）应为正整数"),
    ],
)
def test_invalid_parameters_are_400_with_a_message(client, query, message):
    api = client.get(f"/api/search?{query}")
    assert api.status_code == 400
    body = api.get_json()
    assert body["error"]["code"] == "invalid_parameter" and message in body["error"]["message"]
    schema("Error").validate(body)
    page = client.get(f"/search?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True) and "请求有误" in page.get_data(as_text=True)


def test_api_search_contract(client):
    body = client.get("/api/search?q=零号湾&district=闵行&district=浦东&per_page=5").get_json()
    schema("SearchResults").validate(body)
    assert list(body)[:11] == ["query", "within", "filters", "total", "page", "per_page", "pages", "took_ms", "terms", "understood", "notes"]
    assert body["filters"]["district"] == ["闵行区", "浦东新区"]  # ORed within the facet
    assert all({"闵行区", "浦东新区"} & set(h["districts"]) for h in body["hits"])
    hit = body["hits"][0]
    assert isinstance(hit["year"], int) and hit["source"]["file"].startswith("corpus/")
    assert hit["url"] == f"http://localhost/p/{hit['id']}"  # the permalink, absolute as in the citations
    selected = [row["value"] for row in body["facets"]["district"] if row["selected"]]
    assert selected == ["闵行区", "浦东新区"]


def test_facets_and_across_ored_within(client):
    both = client.get("/api/search?year=2019&year=2020&theme=科技金融").get_json()
    assert both["total"] > 0
    assert all(h["year"] in (2019, 2020) and "科技金融" in h["themes"] for h in both["hits"])
    years = {row["value"]: row["count"] for row in both["facets"]["year"]}
    assert years[2021] > 0  # the year facet ignores its own selection


def test_unknown_filter_values_are_dropped_and_said(client):
    plain = client.get("/api/search?q=科技").get_json()["total"]
    body = client.get("/api/search?q=科技&theme=不存在&district=火星&year=2018&field=炼金术&kind=poem").get_json()
    assert body["total"] == plain and body["filters"] == {"year": [], "theme": [], "district": [], "field": [], "kind": []}
    assert any("未知的区：火星" in n for n in body["notes"]) and any("未知的主题：不存在" in n for n in body["notes"])
    assert any("未知的领域：炼金术" in n for n in body["notes"]) and any("未知的类型：poem，已忽略（可选：正文、" in n for n in body["notes"])
    assert any("语料中没有 2018 年的报告" in n for n in body["notes"])
    assert "未知的区：火星" in client.get("/search?q=科技&district=火星").get_data(as_text=True)


def test_a_400_with_thousands_of_values_is_quick_and_points_to_page_one(client):
    import time

    hostile = "&".join(f"theme=t{i}" for i in range(3000))
    started = time.perf_counter()
    page = client.get(f"/search?q=科技&page=0&{hostile}")
    assert page.status_code == 400 and time.perf_counter() - started < 3
    retry = re.search(r'class="retry" href="([^"]+)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    params = parse_qs(urlparse(retry).query)
    assert params["q"] == ["科技"] and "page" not in params and len(params["theme"]) == 20


def test_thousands_of_facet_values_give_a_small_quick_page(client):
    """A 23 KB URL with 2,000 theme values rendered a 187 MB page: values are capped per facet,
    duplicates and unknown values dropped, so the page stays the size of what it shows."""
    import time

    hostile = "&".join(f"theme=t{i}" for i in range(2000)) + "&" + "&".join(["district=闵行"] * 500)
    normal = client.get("/search?q=a&district=闵行")
    started = time.perf_counter()
    page = client.get(f"/search?q=a&{hostile}")
    took = time.perf_counter() - started
    assert page.status_code == 200 and took < 5
    assert len(page.data) < 2 * len(normal.data) + 20_000
    text = page.get_data(as_text=True)
    assert "主题最多选 20 个" in text and "未知的主题：t0，已忽略" in text
    body = client.get(f"/api/search?q=a&{hostile}").get_json()
    assert body["filters"]["district"] == ["闵行区"] and body["filters"]["theme"] == []


def test_browsing_without_a_query_is_in_document_order(client, paragraphs):
    body = client.get("/api/search?district=闵行&per_page=100").get_json()
    assert body["sort"] == "order"
    in_corpus = [p.id for p in paragraphs if "闵行区" in p.districts]
    assert [h["id"] for h in body["hits"]] == in_corpus[:100]
    assert '<strong class="sort current" aria-current="true">原文顺序</strong>' in client.get("/search?district=闵行").get_data(as_text=True)


def test_api_paragraph(client):
    body = client.get("/api/paragraphs/2020-ch4-0177?q=科创板").get_json()
    schema("Paragraph").validate(body)
    assert body["snippet_html"].startswith("<mark>科创板</mark>") and body["prev"] == "2020-ch4-0175"
    first = client.get("/api/paragraphs/2017-ch4-0006").get_json()
    assert first["prev"] is None


def test_healthz_and_openapi(client, app):
    health = client.get("/healthz")
    assert health.status_code == 200
    schema("Health").validate(health.get_json())
    document = client.get("/api/openapi.json").get_json()
    assert document == json.loads(json.dumps(spec(), ensure_ascii=False))
    routes = {re.sub(r"<(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") or rule.endpoint == "pages.export"}
    assert routes == set(document["paths"])
    documented = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert documented == {"q", "within", "expand", "year", "theme", "district", "field", "kind", "sort", "page", "per_page"}


def test_openapi_parameters_match_what_the_code_reads(client):
    """Each documented parameter changes the response; an undocumented one does not."""
    base = client.get("/api/search?q=科技").get_json()
    changed = {
        "year": client.get("/api/search?q=科技&year=2020").get_json()["total"],
        "theme": client.get("/api/search?q=科技&theme=人才").get_json()["total"],
        "district": client.get("/api/search?q=科技&district=闵行").get_json()["total"],
        "page": client.get("/api/search?q=科技&page=2").get_json()["page"],
        "per_page": client.get("/api/search?q=科技&per_page=3").get_json()["per_page"],
        "sort": client.get("/api/search?q=科技&sort=order").get_json()["sort"],
    }
    assert changed["year"] < base["total"] and changed["theme"] < base["total"] and changed["district"] < base["total"]
    assert changed["page"] == 2 and changed["per_page"] == 3 and changed["sort"] == "order"
    assert client.get("/api/search?q=科技&colour=red").get_json()["total"] == base["total"]


def test_links_on_the_results_page_round_trip(client):
    html = client.get("/search?q=科技&theme=人才").get_data(as_text=True)
    chip = re.search(r'class="chip" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(chip).query) == {"q": ["科技"]}  # the chip removes its filter
    form = re.search(r'<form class="facet-form" action="(/search)" method="get">(.*?)</form>', html, re.S)
    fields = re.findall(r'<input type="(?:hidden|checkbox)" name="(\w+)" value="([^"]*)"(?: checked)?', form.group(2))
    checked = re.findall(r'<input type="checkbox" name="(\w+)" value="([^"]*)" checked>', form.group(2))
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2))
    assert ("q", "科技") in hidden and checked == [("theme", "人才")] and len(fields) > 10
    submitted = client.get(form.group(1), query_string=[*hidden, *checked, ("year", "2021")])  # tick 2021
    params = parse_qs(urlparse(submitted.request.url).query)
    assert submitted.status_code == 200 and params == {"q": ["科技"], "theme": ["人才"], "year": ["2021"]}


def test_no_request_yields_a_500(client):
    rng = random.Random(5)
    alphabet = ["科", "创", '"', "-", " OR ", ":", "year:", "<", ">", "&", "%", "\x00", "\u202e", "𠀀", "　", "\\", "'", "#"]
    for _ in range(300):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        params = {"q": q, "page": rng.choice(["1", "2", "-1", "99999999999999999999", "", "一"]),
                  "per_page": rng.choice(["10", "100", "101", "abc"]), "year": rng.choice(["2020", "0", "abcd", "20200"]),
                  "sort": rng.choice(["relevance", "newest", "x"]), "district": rng.choice(["闵行", "", "?"])}
        for path in ("/search", "/api/search"):
            assert client.get(path, query_string=params).status_code in (200, 400), params


def test_concurrent_requests(app, in_threads):
    queries = ["科创板", "长三角", "张江", "科普", "零号湾"]
    expected = {q: app.test_client().get(f"/api/search?q={q}").get_json()["total"] for q in queries}
    failures = []

    def worker(k: int) -> None:
        client = app.test_client()
        for i in range(30):
            q = queries[(i + k) % len(queries)]
            if client.get(f"/api/search?q={q}").get_json()["total"] != expected[q]:
                failures.append(q)

    in_threads(worker)
    assert not failures


def test_the_source_box_reads_as_text_with_the_query_marked_and_the_raw_lines_kept(client):
    """2020-ch4.txt line 177 reads `科创板已上市企业**215家**，其中上海**37家**…` in the file."""
    html = client.get("/p/2020-ch4-0177?q=上海").get_data(as_text=True)
    shown = re.search(r'<section class="source">.*?<pre class="lines">(.*?)</pre>', html, re.S).group(1)
    line = re.search(r'<span class="line cited"><span class="no">177</span>(.*?)</span>\n', shown).group(1)
    assert "**" not in line and line.startswith("科创板已上市企业215家，其中<mark>上海</mark>37家")
    raw = re.search(r'<details class="raw">.*?</details>', html, re.S).group(0)
    assert "科创板已上市企业**215家**，其中上海**37家**" in raw  # what the citation's lines hold, as they are
    api = client.get("/api/paragraphs/2020-ch4-0177").get_json()
    assert api["citation"].endswith(" http://localhost/p/2020-ch4-0177")
    assert api["citation_gbt7714"].endswith("http://localhost/p/2020-ch4-0177.") and "[R/OL]" in api["citation_gbt7714"]


def test_every_citation_the_site_gives_ends_with_the_permalink(client):
    hits = client.get("/api/search?q=科创板").get_json()["hits"]
    assert hits and all(h["citation"].endswith(f" http://localhost/p/{h['id']}") for h in hits)
    html = client.get("/search?q=科创板").get_data(as_text=True)
    cites = re.findall(r'<p class="cite">(.*?)</p>', html)
    assert cites and all(re.search(r" http://localhost/p/[\w-]+$", c) for c in cites)


def test_the_400_retry_link_drops_a_bad_year_typed_in_the_query(client):
    page = client.get("/search?q=" + quote("科创板 year:abc"))
    assert page.status_code == 400
    link = re.search(r'class="retry" href="([^"]+)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"q": ["科创板"]}
    assert client.get(link).status_code == 200


def test_the_reader_names_each_passage_as_its_citation_does(client):
    """The reader's ¶ link says what the citation says (Paragraph.designation, in the JSON as
    `designation`): corpus/2020-ch4.txt 177 is 4.4's 第3段 (prose at 169, 175, 177; 171 and 173
    are sub-headings); corpus/2017-ch4.txt 418–510 is a map, 图示, never a 第N段."""
    page = client.get("/r/2020-ch4").get_data(as_text=True)
    assert re.search(r'id="2020-ch4-0177">.*?aria-label="第3段的原文与引用"', page, re.S)
    page = client.get("/r/2017-ch4").get_data(as_text=True)
    assert re.search(r'id="2017-ch4-0418">.*?aria-label="图示的原文与引用"', page, re.S)
    record = client.get("/api/paragraphs/2017-ch4-0418").get_json()
    assert record["designation"] == "图示" and record["number"] is None


@pytest.mark.parametrize("args", [
    {},
    {"q": "科技 金融", "year": [2019, 2020], "theme": ["科技金融"], "page": 2},
    {"q": '"上海天文馆" -保险 OR a&b=c+d/e?f#g', "within": ["张江", "零号湾"], "district": None, "sort": "newest"},
    {"q": "R&D 经费 ＧＶ 100% ~!$'()*,;:@", "per_page": 20, "expand": "0", "kind": []},
])
def test_links_are_written_as_url_for_writes_them(app, args):
    """A results page's own links (web/params.py Links) are url_for's, byte for byte."""
    from flask import url_for

    from report_search.web.params import Links

    with app.test_request_context("/search?q=x"):
        assert Links("pages.search")(args) == url_for("pages.search", **args)
        assert Links("pages.export")({**args, "format": "csv"}) == url_for("pages.export", **args, format="csv")
        for pid in ("2020-ch4-0177", "2019-ch4", "a b/é?#%", "科技"):  # the last two go through url_for
            assert Links("pages.paragraph", "pid")(args, pid) == url_for("pages.paragraph", pid=pid, **args)
            assert Links("pages.paragraph", "pid", _external=True)(args, pid) == url_for("pages.paragraph", pid=pid, **args, _external=True)
            assert Links("pages.reader", "report")(args, pid) == url_for("pages.reader", report=pid, **args)
