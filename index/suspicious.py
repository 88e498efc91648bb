"""Records that look wrong: what `report-search check-parse` lists (issue 9, "How to know").

Each check names one defect class the parse must not produce. A finding the parse cannot avoid
is explained in the manifest (`[[report.explained]]`: the line that names the record, the check
and why), and then not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clean import TERMINAL, _word_crosses, clean_line
from .corpus import Corpus
from .normalize import cjk_gaps, compact
from .paragraph import Paragraph
from .parse import DANGLING

_MID_PHRASE = "、，,：:（(“《" + DANGLING
_CONTINUATION = re.compile(r"^(?:[，。、；：？！）”》,;:)]|[^\s，。；！？“《(（\d]{1,3}[。；！？])")  # 去处。截至…
_NUMBERS_ONLY = re.compile(r"^[\d\s.,%，、·]+$")
_DATE_AT_END = re.compile(r"(?<![\d.])\d{1,2}月$")

CHECKS = {
    "heading-mid-phrase": "a sub-heading ending mid-phrase (、 ， or a dangling character): a line of prose",
    "continuation-start": "a prose record starting with the tail of a sentence (去处。…)",
    "numbers-only": "a record of numbers alone: box numbers or a page number",
    "date-at-end": "a record ending with a month: the next event's date glued on",
    "under-caption": "a record whose sub-heading is a photo caption",
    "split-sentence": "a record whose last word runs on into the next record (科普好 | 去处): one sentence cut in two",
    "cjk-space": "a space between two Chinese characters inside prose (园区 为基础): a line break joined with a space, or labels set in rows",
}
GAP_CONTEXT = 6  # characters shown (and matched in the manifest's `gaps`) either side of a space


@dataclass(frozen=True)
class Finding:
    paragraph: Paragraph
    check: str
    why: str = ""  # the manifest's explanation, if any

    def line(self) -> str:
        text = self.paragraph.text if len(self.paragraph.text) <= 50 else self.paragraph.text[:50] + "…"
        subject = f"heading {self.paragraph.heading!r}" if self.check in ("heading-mid-phrase", "under-caption") else text
        if self.check == "cjk-space":
            subject = " | ".join(repr(g) for g in gaps(self.paragraph.text))
        out = f"{self.paragraph.id}  {self.check}: {subject}"
        return out + (f"\n    explained: {self.why}" if self.why else "")


def _fragments(corpus: Corpus | None, paragraphs: list[Paragraph]) -> set[tuple[str, str]]:
    """(file, heading) for headings whose line in the source runs on into the line before or
    after it: a jieba word crosses the break (上海国 | 际科技…, …科普好 | 去 处), so the heading
    is a line of wrapped prose."""
    if corpus is None:
        return set()
    out: set[tuple[str, str]] = set()
    wanted = {(p.file, p.heading) for p in paragraphs if p.heading}
    for report in corpus.reports:
        texts = [clean_line(raw, report.layout) for raw in report.lines]
        nonblank = [i for i, t in enumerate(texts) if t]
        headings = {compact(h): h for f, h in wanted if f == report.file}
        for k, i in enumerate(nonblank):
            heading = headings.get(compact(texts[i]))
            if heading is None:
                continue
            before = texts[nonblank[k - 1]] if k else ""
            after = texts[nonblank[k + 1]] if k + 1 < len(nonblank) else ""
            if (before and _word_crosses(before, texts[i])) or (after and _word_crosses(texts[i], after)):
                out.add((report.file, heading))
    return out


def gaps(text: str) -> list[str]:
    """Each space between two Chinese characters (the spaces the search's fold drops), with up
    to GAP_CONTEXT characters either side: 张江高科技园区 为基础."""
    return [text[max(0, i - GAP_CONTEXT) : i + 1 + GAP_CONTEXT] for i in cjk_gaps(text)]


def findings(paragraphs: list[Paragraph], corpus: Corpus | None = None) -> list[tuple[Paragraph, str]]:
    """Every (record, check) that looks wrong, in corpus order."""
    captions = {(p.file, p.text) for p in paragraphs if p.kind == "caption"}
    fragments = _fragments(corpus, paragraphs)
    out: list[tuple[Paragraph, str]] = []
    for p in paragraphs:
        if p.heading and (p.heading[-1] in _MID_PHRASE or (p.file, p.heading) in fragments):
            out.append((p, "heading-mid-phrase"))
        if p.kind == "prose" and _CONTINUATION.match(p.text):
            out.append((p, "continuation-start"))
        if _NUMBERS_ONLY.match(p.text):
            out.append((p, "numbers-only"))
        if _DATE_AT_END.search(p.text):
            out.append((p, "date-at-end"))
        if p.heading and (p.file, p.heading) in captions:
            out.append((p, "under-caption"))
        if p.kind == "prose" and cjk_gaps(p.text):
            out.append((p, "cjk-space"))
    for p, q in zip(paragraphs, paragraphs[1:]):
        if (
            p.file == q.file
            and p.kind in ("prose", "list", "event")
            and q.kind in ("prose", "list", "event", "heading-only")
            and p.text[-1] not in TERMINAL + "：:"
            and _word_crosses(p.text, q.text)
        ):
            out.append((p, "split-sentence"))
    return sorted(out, key=lambda finding: finding[0].order)


def _covered(text: str, listed: tuple[str, ...]) -> bool:
    """Does every space of `text` between Chinese characters lie inside one of the `listed`
    strings (the manifest's `gaps`)? None listed: all are explained."""
    if not listed:
        return True
    inside = {start + i for s in listed for start in _starts(text, s) for i, ch in enumerate(s) if ch == " "}
    return set(cjk_gaps(text)) <= inside


def _starts(text: str, s: str) -> list[int]:
    """Where `s` occurs in `text`, overlaps included."""
    return [m.start() for m in re.finditer(f"(?={re.escape(s)})", text)]


def check_parse(corpus: Corpus, paragraphs: list[Paragraph]) -> tuple[list[Finding], list[Finding]]:
    """(unexplained, explained) findings; the manifest explains a finding by the record's id
    line, and a cjk-space finding only if it lists every such space of the record (`gaps`)."""
    notes = {(r.file, line, check): (why, listed) for r in corpus.reports for line, check, why, listed in r.explained}
    unexplained: list[Finding] = []
    explained: list[Finding] = []
    for p, check in findings(paragraphs, corpus):
        why, listed = notes.get((p.file, int(p.id.rsplit("-", 1)[1]), check), ("", ()))
        if check == "cjk-space" and not _covered(p.text, listed):
            why = ""
        (explained if why else unexplained).append(Finding(p, check, why))
    return unexplained, explained
