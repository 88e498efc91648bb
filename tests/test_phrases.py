"""Issue 17 on the real corpus: phrases found as printed (1), one mark per phrase (4), the 2019
headings (7). Goldens are read from the corpus files (file and line named at each)."""

from __future__ import annotations

import functools
import random
import re
from dataclasses import replace

import pytest

from report_search.index.normalize import cjk_gaps, fold
from report_search.index.suspicious import check_parse
from report_search.search.request import SearchRequest

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def ids(engine, q: str) -> set[str]:
    """Every record a search finds, all pages."""
    results = engine.search(SearchRequest(q, per_page=100))
    found = {h.paragraph.id for h in results.hits}
    for page in range(2, results.pages + 1):
        found |= {h.paragraph.id for h in engine.search(SearchRequest(q, per_page=100, page=page)).hits}
    assert len(found) == results.total
    return found


def by_id(paragraphs, pid: str):
    return next(p for p in paragraphs if p.id == pid)


def holding(paragraphs, needle: str) -> set[str]:
    """Brute force: the records whose text or one title part holds the folded needle."""
    return {p.id for p in paragraphs if any(needle in t for t in folded(p))}


@functools.cache
def folded(p) -> tuple[str, ...]:
    return tuple(fold(t) for t in (p.text, p.section, p.heading, p.label))


# 1. Phrases as printed ---------------------------------------------------------------------

def test_a_quotation_copied_from_the_report_is_found_with_or_without_the_line_break_space(engine):
    # 2017-ch4.txt 185-186: 学城以张江高科技园区 | 为 基 础，转 型 … (one paragraph, 180-201)
    assert "2017-ch4-0180" in ids(engine, '"张江高科技园区为基础"')
    assert ids(engine, '"张江高科技园区为基础"') == ids(engine, '"张江高科技园区 为基础"')
    # 2019-ch4.txt 682-683: 主 办 技 术 转 移 | 分论坛 (the paragraph of line 676)
    assert "2019-ch4-0676" in ids(engine, '"技术转移分论坛"')
    assert ids(engine, '"技术转移分论坛"') == ids(engine, '"技术转移 分论坛"')


def test_a_space_the_report_prints_does_not_block_the_phrase_typed_without_it(engine):
    # 2019-ch4.txt 839: 《关于着力发挥资本市场作用 促进本 — the title is printed with a space
    results = engine.search(SearchRequest('"资本市场作用促进本市"'))
    assert [h.paragraph.id for h in results.hits] == ["2019-ch4-0839"]
    assert "<mark>资本市场作用 促进本市</mark>" in results.hits[0].snippet_html  # the whole match, space included


def test_ascii_words_keep_their_space(engine, paragraphs):
    assert ids(engine, '"R&D 经费"') == holding(paragraphs, "r&d 经费")
    assert ids(engine, '"R&D经费"') == holding(paragraphs, "r&d经费")


def test_every_space_between_chinese_characters_is_matched_either_way(engine, paragraphs):
    """Every CJK–space–CJK left in a record (list rows, figures, the explained prose): the
    characters around it, quoted with the space and without, find exactly the records a
    brute-force scan of the folded texts finds (a sample of 120, fixed seed)."""
    windows = [p.text[max(0, i - 3) : i + 4] for p in paragraphs for i in cjk_gaps(re.sub(r"\s+", " ", p.text))]
    assert len(windows) > 200
    for window in random.Random(17).sample(windows, 120):
        if '"' in window:
            continue
        expected = holding(paragraphs, fold(window).strip())
        assert expected
        assert ids(engine, f'"{window}"') == ids(engine, f'"{window.replace(" ", "")}"') == expected, window


def test_prose_lines_join_without_a_space_between_chinese_characters(paragraphs):
    p = by_id(paragraphs, "2017-ch4-0180")
    assert "张江高科技园区为基础" in p.text  # 2017-ch4.txt 185 | 186
    assert "国内外高层次人才和青年创新人才为主" in p.text  # 190 | 191
    assert "主办技术转移分论坛" in by_id(paragraphs, "2019-ch4-0676").text  # 2019-ch4.txt 682 | 683
    # a box title over its text keeps its space: 2017-ch4.txt 1070 创新牵引 | 1071 聚焦电子信息、生物
    assert by_id(paragraphs, "2017-ch4-1070").text.startswith("创新牵引 聚焦电子信息")


def test_label_rows_are_lists_whose_spaces_separate_labels(paragraphs):
    # 2017-ch4.txt 730-734: five 平台, one a line
    p = by_id(paragraphs, "2017-ch4-0730")
    assert (p.kind, p.text) == ("list", "创新发展交流平台 先进理念传播平台 学界思想争锋平台 最新政策发布平台 国际科技合作平台")
    # 2017-ch4.txt 845-849: the 隐性冠军 companies
    p = by_id(paragraphs, "2017-ch4-0845")
    assert (p.kind, p.text) == ("list", "港湾集团 天演建筑物移位工程 芯原微电子 美钻能源科技 人体汽车轴承")
    # 2019-ch4.txt 257-259: a statistics box, 申报企业7255家 | 立项支持1672家
    assert by_id(paragraphs, "2019-ch4-0257").kind == "list"


def test_check_parse_reports_spaces_in_prose_the_manifest_does_not_list(corpus, paragraphs):
    unexplained, explained = check_parse(corpus, paragraphs)
    assert unexplained == []
    spaced = {f.paragraph.id for f in explained if f.check == "cjk-space"}
    assert spaced == {p.id for p in paragraphs if p.kind == "prose" and cjk_gaps(p.text)}
    assert "2017-ch4-1070" in spaced  # 创新牵引 | 聚焦…: explained as a box title
    # the manifest names which spaces it explains: one it does not list is reported
    reports = tuple(
        replace(r, explained=tuple((line, check, why, ("不在 这里",) if line == 1070 else gaps) for line, check, why, gaps in r.explained))
        for r in corpus.reports
    )
    unexplained, _ = check_parse(replace(corpus, reports=reports), paragraphs)
    assert [(f.paragraph.id, f.check) for f in unexplained] == [("2017-ch4-1070", "cjk-space")]
    assert "'创新牵引 聚焦电子信息'" in unexplained[0].line()


# 4. One mark per phrase ----------------------------------------------------------------------

def obeys_one_mark_per_phrase(html: str, text: str, whole: str, parts: tuple[str, ...]) -> bool:
    """A text holding the typed term whole marks only its whole occurrences; one lacking it
    marks parts only."""
    marks = [fold(m) for m in MARK.findall(html)]
    if whole in fold(text):
        return bool(marks) and all(m == whole for m in marks)
    return all(any(part in m for part in parts) and whole not in m for m in marks)


def test_a_paragraph_page_marks_the_typed_term_whole(client, paragraphs):
    # 2020-overview.txt line 64: 全年技术合同成交额1815.3亿元 (and 技术 a dozen times more)
    text = by_id(paragraphs, "2020-overview-0064").text
    data = client.get("/api/paragraphs/2020-overview-0064?q=技术合同成交额").get_json()
    assert MARK.findall(data["snippet_html"]) == ["技术合同成交额"] * text.count("技术合同成交额")
    page = client.get("/p/2020-overview-0064?q=技术合同成交额").get_data(as_text=True)
    assert set(MARK.findall(page)) == {"技术合同成交额"}  # the passage and the 原文 box


@pytest.mark.parametrize("q", ["张江高科技园区为基础", '"张江高科技园区为基础"'])
def test_the_source_box_marks_a_phrase_the_extraction_broke_across_lines(client, q):
    # corpus/2017-ch4.txt lines 185–186: 学城以张江高科技园区 | 为 基 础，转 型 发 展 …
    page = client.get(f"/p/2017-ch4-0180?q={q}").get_data(as_text=True)
    source = page[page.index('<section class="source">') :]
    marks = [re.sub(r"\s", "", m) for m in MARK.findall(source)]
    assert "张江高科技园区" in marks and "为基础" in marks  # the end of line 185, the start of 186


@pytest.mark.parametrize("q", ["技术合同成交额", "科技金融生态", "研发中心加速", "科技创新中心建设"])
def test_results_and_reader_mark_whole_terms_where_held_and_parts_elsewhere(engine, client, q):
    results = engine.search(SearchRequest(q, per_page=50))
    (clause,) = results.parsed.clauses
    assert len(clause.parts) > 1
    for hit in results.hits:
        p = hit.paragraph
        assert obeys_one_mark_per_phrase(hit.snippet_html, p.text, clause.text, clause.parts), p.id
        for html, field in ((hit.heading_html, p.heading), (hit.section_html, p.section)):
            assert obeys_one_mark_per_phrase(html, field, clause.text, clause.parts), (p.id, field)
    report = results.hits[0].paragraph.id.rsplit("-", 1)[0]
    reader = client.get(f"/api/reports/{report}?q={q}").get_json()
    for item in reader["paragraphs"]:
        assert obeys_one_mark_per_phrase(item["html"], item["text"], clause.text, clause.parts), item["id"]


def test_a_field_without_the_whole_term_marks_its_parts(engine):
    # 2017-ch4.txt: the records under 外资研发中心加速融入创新体系 whose text has 研发, 中心 and
    # 加速 apart: the heading marks the term whole, the text its parts
    hits = [h for h in engine.search(SearchRequest("研发中心加速", per_page=100)).hits
            if "研发中心加速" in h.paragraph.heading and "研发中心加速" not in h.paragraph.text]
    assert hits
    for h in hits:
        assert MARK.findall(h.heading_html) == ["研发中心加速"]
        assert set(MARK.findall(h.snippet_html)) <= {"研发", "中心", "加速", "研发中心"}


# 7. The 2019 headings ------------------------------------------------------------------------

def at(paragraphs, file: str, line: int):
    return next(p for p in paragraphs if p.file.endswith(file) and p.line_start <= line <= p.line_end)


def test_the_top_scientists_forum_box_is_one_record_under_its_own_title(paragraphs):
    # 2019-ch4.txt 763-779: the box (indented at 763), its title set inside it at 767
    p = at(paragraphs, "2019-ch4.txt", 775)
    assert (p.id, p.line_end, p.skipped) == ("2019-ch4-0763", 779, (767,))
    assert p.heading == "世界顶尖科学家论坛：科技，为了人类共同命运"
    assert p.text.endswith("中外青年科学家。论坛期间举行“莫比乌斯”论坛、“国际大科学计划”战略对话、青年科学家论坛及八大主题峰会。")
    # 781-789, the 浦江创新论坛 box, titled by 791
    assert at(paragraphs, "2019-ch4.txt", 781).heading == "浦江创新论坛：书写新愿景、描绘新未来"
    assert [q.line_start for q in paragraphs if q.heading == "浦江创新论坛：书写新愿景、描绘新未来"] == [781]


def test_a_2019_heading_titles_only_what_follows_the_previous_heading(paragraphs):
    # 2019-ch4.txt: 311 高新技术企业培育力度不断加大 follows the 高新技术企业 statistics and text
    # (273-309); 大赛特点 (320) follows the labels of 313-318
    for line in (273, 277, 281, 292, 303):
        assert at(paragraphs, "2019-ch4.txt", line).heading == "高新技术企业培育力度不断加大", line
    titled = [p for p in paragraphs if p.year == 2019 and p.heading == "大赛特点" and p.kind != "heading-only"]
    assert titled and all(311 < p.line_start < 320 for p in titled)


def test_a_box_boundary_ends_what_the_next_2019_title_titles(paragraphs):
    # 2019-ch4.txt 542: an indented box (5月23日 … 首届长三角一体化创新成果展), titled by 556;
    # the figure before it (508-541) is not
    assert at(paragraphs, "2019-ch4.txt", 542).heading == "首届长三角一体化创新成果展举行"
    assert at(paragraphs, "2019-ch4.txt", 533).heading != "首届长三角一体化创新成果展举行"


def test_did_you_mean_keeps_the_spaces_typed_between_terms(engine):
    # folding drops a space between Chinese characters; a corrected query still reads as typed
    (first, *_) = engine.search(SearchRequest("上海天文官 科普")).suggestions
    assert first["query"] == "上海天文馆 科普"
