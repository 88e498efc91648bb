"""Exporting a WHOLE result set (not one page) as CSV, JSONL, BibTeX, RIS or GB/T 7714 text, for
the web's /export and the CLI's `query --format`, and a collected list of paragraphs (`write`). The engine's pages of 100 are walked up to MAX_EXPORT
hits; past that the export stops and says so."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from .citation import Citer, numbered_references
from .engine import Engine, Hit
from . import params
from .params import MAX_PER_PAGE, BadInput
from .request import SearchRequest

# `year` is the edition, `published` the year of publication as GB/T 7714 writes it ([2021?] an
# estimate), `accessed` the 引用日期; `skipped` the lines inside line_start..line_end that the text
# leaves out (space-separated), so an exported passage can be checked against its lines.
CSV_COLUMNS = ["id", "year", "report", "section", "heading", "kind", "themes", "districts", "fields", "text", "citation",
               "citation_gbt7714", "url", "file", "line_start", "line_end", "skipped", "publisher", "published", "accessed"]


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    extension: str
    count: int  # hits written
    total: int  # hits the search found
    notes: tuple[str, ...] = ()  # how the request was read: the notes /search shows for it

    @property
    def truncated(self) -> bool:
        return self.count < self.total


def all_hits(engine: Engine, request: SearchRequest, cap: int) -> tuple[list[Hit], int, tuple[str, ...]]:
    """Every hit of the search in its order, up to `cap`, the total found and the search's notes."""
    hits: list[Hit] = []
    page, total, notes = 1, 0, ()
    while len(hits) < cap:
        results = engine.search(request.replace(page=page, per_page=MAX_PER_PAGE), suggestions=False)
        total, notes = results.total, tuple(results.notes)
        hits.extend(results.hits)
        if page >= results.pages:
            break
        page += 1
    return hits[:cap], total, notes


def csv_row(hit: Hit, cite: Citer) -> list:
    """One CSV row in CSV_COLUMNS' order."""
    p, c = hit.paragraph, cite(hit.paragraph)
    return [p.id, p.year, p.report, p.section, p.heading, p.kind, "、".join(p.themes), "、".join(p.districts),
            "、".join(p.fields), p.text,
            c.plain(), c.gbt7714(), c.url, p.file, p.line_start, p.line_end, " ".join(map(str, p.skipped)),
            c.publisher, c.published, c.accessed.isoformat()]


def _csv(hits: list[Hit], cite: Citer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(hit, cite) for hit in hits)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs then read UTF-8 Chinese


def _jsonl(hits: list[Hit], cite: Citer) -> bytes:
    lines = [json.dumps(hit.to_json(cite), ensure_ascii=False) for hit in hits]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


FORMATS: dict[str, tuple[str, str, Callable[[list[Hit], Citer], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", "csv", _csv),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl", _jsonl),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib",
               lambda hits, cite: "\n".join(cite(h.paragraph).bibtex() for h in hits).encode("utf-8")),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris",
            lambda hits, cite: "".join(cite(h.paragraph).ris() for h in hits).encode("utf-8")),
    "gbt": ("text/plain; charset=utf-8", "txt",
            lambda hits, cite: numbered_references(cite(h.paragraph) for h in hits).encode("utf-8")),
}


def write(hits: list[Hit], fmt: str, cite: Citer) -> tuple[bytes, str, str]:
    """(body, mimetype, file extension) of these hits in `fmt`, each cited by `cite`."""
    if fmt not in FORMATS:
        raise BadInput(f"导出格式（format）应为 {' / '.join(FORMATS)} 之一，而不是 {fmt!r}。")
    mimetype, extension, writer = FORMATS[fmt]
    return writer(hits, cite), mimetype, extension


def export(engine: Engine, request: SearchRequest, fmt: str, cite: Citer, cap: int | None = None) -> Export:
    """The search's hits in `fmt` (at most `cap`, default MAX_EXPORT), cited by `cite` (whose
    permalinks are absolute on the web)."""
    write(hits=[], fmt=fmt, cite=cite)  # an unknown format is refused before any search runs
    hits, total, notes = all_hits(engine, request, params.MAX_EXPORT if cap is None else cap)
    body, mimetype, extension = write(hits, fmt, cite)
    return Export(body, mimetype, extension, len(hits), total, notes)

