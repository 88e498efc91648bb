"""The engine on the real corpus: exactness, ranking, facets, highlights, citations."""

from __future__ import annotations

import functools
import random
import re
import unicodedata

import pytest

from report_search.search.facets import Filters, resolve
from report_search.search.highlight import snippet
from report_search.search.query import QueryError
from report_search.search.params import BadInput, FilterError
from report_search.search.request import SearchRequest


def request(text: str, filters: Filters | None = None, **kw) -> SearchRequest:
    f = filters or Filters()
    return SearchRequest(text, year=f.year, theme=f.theme, district=f.district, field=f.field, kind=f.kind, **kw)


def satisfies(parsed, p) -> bool:
    """Brute-force reading of a parsed query: every group has a clause (a typed term, or its
    simplified or synonym variant) whose parts all occur in the text or the title."""
    return all(any(all(has(p, part) for part in c.parts) for c in group) for group in parsed.groups)


def _layout_space(a: str, b: str) -> bool:
    """Between these two characters a space is layout, not a separator: both are set full
    width in Chinese (East Asian Width W/F: Han, kana, 、。) or are the quotes, dashes and dots
    Chinese sets full width."""
    return all(unicodedata.east_asian_width(c) in "WF" or c in "“”‘’—…·⸺" for c in (a, b))


def nfkc_lower(text: str) -> str:
    """Brute-force side of the comparisons, written apart from index/normalize.py so that a
    wrong rule there cannot hide in both: NFKC, lower case, control and format characters
    dropped, a whitespace run one space, and none where it stands between two characters set
    full width (a line break inside 张江高科技园区 为基础 is no separator)."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    pieces = text.lower().split()
    out = pieces[:1]
    for piece in pieces[1:]:
        out.append(piece if _layout_space(out[-1][-1], piece[0]) else " " + piece)
    return "".join(out)


def has(p, needle: str) -> bool:
    """The string occurs in the paragraph's text or in one part of its title (section,
    sub-heading, district label line): the fields a query matches. Never across two."""
    text, *title = folded(p.text, p.section, p.heading, p.label)
    return needle in text or any(needle in part for part in title)


@functools.cache
def folded(text: str, section: str, heading: str, label: str) -> tuple[str, ...]:
    """A paragraph's text and title parts folded, once per paragraph: the brute-force scans
    check a thousand needles against every paragraph."""
    return tuple(nfkc_lower(t) for t in (text, section, heading, label))


def all_ids(engine, text: str, filters: Filters | None = None) -> set[str]:
    results = engine.search(request(text, filters, per_page=100))
    ids = {h.paragraph.id for h in results.hits}
    for page in range(2, results.pages + 1):
        ids |= {h.paragraph.id for h in engine.search(request(text, filters, page=page, per_page=100)).hits}
    assert len(ids) == results.total
    return ids


def sample_substrings(paragraphs, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        text = rng.choice(paragraphs).text
        length = rng.randint(1, 10)
        if len(text) < length:
            continue
        start = rng.randrange(len(text) - length + 1)
        piece = text[start : start + length]
        if piece.strip() and '"' not in piece:
            out.append(piece)
    return out


@pytest.fixture(scope="module", params=[1, 10], ids=["1x", "10x"])
def scaled(request, engine, paragraphs, corpus, tmp_path_factory):
    """The engine and its paragraphs at 1×, and at 10× (every record ten times, ids made unique):
    the oracles must hold however large the index."""
    if request.param == 1:
        return engine, paragraphs
    from dataclasses import replace

    from report_search.index.build import build
    from report_search.search.engine import Engine

    copies = [replace(p, id=p.id if k == 0 else f"{p.id}~{k}", order=k * len(paragraphs) + i)
              for k in range(request.param) for i, p in enumerate(paragraphs)]
    return Engine(build(tmp_path_factory.mktemp("x10"), corpus, paragraphs=copies, progress=False), corpus), copies


def test_recall_and_precision_against_a_brute_force_scan(scaled):
    """1,000+ random substrings (lengths 1–10, fixed seed; 150 at 10×): quoted, exactly the
    paragraphs that contain them; unquoted, at least those (and only paragraphs where, for each
    term, all the parts of the term or of one of its variants — simplified, synonym — occur).
    At 10× the unquoted side is held by its total and its first 100 hits."""
    engine, paragraphs = scaled
    by_id = {p.id: p for p in paragraphs}
    checked = 0
    full = len(paragraphs) < 1000
    wanted = 1200 if full else 150
    for piece in sample_substrings(paragraphs, wanted, seed=20261122):
        needle = nfkc_lower(piece).strip()
        expected = {p.id for p in paragraphs if has(p, needle)}
        assert expected, piece
        quoted = all_ids(engine, f'"{piece}"')
        assert quoted == expected, piece
        plain = piece.strip()
        if plain and not plain.startswith("-") and ":" not in plain and " " not in plain and plain != "OR":
            results = engine.search(request(plain, per_page=100))
            got = all_ids(engine, plain) if full else {h.paragraph.id for h in results.hits}
            assert expected <= got if full else results.total >= len(expected), piece
            assert all(satisfies(results.parsed, by_id[pid]) for pid in got), piece
        checked += 1
    assert checked >= min(1000, wanted)


@pytest.mark.parametrize("text", ["科创", "城", "R&D", "g60", "G60", "Ｇ60", "科技创新中心", "全球创新网络", "科创板上市企业"])
def test_known_traps_are_found(engine, paragraphs, text):
    needle = nfkc_lower(text)
    parsed = engine.search(request(text)).parsed
    expected = {p.id for p in paragraphs if satisfies(parsed, p)}
    exact = {p.id for p in paragraphs if has(p, needle)}
    got = all_ids(engine, text)
    assert exact and exact <= got == expected
    assert all_ids(engine, f'"{text}"') == exact


def test_traditional_characters_find_the_simplified_text(engine):
    assert all_ids(engine, "長三角") == all_ids(engine, "长三角")
    assert all_ids(engine, '"上海天文館"') == all_ids(engine, '"上海天文馆"')
    assert "繁体按简体查找：上海天文館 → 上海天文馆" in engine.search(request("上海天文館")).notes
    assert "<mark>上海天文馆</mark>" in engine.search(request("上海天文館")).hits[0].snippet_html
    assert all_ids(engine, "科技金融 -保險") == all_ids(engine, "科技金融 -保险")


def test_subword_and_mixed_examples(engine):
    assert any("科创板" in h.paragraph.text for h in engine.search(request("科创")).hits)
    assert any("张江科学城" in h.paragraph.text for h in engine.search(request("城", per_page=100)).hits)
    assert engine.search(request('"科技创新中心"')).total >= 20


# Ranking: expectations chosen by reading the reports ----------------------------------

def top(engine, text, n=3, **kw):
    return [h.paragraph for h in engine.search(request(text, **kw)).hits[:n]]


def test_golden_relevance(engine):
    assert "上海37家" in top(engine, "科创板", 1, filters=Filters(year=(2020,)))[0].text
    years = {p.year for p in top(engine, "上海天文馆", 4)}
    assert {2019, 2021} <= years
    assert all("科学普及" in p.themes for p in top(engine, "上海天文馆", 4))
    assert top(engine, "零号湾", 1)[0].districts == ("闵行区",)
    assert all("普陀区" in p.districts for p in top(engine, "中以创新园", 3))
    assert top(engine, "高企贷", 1)[0].section == "4.4 优化科技金融生态"
    assert any("上海共12人当选" in p.text for p in top(engine, "院士 当选", 2))  # and the 2021 timeline
    assert top(engine, "区块链", 2)[0].districts in (("虹口区",), ("长宁区",))
    assert any("松江区" in p.districts for p in top(engine, "G60", 3))
    assert all("国际合作" in p.themes for p in top(engine, "一带一路", 5))
    assert all("科技金融" in p.themes for p in top(engine, "科技履约贷", 3))
    assert "浦江创新论坛" in top(engine, "浦江创新论坛", 1)[0].text
    assert "外资研发中心" in top(engine, "外资研发中心", 1)[0].heading + top(engine, "外资研发中心", 1)[0].text
    assert top(engine, "长三角科技资源共享服务平台开通启动", 1)[0].year == 2019
    assert all(p.section == "4.4 优化创新创业服务" for p in top(engine, "小巨人", 3))  # 科技小巨人工程, 2017
    # A segmented term found unbroken ranks above its parts found apart.
    first = top(engine, "科创板上市企业", 1)[0]
    assert "科创板" in first.text and "上市" in first.text


def test_sorts(engine):
    newest = [h.paragraph.year for h in engine.search(request("科普", sort="newest", per_page=100)).hits]
    assert newest == sorted(newest, reverse=True)
    oldest = [h.paragraph.year for h in engine.search(request("科普", sort="oldest", per_page=100)).hits]
    assert oldest == sorted(oldest)
    order = [h.paragraph.order for h in engine.search(request("科普", sort="order", per_page=100)).hits]
    assert order == sorted(order)


def test_empty_query_with_filters_browses_in_document_order(engine, paragraphs):
    results = engine.search(request("", Filters(year=(2021,)), per_page=100))
    assert results.total == sum(p.year == 2021 for p in paragraphs)
    assert [h.paragraph.id for h in results.hits] == [p.id for p in paragraphs if p.year == 2021][:100]


def test_exclusion(engine):
    with_insurance = all_ids(engine, "科技金融")
    without = all_ids(engine, "科技金融 -保险")
    assert without < with_insurance
    assert all(not has(engine.paragraph(pid), "保险") for pid in without)  # nor in its heading


# Facets ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, filters, contains",
    [
        ("科技", Filters(), lambda h: h("科技")),
        ("科技", Filters(year=(2020, 2021)), lambda h: h("科技")),
        ("创新", Filters(theme=("科技金融",), district=("闵行区",)), lambda h: h("创新")),
        ("", Filters(district=("浦东新区", "闵行区")), lambda h: True),
        ("长三角 OR 一带一路", Filters(year=(2019,), theme=("区域协同", "国际合作")), lambda h: h("长三角") or h("一带一路")),
        ("科技金融 -保险", Filters(theme=("科技金融",)), lambda h: h("科技金融") and not h("保险")),
        ("", Filters(field=("人工智能", "集成电路")), lambda h: True),
        ("创新", Filters(field=("生物医药",), theme=("产业创新",), kind=("prose", "list")), lambda h: h("创新")),
        ("科技", Filters(kind=("figure", "heading-only"), year=(2017, 2019)), lambda h: h("科技")),
        ("", Filters(kind=("prose", "list", "table", "event", "caption")), lambda h: True),
    ],
)
def test_facet_counts_equal_a_brute_force_count(scaled, text, filters, contains):
    engine, paragraphs = scaled
    results = engine.search(request(text, filters, expand=False))
    matched = [p for p in paragraphs if contains(lambda needle: has(p, needle))]

    fields = {"year": lambda p: [p.year], "theme": lambda p: p.themes, "district": lambda p: p.districts,
              "field": lambda p: p.fields, "kind": lambda p: [p.kind]}  # a record's values of each facet

    def passes(p, skip) -> bool:
        return all(f == skip or not filters.selected(f) or set(values(p)) & set(filters.selected(f)) for f, values in fields.items())

    assert results.total == sum(passes(p, None) for p in matched)
    for facet, values_of in fields.items():
        expected: dict = {}
        for p in matched:
            if passes(p, facet):
                values = values_of(p)
                for v in values:
                    expected[v] = expected.get(v, 0) + 1
        shown = {row["value"]: row["count"] for row in results.facets[facet] if row["count"]}
        assert shown == expected, facet
        assert {row["value"] for row in results.facets[facet] if row["selected"]} == set(filters.selected(facet))


def test_filters_resolve_short_names_and_reject_bad_years(corpus):
    assert resolve(corpus, year=["2020"], district=["闵行", "浦东新区", "张江"]) == Filters(
        year=(2020,), district=("闵行区", "浦东新区")
    )
    with pytest.raises(FilterError, match="四位数字"):
        resolve(corpus, year=["abc"])


def test_unknown_filter_values_are_dropped_with_a_note(engine):
    plain = engine.search("科技").total
    r = engine.search(request("科技", Filters(theme=("不存在", "科技金融"))))
    assert r.filters.theme == ("科技金融",) and 0 < r.total < plain
    assert any("未知的主题：不存在，已忽略" in n for n in r.notes)
    r = engine.search(request("科技", Filters(district=("火星区",), year=(1999,))))
    assert r.total == plain and r.filters == Filters()
    assert any("未知的区：火星区" in n for n in r.notes) and any("没有 1999 年" in n for n in r.notes)


def test_repeated_and_excess_facet_values(engine):
    many = [str(y) for y in range(1900, 1960)]
    req = SearchRequest.from_strings("科技", year=["2020", "2020", *many], theme=["科技金融"] * 50)
    assert req.theme == ("科技金融",) and len(req.year) == 20  # 2020 + 19 of the others
    r = engine.search(req)
    assert r.filters.year == (2020,) and r.filters.theme == ("科技金融",)
    assert "年份最多选 20 个，其余 41 个已忽略" in r.notes


@pytest.mark.parametrize("text", ["\u200b", "\x00", "\u200b\u200e\ufeff", "\x01\x02"])
def test_a_query_of_invisible_characters_is_an_empty_query_and_says_so(engine, text):
    r = engine.search(text)
    assert r.parsed.empty and r.total == engine.search("").total
    assert any("不可见字符" in n for n in r.notes)
    assert not any("不可见字符" in n for n in engine.search("").notes)


def test_filters_typed_in_the_query(engine):
    r = engine.search(request("科创板 year:2020 district:浦东"))
    assert r.filters == Filters(year=(2020,), district=("浦东新区",))
    assert all(h.paragraph.year == 2020 and "浦东新区" in h.paragraph.districts for h in r.hits)
    with pytest.raises(FilterError):
        engine.search(request("科创板 year:20x0"))


# Highlights (citations: test_citation.py) -----------------------------------------------------------------

def test_each_term_is_one_mark_and_text_is_escaped(engine):
    hit = engine.search(request("科技创新")).hits[0]
    assert "<mark>科技创新</mark>" in hit.snippet_html
    assert "<mark>科技</mark><mark>" not in hit.snippet_html
    angle = engine.search(request("规划纲要>实施方案")).hits[0]
    assert "&lt;长江三角洲" in angle.snippet_html and "<长江" not in angle.snippet_html
    html_query = engine.search(request("<script>"))
    assert all("<script>" not in h.snippet_html for h in html_query.hits)


def test_snippet_is_cut_at_sentence_ends(engine):
    long = max(engine.paragraphs, key=lambda p: len(p.text))
    word = long.text[len(long.text) // 2 : len(long.text) // 2 + 4]
    html = snippet(long.text, [nfkc_lower(word)])
    plain = re.sub(r"<.*?>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert "<mark>" in html
    body = plain.strip("…")
    assert len(body) <= 160
    assert plain.startswith("…") or long.text.startswith(body)


def test_bad_paging_and_sort_are_errors(engine):
    for kwargs in ({"page": 0}, {"per_page": 0}, {"per_page": 101}, {"sort": "random"}):
        with pytest.raises(BadInput):
            request("科技", **kwargs)
    with pytest.raises(QueryError):
        engine.search(request("科" * 10_000))


def test_concurrent_searches_match_serial(engine, in_threads):
    queries = ["科创板", "长三角", "上海天文馆", "科普", "张江", "城", '"科技创新中心"', "零号湾", "科技金融 -保险"]
    serial = {q: [h.paragraph.id for h in engine.search(request(q, per_page=50)).hits] for q in queries}
    failures: list[str] = []

    def worker(offset: int) -> None:
        for i in range(40):
            q = queries[(i + offset) % len(queries)]
            if [h.paragraph.id for h in engine.search(request(q, per_page=50)).hits] != serial[q]:
                failures.append(q)

    in_threads(worker)
    assert not failures
