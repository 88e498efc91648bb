"""The Whoosh schema: one document per paragraph record.

Every posting the search reads is in this schema: `grams` (characters and character pairs,
for exact-substring candidates), `words` and `title` (jieba words, for more-like-this, key
terms and spelling suggestions) and the filter fields year / section / themes / districts /
fields / kind. The text and the title are stored and verified against, never re-derived.
"""

from __future__ import annotations

import functools
from collections import Counter
from itertools import repeat

from whoosh import columns, fields, formats
from whoosh.system import pack_uint

from .analysis import GramTokenizer, WordTokenizer, gram_counts, index_terms, segmented
from .corpus import Report
from .normalize import fold
from .paragraph import Paragraph

# Bump when the schema or what goes into a field changes: every index built before is stale.
SCHEMA_VERSION = 11


class GramField(fields.FieldType):
    """The `grams` field: postings that say which documents hold a gram and, as the posting's
    weight, how many times (analysis.gram_counts). `index` gives Whoosh each distinct gram once,
    counted straight from the text (and zipped in C); the default would make a Token per gram
    and count them again in the format. No value is stored: the weight alone is what the search
    reads."""

    def __init__(self) -> None:
        super().__init__(formats.Existence(), GramTokenizer(), scorable=False)

    def index(self, value, **kwargs):  # noqa: D102 (Whoosh API)
        counts = gram_counts(value)
        return zip(map(str.encode, counts), counts.values(), map(self.format.field_boost.__mul__, counts.values()), repeat(b""))


class WordCounts(formats.Frequency):
    """Whoosh's Frequency format, counting a list of words (what a build hands the `words` and
    `title` fields: index_terms of jieba's words) in one pass, where the default makes a Token per
    word and counts those. A string still goes through the field's analyzer."""

    def word_values(self, value, analyzer, **kwargs):  # noqa: D102 (Whoosh API)
        if not isinstance(value, (list, tuple)):
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((word, n, float(n) * boost, pack_uint(n)) for word, n in Counter(value).items())


class WordField(fields.TEXT):
    """jieba words (WordTokenizer) with their counts (WordCounts), and no positions: for BM25,
    more-like-this, key terms and spelling suggestions. With `vector`, each document's words
    are kept as its term vector too."""

    def __init__(self, vector: bool = False) -> None:
        super().__init__(analyzer=WordTokenizer(), phrase=False)
        self.format = WordCounts()
        self.vector = self.format if vector else None


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.STORED,  # looked up in memory (Engine.by_id); as a Whoosh term it costs ~170 B
        order=fields.STORED,  # = the document number: documents are added in corpus order
        year=fields.NUMERIC(stored=True),
        section=fields.ID(stored=True),  # "4.4 优化科技金融生态"
        section_number=fields.ID,  # "4.4": the section: filter
        heading=fields.STORED,
        label=fields.STORED,
        number=fields.STORED,
        themes=fields.KEYWORD(stored=True, commas=True),
        districts=fields.KEYWORD(stored=True, commas=True),
        fields=fields.KEYWORD(stored=True, commas=True),  # technology fields (领域)
        kind=fields.ID(stored=True),
        text=fields.STORED,
        line_start=fields.STORED,
        line_end=fields.STORED,
        skipped=fields.STORED,  # lines inside the cited range that are not part of the text
        # Per-document columns, read in bulk when a searcher opens (the stored fields above are
        # read only for the records a page shows): the id, the folded text and title that
        # matches are verified against, the exact jieba word count (Whoosh keeps field lengths
        # as a lossy byte, BM25 needs it true), the kind and the year that ranking and sorting use.
        doc_id=fields.COLUMN(columns.VarBytesColumn()),
        folded_text=fields.COLUMN(columns.VarBytesColumn()),
        folded_title=fields.COLUMN(columns.VarBytesColumn()),  # a reference column keeps 65,535 distinct values at most
        word_count=fields.COLUMN(columns.NumericColumn("I")),
        doc_kind=fields.COLUMN(columns.RefBytesColumn()),
        doc_year=fields.COLUMN(columns.NumericColumn("H")),
        grams=GramField(),
        # term vectors: 相关词 and related passages read a record's words back instead of
        # segmenting its text again on every request
        words=WordField(vector=True),
        title=WordField(),
    )


def title(p: Paragraph) -> str:
    """What a record is filed under, matched and weighted as its own field: section, sub-heading
    and the district label line that names it (临港)."""
    return " ".join(t for t in (p.section, p.heading, p.label) if t)


TITLE_SEPARATOR = "\n"  # folding turns every newline of a query into a space: no needle holds one


def folded_title(p: Paragraph) -> str:
    """The title as matched: each part folded on its own and parted by a newline, so that no
    match runs from the section into the sub-heading (fold drops the space between 生态 and 推进)."""
    return TITLE_SEPARATOR.join(fold(t) for t in (p.section, p.heading, p.label) if t)


@functools.lru_cache(maxsize=4096)
def _title_terms(text: str) -> tuple[str, ...]:
    """A title's index terms: many records share one, so each is segmented once."""
    return tuple(index_terms(segmented(text)))


def document(p: Paragraph, segmented: list[str]) -> dict:
    """The Whoosh document for a paragraph, given its text's jieba words (analysis.segmented):
    its true length, and the `words` field's tokens."""
    return {
        "id": p.id,
        "order": p.order,
        "year": p.year,
        "section": p.section,
        "section_number": p.section.split(" ", 1)[0],
        "heading": p.heading,
        "label": p.label,
        "number": p.number,
        "themes": ",".join(p.themes),
        "districts": ",".join(p.districts),
        "fields": ",".join(p.fields),
        "kind": p.kind,
        "text": p.text,
        "line_start": p.line_start,
        "line_end": p.line_end,
        "skipped": list(p.skipped),
        "doc_id": p.id.encode(),
        "folded_text": fold(p.text).encode(),
        "folded_title": folded_title(p).encode(),
        "word_count": max(1, len(segmented)),
        "doc_kind": p.kind.encode(),
        "doc_year": p.year,
        "grams": p.text,
        "words": index_terms(segmented),  # a list: Whoosh takes it as the field's tokens, no second jieba pass
        "title": _title_terms(title(p)),
    }


def paragraph(stored: dict, reports: dict[str, Report]) -> Paragraph:
    """The paragraph back from a document's stored fields; edition title, chapter and file
    are the same for a whole report, so they come from the manifest (`reports` by slug),
    not from every document."""
    report = reports[stored["id"].rsplit("-", 1)[0]]
    names = ("id", "year", "section", "heading", "label", "kind", "text", "line_start", "line_end", "number", "order")
    return Paragraph(
        **{name: stored[name] for name in names},
        report=report.title,
        chapter=report.chapter_label,
        file=report.file,
        themes=tuple(t for t in stored["themes"].split(",") if t),
        districts=tuple(t for t in stored["districts"].split(",") if t),
        fields=tuple(t for t in stored["fields"].split(",") if t),
        skipped=tuple(stored["skipped"]),
    )
