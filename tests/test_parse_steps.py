"""Each step of the parse on tiny inputs, by equality, so a failure names the step (issue 9,
"The house"). The inputs are lines of the bundled reports, cited by file and line."""

from __future__ import annotations

import copy
from dataclasses import replace
from types import SimpleNamespace

from report_search.index.clean import collapse_spacing, join_pieces
from report_search.index.layout import Layout
from report_search.index.parse import (
    _DATE_START,
    Block,
    Line,
    Role,
    assign_roles,
    assign_sections,
    join_continuations,
    join_lines,
    mark_labels,
    mark_timeline,
    read_lines,
    settle_prose,
    split_blocks,
    split_dated_lists,
)

LAYOUT = Layout()  # the defaults, which the bundled reports are parsed with
S41 = "4.1 建设各具特色的科技创新中心承载区"  # 2019-ch4.txt l.35


def _line(no: int, raw: str) -> Line:
    from report_search.index.clean import clean_line

    return Line(no, raw, clean_line(raw))


def _block(role: str, *rows: tuple[int, str], gap: int = 1, section: str = "4.6") -> Block:
    lines = [_line(no, raw) for no, raw in rows]
    return Block(lines, gap, rows[0][1][:1] in (" ", "\u3000"), Role(role), section)


def test_collapse_spacing_undoes_letter_spacing():
    assert collapse_spacing("上 海 天 文 馆 完 成 首 次 亮 灯") == "上海天文馆完成首次亮灯"  # 2019 l.1127
    assert collapse_spacing("5 7 . 5 4 % 、5 8 . 5 1 % 、") == "57.54%、58.51%、"  # 2019 l.299
    assert collapse_spacing("浦东   张江") == "浦东 张江"  # 2019 l.129: two labels keep a space
    # 2019 l.765: a line partly letter-spaced; the gap after 李强 is the same spacing
    assert collapse_spacing("上海市委书记李强 宣读贺信 并 讲 话 。论坛汇聚") == "上海市委书记李强宣读贺信并讲话。论坛汇聚"


def test_join_pieces_runs_a_full_width_piece_on():
    assert join_pieces(["5月，上海首家", "科普产业孵化", "基地创建"], [13, 12, 8]) == "5月，上海首家科普产业孵化基地创建"  # 2017 l.32–36


def test_join_lines_glues_narrow_prose_but_keeps_label_spaces():
    # 2017-ch4.txt 368–375, a letter-spaced narrow column: no spaces inside the words
    rows = [(368, "打 造 一 批 高"), (369, "端 化 、集 群"), (370, "化 、国 际 化"), (371, "的 产 业 集"), (372, "群 ，做 强 人")]
    assert join_lines([_line(n, r) for n, r in rows], LAYOUT) == "打造一批高端化、集群化、国际化的产业集群，做强人"
    # 2017-ch4.txt 731–732: two figure labels of one width stay two words
    assert join_lines([_line(731, "先进理念传播平台"), _line(732, "学界思想争锋平台")], LAYOUT) == "先进理念传播平台 学界思想争锋平台"


def test_a_prose_record_joins_its_lines_without_a_space_between_chinese_characters():
    # 2017-ch4.txt 184–186: 学城以张江高科技园区 | 为 基 础，…, a line narrower than the column
    lines = [_line(184, "区”转向“城区”。张江科"), _line(185, "学城以张江高科技园区"), _line(186, "为 基 础，转 型 发 展 成 为")]
    assert join_lines(lines, LAYOUT) == "区”转向“城区”。张江科学城以张江高科技园区 为基础，转型发展成为"  # as set
    assert join_lines(lines, LAYOUT, spaceless=True) == "区”转向“城区”。张江科学城以张江高科技园区为基础，转型发展成为"
    # 2017-ch4.txt 1070–1072: a box title over its text keeps its space
    box = [_line(1070, "创新牵引"), _line(1071, "聚焦电子信息、生物"), _line(1072, "医药、先进制造等领")]
    assert join_lines(box, LAYOUT, spaceless=True) == "创新牵引 聚焦电子信息、生物医药、先进制造等领"


def test_settle_prose_makes_label_rows_a_list_and_other_prose_spaceless():
    # 2017-ch4.txt 730–734: five labels, one a line, no punctuation, no word across a break
    rows = _block("prose", (730, "创新发展交流平台"), (731, "先进理念传播平台"), (732, "学界思想争锋平台"), (733, "最新政策发布平台"), (734, "国际科技合作平台"))
    # 2019-ch4.txt 682–683: prose broken by the column
    prose = _block("prose", (682, "转 移 对 接 洽 谈 会，主 办 技 术 转 移"), (683, "分论坛，参加上海-中北亚科技创"))
    settled = settle_prose([rows, prose], LAYOUT)
    assert [(b.role, b.text) for b in settled] == [
        (Role.LIST, "创新发展交流平台 先进理念传播平台 学界思想争锋平台 最新政策发布平台 国际科技合作平台"),
        (Role.PROSE, "转移对接洽谈会，主办技术转移分论坛，参加上海-中北亚科技创"),
    ]


def test_a_date_starts_an_event():
    for text in ("5月，上海首家", "6月20—21日，在", "9月22—25", "12月 中以", "12月《长江三角洲"):
        assert _DATE_START.match(text), text
    for text in ("11月底，完成", "2019年", "5G基础设施"):
        assert not _DATE_START.match(text), text


def _astronomy_museum() -> list[Block]:
    """2019-ch4.txt 1088–1100, shortened: prose | two sub-headings | the prose goes on."""
    return [
        _block("prose", (1088, "      重点科普场馆建设取得阶段性进展。9月13日，上海天文馆完成首次亮灯，标志着上海天文馆建"), gap=0),
        _block("prose", (1090, "安工程基本竣工。2019年，加快推进“一馆一品”建 设，提 升 科 普 场 馆 服 务 能 级，稳 步 推进上海科普")),
        _block("heading", (1092, "科普设施建设进一步完善")),
        _block("heading", (1094, "科普工作取得丰硕成果")),
        _block("heading", (1096, "公 园 建 设，强 化 科 普 与 文 化 、旅 游 、体 育")),
        _block("heading", (1098, "等融合发展，为市民群众提供又一科普好")),
        _block("prose", (1100, "去 处 。截 至 年 底，全 市 共 有 5 5 家 示 范 性 科")),
    ]


def test_join_continuations_skips_interposed_titles():
    # 2019-ch4.txt 1088–1100, shortened: prose | two sub-headings | the prose goes on
    blocks = _astronomy_museum()
    out = join_continuations(blocks, LAYOUT.column_wrap, LAYOUT)
    assert [b.first for b in out] == [1088, 1092, 1094]
    assert [line.no for line in out[0].lines] == [1088, 1090, 1096, 1098, 1100] and out[0].skipped == [1092, 1094]
    assert out[0].text.endswith("稳步推进上海科普公园建设，强化科普与文化、旅游、体育等融合发展，为市民群众提供又一科普好去处。截至年底，全市共有55家示范性科")


def test_join_continuations_leaves_a_finished_paragraph_alone():
    # 2019-ch4.txt 1064–1066: the paragraph ends with 。, the title after it is a title
    blocks = [
        _block("prose", (1064, "生》等节目加强媒体宣传，科学普及覆盖面进一步提升。")),
        _block("heading", (1066, "科普品牌美誉度不断增强")),
        _block("prose", (1068, "5月，在上视新闻综合频道播出，从科")),
    ]
    assert [b.first for b in join_continuations(blocks, LAYOUT.column_wrap, LAYOUT)] == [1064, 1066, 1068]


def test_heading_detection():
    from report_search.index.parse import _is_heading

    assert _is_heading(_block("prose", (1092, "科普设施建设进一步完善")), LAYOUT)  # 2019 l.1092
    assert _is_heading(_block("prose", (1066, "科普品牌美誉度不断增强")), LAYOUT)  # 2019 l.1066
    assert not _is_heading(_block("prose", (1108, "达到国际先进水平。")), LAYOUT)  # a sentence's end
    assert not _is_heading(_block("prose", (1046, "2400余项，累计参与人数超过1000")), LAYOUT)  # a statistic
    # a line of wrapped prose can read as a title on its own (题，科技节期间举办各类科普活动);
    # join_continuations, not heading detection, makes it prose again
    assert _is_heading(_block("prose", (1044, "题，科 技 节 期 间 举 办 各 类 科 普 活 动")), LAYOUT)


def _assemble(report_layout: str, blocks: list[Block]) -> list[tuple[int, str, str]]:
    from report_search.index.parse import Assembly

    class _Report:  # the two manifest facts the assembly reads
        subheadings = report_layout
        labels: dict[str, str] = {}

    assembly = Assembly(_Report())  # type: ignore[arg-type]
    for block in blocks:
        assembly.feed(block)
    return [(d.block.first, d.kind, d.heading) for d in assembly.finish()]


def test_titles_after_title_the_paragraphs_before_them():
    # 2019-ch4.txt 1058–1066: a paragraph, then its sub-heading; a second title with nothing to title
    blocks = [
        _block("prose", (1058, "打造科学之夜、科普集市、科普进商场等品牌活动。")),
        _block("heading", (1066, "科普品牌美誉度不断增强")),
        _block("heading", (1094, "科普工作取得丰硕成果")),
        _block("caption", (1127, "上 海 天 文 馆 完 成 首 次 亮 灯")),
    ]
    assert _assemble("after", blocks) == [
        (1058, "prose", "科普品牌美誉度不断增强"),
        (1094, "heading-only", "科普工作取得丰硕成果"),
        (1127, "caption", ""),
    ]


def test_titles_before_title_the_paragraphs_after_them():
    # 2020-ch4.txt 413–419: a sub-heading, then its paragraphs; a title with nothing under it
    blocks = [
        _block("heading", (413, "推进大零号湾创新创业集聚区建设"), section="4.5"),
        _block("prose", (415, "零号湾创新创业集聚区建设方案进一步深化,开放式科创街区建设有序推进中。"), section="4.5"),
        _block("prose", (419, "20多万平方米科创载体已建成使用"), section="4.5"),
        _block("heading", (9999, "一个没有段落的标题"), section="4.5"),
    ]
    assert _assemble("before", blocks) == [
        (415, "prose", "推进大零号湾创新创业集聚区建设"),
        (419, "prose", "推进大零号湾创新创业集聚区建设"),
        (9999, "heading-only", "一个没有段落的标题"),
    ]


# Each step takes blocks and returns new ones; its input is left as it was (issue 15, point 2).


def _unchanged(step, blocks, *args):
    """Run a step and check it did not touch its input; returns its output."""
    before = copy.deepcopy(blocks)
    out = step(blocks, *args)
    assert blocks == before, f"{step.__name__} changed its input"
    return out


class _Report(SimpleNamespace):
    """The manifest facts a step reads, and nothing else."""


def test_read_lines_drops_the_running_header_and_its_page_number():
    # 2019-ch4.txt 84–88, as lines 1–5 of a tiny file: a page number two lines above its header
    raws = ["35", "", "第4部分     鼓励创新创业，营造充满活力的创新生态", "", "推动长三角产学研合作与石墨烯研发与转化功能型平台发展，聚焦生物医药与氢能"]
    assert read_lines(_Report(lines=raws), LAYOUT) == [None, None, None, None, _line(5, raws[4])]
    # a layout whose page numbers stand next to their header keeps this one as text
    assert read_lines(_Report(lines=raws), Layout(page_number_reach=1))[0] == _line(1, "35")


def test_split_blocks_parts_a_title_glued_above_its_prose():
    # 2017-ch4.txt 685–687: a blank line, then a title with its paragraph's first line under it
    title, prose = _line(686, "外资研发中心加速融入创新体系"), _line(687, "外资在沪研发中心不断加速融入上海市的创新体系，运用其自身的研发资源及全球创新")
    assert split_blocks([None, title, prose], LAYOUT) == [Block([title], 1, False), Block([prose], 0, False)]
    # a layout whose prose lines are longer than this one keeps them one block
    longer = Layout(lead_min=40)
    assert split_blocks([None, title, prose], longer) == [Block([title, prose], 1, False, layout=longer)]


def test_assign_roles():
    report = _Report(chapter_title="鼓励创新创业，营造充满活力的创新生态", captions=())
    blocks = [
        _block("prose", (1, " 鼓励创新创业，营造充满活力的创新生态"), gap=0, section=""),  # 2019 l.1
        _block("prose", (35, "4.1 建设各具特色的科技创新中心承载区"), section=""),  # 2019 l.35
        _block("prose", (1092, "科普设施建设进一步完善"), section=""),  # 2019 l.1092
        _block("prose", (1127, "上 海 天 文 馆 完 成 首 次 亮 灯"), section=""),  # 2019 l.1127
        _block("prose", (444, "02"), section=""),  # 2019 l.444: a box number
        _block("prose", (16, "- 世界人工智能大会举办"), section=""),  # 2021 l.16
        _block("prose", (1100, "去 处 。截 至 年 底，全 市 共 有 5 5 家 示 范 性 科"), section=""),  # 2019 l.1100
    ]
    out = _unchanged(assign_roles, blocks, report, LAYOUT)
    assert out == [
        replace(blocks[0], role=Role.CHAPTER),
        replace(blocks[1], role=Role.SECTION, section="4.1 建设各具特色的科技创新中心承载区"),
        replace(blocks[2], role=Role.HEADING),
        replace(blocks[3], role=Role.CAPTION),
        replace(blocks[4], role=Role.DEBRIS),
        replace(blocks[5], role=Role.LIST),
        blocks[6],
    ]


def test_assign_sections_honours_a_moved_note():
    # 2019-ch4.txt 137–143: 4.2's first paragraph was extracted before its heading line
    report = _Report(moved={"4.2": "落实科改“25条”要求"}, spliced=())
    blocks = [
        _block("section", (35, "4.1 建设各具特色的科技创新中心承载区"), section=S41),
        _block("prose", (131, "启动自贸试验区临港新片区建设，围绕前沿产业、高端服务、创新协同三大"), section=""),
        _block("prose", (137, " 落实科改“25条”要求，研究制定《上海市科技创新创业载体管理办法》，支持众创空间专业化、品牌"), section=""),
        _block("section", (143, "4.2 建设各类创新创业载体 "), section="4.2 建设各类创新创业载体"),
    ]
    assert _unchanged(assign_sections, blocks, report) == [
        blocks[0],
        replace(blocks[1], section=S41),
        replace(blocks[2], section="4.2 建设各类创新创业载体"),
        blocks[3],
    ]


def test_mark_labels(corpus):
    # 2019-ch4.txt 125–131 (§4.1, labels after their profile): prose | 浦东   张江 | prose
    report = _Report(labels={"4.1": "after"})
    blocks = [
        _block("prose", (125, "推进张江综合性国家科学中心建设，加快建设硬X射线自由电子激光装置、转化医学国家"), section=S41),
        _block("prose", (129, "浦东   张江"), section=S41),
        _block("prose", (131, "启动自贸试验区临港新片区建设，围绕前沿产业、高端服务、创新协同三大"), section=S41),
    ]
    out = _unchanged(mark_labels, blocks, report, corpus, LAYOUT)
    assert out == [blocks[0], replace(blocks[1], role=Role.LABEL, districts=["浦东新区"]), blocks[2]]


def test_mark_timeline():
    # 2019-ch4.txt 16–20: three dated one-line events of the introduction
    blocks = [
        _block("prose", (16, "全球首张黑洞照片公布，上海成为全球六大直播地点之一4月"), section=""),
        _block("prose", (18, "2019年第一期科创板上市培训活动暨科创企业上市培育库发布仪式举行5月"), section=""),
        _block("prose", (20, "上海科技节、浦江创新论坛、上海市科学技术奖励大会等重大科技活动联动举办5月"), section=""),
    ]
    assert _unchanged(mark_timeline, blocks, LAYOUT) == [replace(b, role=Role.EVENT) for b in blocks]
    assert mark_timeline(blocks, Layout(min_timeline=4)) == blocks  # too short a run for such a layout


def test_split_dated_lists_gives_each_item_the_date_line():
    # 2021-ch4.txt 14–18: 7月 over a bulleted list of three items
    date = _block("heading", (14, "7月"), section="")
    items = _block("list", (16, "- 世界人工智能大会举办"), (17, "- 全球建筑规模最大的天文馆——上海天文馆开馆"), (18, "- 《中共中央国务院关于支持浦东新区高水平改革开放打造社会主义现代化建设引领区的意见》发布"), section="")
    d, a, b, c = date.lines[0], *items.lines
    assert _unchanged(split_dated_lists, [date, items], LAYOUT) == [
        Block([d, a], 1, False, Role.EVENT, "", borrowed=1),
        Block([d, b], 1, False, Role.EVENT, "", skipped=[16], borrowed=1),
        Block([d, c], 1, False, Role.EVENT, "", skipped=[16, 17], borrowed=1),
    ]


def test_join_continuations_leaves_its_input_alone():
    # 2019-ch4.txt 1088–1100 again: the re-joined paragraph and the skipped titles are new blocks
    blocks = _astronomy_museum()
    out = _unchanged(join_continuations, blocks, LAYOUT.column_wrap, LAYOUT)
    joined = [line for i in (0, 1, 4, 5, 6) for line in blocks[i].lines]
    assert out == [
        replace(blocks[0], lines=joined, skipped=[1092, 1094], tail=1),
        replace(blocks[2], interposed=True),
        replace(blocks[3], interposed=True),
    ]
