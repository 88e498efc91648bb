"""The citation property over every record: its text is exactly its cited lines, in order,
without the lines it names as skipped (issue 9, point 1)."""

from __future__ import annotations

import re
import unicodedata

from report_search.index.corpus import PROJECT_ROOT

_TAG = re.compile(r"</?(?:div|ul|ol|li|span|p|br|table|thead|tbody|tr|td|th|b|i|strong|em)\b[^<>]*>", re.I)


def _normalize(text: str) -> str:
    """Compare characters only: markup, bullets, spacing and box-drawing left out."""
    text = _TAG.sub("", unicodedata.normalize("NFKC", text))
    return re.sub(r"[\s*|#\ufffd•●▶►◆>\-]", "", text)


def test_every_record_is_its_cited_lines_less_the_skipped_ones(paragraphs):
    cache: dict[str, list[str]] = {}
    for p in paragraphs:
        lines = cache.setdefault(p.file, (PROJECT_ROOT / p.file).read_text(encoding="utf-8").split("\n"))
        assert 1 <= p.line_start <= p.line_end <= len(lines), p.id
        assert all(p.line_start < n < p.line_end for n in p.skipped), (p.id, p.skipped)
        kept = [lines[n - 1] for n in range(p.line_start, p.line_end + 1) if n not in p.skipped]
        assert _normalize(p.text) == _normalize("".join(kept)), p.id


def test_skipped_lines_are_not_blank(paragraphs):
    cache: dict[str, list[str]] = {}
    for p in paragraphs:
        lines = cache.setdefault(p.file, (PROJECT_ROOT / p.file).read_text(encoding="utf-8").split("\n"))
        assert all(lines[n - 1].strip() for n in p.skipped), p.id


def test_skipped_lines_are_in_the_json_source(paragraphs):
    spliced = [p for p in paragraphs if p.skipped]
    assert spliced
    assert all(p.to_json()["source"]["skipped"] == list(p.skipped) for p in spliced)
