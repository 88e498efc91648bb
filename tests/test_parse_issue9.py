"""Issue 9: every paragraph whole and under its true heading. Each expectation is read off the
source text (file and line numbers given), never off the parser's output."""

from __future__ import annotations

import pytest


def _at(paragraphs, file: str, line: int):
    """The record that starts at `line` of `file`'s own text (its id line)."""
    found = [p for p in paragraphs if p.file == f"corpus/{file}" and p.id.endswith(f"-{line:04d}")]
    assert len(found) == 1, (file, line)
    return found[0]


# Point 1: prose interrupted by interposed lines is one record, the interposed lines skipped ----

def test_2019_science_venues_paragraph_runs_on_across_two_interposed_titles(paragraphs):
    # 2019-ch4.txt 1088–1108: "…稳步推进上海科普" (1090) | 科普设施建设进一步完善 (1092) |
    # 科普工作取得丰硕成果 (1094) | "公 园 建 设，…" (1096) … "达到国际先进水平。" (1108)
    p = _at(paragraphs, "2019-ch4.txt", 1088)
    assert (p.line_start, p.line_end, p.skipped) == (1088, 1108, (1092, 1094))
    assert "稳步推进上海科普公园建设，强化科普与文化、旅游、体育等融合发展，为市民群众提供又一科普好去处。截至年底" in p.text
    assert p.text.endswith("平均每44万人拥有1个科普场馆，达到国际先进水平。")
    # 2019 sets sub-headings after their content: the title standing inside titles it
    assert p.heading == "科普设施建设进一步完善"
    assert p.to_json()["source"]["skipped"] == [1092, 1094]


def test_2019_science_festival_paragraph_runs_on_in_its_narrow_column(paragraphs):
    # 2019-ch4.txt 1038–1056: "…进军”主" (1040) | 打造“上海科创品牌月”，上海科技节影响力不断提升
    # (1042) | "题，科 技 节 …" (1044) and a double-spaced column to "…闭幕式的载体。" (1056)
    p = _at(paragraphs, "2019-ch4.txt", 1038)
    assert (p.line_start, p.line_end, p.skipped) == (1038, 1056, (1042,))
    assert "向具有全球影响力的科技创新中心进军”主题，科技节期间举办各类科普活动2400余项，累计参与人数超过1000万人次" in p.text
    assert "网络直播视频浏览点击量达1207万次" in p.text
    assert p.text.endswith("上海国际科技艺术展演再次成为全国科技活动周暨上海科技节闭幕式的载体。")
    assert p.heading == "打造“上海科创品牌月”，上海科技节影响力不断提升"


def test_2019_top_scientists_forum_runs_on_across_its_box_title(paragraphs):
    # 2019-ch4.txt 763–773: "…论坛汇聚44位诺贝尔奖得" (765) | 世界顶尖科学家论坛：科技，为了人类共同命运
    # (767) | "主，21位图灵奖、…" (769); and on to 779, the box's second paragraph (issue 17, manifest `joined`)
    p = _at(paragraphs, "2019-ch4.txt", 763)
    assert (p.line_end, p.skipped) == (779, (767,))
    assert "论坛汇聚44位诺贝尔奖得主，21位图灵奖、沃尔夫奖、拉斯克奖、菲尔兹奖等获得者" in p.text


@pytest.mark.parametrize(
    "file, line, end, phrase",
    [
        # 2019-ch4.txt 281–290: "前 三 季 度 … 的 高 | 新技术企业销售收入总体稳步" (281–282) | "增长，尤其是…"
        # (284) … "…高企销售收入与利" (288) | "润总额增长幅度均超过26%" (290)
        ("2019-ch4.txt", 281, 290, "前三季度高新技术领域的高新技术企业销售收入总体稳步增长，尤其是电子信息技术"),
        ("2019-ch4.txt", 281, 290, "高企销售收入与利润总额增长幅度均超过26%"),
        # 2019-ch4.txt 542–554: "5 月 2 3 日，由 长 三 角 三 省 一 市 共 同 举 办 的" (542) | "首 届 …" (544)
        ("2019-ch4.txt", 542, 554, "由长三角三省一市共同举办的首届长三角一体化创新成果展"),
        # 2019-ch4.txt 940–948: "…创新型、创" (940) | "业型、…" (942) | … "…领域的中" (944) | "小微企业。" (946)
        ("2019-ch4.txt", 940, 948, "科技型、创新型、创业型、吸纳就业型、节能环保型和战略性新兴产业、现代服务业、“三农”和“四新”经济领域的中小微企业。"),
    ],
)
def test_wrapped_lines_that_looked_like_titles_are_prose(paragraphs, file, line, end, phrase):
    p = _at(paragraphs, file, line)
    assert p.line_end == end and phrase in p.text and p.kind == "prose"


# Point 2: headings are headings; captions are records of their own ------------------------

FRAGMENTS = [
    "等融合发展，为市民群众提供又一科普好",  # 2019-ch4.txt 1098, a line of the 1088 paragraph
    "万人次，科技节相关活动网络直播视",  # 1048
    "际科技艺术展演再次成为全国科技",  # 1054
    "少年科学创新实践工作站、83家社区创",  # 1104
    "润总额增长幅度均超过26%",  # 290
    "前三季度高新技术领域的高新技术企业销售收入总体稳步",  # 281–282
    "高校院所55个项目参展，涉及大科学装置、高",  # 552
    "业型、吸纳就业型、节能环保型和战略性新兴产",  # 942
]


def test_no_line_of_prose_becomes_a_heading(paragraphs):
    headings = {p.heading for p in paragraphs}
    assert not headings & set(FRAGMENTS)
    assert not {p.text for p in paragraphs if p.kind == "heading-only"} & set(FRAGMENTS)


def test_photo_captions_are_caption_records_and_title_nothing(paragraphs):
    # 2019-ch4.txt 1127 "上 海 天 文 馆 完 成 首 次 亮 灯", 1129 "全 球 首 张 黑 洞 照 片": the photos
    # of the events told at 1088 (9月13日，上海天文馆完成首次亮灯) and 1110 (4月10日，全球首张黑洞照片…)
    for line, text in [(1127, "上海天文馆完成首次亮灯"), (1129, "全球首张黑洞照片")]:
        p = _at(paragraphs, "2019-ch4.txt", line)
        assert (p.kind, p.text) == ("caption", text)
    captions = {p.text for p in paragraphs if p.kind == "caption"}
    assert not {p.heading for p in paragraphs} & captions


def test_the_2019_introduction_is_not_titled_by_a_timeline_line(paragraphs):
    # 2019-ch4.txt 5–11 is the chapter's introduction; 13–31 its timeline
    assert _at(paragraphs, "2019-ch4.txt", 5).heading == ""


# Points 4 and 9: timelines, one dated event per record -------------------------------------

def test_2017_introduction_timeline_one_event_per_record(paragraphs):
    # 2017-ch4.txt 14–90: a narrow column, every event's pieces separated by blank lines
    expected = [
        (14, 18, "5月20—27日，2017年上海科技节举办"),
        (20, 24, "7月，市政府批复同意张江科学城建设规划"),
        (26, 30, "6月，上海国家双创示范基地扩容至7家"),
        (32, 36, "5月，上海首家科普产业孵化基地创建"),
        (40, 46, "加快推进长三角区域协同创新网络建设"),
        (48, 62, "8月，在全国率先启动“一带一路”优秀青年科学家交流和国际联合实验室建设项目"),
        (64, 70, "9月22—25日，2017浦江创新新论坛举行"),
        (72, 80, "推动众创空间“三化”（专业化、国际化、品牌化）培育"),
        (82, 90, "10月，上海闵行国家科技成果转移转化示范区获科技部批复"),
    ]
    got = [(p.line_start, p.line_end, p.text) for p in paragraphs if p.file == "corpus/2017-ch4.txt" and 14 <= p.line_start <= 90]
    assert got == expected


def test_2019_introduction_timeline_one_event_per_line_with_its_own_month(paragraphs):
    # 2019-ch4.txt 13–31: each line is one event with its month. A trailing month is the
    # event's own: 黑洞照片 (line 15, "…之一4月") was 4月10日 (line 1110); the 科创板 training
    # (line 17, "…举行5月") was 5月21日 (line 322); the 示范区 plan (line 23, "…发布10月") 10月25日 (464).
    got = [(p.line_start, p.line_end, p.text) for p in paragraphs if p.file == "corpus/2019-ch4.txt" and 13 <= p.line_start <= 31]
    assert [g[0] for g in got] == list(range(13, 32, 2))
    assert all(start == end for start, end, _ in got)
    assert got[1][2] == "全球首张黑洞照片公布，上海成为全球六大直播地点之一4月"
    assert got[7][2] == "12月 中以（上海）创新园开园"


def test_2021_introduction_timeline_items_carry_their_date_line(paragraphs):
    # 2021-ch4.txt 14 "7月", then three bullets 16, 17, 18 — two of them were one record
    p16, p17, p18 = (_at(paragraphs, "2021-ch4.txt", n) for n in (16, 17, 18))
    assert (p16.line_start, p16.line_end, p16.skipped, p16.text) == (14, 16, (), "7月 世界人工智能大会举办")
    assert (p17.line_start, p17.line_end, p17.skipped) == (14, 17, (16,))
    assert p17.text == "7月 全球建筑规模最大的天文馆——上海天文馆开馆"
    assert p18.text.startswith("7月 《中共中央国务院关于支持浦东新区高水平改革开放") and p18.skipped == (16, 17)
    # 2021-ch4.txt 24 "11月" over four bullets 26–29
    assert [_at(paragraphs, "2021-ch4.txt", n).text.split(" ")[0] for n in (26, 27, 28, 29)] == ["11月"] * 4


@pytest.mark.parametrize(
    "line, end, start_text",
    [
        # 2019-ch4.txt 1110–1125: the awards box, one dated item per block
        (1110, 1112, "4月10日，全球首张黑洞照片向公众公布"),
        (1114, 1115, "6月20—21日，在2019年全国科普讲解大赛决赛上"),
        (1117, 1118, "9月19—21日，在全国科学实验展演活动上"),
        (1120, 1121, "8月12日，全国优秀科普微视频作品名单公布"),
        # 2019-ch4.txt 215–222: the 中以创新园 timeline
        (215, 217, "5月26日，中以（上海）创新园建设推进会"),
        (219, 220, "9月9日，首届中以创新合作成果展示会Innoweek期间"),
        (222, 222, "12月5日，中以（上海）创新园开园"),
    ],
)
def test_a_date_starts_its_own_event(paragraphs, line, end, start_text):
    p = _at(paragraphs, "2019-ch4.txt", line)
    assert p.line_end == end and p.text.startswith(start_text)


# Point 3: debris is not a paragraph -------------------------------------------------------

def test_box_numbers_and_stray_digits_are_no_records(paragraphs):
    # 2019-ch4.txt 184 "01 02", 644 "01", 646 "05", 667 "0304", 669 "02", 881 "0201 03"
    assert not [p.id for p in paragraphs if p.text.replace(" ", "").isdigit()]
    starts = {p.line_start for p in paragraphs if p.file == "corpus/2019-ch4.txt"}
    assert not starts & {184, 644, 646, 667, 669, 881}


# Point 6: no spurious spaces inside wrapped Chinese ---------------------------------------

@pytest.mark.parametrize(
    "year, phrase",
    [
        (2017, "打造一批高端化、集群化、国际化的产业集群，做强人工智能和生命健康两大产业集群"),  # 2017 l.368–375
        (2017, "提升一批知识产权平台，深化漕河泾国家知识产权服务业集聚发展示范区建设"),  # 2017 l.393–399
        (2017, "作为科技创新中心的核心功能区"),  # 2017 l.180–183
        (2017, "加快推进长三角区域协同创新网络建设"),  # 2017 l.40–46 (the 协同创新网络 建设)
        (2019, "与西门子公司签订合作备忘录，在工业仿真与设计优化、智慧能源与数字化运维领域开展联合研发合作"),  # 2019 l.810–814
        (2019, "上海市委书记李强宣读贺信并讲话"),  # 2019 l.765, partly letter-spaced
    ],
)
def test_wrapped_chinese_has_no_inner_spaces(find, year, phrase):
    assert phrase in find(year, phrase).text


def test_a_space_between_two_figure_labels_stays(find):
    # 2017-ch4.txt 730–734: five 平台 labels of a figure, one per line
    assert "先进理念传播平台 学界思想争锋平台" in find(2017, "学界思想争锋平台").text


# check-parse ------------------------------------------------------------------------------

def test_check_parse_finds_nothing_unexplained_in_the_bundled_corpus(corpus, paragraphs):
    from report_search.index.suspicious import check_parse

    unexplained, explained = check_parse(corpus, paragraphs)
    assert unexplained == []
    assert all(f.why for f in explained)


def test_check_parse_names_each_defect_class(corpus, paragraphs):
    from dataclasses import replace

    from report_search.index.suspicious import findings

    base = next(p for p in paragraphs if p.kind == "prose")
    caption = next(p for p in paragraphs if p.kind == "caption")
    wrong = [
        replace(base, id="x-0001", heading="等融合发展，为市民群众提供又一科普好", file="corpus/2019-ch4.txt"),  # 2019 l.1098 as a heading: 好 | 去处
        replace(base, id="x-0002", text="去处。截至年底，全市共有55家示范性科普场馆"),  # 2019 l.1100
        replace(base, id="x-0003", text="01 02"),  # 2019 l.184
        replace(base, id="x-0004", text="全球首张黑洞照片公布，上海成为全球六大直播地点之一4月2019年第一期科创板上市培训活动举行5月"),
        replace(base, id="x-0005", heading=caption.text, file=caption.file),
        replace(base, id="x-0006", heading="重点支持处于成长期的科技型、"),
        replace(base, id="x-0007", text="科技节相关活动网络直播视"),  # 2019 l.1048 | 1050
        replace(base, id="x-0008", text="频浏览点击量达1207万次，公众满意度达97.41%，创历史新高。", kind="prose"),
    ]
    got = [(p.id, check) for p, check in findings([*wrong, caption], corpus)]
    assert got == [
        ("x-0001", "heading-mid-phrase"),
        ("x-0002", "continuation-start"),
        ("x-0003", "numbers-only"),
        ("x-0004", "date-at-end"),
        ("x-0005", "under-caption"),
        ("x-0006", "heading-mid-phrase"),
        ("x-0007", "split-sentence"),
    ]


# Point 7: a list whose entries wrap is one record per entry --------------------------------

def test_2021_academicians_one_record_each(paragraphs):
    # 2021-ch4.txt 37: "上海共12人当选, 其中中科院院士6人、工程院院士6人"; 39 新增中科院院士, 83 新增工程院院士;
    # each entry a name, a blank line, institution and 学部, then three blank lines
    entries = [p for p in paragraphs if p.file == "corpus/2021-ch4.txt" and 39 < p.line_start < 130 and p.kind == "list"]
    assert [p.line_start for p in entries] == [43, 50, 57, 64, 71, 78, 87, 94, 101, 108, 115, 123]
    assert [p.heading for p in entries] == ["新增中科院院士"] * 6 + ["新增工程院院士"] * 6
    assert entries[0].text == "李骏 复旦大学(数学物理学部)"  # lines 43–46
    assert entries[9].text == "吴明红(女) 上海大学(环境与轻纺工程学部)"  # lines 108–111


# Point 8: maps and word clouds are figures -------------------------------------------------

@pytest.mark.parametrize(
    "start, end, label",
    [
        (213, 293, "锦绣东路"),  # 2017-ch4.txt 213–293: the 张江科学城 map's roads and zones
        (418, 510, "东川路"),  # 418–510: the 紫竹创新创业走廊 (闵行) map
        (527, 596, "枫泾科创小镇"),  # 527–596: the 科创热词集锦 word cloud
    ],
)
def test_maps_and_word_clouds_are_figure_records(paragraphs, start, end, label):
    p = _at(paragraphs, "2017-ch4.txt", start)
    assert (p.kind, p.line_end) == ("figure", end) and label in p.text


def test_statistics_boxes_stay_lists(find):
    assert find(2020, "公众满意度98.02%").kind == "list"  # 2020-ch4.txt 536–552


# Point 12: one chapter label style ---------------------------------------------------------

def test_one_chapter_label_style(paragraphs):
    assert {p.chapter.split(" ")[0] for p in paragraphs} == {"第4部分", "综述"}


# Point 5: figures extracted into the wrong section ----------------------------------------

def test_2019_innovation_voucher_box_is_back_in_4_3(paragraphs):
    # 2019-ch4.txt 376 科技创新券服务不断优化 (4.3); 384–386 (科技创新券跨区域互联互通) and the two
    # figures 392–400 (科技券) and 404–410 (创新券) come after 4.4's introduction (380) and heading (388)
    for line in (384, 392, 404):
        assert _at(paragraphs, "2019-ch4.txt", line).section == "4.3 提升各类创新创业主体能级", line
    intro = _at(paragraphs, "2019-ch4.txt", 380)
    assert intro.section == "4.4 构建开放共享的协同创新网络"
    assert intro.heading == "长三角区域创新共同体加快构建"  # line 390, after its content (2019 layout)


# Point 10: headings and label lines carry places; 张江示范区 is the city-wide zone -----------

@pytest.mark.parametrize(
    "file, line, districts",
    [
        # 2020-ch4.txt 413 推进大零号湾创新创业集聚区建设 titles 415–431; 419 and 427 name no place themselves
        ("2020-ch4.txt", 419, ("闵行区",)),
        ("2020-ch4.txt", 427, ("闵行区",)),
        # 2021-ch4.txt 344: the label line 临港 over 346
        ("2021-ch4.txt", 346, ("浦东新区",)),
        # 2017-ch4.txt 97: 张江国家自主创新示范区 and 张江示范区 (一区二十二园) are city-wide
        ("2017-ch4.txt", 97, ()),
        # 2017-ch4.txt 105: 张江专项发展资金, the zone's fund
        ("2017-ch4.txt", 105, ()),
    ],
)
def test_districts_from_headings_labels_and_the_zone_trap(paragraphs, file, line, districts):
    assert _at(paragraphs, file, line).districts == districts


def test_zhangjiang_as_a_place_is_pudong(paragraphs):
    # 2021-ch4.txt 342 "围绕张江科学城更高品质建设"; 2019-ch4.txt 125 under the label 浦东 张江 (129)
    assert _at(paragraphs, "2021-ch4.txt", 342).districts == ("浦东新区",)
    assert _at(paragraphs, "2019-ch4.txt", 125).districts == ("浦东新区",)


# Point 11: themes per paragraph in sections that carry several -----------------------------

@pytest.mark.parametrize(
    "file, line, theme, not_theme",
    [
        ("2019-ch4.txt", 702, "国际合作", "区域协同"),  # 新增新加坡、葡萄牙2个合作国 (§4.4)
        ("2019-ch4.txt", 477, "区域协同", "国际合作"),  # 长三角科技资源共享服务平台开通启动
        ("2019-ch4.txt", 648, "区域协同", "国际合作"),  # 精准扶贫 … 对口地区
        ("2021-ch4.txt", 264, "区域协同", "国际合作"),  # 与重庆市科技局签署《科技合作框架协议》 (§4.2)
        ("2021-ch4.txt", 153, "国际合作", "区域协同"),  # 推动新一轮“一带一路”科技创新国际合作
    ],
)
def test_a_paragraph_says_which_of_its_sections_themes_it_is_about(paragraphs, file, line, theme, not_theme):
    p = _at(paragraphs, file, line)
    assert theme in p.themes and not_theme not in p.themes


def test_a_paragraph_that_says_both_or_neither_keeps_the_sections_themes(paragraphs):
    # 2021-ch4.txt 149, §4.2's introduction: 国内大循环 … 国内国际双循环 … 国际 and 国内 cooperation
    assert {"国际合作", "区域协同"} <= set(_at(paragraphs, "2021-ch4.txt", 149).themes)


def test_international_and_regional_cooperation_can_be_told_apart(paragraphs):
    for year, section in ((2019, "4.4"), (2021, "4.2")):
        mine = [p for p in paragraphs if p.year == year and p.section.startswith(section)]
        only_intl = [p for p in mine if "国际合作" in p.themes and "区域协同" not in p.themes]
        only_regional = [p for p in mine if "区域协同" in p.themes and "国际合作" not in p.themes]
        assert only_intl and only_regional, (year, section)


# What a user saw (the 上海天文馆 search) ------------------------------------------

def test_the_tianwenguan_sentence_is_found_as_a_phrase_under_its_true_heading(engine):
    from report_search.search.request import SearchRequest

    # 2019-ch4.txt 1096–1100: "…为市民群众提供又一科普好 | 去 处 。…", one sentence across two lines
    hits = engine.search(SearchRequest('"为市民群众提供又一科普好去处"')).hits
    assert [h.paragraph.id for h in hits] == ["2019-ch4-1088"]
    assert hits[0].paragraph.heading == "科普设施建设进一步完善"
    first = engine.search(SearchRequest("上海天文馆")).hits
    assert all(h.paragraph.heading != "等融合发展，为市民群众提供又一科普好" for h in first)


def test_a_numbered_diagram_is_one_figure_record(paragraphs):
    # 2017-ch4.txt 326–332: the numbers 1 | 2 3 | 5 | 4 of a five-label diagram; 334 构建一个
    # “热带雨林式”的产业生态体系, 336–338, 340–344, 346–350, 352–353 its labels
    p = _at(paragraphs, "2017-ch4.txt", 334)
    assert (p.kind, p.line_end) == ("figure", 353)
    assert p.text.startswith("构建一个“热带雨林式”的产业生态体系 重点培育人工智能和机器人两大")
    assert p.text.endswith("布局五大功能平台：研发与转化功能型平台、共性技术创新平台、标准验证平台、数据信息平台、科研成果转化平台")
    assert not any(p.file == "corpus/2017-ch4.txt" and 326 <= p.line_start <= 332 for p in paragraphs)
