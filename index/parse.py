"""Turn one PDF-extracted report file into ordered, citable paragraph records.

The pipeline, each step a function below from lines or blocks to new blocks (its input unchanged):
  1. lines   — drop page furniture (running headers and their page numbers);
  2. blocks  — split at blank lines and at indented lines (a new text box in the PDF);
  3. roles   — chapter lines, section headings, sub-headings, district labels, tables, lists,
               captions, box numbers (debris), timeline events;
  4. sections — which section each block belongs to, honouring the manifest's `moved` and
               `spliced` notes;
  5. merges  — re-join paragraphs wrapped across blank lines and across interposed titles
               (join_continuations, naming the skipped lines) and the manifest's `joined` boxes,
               entries of wrapped lists, runs of short label lines (lists, figures, timelines),
               dated bullet lists; then the prose left is settled (settle_prose): label rows
               become lists, other prose joins its lines without a space between Chinese
               characters;
  6. records — an Assembly walks the blocks, one method per kind, a layout strategy
               (TitlesBefore / TitlesAfter) attaching sub-headings, and emits paragraphs.
Every layout threshold is a field of `Layout` (index/layout.py), which a report's manifest entry
may override; each step receives the report's Layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .clean import TERMINAL, _word_crosses, clean_line, display_width, is_cjk, is_blank, is_bullet, is_separator, is_table_line, join_pieces, letter_spaced, markdown_heading
from .corpus import Corpus, Report, load_corpus, section_key
from .layout import DEFAULT_LAYOUT, Layout
from .normalize import cjk_gaps, compact, nfkc, no_space_between
from .paragraph import NUMBERED, Paragraph
from .taxonomy import districts_named, label_districts, merge, paragraph_fields, paragraph_themes, section_themes

_RUNNING_HEADER = re.compile(r"^\s*(第\s*\d+\s*部分\s+\S.*|\d{4}\s*上海科技进步报告)\s*$")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_SECTION = re.compile(r"^\s*(\d{1,2}\.\d{1,2})(?:\s+(\S.*?))?\s*$")
_CHAPTER_MARK = re.compile(r"^(第\s*\S{0,3}\s*部分|0?\d{1,2}(?=\s|$)|#+)\s*")
_HEADING_MARK = re.compile(r"^\s*(?:[▶►●◆]|>>)")
_YEAR = re.compile(r"(19|20)\d\d")
_BOLD_NUMBER = re.compile(r"\*\*\s*[\d.,%+]+\s*\S{0,3}\*\*")  # a bold figure: **215家**, **3050亿元**
_BOLD_LEAD = re.compile(r"^\*\*([^*]{2,30}?)。?\*\*\S")  # **重大原创成果持续涌现。**坚持…
_QUOTED = re.compile(r"“[^”]*”")
_OPEN, _CLOSE = "“（《(【", "”）》)】"
_DATE_START = re.compile(r"^\d{1,2}月(?:\d{1,2}(?:[—–-]\d{1,2})?(?:日|$)|(?=[\s，,、《“（(]|$))")  # 5月， 9月22—25 6月20—21日
_DATE_END = re.compile(r"(?<![\d.])\d{1,2}月$")  # …直播地点之一4月
DANGLING = "的和与及在对由将把为从向"  # a line ending on one of these stops mid-phrase
_WANTS_DATE = ("截至", "于", "在", "至", "从", "自", "到", "年")
_DATE_ONLY = re.compile(r"^\d{1,2}月$")


class Role(StrEnum):
    """What a block is on the page: set by assign_roles, mark_labels and mark_timeline, and by the
    merges for the blocks they make. A role is code, not data: a new one needs an Assembly
    method (`on_<role>`, else it is a paragraph) and, if it is a record, a paragraph kind."""

    PROSE = "prose"  # running text; the role every block starts with
    CHAPTER = "chapter"  # the chapter's number or title line, before the first section: no record
    SECTION = "section"  # a section heading (4.4 优化科技金融生态, or a markdown # / ##): starts a section
    HEADING = "heading"  # a sub-heading: titles the paragraphs after it (before them in 2019), else a heading-only record
    LABEL = "label"  # a district label line (闵行, 浦东 张江) in a section whose manifest entry lists labels
    TABLE = "table"  # table rows (tabs, | pipes, HTML): a record of kind table
    LIST = "list"  # a bulleted list, a run of short labels, or one entry of a list set as a table
    DEBRIS = "debris"  # box numbers, a stray page number, a lone A/B/C: no record
    CAPTION = "caption"  # a photo's caption (manifest `captions`, or a lone letter-spaced title): titles nothing
    EVENT = "event"  # one event of a timeline: a dated line, a dated run's item, a dated list's item
    FIGURE = "figure"  # a map or word cloud (a long run of labels) or a numbered diagram's labels


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the source file
    raw: str
    text: str  # cleaned


@dataclass(frozen=True)
class Block:
    """A run of source lines and what the steps found it to be. Frozen: a step returns new blocks
    (dataclasses.replace), so each step can be read, and tested, as blocks in, blocks out."""

    lines: list[Line]
    gap: int  # blank lines before the block
    indented: bool  # starts with white space: a new text box in the PDF
    role: Role = Role.PROSE  # what the block is on the page: see Role
    section: str = ""  # "4.4 优化科技金融生态" once sections are known
    marked: bool = False  # ▶ ► ● ◆ >> or a markdown heading: certainly a heading
    districts: list[str] = field(default_factory=list)  # for labels
    subtitle: str = ""  # for labels glued to a bold subtitle: 静安**推进科技产业集聚发展**
    pieces: list[str] | None = None  # for a run of short blocks: their texts, joined as pieces
    widths: list[int] | None = None  # and their widths on the page
    skipped: list[int] = field(default_factory=list)  # lines inside the range not in the text
    borrowed: int = 0  # leading lines shared with sibling items (a timeline's date line)
    interposed: bool = False  # a title or caption that extraction placed inside a paragraph
    tail: int = 0  # lines in the last piece joined on (0: the block as split)
    spliced: bool = False  # put into its section by a manifest `spliced` note
    separate: bool = False  # pieces are distinct labels (a numbered diagram's), joined by spaces
    spaceless: bool = False  # a prose record's lines: no space between Chinese characters where they join (settle_prose)
    layout: Layout = field(default=DEFAULT_LAYOUT, repr=False)  # the report's, by which its lines are joined

    @property
    def text(self) -> str:
        if self.pieces and self.separate:
            return " ".join(self.pieces)
        if self.pieces:
            return join_pieces(self.pieces, self.widths, self.layout)
        if self.role == Role.HEADING:  # a title wrapped over two lines, or set vertically
            return join_pieces(["".join(line.text for line in self.lines)], layout=self.layout)
        items: list[list[Line]] = []  # list items (each `- ` line starts one), else one item
        for line in self.lines:
            if not items or is_bullet(line.raw):
                items.append([])
            items[-1].append(line)
        return " ".join(join_lines(item, self.layout, self.spaceless) for item in items)

    @property
    def first(self) -> int:
        return self.lines[0].no

    @property
    def last(self) -> int:
        return self.lines[-1].no

    @property
    def anchor(self) -> int:
        """The line that names the record (its id): its first line not shared with siblings."""
        return self.lines[self.borrowed].no


def _spaced(raw: str, layout: Layout) -> bool:
    """Set letter-spaced (端 化 、集 群): a line of justified prose in a narrow column."""
    return letter_spaced(raw.split(), min_tokens=layout.spaced_tokens, share=layout.wrap_spaced_share, most=layout.letter_max)


def join_lines(lines: list[Line], layout: Layout, spaceless: bool = False) -> str:
    """The cleaned lines of one block as one text. A line as wide as the block's widest runs
    straight on into the next when it is prose cut by the column (a word runs across: 软件信息 |
    服务; it ends on 、， or 与, or the next starts with 与; it is set letter-spaced); two equally wide figure labels
    (创新发展交流平台 | 先进理念传播平台) keep their space. In a prose record (`spaceless`) two
    lines meet without a space between Chinese characters (园区 | 为 基 础, 2017 l.185-186),
    but for a box title over its text (_box_title)."""
    texts = [line.text for line in lines]
    if len(lines) == 1:
        return texts[0]
    widths = [display_width(line.raw) for line in lines]
    full = layout.wrap_ratio * max(widths)
    out = last = ""
    for i, text in enumerate(texts):
        if not text:
            continue
        if out:
            prev = lines[i - 1]
            cut = widths[i - 1] >= full and out[-1] not in TERMINAL and (
                out[-1] in "，、" + DANGLING or text[0] in DANGLING or _spaced(prev.raw, layout) or _spaced(lines[i].raw, layout) or _word_crosses(out, text)
            )
            glue = "" if cut else join_pieces([last, text], layout=layout)[len(last) : -len(text)]
            if spaceless and glue and no_space_between(out[-1], text[0]) and not (out == last and _box_title(prev, lines, layout)):
                glue = ""  # Chinese sets no space between the lines of a paragraph (园区 | 为 基 础)
            out += glue + text
        else:
            out = text
        last = text
    return out


def _box_title(line: Line, block: list[Line], layout: Layout) -> bool:
    """A block's first line that titles the text under it (创新牵引 | 聚焦电子信息、生物 …, 2017
    l.1070): title-like, not letter-spaced, and no full line of the block (石墨烯·新材料众创空间
    培育 | 一批石墨烯创新型企业, l.1174, is one; widths as cleaned, since a letter-spaced line is
    wider raw). Its space to the text is a separator; any other line runs on without one."""
    return (
        _heading_text(line.text, layout)
        and not _spaced(line.raw, layout)
        and display_width(line.text) < layout.full_ratio * max(display_width(other.text) for other in block)
    )


# 1. lines ---------------------------------------------------------------------------------


def read_lines(report: Report, layout: Layout) -> list[Line | None]:
    """Source lines with blanks and page furniture as None (kept, so numbering stays true)."""
    raws = report.lines
    furniture = {i for i, raw in enumerate(raws) if _RUNNING_HEADER.match(raw)}
    reach = layout.page_number_reach
    for i in list(furniture):
        for j in range(i - reach, i + reach + 1):  # the page number next to its running header
            if j != i and 0 <= j < len(raws) and _PAGE_NUMBER.match(raws[j]):
                furniture.add(j)
    lines: list[Line | None] = []
    for i, raw in enumerate(raws):
        if i in furniture or is_blank(raw) or is_separator(raw):
            lines.append(None)
        else:
            lines.append(Line(i + 1, raw, clean_line(raw, layout)))
    return lines


# 2. blocks --------------------------------------------------------------------------------


def _starts_box(raw: str) -> bool:
    return raw[:1] in (" ", "\u3000")


def split_blocks(lines: list[Line | None], layout: Layout) -> list[Block]:
    blocks: list[Block] = []
    current: list[Line] = []
    gap = 0

    def close() -> None:
        nonlocal current, gap
        if current:
            blocks.append(Block(current, gap, _starts_box(current[0].raw), layout=layout))
            gap = 0
        current = []

    for line in lines:
        if line is None:
            close()
            gap += 1
            continue
        if current and (
            _starts_box(line.raw)
            or _SECTION.match(line.raw)
            or markdown_heading(line.raw, layout)
            or markdown_heading(current[-1].raw, layout)
            or (is_bullet(line.raw) and not is_bullet(current[-1].raw))
        ):
            close()
        if line.text:
            current.append(line)
    close()
    return [piece for block in blocks for piece in _split_leading_heading(block, layout)]


def _split_leading_heading(block: Block, layout: Layout) -> list[Block]:
    """A short title line glued to the prose under it becomes a block of its own."""
    if len(block.lines) >= 2 and not _SECTION.match(block.lines[0].raw):
        head, second = block.lines[0].text, block.lines[1].text
        if _heading_text(head, layout) and len(second) >= layout.lead_min and len(second) >= layout.lead_ratio * len(head):
            return [replace(block, lines=block.lines[:1]), replace(block, lines=block.lines[1:], gap=0, indented=False)]
    return [block]


# 3. roles ---------------------------------------------------------------------------------


def _heading_text(text: str, layout: Layout) -> bool:
    """Short, unfinished-sentence-free, not a statistic: reads as a title."""
    return (
        0 < len(text) <= layout.heading_max
        and text[-1] not in TERMINAL + "，、：:,(（“"
        and text[0] not in "(（"
        and "。" not in text
        and sum(ch.isdigit() for ch in _YEAR.sub("", _QUOTED.sub("", text))) <= layout.heading_digits
        and any(is_cjk(ch) for ch in text)
    )


def _unbalanced(text: str) -> bool:
    """A closing quote or bracket before its opener (业孵化”…): the tail of a wrapped line."""
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return True
    return depth > 0


def _is_heading(block: Block, layout: Layout) -> bool:
    raw = "".join(line.raw for line in block.lines)
    vertical = all(len(line.text) <= layout.vertical_max for line in block.lines)  # 仪器\n共享\n服务
    two_short = len(block.lines) == 2 and len(block.lines[0].text) < layout.two_line_heading  # not a wrapped full line
    return (len(block.lines) == 1 or two_short or vertical) and _heading_text(block.text, layout) and not _BOLD_NUMBER.search(raw) and not _unbalanced(block.text)


def _chapter_line(block: Block, report: Report) -> bool:
    rest = _CHAPTER_MARK.sub("", nfkc(" ".join(line.raw.strip() for line in block.lines)), count=1)
    rest = re.sub(r"第\s*\S{0,3}\s*部分", "", rest)
    return not section_key(rest) or section_key(rest) == section_key(report.chapter_title)


def assign_roles(blocks: list[Block], report: Report, layout: Layout) -> list[Block]:
    """Each block with its role; a section line also with its section's name."""
    out: list[Block] = []
    seen_section = False
    for block in blocks:
        block = _with_role(block, report, layout, seen_section)
        seen_section = seen_section or block.role == Role.SECTION
        out.append(block)
    return out


def _with_role(block: Block, report: Report, layout: Layout, seen_section: bool) -> Block:
    """The block as a chapter line (only before the first section), a section line, a marked
    heading, table, list or sub-heading; a title-like or prose block may still be box numbers
    (debris) or a photo caption. Markdown levels are the files' notation: # chapter, ## section."""
    first = block.lines[0]
    md = markdown_heading(first.raw, layout)
    m = _SECTION.match(first.raw)
    if not seen_section and (md and md[0] == 1 or not md and not m) and _chapter_line(block, report):
        return replace(block, role=Role.CHAPTER)
    if m and (m.group(2) or len(block.lines) > 1):
        title = clean_line(m.group(2) or "", layout) or join_pieces([line.text for line in block.lines[1:]], layout=layout)
        if len(title) <= layout.heading_max:
            return replace(block, role=Role.SECTION, section=f"{m.group(1)} {title}")
    elif md and md[0] <= 2:
        return replace(block, role=Role.SECTION, section=md[1])
    elif md:
        return replace(block, role=Role.HEADING, marked=True)
    elif is_table_line(first.raw):
        return replace(block, role=Role.TABLE)
    elif is_bullet(first.raw):
        return replace(block, role=Role.LIST)
    elif _is_heading(block, layout):
        block = replace(block, role=Role.HEADING, marked=bool(_HEADING_MARK.match(first.raw)))
    if block.role in (Role.HEADING, Role.PROSE) and not block.marked:
        if _is_debris(block):
            return replace(block, role=Role.DEBRIS)
        if _is_caption(block, report, layout):
            return replace(block, role=Role.CAPTION)
    return block


_DEBRIS = re.compile(r"^(?:[\d\s]{1,8}|[A-Z])$")  # box numbers "01 02", "0201 03", a page number, a lone A/B/C


def _is_debris(block: Block) -> bool:
    return len(block.lines) == 1 and bool(_DEBRIS.match(block.lines[0].text))


def _letter_spaced(raw: str, layout: Layout) -> bool:
    """Every token a lone Chinese character, and enough of them: stricter than `_spaced`, as a
    sub-heading's wrapped line (公 园 建 设，强 化 …) is letter-spaced but no caption."""
    return letter_spaced(raw.split(), min_tokens=layout.caption_min, share=1.0, most=1, cjk=True)


def _is_caption(block: Block, report: Report, layout: Layout) -> bool:
    """A photo caption: listed in the manifest, or a lone title set letter-spaced (上 海 天 文 馆
    完 成 首 次 亮 灯), which the reports do for captions and never for sub-headings."""
    text = compact(block.text)
    if text in report.captions:
        return True
    return block.role == Role.HEADING and len(block.lines) == 1 and _letter_spaced(block.lines[0].raw, layout)


def _dated(text: str) -> bool:
    return bool(_DATE_START.match(text) or _DATE_END.search(text))


def mark_timeline(blocks: list[Block], layout: Layout) -> list[Block]:
    """Runs of one-line events each starting or ending with its month (2019's introduction:
    长三角科技资源共享服务平台开通启动4月 … 12月 中以（上海）创新园开园) are one record each."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while (
            j < len(blocks)
            and blocks[j].role in (Role.HEADING, Role.PROSE)
            and len(blocks[j].lines) == 1
            and blocks[j].section == blocks[i].section
            and _dated(blocks[j].text)
            and _DATE_END.sub("", _DATE_START.sub("", blocks[j].text)).strip()  # an event, not a date alone
        ):
            j += 1
        timeline = j - i >= layout.min_timeline
        out.extend(replace(block, role=Role.EVENT) if timeline else block for block in blocks[i : max(j, i + 1)])
        i = max(j, i + 1)
    return out


def section_names(blocks: list[Block]) -> dict[str, str]:
    """Section number (or a markdown section's title) -> the section's full name, as its section
    line gives it: what `moved` and `spliced` notes name sections by."""
    names: dict[str, str] = {}
    for block in blocks:
        if block.role == Role.SECTION:
            m = _SECTION.match(block.lines[0].raw)
            names[m.group(1) if m else block.section] = block.section
    return names


def assign_sections(blocks: list[Block], report: Report) -> list[Block]:
    """Each block with its section; a `moved` note starts a section before its heading line, a
    `spliced` one puts a range of lines (a figure box) back into the section it belongs to."""
    sections = section_names(blocks)
    anchors = {compact(text): number for number, text in report.moved.items()}
    current = ""
    out: list[Block] = []
    for block in blocks:
        if block.role == Role.SECTION:
            current = block.section if not current.startswith(block.section.split()[0] + " ") else current
        else:
            start = compact(block.text)
            for anchor, number in anchors.items():
                if start.startswith(anchor) and number in sections:
                    current = sections[number]
            section, spliced = current, block.spliced
            for number, first, last in report.spliced:  # lines placed inside another section
                if first <= block.first <= last and number in sections:
                    section, spliced = sections[number], True
            block = replace(block, section=section, spliced=spliced)
        out.append(block)
    return out


def mark_labels(blocks: list[Block], report: Report, corpus: Corpus, layout: Layout) -> list[Block]:
    """District labels, in the sections the manifest says carry them.

    A lone area name (东方美谷) inside a run of short lines is a word of a map or word list,
    not a label; a district name (杨浦) always is."""
    out: list[Block] = []
    for i, block in enumerate(blocks):
        position = report.labels.get(block.section.split(" ")[0]) if block.section else None
        if position and block.role in (Role.HEADING, Role.PROSE):
            # the block before as marked already (a label is not short), the one after as found
            in_run = 0 < i < len(blocks) - 1 and _short(out[i - 1], layout) and _short(blocks[i + 1], layout)
            names = label_districts(" ".join(line.text for line in block.lines), corpus, areas=not in_run, layout=layout)
            if names:
                block = replace(block, role=Role.LABEL, districts=names)
            elif position == "before" and block.role == Role.HEADING and districts_named(block.text, corpus):
                block = replace(block, role=Role.LABEL, districts=districts_named(block.text, corpus), subtitle=block.text)
        out.append(block)
    return out


# 5. merges --------------------------------------------------------------------------------


def wrap_width(lines: list[Line | None], layout: Layout) -> int:
    """Shortest line that may have been wrapped. Files set at a column width (2017, 2019: nine
    lines in ten under 60 characters) wrap anywhere; files with one line per paragraph (2020,
    2021) break only long lines, so a short statistic line is never glued to the next one."""
    lengths = sorted(len(line.text) for line in lines if line and len(line.text) > layout.column_skip)
    measure = lengths[int(layout.column_quantile * len(lengths))] if lengths else 0
    return layout.column_wrap if measure <= layout.column_max else layout.line_wrap


def _cut_mid_sentence(block: Block, min_width: int) -> bool:
    """Does the block's last line stop where the column did, not where the sentence did?"""
    last = block.lines[-1].text
    return last[-1] not in TERMINAL + "：:" and (len(last) >= min_width or last[-1] in "，、")


def _runs_on(prev: Block, block: Block, min_width: int, layout: Layout) -> bool:
    """Is `block` the next line of the paragraph `prev`, broken off by one blank line?"""
    return (
        prev.role in (Role.PROSE, Role.HEADING)
        and block.role in (Role.PROSE, Role.HEADING)
        and not block.marked
        and block.gap == layout.wrap_gap
        and not block.indented
        and block.section == prev.section
        and (
            _cut_mid_sentence(prev, min_width)
            # a short last line still runs on when a word runs across (总体稳步 | 增长，尤其是…)
            or (
                block.role == Role.PROSE
                and is_cjk(prev.lines[-1].text[-1])
                and is_cjk(block.lines[0].text[0])
                and _word_crosses(prev.lines[-1].text, block.lines[0].text)
            )
        )
        # a date starts the next event (4月10日，… | 6月20—21日，…), unless the text asks for one (截至 | 9月13日)
        and (not _DATE_START.match(block.text) or prev.text.endswith(_WANTS_DATE))
        and (
            block.role == Role.PROSE
            or _unbalanced(prev.text)
            or _unbalanced(block.text)
            or len(block.text) <= layout.tail_max
            or _narrow_column_line(prev, block, layout)
            or _word_crosses(prev.lines[-1].text, block.lines[0].text)  # 直播视 | 频浏览
        )
    )


def _narrow_column_line(prev: Block, block: Block, layout: Layout) -> bool:
    """A title-like line as wide as the line above it, in prose set one line per block (a
    narrow double-spaced column: 际科技艺术展演再次成为全国科技), is that prose's next line."""
    return (
        (prev.tail or len(prev.lines)) == 1
        and (any(ch in prev.text for ch in "。；") or prev.lines[-1].text[-1] in DANGLING)
        and len(block.text) >= layout.wrap_ratio * len(prev.lines[-1].text)
    )


def _interposable(block: Block, section: str) -> bool:
    return block.section == section and block.role in (Role.HEADING, Role.CAPTION, Role.DEBRIS) and not block.marked


def _continues(prev: Block, block: Block, after: Block | None, min_width: int, layout: Layout) -> bool:
    """Is `block`, found past interposed titles, the rest of the paragraph `prev`?"""
    if block.section != prev.section or block.indented or block.marked or _DATE_START.match(block.text):
        return False
    if block.role == Role.PROSE:
        return True
    # a title-like piece that itself runs on into the next line is a line of prose
    return (
        block.role == Role.HEADING
        and after is not None
        and after.role in (Role.PROSE, Role.HEADING)
        and after.gap == layout.wrap_gap
        and not after.indented
        and after.section == block.section
        and _cut_mid_sentence(block, min_width)
        and (
            after.role == Role.PROSE
            or len(after.text) >= layout.wrap_ratio * len(block.lines[-1].text)
            or _word_crosses(block.lines[-1].text, after.lines[0].text)
        )
    )


def join_continuations(blocks: list[Block], min_width: int, layout: Layout) -> list[Block]:
    """Re-join a paragraph that extraction broke apart: across one blank line (科技成\\n\\n果转移…),
    and across headings, captions and box numbers placed in the middle of it (2019 §4.6: 上海科普
    | 科普设施建设进一步完善 | 科普工作取得丰硕成果 | 公园建设…). The interposed blocks are
    left out of the paragraph's text, named in its `skipped` lines, and follow it as records
    of their own (in "after" layout they then title it, as they title the text they stand in)."""
    out: list[Block] = []
    held: list[Block] = []  # interposed blocks, emitted once their paragraph is complete
    current: Block | None = None  # the paragraph being re-joined, out[at]
    at = 0
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if current is not None and _runs_on(current, block, min_width, layout) and (
            current.role == Role.PROSE or _word_crosses(current.lines[-1].text, block.lines[0].text)
        ):  # (a title-like line starts a paragraph only when a word runs on: 创新型、创 | 业型)
            current = out[at] = replace(current, lines=[*current.lines, *block.lines], role=Role.PROSE, tail=len(block.lines))
            i += 1
            continue
        if current is not None and current.role == Role.PROSE and _cut_mid_sentence(current, min_width) and any(ch in current.text for ch in "。；"):
            widest = max(len(line.text) for line in current.lines)
            full = len(current.lines[-1].text) >= layout.full_ratio * widest
            j, found = i, False
            while full and j < len(blocks) and j - i <= layout.max_interposed:  # up to max_interposed blocks, then the continuation
                after = blocks[j + 1] if j + 1 < len(blocks) else None
                if j > i and _continues(current, blocks[j], after, min_width, layout):
                    found = True
                    break
                if not _interposable(blocks[j], current.section):
                    break
                j += 1
            if found:
                skipped = [line.no for b in blocks[i:j] for line in b.lines]
                current = out[at] = replace(
                    current, lines=[*current.lines, *blocks[j].lines], skipped=[*current.skipped, *skipped], tail=len(blocks[j].lines)
                )
                held.extend(replace(b, interposed=True) for b in blocks[i:j])
                i = j + 1
                continue
        out.extend(held)
        held = []
        out.append(block)
        current, at = (block if block.role in (Role.PROSE, Role.HEADING) and not block.marked else None), len(out) - 1
        i += 1
    out.extend(held)
    return out


def join_boxes(blocks: list[Block], report: Report) -> list[Block]:
    """A manifest `joined` range (2019 l.763-779, the 世界顶尖科学家论坛 box): its prose blocks
    are one paragraph, the box's text, though extraction set them apart with nothing to tell
    them from the next box (a full line ending 。, a blank line); the titles interposed in it
    stay records of their own, after it, and its lines left out are named skipped."""
    out = list(blocks)
    for first, last in report.joined:
        inside = [k for k, b in enumerate(out) if b.role == Role.PROSE and first <= b.first and b.last <= last]
        if len(inside) < 2:
            continue
        parts = [out[k] for k in inside]
        lines = [line for b in parts for line in b.lines]
        kept = {line.no for line in lines}
        between = [line.no for b in out if first <= b.first <= last for line in b.lines if line.no not in kept]
        out[inside[0]] = replace(parts[0], lines=lines, skipped=sorted({*parts[0].skipped, *between}), tail=len(parts[-1].lines))
        out = [b for k, b in enumerate(out) if k not in inside[1:]]
    return out


def _short(block: Block, layout: Layout) -> bool:
    return block.role in (Role.PROSE, Role.HEADING) and not block.marked and not block.interposed and len(block.text) <= layout.short_max and block.text[-1] not in "。；！？"


def group_short_runs(blocks: list[Block], layout: Layout, titles_after: bool = False) -> list[Block]:
    """Runs of short lines (map labels, 热词, figures) become one list paragraph. Where
    sub-headings follow their paragraphs (`titles_after`, 2019), a run's first line that is a
    title right after a paragraph, and longer than the run's next line, is that paragraph's
    title, not a label of the run (2019 l.311 高新技术企业培育力度不断加大, after the 高新技术企业
    text of 273-309, over the labels 上海产业创新的重要策源者 …); a figure's labels are alike
    (l.230 做好顶层规划 | 落实双相载体 | 高品质生活 …)."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and _short(blocks[j], layout) and blocks[j].section == blocks[i].section:
            j += 1
        if (
            titles_after and j - i > layout.min_run and blocks[i].role == Role.HEADING
            and len(blocks[i].text) > len(blocks[i + 1].text)
            and out and out[-1].role in (Role.PROSE, Role.LIST, Role.TABLE) and out[-1].section == blocks[i].section
        ):
            out.append(blocks[i])
            i += 1
            continue
        if j - i > layout.min_run and blocks[j - 1].role == Role.HEADING and j < len(blocks) and blocks[j].role in (Role.PROSE, Role.LIST, Role.TABLE):
            j -= 1  # the run's last line is the title of the paragraph after it
        if j - i >= layout.min_run:
            run = blocks[i:j]
            items = _timeline_items(run, layout) if sum(bool(_DATE_START.match(b.text)) for b in run) >= layout.run_dates else [run]
            role = Role.EVENT if len(items) > 1 else Role.FIGURE if _figure(run, layout) else Role.LIST
            out.extend(_run_block(item, role, layout) for item in items)
            i = j
        else:
            out.append(blocks[i])
            i += 1
    return out


def group_numbered_diagrams(blocks: list[Block], layout: Layout) -> list[Block]:
    """A diagram whose labels are numbered in a row of digits of their own (2017 lines 326-353:
    1 | 2 3 | 5 | 4, then 构建一个“热带雨林式”的产业生态体系 and four more labels): one figure
    record of as many labels as there are numbers; the digits are dropped."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].role == Role.DEBRIS and blocks[j].section == blocks[i].section:
            j += 1
        count = sum(len(b.text.split()) for b in blocks[i:j]) if j - i >= layout.diagram_rows else 0
        labels = blocks[j : j + count]
        if count >= layout.min_run and len(labels) == count and all(
            b.role in (Role.PROSE, Role.HEADING) and not b.marked and b.section == blocks[i].section for b in labels
        ):
            out.extend(blocks[i:j])
            out.append(replace(_run_block(labels, Role.FIGURE, layout), separate=True))
            i = j + count
            continue
        out.append(blocks[i])
        i += 1
    return out


def _entry_piece(block: Block, section: str, layout: Layout) -> bool:
    return block.role in (Role.PROSE, Role.HEADING) and not block.marked and block.section == section and len(block.text) <= layout.entry_max


def group_entries(blocks: list[Block], layout: Layout) -> list[Block]:
    """A list whose entries wrap over several short blocks, the entries parted by wider gaps
    (2021 §4.1, lines 39-150: 李 骏 | 复旦大学 (数学物理学部), three blank lines, 俞 隼 | …):
    one record per entry, not runs cut by line length. An entry ends at its wide gap, or after
    a piece closing a bracket ((化学部)); what follows then (新增工程院院士) is a title."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        section = blocks[i].section
        items: list[list[Block]] = []
        j = i
        while j < len(blocks) and blocks[j].gap >= layout.wide_gap and _entry_piece(blocks[j], section, layout):
            k = j + 1
            while (
                k < len(blocks)
                and blocks[k].gap <= layout.wrap_gap
                and _entry_piece(blocks[k], section, layout)
                and not (k - 1 > j and blocks[k - 1].text.endswith((")", "）")))
            ):
                k += 1
            if k - j < layout.entry_pieces:
                break
            items.append(blocks[j:k])
            j = k
        if len(items) >= layout.min_run:
            out.extend(_run_block(item, Role.LIST, layout) for item in items)
            i = j
        else:
            out.append(blocks[i])
            i += 1
    return out


def _figure(run: list[Block], layout: Layout) -> bool:
    """A map or word cloud (2017 lines 213-293, the 张江科学城 map: 下盐公路 锦绣东路 龙东大道 …):
    many labels, few of them numbers. Statistics boxes (115家 …) stay lists."""
    numbered = sum(any(ch.isdigit() for ch in b.text) for b in run)
    return len(run) >= layout.figure_min and numbered < layout.figure_digits * len(run)


def _run_block(run: list[Block], role: Role, layout: Layout) -> Block:
    lines = [line for b in run for line in b.lines]
    pieces = [b.text for b in run]
    widths = [display_width(b.lines[-1].raw) for b in run]
    skipped = [n for b in run for n in b.skipped]
    return Block(lines, run[0].gap, run[0].indented, role, run[0].section, pieces=pieces, widths=widths, skipped=skipped, spliced=run[0].spliced, layout=layout)


def _timeline_items(run: list[Block], layout: Layout) -> list[list[Block]]:
    """A timeline set in a narrow column (2017's introduction: 5月20—27日，| 2017年上海科技 | 节举办
    | 7月，市政府批 …), one list of pieces per event. An event starts at its date, after a wider
    gap, or after a piece clearly shorter than the column (the last line of the one before)."""
    widest = max(display_width(b.lines[-1].raw) for b in run)
    items: list[list[Block]] = []
    for block in run:
        prev = items[-1][-1] if items else None
        if (
            prev is None
            or _DATE_START.match(block.text)
            or block.gap >= layout.event_gap
            or display_width(prev.lines[-1].raw) < layout.event_end_ratio * widest
        ):
            items.append([])
        items[-1].append(block)
    return items


def split_dated_lists(blocks: list[Block], layout: Layout) -> list[Block]:
    """A month on a line of its own over a bulleted list (2021: 7月 | - 世界人工智能大会举办 | - 全球
    建筑规模最大的天文馆…): one record per item, each with the date line. The date line is
    shared: a later item's record names the earlier items between as skipped."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        date = blocks[i]
        j = i + 1
        while j < len(blocks) and blocks[j].role == Role.LIST and blocks[j].pieces is None and blocks[j].section == date.section:
            j += 1
        if date.role in (Role.HEADING, Role.PROSE) and len(date.lines) == 1 and _DATE_ONLY.match(date.text) and j > i + 1:
            between: list[int] = []
            for block in blocks[i + 1 : j]:
                items: list[list[Line]] = []
                for line in block.lines:
                    if not items or is_bullet(line.raw):
                        items.append([])
                    items[-1].append(line)
                for item in items:
                    out.append(Block([date.lines[0], *item], date.gap, date.indented, Role.EVENT, date.section, skipped=list(between), borrowed=1, layout=layout))
                    between.extend(line.no for line in item)
            i = j
            continue
        out.append(date)
        i += 1
    return out


_SENTENCE_MARKS = "，。；：、！？,;:!?"


def _label_rows(block: Block, layout: Layout) -> bool:
    """Labels set in rows, not prose, so that the spaces between them are separators: lines
    without a punctuation mark that hold labels side by side (申报企业7255家 立项支持1672家, the
    gap clean.collapse_spacing keeps between Chinese words), or a few short ones of which no
    word runs on into the next (创新发展交流平台 | 先进理念传播平台 | …, 2017 l.730-734)."""
    texts = [line.text for line in block.lines]
    if any(ch in _SENTENCE_MARKS for text in texts for ch in text):
        return False
    if any(cjk_gaps(text) for text in texts):
        return True
    return (
        len(texts) >= layout.min_run
        and all(len(text) <= layout.short_max for text in texts)
        and not any(_word_crosses(a, b) for a, b in zip(texts, texts[1:]))
    )


def settle_prose(blocks: list[Block], layout: Layout) -> list[Block]:
    """The prose blocks left after the merges, as records: labels set in rows (_label_rows)
    become a list (a figure when they are many), their labels joined by spaces; the others
    join their lines without a space between Chinese characters (`spaceless`). Last, so that
    every step before measures and compares the blocks as they were set."""
    out: list[Block] = []
    for block in blocks:
        if block.role == Role.PROSE and block.pieces is None:
            if _label_rows(block, layout):
                labels = [line.text for line in block.lines]
                role = Role.FIGURE if len(labels) >= layout.figure_min else Role.LIST
                block = replace(block, role=role, pieces=labels, widths=[display_width(line.raw) for line in block.lines], separate=True)
            else:
                block = replace(block, spaceless=True)
        out.append(block)
    return out


# 6. records -------------------------------------------------------------------------------


@dataclass
class _Draft:
    block: Block
    text: str
    kind: str
    section: str
    heading: str
    districts: list[str]
    label: str = ""  # the district label line that names it (临港), when one does


class TitlesBefore:
    """Layout strategy: a sub-heading stands before the paragraphs it titles (2017, 2020, 2021)."""

    def __init__(self, assembly: "Assembly") -> None:
        self.assembly = assembly
        self.heading = ""  # the current sub-heading
        self.waiting_block: Block | None = None  # a sub-heading that has titled nothing yet

    def leave_section(self) -> None:
        self.flush()

    def enter_section(self, spliced: bool, after_splice: bool) -> None:
        self.heading = ""

    def section_line(self) -> None:
        self.flush()
        self.heading = ""

    def title(self, block: Block) -> None:
        self.flush()
        self.heading, self.waiting_block = block.text, block

    def subtitle(self, text: str) -> None:
        self.heading = text

    def paragraph(self, draft: _Draft, block: Block) -> None:
        lead = _BOLD_LEAD.match(block.lines[0].raw.strip())
        if lead:  # a bold lead-in sentence titles its own paragraph
            self.heading = lead.group(1)
        draft.heading = self.heading
        self.waiting_block = None

    def flush(self) -> None:
        """A sub-heading that titled nothing is a record of its own."""
        if self.waiting_block is not None:
            self.assembly.heading_only(self.waiting_block)
            self.waiting_block = None


class TitlesAfter:
    """Layout strategy: a sub-heading follows the paragraphs it titles (2019)."""

    def __init__(self, assembly: "Assembly") -> None:
        self.assembly = assembly
        self.pending: list[_Draft] = []  # paragraphs waiting for their sub-heading
        self.waiting: dict[str, list[_Draft]] = {}  # a section's pending, kept while a splice interrupts it

    def leave_section(self) -> None:
        pass

    def enter_section(self, spliced: bool, after_splice: bool) -> None:
        if spliced:  # a splice interrupts the section: its pending wait for its return
            self.waiting[self.assembly.previous_section], self.pending = self.pending, []
        else:
            self.pending = self.waiting.pop(self.assembly.section, []) if after_splice else []

    def section_line(self) -> None:
        pass

    def title(self, block: Block) -> None:
        for draft in self.pending:
            draft.heading = block.text
        if not self.pending:
            self.assembly.heading_only(block)
        self.pending = []

    def subtitle(self, text: str) -> None:
        pass

    def paragraph(self, draft: _Draft, block: Block) -> None:
        if block.indented:  # a new text box: the title after it is its own, not the text's before it
            self.pending = []
        if block.role != Role.EVENT:  # a timeline's events are titled by their dates
            self.pending.append(draft)

    def flush(self) -> None:
        pass


class Assembly:
    """Walks a report's blocks in order and turns them into paragraph drafts: one method per
    kind of block, the layout's strategy (TitlesBefore / TitlesAfter) deciding which sub-heading
    titles which paragraph."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.drafts: list[_Draft] = []
        self.section = ""
        self.previous_section = ""
        self.label: list[str] = []  # a "before" district label waiting for its paragraph
        self.label_text = ""  # and its line as printed (临港), matched as part of the title
        self.layout: TitlesBefore | TitlesAfter = (TitlesAfter if report.subheadings == "after" else TitlesBefore)(self)
        self.spliced = False

    # helpers
    def emit(self, block: Block, kind: str) -> _Draft:
        draft = _Draft(block, block.text, kind, self.section, "", [])
        self.drafts.append(draft)
        return draft

    def heading_only(self, block: Block) -> None:
        self.emit(block, "heading-only").heading = block.text

    def _labels(self) -> str | None:
        return self.report.labels.get(self.section.split(" ")[0])

    # one method per kind of block
    def feed(self, block: Block) -> None:
        if block.role in (Role.CHAPTER, Role.DEBRIS):
            return
        if block.section != self.section:
            self.layout.leave_section()
            self.previous_section, self.section = self.section, block.section
            self.layout.enter_section(block.spliced, self.spliced)
            self.label, self.label_text = [], ""
        self.spliced = block.spliced
        getattr(self, f"on_{block.role}", self.on_paragraph)(block)

    def on_section(self, block: Block) -> None:  # (also when a `moved` note started the section earlier)
        self.layout.section_line()

    def on_heading(self, block: Block) -> None:
        if self._labels() == "after":
            # District profiles (2017 §4.2, 2019 §4.1): the labels are the structure, and a
            # title there belongs to a map or figure, not to the profiles around it.
            self.heading_only(block)
        else:
            self.layout.title(block)

    def on_label(self, block: Block) -> None:
        if self._labels() == "after":
            target = next((d for d in reversed(self.drafts) if d.section == self.section and d.kind != "heading-only"), None)
            if target is not None:
                target.districts.extend(n for n in block.districts if n not in target.districts)
                target.label = target.label or block.text
        else:
            self.label = block.districts
            self.label_text = "" if block.subtitle else block.text  # a subtitle becomes the heading itself
            if block.subtitle:
                self.layout.subtitle(block.subtitle)

    def on_caption(self, block: Block) -> None:  # a photo's caption titles nothing
        self.emit(block, "caption")

    def on_paragraph(self, block: Block) -> None:
        kind = block.role.value if block.role in (Role.TABLE, Role.LIST, Role.FIGURE, Role.EVENT) else "prose"
        draft = self.emit(block, kind)
        draft.districts.extend(self.label)
        draft.label = self.label_text
        self.label, self.label_text = [], ""
        self.layout.paragraph(draft, block)

    def finish(self) -> list[_Draft]:
        self.layout.flush()
        return self.drafts


def parse_report(report: Report, corpus: Corpus) -> list[Paragraph]:
    """All paragraphs of one report file, in document order."""
    layout = report.layout
    lines = read_lines(report, layout)
    blocks = split_blocks(lines, layout)
    blocks = assign_roles(blocks, report, layout)
    blocks = assign_sections(blocks, report)
    blocks = mark_labels(blocks, report, corpus, layout)
    blocks = mark_timeline(blocks, layout)
    blocks = group_numbered_diagrams(blocks, layout)
    blocks = join_continuations(blocks, wrap_width(lines, layout), layout)
    blocks = join_boxes(blocks, report)
    blocks = group_entries(blocks, layout)
    blocks = group_short_runs(blocks, layout, titles_after=report.subheadings == "after")
    blocks = split_dated_lists(blocks, layout)
    blocks = settle_prose(blocks, layout)
    assembly = Assembly(report)
    for block in blocks:
        assembly.feed(block)
    return [_finish(d, report, corpus) for d in assembly.finish()]


def _finish(draft: _Draft, report: Report, corpus: Corpus) -> Paragraph:
    named = districts_named(draft.text, corpus)
    # a sub-heading naming a place names it for its paragraphs (推进大零号湾创新创业集聚区建设 → 闵行区)
    titled = districts_named(draft.heading, corpus) if draft.kind != "heading-only" else []
    order = tuple(d.name for d in corpus.districts)
    return Paragraph(
        id=f"{report.slug}-{draft.block.anchor:04d}",
        year=report.year,
        report=report.title,
        chapter=report.chapter_label,
        section=draft.section,
        heading=draft.heading,
        themes=paragraph_themes(corpus, report.year, draft.section, draft.text, draft.heading),
        districts=merge(named, draft.districts, titled, order=order),
        kind=draft.kind,
        text=draft.text,
        file=report.file,
        line_start=draft.block.first,
        line_end=draft.block.last,
        number=0,
        order=0,
        skipped=tuple(sorted(set(draft.block.skipped))),
        label=draft.label,
        fields=paragraph_fields(draft.text, corpus),
    )


def parse_corpus(corpus: Corpus | None = None) -> list[Paragraph]:
    """Every paragraph of the corpus in corpus order, its prose and lists numbered within
    sections (the other kinds 0)."""
    corpus = corpus or load_corpus()
    out: list[Paragraph] = []
    for report in corpus.reports:
        counts: dict[str, int] = {}
        for p in parse_report(report, corpus):
            if p.kind in NUMBERED:
                counts[p.section] = counts.get(p.section, 0) + 1
            out.append(replace(p, number=counts[p.section] if p.kind in NUMBERED else 0, order=len(out)))
    return out


def unmapped_sections(corpus: Corpus, paragraphs: list[Paragraph]) -> list[tuple[int, str]]:
    """Sections with no row in themes.toml (they get keyword themes only)."""
    seen = {(p.year, p.section) for p in paragraphs}
    return sorted((y, s) for y, s in seen if section_themes(corpus, y, s) is None)
