"""The paragraph record: the unit that is indexed, searched, shown and cited."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of record in words, as every page, JSON twin, citation and facet names them.
KIND_LABELS = {
    "prose": "正文",
    "list": "列表",
    "table": "表格",
    "figure": "图示",
    "event": "大事记",
    "caption": "图注",
    "heading-only": "标题",
}
NUMBERED = ("prose", "list")  # the kinds a 第N段 counts: a reader counts paragraphs, not maps or captions


def kind_label(kind: str) -> str:
    """正文, 列表, 图示 …: a kind as a reader names it (an unknown kind as stored)."""
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class Paragraph:
    """One citable passage of a report; `kind` is one of KIND_LABELS: prose, list, table, figure, event
    (one dated item of a timeline), caption or heading-only.

    `id` is `<file stem>-<first line, 4 digits>` (e.g. `2020-ch4-0177`): stable for as long as
    the source file is unchanged, and readable as a location. `number` is the passage's 1-based
    position among the prose and list records of its section (the 第N段 of a citation), and 0 for
    a table, figure, event, caption or heading, which no reader would count as a paragraph;
    `order` is its position in the corpus.

    `skipped` names the lines inside line_start..line_end that are not part of the text: a
    heading, caption or figure label that PDF extraction placed in the middle of the passage,
    a page header, or a sibling item of a timeline that shares this item's date line. The
    text is exactly the other non-blank lines of the range, in order.
    """

    id: str
    year: int
    report: str
    chapter: str
    section: str
    heading: str
    themes: tuple[str, ...]
    districts: tuple[str, ...]
    kind: str
    text: str
    file: str
    line_start: int
    line_end: int
    number: int
    order: int
    skipped: tuple[int, ...] = ()
    label: str = ""  # the district label line that names it in the report (临港), if any
    fields: tuple[str, ...] = ()  # technology fields it names (fields.toml: 人工智能, 集成电路 …)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def numbered(self) -> bool:
        """Counted as a 第N段 (prose and lists): the one rule every page, JSON twin and citation uses."""
        return self.kind in NUMBERED

    @property
    def designation(self) -> str:
        """第5段 for a numbered paragraph, else its kind in words (图示, 表格 …): what a page and a
        citation call it."""
        return f"第{self.number}段" if self.numbered else self.kind_label

    @property
    def path(self) -> tuple[str, ...]:
        """Where it is filed, outermost first: section › sub-heading › district label line."""
        return tuple(t for t in (self.section, self.heading, self.label) if t)

    def to_json(self) -> dict:
        """The public field set shared by the CLI and the web API."""
        return {
            "id": self.id,
            "year": self.year,
            "report": self.report,
            "chapter": self.chapter,
            "section": self.section,
            "heading": self.heading,
            "themes": list(self.themes),
            "districts": list(self.districts),
            "fields": list(self.fields),
            "kind": self.kind,
            "kind_label": self.kind_label,
            "number": self.number or None,
            "designation": self.designation,
            "label": self.label,
            "path": list(self.path),
            "text": self.text,
            "source": {"file": self.file, "line_start": self.line_start, "line_end": self.line_end,
                       "skipped": list(self.skipped)},
        }
