"""Turn one PDF-extracted report file into ordered, citable paragraph records.

The pipeline, each step a function below:
  1. lines   — drop page furniture (running headers and their page numbers);
  2. blocks  — split at blank lines and at indented lines (a new text box in the PDF);
  3. roles   — chapter lines, section headings, sub-headings, district labels, tables, lists;
  4. sections — which section each block belongs to, honouring the manifest's `moved` notes;
  5. merges  — re-join paragraphs wrapped across a blank line, and runs of short label lines;
  6. records — walk the blocks, attach sub-headings and district labels, emit paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .clean import TERMINAL, clean_line, display_width, is_cjk, is_blank, is_bullet, is_separator, is_table_line, join_pieces, markdown_heading
from .corpus import Corpus, Report, load_corpus, nfkc, section_key
from .paragraph import Paragraph
from .taxonomy import districts_named, keyword_themes, label_districts, merge, section_themes

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
HEADING_MAX = 30
SHORT_MAX = 26


@dataclass
class Line:
    no: int  # 1-based line number in the source file
    raw: str
    text: str  # cleaned


@dataclass
class Block:
    lines: list[Line]
    gap: int  # blank lines before the block
    indented: bool  # starts with white space: a new text box in the PDF
    role: str = "prose"  # chapter | section | heading | label | table | list | prose
    section: str = ""  # "4.4 优化科技金融生态" once sections are known
    marked: bool = False  # ▶ ► ● ◆ >> or a markdown heading: certainly a heading
    districts: list[str] = field(default_factory=list)  # for labels
    subtitle: str = ""  # for labels glued to a bold subtitle: 静安**推进科技产业集聚发展**
    pieces: list[str] | None = None  # for a run of short blocks: their texts, joined as pieces
    widths: list[int] | None = None  # and their widths on the page

    @property
    def text(self) -> str:
        if self.pieces:
            return join_pieces(self.pieces, self.widths)
        if self.role == "heading":  # a title wrapped over two lines, or set vertically
            return join_pieces(["".join(line.text for line in self.lines)])
        items: list[list[str]] = []  # list items (each `- ` line starts one), else one item
        for line in self.lines:
            if not items or is_bullet(line.raw):
                items.append([])
            items[-1].append(line.text)
        return " ".join(join_pieces(item) for item in items)

    @property
    def first(self) -> int:
        return self.lines[0].no

    @property
    def last(self) -> int:
        return self.lines[-1].no


# 1. lines ---------------------------------------------------------------------------------


def read_lines(report: Report) -> list[Line | None]:
    """Source lines with blanks and page furniture as None (kept, so numbering stays true)."""
    raws = report.lines
    furniture = {i for i, raw in enumerate(raws) if _RUNNING_HEADER.match(raw)}
    for i in list(furniture):
        for j in (i - 1, i - 2, i + 1, i + 2):  # the page number next to its running header
            if 0 <= j < len(raws) and _PAGE_NUMBER.match(raws[j]):
                furniture.add(j)
    lines: list[Line | None] = []
    for i, raw in enumerate(raws):
        if i in furniture or is_blank(raw) or is_separator(raw):
            lines.append(None)
        else:
            lines.append(Line(i + 1, raw, clean_line(raw)))
    return lines


# 2. blocks --------------------------------------------------------------------------------


def _starts_box(raw: str) -> bool:
    return raw[:1] in (" ", "\u3000")


def split_blocks(lines: list[Line | None]) -> list[Block]:
    blocks: list[Block] = []
    current: list[Line] = []
    gap = 0

    def close() -> None:
        nonlocal current, gap
        if current:
            blocks.append(Block(current, gap, _starts_box(current[0].raw)))
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
            or markdown_heading(line.raw)
            or markdown_heading(current[-1].raw)
            or (is_bullet(line.raw) and not is_bullet(current[-1].raw))
        ):
            close()
        if line.text:
            current.append(line)
    close()
    return [piece for block in blocks for piece in _split_leading_heading(block)]


def _split_leading_heading(block: Block) -> list[Block]:
    """A short title line glued to the prose under it becomes a block of its own."""
    if len(block.lines) >= 2 and not _SECTION.match(block.lines[0].raw):
        head, second = block.lines[0].text, block.lines[1].text
        if _heading_text(head) and len(second) >= 20 and len(second) >= 1.6 * len(head):
            return [Block(block.lines[:1], block.gap, block.indented), Block(block.lines[1:], 0, False)]
    return [block]


# 3. roles ---------------------------------------------------------------------------------


def _heading_text(text: str) -> bool:
    """Short, unfinished-sentence-free, not a statistic: reads as a title."""
    return (
        0 < len(text) <= HEADING_MAX
        and text[-1] not in TERMINAL + "，、：:,(（“"
        and text[0] not in "(（"
        and "。" not in text
        and sum(ch.isdigit() for ch in _YEAR.sub("", _QUOTED.sub("", text))) <= 2
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


def _is_heading(block: Block) -> bool:
    raw = "".join(line.raw for line in block.lines)
    vertical = all(len(line.text) <= 2 for line in block.lines)  # 仪器\n共享\n服务
    two_short = len(block.lines) == 2 and len(block.lines[0].text) < 14  # not a wrapped full line
    return (len(block.lines) == 1 or two_short or vertical) and _heading_text(block.text) and not _BOLD_NUMBER.search(raw) and not _unbalanced(block.text)


def _chapter_line(block: Block, report: Report) -> bool:
    rest = _CHAPTER_MARK.sub("", nfkc(" ".join(line.raw.strip() for line in block.lines)), count=1)
    rest = re.sub(r"第\s*\S{0,3}\s*部分", "", rest)
    return not section_key(rest) or section_key(rest) == section_key(report.chapter_title)


def assign_roles(blocks: list[Block], report: Report, corpus: Corpus) -> dict[str, str]:
    """Set each block's role; returns section number (or title) -> full section name."""
    sections: dict[str, str] = {}
    seen_section = False
    for block in blocks:
        first = block.lines[0]
        md = markdown_heading(first.raw)
        m = _SECTION.match(first.raw)
        if not seen_section and (md and md[0] == 1 or not md and not m) and _chapter_line(block, report):
            block.role = "chapter"
        elif m and (m.group(2) or len(block.lines) > 1):
            title = clean_line(m.group(2) or "") or join_pieces([line.text for line in block.lines[1:]])
            if len(title) <= HEADING_MAX:
                block.role, block.section = "section", f"{m.group(1)} {title}"
                sections[m.group(1)] = block.section
                seen_section = True
        elif md and md[0] <= 2:
            block.role, block.section = "section", md[1]
            sections[md[1]] = md[1]
            seen_section = True
        elif md:
            block.role, block.marked = "heading", True
        elif is_table_line(first.raw):
            block.role = "table"
        elif is_bullet(first.raw):
            block.role = "list"
        elif _is_heading(block):
            block.role, block.marked = "heading", bool(_HEADING_MARK.match(first.raw))
    return sections


def assign_sections(blocks: list[Block], report: Report, sections: dict[str, str]) -> None:
    """Give every block its section; a `moved` note starts a section before its heading line."""
    anchors = {nfkc(text).replace(" ", ""): number for number, text in report.moved.items()}
    current = ""
    for block in blocks:
        if block.role == "section":
            current = block.section if not current.startswith(block.section.split()[0] + " ") else current
        else:
            start = nfkc(block.text).replace(" ", "")
            for anchor, number in anchors.items():
                if start.startswith(anchor) and number in sections:
                    current = sections[number]
            block.section = current


def mark_labels(blocks: list[Block], report: Report, corpus: Corpus) -> None:
    """District labels, in the sections the manifest says carry them.

    A lone area name (东方美谷) inside a run of short lines is a word of a map or word list,
    not a label; a district name (杨浦) always is."""
    for i, block in enumerate(blocks):
        position = report.labels.get(block.section.split(" ")[0]) if block.section else None
        if not position or block.role not in ("heading", "prose"):
            continue
        in_run = 0 < i < len(blocks) - 1 and _short(blocks[i - 1]) and _short(blocks[i + 1])
        names = label_districts(" ".join(line.text for line in block.lines), corpus, areas=not in_run)
        if names:
            block.role, block.districts = "label", names
        elif position == "before" and block.role == "heading" and districts_named(block.text, corpus):
            block.role, block.districts, block.subtitle = "label", districts_named(block.text, corpus), block.text


# 5. merges --------------------------------------------------------------------------------


def wrap_width(lines: list[Line | None]) -> int:
    """Shortest line that may have been wrapped. Files set at a column width (2017, 2019: nine
    lines in ten under 60 characters) wrap anywhere; files with one line per paragraph (2020,
    2021) break only long lines, so a short statistic line is never glued to the next one."""
    lengths = sorted(len(line.text) for line in lines if line and len(line.text) > 3)
    p90 = lengths[int(0.9 * len(lengths))] if lengths else 0
    return 15 if p90 <= 60 else 60


def merge_wrapped(blocks: list[Block], min_width: int) -> list[Block]:
    """Re-join a paragraph that extraction broke across one blank line (科技成\\n\\n果转移…)."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.role == "prose"
            and block.role in ("prose", "heading")
            and not block.marked
            and block.gap == 1
            and not block.indented
            and block.section == prev.section
            and (len(prev.lines[-1].text) >= min_width or prev.lines[-1].text[-1] in "，、")
            and prev.lines[-1].text[-1] not in TERMINAL + "：:"
            and (block.role == "prose" or _unbalanced(prev.text) or _unbalanced(block.text) or len(block.text) <= 3)
        ):
            prev.lines.extend(block.lines)
            continue
        out.append(block)
    return out


def _short(block: Block) -> bool:
    return block.role in ("prose", "heading") and not block.marked and len(block.text) <= SHORT_MAX and block.text[-1] not in "。；！？"


def group_short_runs(blocks: list[Block], min_run: int = 3) -> list[Block]:
    """Runs of short lines (map labels, 热词, figures) become one list paragraph."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and _short(blocks[j]) and blocks[j].section == blocks[i].section:
            j += 1
        if j - i > min_run and blocks[j - 1].role == "heading" and j < len(blocks) and blocks[j].role in ("prose", "list", "table"):
            j -= 1  # the run's last line is the title of the paragraph after it
        if j - i >= min_run:
            lines = [line for b in blocks[i:j] for line in b.lines]
            pieces = [b.text for b in blocks[i:j]]
            widths = [display_width(b.lines[-1].raw) for b in blocks[i:j]]
            out.append(Block(lines, blocks[i].gap, blocks[i].indented, "list", blocks[i].section, pieces=pieces, widths=widths))
            i = j
        else:
            out.append(blocks[i])
            i += 1
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


def parse_report(report: Report, corpus: Corpus) -> list[Paragraph]:
    """All paragraphs of one report file, in document order."""
    lines = read_lines(report)
    blocks = split_blocks(lines)
    sections = assign_roles(blocks, report, corpus)
    assign_sections(blocks, report, sections)
    mark_labels(blocks, report, corpus)
    blocks = group_short_runs(merge_wrapped(blocks, wrap_width(lines)))

    drafts: list[_Draft] = []
    section = ""
    heading = ""  # current sub-heading ("before" layout)
    heading_block: Block | None = None  # a sub-heading still waiting for its first paragraph
    pending: list[_Draft] = []  # paragraphs waiting for their sub-heading ("after" layout)
    label: list[str] = []  # a "before" district label waiting for its paragraph
    after = report.subheadings == "after"

    def emit(block: Block, text: str, kind: str) -> _Draft:
        draft = _Draft(block, text, kind, section, "" if after else heading, [])
        drafts.append(draft)
        return draft

    def flush_heading() -> None:
        nonlocal heading_block
        if heading_block is not None:
            emit(heading_block, heading_block.text, "heading-only").heading = heading_block.text
            heading_block = None

    for block in blocks:
        if block.role == "chapter":
            continue
        if block.section != section:
            flush_heading()
            pending.clear()
            section, heading, label = block.section, "", []
        if block.role == "section":  # (also when a `moved` note started the section earlier)
            flush_heading()
            heading = ""
            continue
        if block.role == "heading":
            if report.labels.get(section.split(" ")[0]) == "after":
                # District profiles (2017 §4.2, 2019 §4.1): the labels are the structure, and
                # a title there belongs to a map or figure, not to the profiles around it.
                emit(block, block.text, "heading-only").heading = block.text
            elif after:
                for draft in pending:
                    draft.heading = block.text
                if not pending:
                    emit(block, block.text, "heading-only").heading = block.text
                pending.clear()
            else:
                flush_heading()
                heading, heading_block = block.text, block
            continue
        if block.role == "label":
            if report.labels.get(section.split(" ")[0]) == "after":
                target = next((d for d in reversed(drafts) if d.section == section and d.kind != "heading-only"), None)
                if target is not None:
                    target.districts.extend(n for n in block.districts if n not in target.districts)
            else:
                label = block.districts
                if block.subtitle:
                    heading = block.subtitle
            continue
        kind = block.role if block.role in ("table", "list") else "prose"
        lead = _BOLD_LEAD.match(block.lines[0].raw.strip())
        if lead and not after:  # a bold lead-in sentence titles its own paragraph
            heading = lead.group(1)
        draft = emit(block, block.text, kind)
        draft.districts.extend(label)
        label = []
        heading_block = None
        if after:
            pending.append(draft)
    flush_heading()
    return [_finish(d, report, corpus) for d in drafts]


def _finish(draft: _Draft, report: Report, corpus: Corpus) -> Paragraph:
    named = districts_named(draft.text, corpus)
    order = tuple(d.name for d in corpus.districts)
    themes = section_themes(corpus, report.year, draft.section) or ()
    return Paragraph(
        id=f"{report.slug}-{draft.block.first:04d}",
        year=report.year,
        report=report.title,
        chapter=report.chapter_label,
        section=draft.section,
        heading=draft.heading,
        themes=merge(themes, keyword_themes(draft.text, corpus), order=corpus.themes),
        districts=merge(named, draft.districts, order=order),
        kind=draft.kind,
        text=draft.text,
        file=report.file,
        line_start=draft.block.first,
        line_end=draft.block.last,
        number=0,
        order=0,
    )


def parse_corpus(corpus: Corpus | None = None) -> list[Paragraph]:
    """Every paragraph of the corpus, numbered within sections and in corpus order."""
    corpus = corpus or load_corpus()
    out: list[Paragraph] = []
    for report in corpus.reports:
        counts: dict[str, int] = {}
        for p in parse_report(report, corpus):
            counts[p.section] = counts.get(p.section, 0) + 1
            out.append(replace(p, number=counts[p.section], order=len(out)))
    return out


def unmapped_sections(corpus: Corpus, paragraphs: list[Paragraph]) -> list[tuple[int, str]]:
    """Sections with no row in themes.toml (they get keyword themes only)."""
    seen = {(p.year, p.section) for p in paragraphs}
    return sorted((y, s) for y, s in seen if section_themes(corpus, y, s) is None)
