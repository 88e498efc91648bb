"""The Whoosh schema: one document per paragraph record."""

from __future__ import annotations

from whoosh import fields

from .analysis import WordTokenizer
from .paragraph import Paragraph

# Bump when the schema or what goes into a field changes: every index built before is stale.
SCHEMA_VERSION = 3


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.STORED,  # looked up in memory (Engine.by_id); as a Whoosh term it costs ~170 B
        order=fields.STORED,  # = the document number: documents are added in corpus order
        year=fields.NUMERIC(stored=True),
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
        # Ranked jieba words (BM25F), no positions needed: exact matching uses grams.py.
        words=fields.TEXT(analyzer=WordTokenizer(), phrase=False),
    )


def document(p: Paragraph) -> dict:
    """The Whoosh document for a paragraph."""
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
    }


def paragraph(stored: dict) -> Paragraph:
    """The paragraph back from a document's stored fields."""
    names = ("id", "year", "report", "chapter", "section", "heading", "kind", "text", "file", "line_start", "line_end", "number", "order")
    return Paragraph(
        **{name: stored[name] for name in names},
        themes=tuple(t for t in stored["themes"].split(",") if t),
        districts=tuple(t for t in stored["districts"].split(",") if t),
    )
