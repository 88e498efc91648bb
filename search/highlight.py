"""Highlighting: find every occurrence of the query's terms and wrap each run in ONE <mark>.

One mark per phrase: a typed term that jieba splits (技术合同成交额 → 技术 合同 成交额) is marked
whole in a text (a record's text, its heading, its section) that holds it whole, and by its
parts only in one that does not: the results page, the paragraph page, the reader and the 原文
box all mark through `resolve`.

Matches are found in the folded text (so ＧＶ finds gv) and drawn on the original characters.
Everything but the <mark> tags is HTML-escaped: the corpus itself contains text like <div>.

Kept beside whoosh.highlight rather than as a subclass of it: Whoosh's highlighter works from
the analyzed tokens of one field, so over character grams it marks stray pairs outside a
phrase (科技 inside 国家科技成果 for the query 科技成果转化) and its strict-phrase mode finds
nothing for overlapping bigrams; the exact strings the search verified are what must be marked.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Sequence

from report_search.index.normalize import fold, fold_with_offsets

from .cache import ByteLRU
from .query import Clause

SNIPPET_MIN, SNIPPET_MAX = 100, 160
FOLDED_BYTES = 4 * 2**20  # the folded texts kept: a record is marked on every page it is a hit on
_FOLDED: ByteLRU = ByteLRU(FOLDED_BYTES)
_SENTENCE_END = re.compile(r"[。！？；!?;]")


Needles = Sequence[str | Clause]  # plain strings, or a query's clauses (a typed term and its jieba parts)


def resolve(text: str, needles: Needles, folded: str | None = None) -> list[str]:
    """The strings one text marks: a plain string as is; a typed term whole where the text
    holds it whole (技术合同成交额: its occurrences, never 技术 elsewhere), else its jieba parts.
    One mark per phrase: the parts are marked only in a text that lacks the whole."""
    folded = fold(text) if folded is None else folded
    out: list[str] = []
    for needle in needles:
        if isinstance(needle, str):
            out.append(needle)
        else:
            out.extend((needle.text,) if needle.text in folded else needle.parts)
    return out


def _fold_kept(text: str) -> tuple[str, Sequence[int]]:
    """`fold_with_offsets(text)`, kept (bounded by bytes): the same records and titles are
    marked request after request."""

    def make() -> tuple[str, Sequence[int]]:
        out, offsets = fold_with_offsets(text)
        return out, offsets if isinstance(offsets, range) else array("l", offsets)

    return _FOLDED.fetch(text, make)


def spans(text: str, needles: Needles) -> list[tuple[int, int]]:
    """Merged [start, end) spans of the original text covered by any needle (resolved for
    this text: `resolve`)."""
    folded_text, offsets = _fold_kept(text)
    found: list[tuple[int, int]] = []
    for needle in {n for n in resolve(text, needles, folded_text) if n.strip()}:
        start = folded_text.find(needle)
        while start != -1:
            end = start + len(needle)
            found.append((offsets[start], offsets[end - 1] + 1))
            start = folded_text.find(needle, start + 1)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:  # touching or overlapping: one mark
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def render(text: str, marks: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped text[start:end] with the marks inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out, pos = [], start
    for a, b in marks:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, needles: Needles) -> str:
    """The whole text, escaped, every match marked: for the paragraph page."""
    return render(text, spans(text, needles))


def highlight_lines(lines: list[str], needles: Needles) -> list[str]:
    """Each line escaped and marked, the lines marked as one text: a match the PDF extraction
    broke across two lines (张江高科技园区 | 为基础) is marked on both, as fold joins them."""
    joined = "\n".join(lines)
    marks = spans(joined, needles)
    out, start = [], 0
    for line in lines:
        out.append(render(joined, marks, start, start + len(line)))
        start += len(line) + 1
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def snippet(text: str, needles: Needles) -> str:
    """About 100–160 characters around the best match, cut at sentence ends, escaped and marked.

    The best match is the sentence holding a segmented term as typed (技术合同, where its words
    stand together), else the most distinct needles; neighbouring sentences are added while
    they fit. A sentence longer than the window is cut around the match."""
    marks = spans(text, needles)
    wholes = [n.text for n in needles if not isinstance(n, str) and len(n.parts) > 1]
    if len(text) <= SNIPPET_MAX:
        return render(text, marks)
    sentences = _sentences(text)
    folded = [fold(text[a:b]) for a, b in sentences] if wholes else []

    def hits(i: int) -> tuple[int, int]:
        lo, hi = sentences[i]
        together = sum(1 for w in wholes if w in folded[i]) if wholes else 0
        return together, sum(1 for a, b in marks if a < hi and b > lo)

    best = max(range(len(sentences)), key=lambda i: (hits(i), -i)) if marks else 0
    lo, hi = sentences[best]
    if hi - lo > SNIPPET_MAX:  # one long sentence: a window around its first match
        first = next((a for a, b in marks if lo <= a < hi), lo)
        lo = max(lo, min(first - SNIPPET_MAX // 3, hi - SNIPPET_MAX))
        hi = min(hi, lo + SNIPPET_MAX)
    else:
        i, j = best, best
        while True:
            grown = False
            if j + 1 < len(sentences) and sentences[j + 1][1] - lo <= SNIPPET_MAX:
                j += 1
                hi = sentences[j][1]
                grown = True
            if hi - lo < SNIPPET_MIN and i > 0 and hi - sentences[i - 1][0] <= SNIPPET_MAX:
                i -= 1
                lo = sentences[i][0]
                grown = True
            if not grown or hi - lo >= SNIPPET_MIN:
                break
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    return prefix + render(text, marks, lo, hi) + suffix
