"""The Whoosh schema: one document per paragraph record."""

from __future__ import annotations

from whoosh import fields

from .analysis import CharTokenizer, WordTokenizer
from .paragraph import Paragraph

# Bump when the schema or what goes into a field changes: every index built before is stale.
SCHEMA_VERSION = 1


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        order=fields.NUMERIC(stored=True, sortable=True),
        year=fields.NUMERIC(stored=True, sortable=True),
        report=fields.STORED,
        chapter=fields.STORED,
        section=fields.ID(stored=True),
        heading=fields.STORED,
        number=fields.STORED,
        themes=fields.KEYWORD(stored=True, commas=True),
        districts=fields.KEYWORD(stored=True, commas=True),
        kind=fields.ID(stored=True),
        text=fields.STORED,
        file=fields.STORED,
        line_start=fields.STORED,
        line_end=fields.STORED,
        # Ranked words (BM25F) and exact-match character grams; neither needs positions.
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
        chars=fields.TEXT(analyzer=CharTokenizer(), phrase=False),
    )


def document(p: Paragraph) -> dict:
    """The Whoosh document for a paragraph (the text feeds both analysed fields)."""
    return {
        "id": p.id,
        "order": p.order,
        "year": p.year,
        "report": p.report,
        "chapter": p.chapter,
        "section": p.section,
        "heading": p.heading,
        "number": p.number,
        "themes": ",".join(p.themes),
        "districts": ",".join(p.districts),
        "kind": p.kind,
        "text": p.text,
        "file": p.file,
        "line_start": p.line_start,
        "line_end": p.line_end,
        "words": p.text,
        "chars": p.text,
    }


def paragraph(stored: dict) -> Paragraph:
    """The paragraph back from a document's stored fields."""
    names = ("id", "year", "report", "chapter", "section", "heading", "kind", "text", "file", "line_start", "line_end", "number", "order")
    return Paragraph(
        **{name: stored[name] for name in names},
        themes=tuple(t for t in stored["themes"].split(",") if t),
        districts=tuple(t for t in stored["districts"].split(",") if t),
    )
