"""Whoosh's internals, in one place: where this project leans on how Whoosh works inside.

Everything else uses Whoosh through its public classes and methods. Two places buy real speed
from what lies beneath:

- Reading a term's postings (search): the generic matcher steps one posting at a time
  (is_active, id, weight, next), while the W3 codec's leaf matcher holds each block's ids and
  weights as arrays, so a common gram is read a block at a time. That needs its `_ids`,
  `_weights`, `_i`, `_read_ids`, `_read_weights` and `_next_block`. whoosh-reloaded is pinned,
  but a release may still change them: `block_reading_works` compares the fast path with the
  public API on a few postings when an index is opened (same ids and weights, in order), and the
  searcher falls back to the public API when they differ or the names are gone.
- Writing a segment (build): Whoosh's writer keeps a tuple per posting, sorts them all (spilling
  runs to disk past its memory limit) and then writes them one by one, asking for the document's
  field length each time. `PerTermWriter` keeps each term's postings in arrays as they come (in
  document order, so already sorted) and hands the W3 postings writer a block at a time: its
  `_ids`, `_weights`, `_values`, `_maxweight`, `_minlength`, `_maxlength` and `_write_block`.
  tests/test_whoosh_compat.py holds the segment files it writes byte for byte equal to Whoosh's
  own writer's; `segment_writer` falls back to Whoosh's writer if the methods it uses are gone.

- Answering Whoosh's Expander (key_terms, more_like) from an in-memory vocabulary instead of
  one on-disk look-up per term: `TermStatistics` stands in for the reader.

tests/test_whoosh_compat.py runs the engine with the postings fallback forced.
"""

from __future__ import annotations

from array import array
from itertools import islice

import numpy as np
from whoosh.codec.whoosh3 import W3FieldWriter, W3LeafMatcher, W3PostingsWriter
from whoosh.writing import SegmentWriter

PROBE_TERMS = 3  # postings compared on open: the longest …
PROBE_SCAN = 300  # … among the field's first terms (digits and punctuation: in many paragraphs) …
PROBE_COMMON = (",", "的", "。", "、")  # … and among these, which Chinese prose has in most paragraphs …
PROBE_POSTINGS = 400  # … over their first postings: past the first block changes, and quick to step through


def _blocks(matcher) -> tuple[list, list]:
    """A fresh W3 leaf matcher's ids and weights, a block at a time (private attributes)."""
    ids, weights = [], []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids.append(matcher._ids[matcher._i :])
        weights.append(matcher._weights[matcher._i :])
        matcher._next_block()
    return ids, weights


def _public(matcher, limit: int | None = None) -> tuple[list, list]:
    """The same through Whoosh's public Matcher interface, one posting at a time (the first
    `limit` of them, if given)."""
    ids, weights = [], []
    while matcher.is_active() and (limit is None or len(ids) < limit):
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return [ids], [weights]


def postings(matcher, fast: bool) -> tuple[np.ndarray, np.ndarray]:
    """A fresh leaf matcher's document numbers (int64) and weights (float64), as arrays: a
    block at a time where `fast` (and the matcher is the W3 codec's), else posting by posting."""
    ids, weights = _blocks(matcher) if fast and isinstance(matcher, W3LeafMatcher) else _public(matcher)
    if not ids or not any(len(block) for block in ids):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return (np.concatenate([np.asarray(b, dtype=np.int64) for b in ids]),
            np.concatenate([np.asarray(b, dtype=np.float64) for b in weights]))


def block_reading_works(reader, fieldname: str) -> bool:
    """Whether the fast path gives the public API's ids and weights for the field's longest
    postings among its first PROBE_SCAN terms, over their first PROBE_POSTINGS (block changes
    included): a cost bounded however large the index."""
    try:
        candidates = list(islice(reader.iter_field(fieldname), PROBE_SCAN))
        candidates += [(term, reader.term_info(fieldname, term)) for term in PROBE_COMMON if (fieldname, term) in reader]
        terms = sorted(candidates, key=lambda item: -item[1].doc_frequency())
        for term, _ in terms[:PROBE_TERMS]:
            fast_ids, fast_weights = postings(reader.postings(fieldname, term), fast=True)
            public_ids, public_weights = _public(reader.postings(fieldname, term), PROBE_POSTINGS)
            n = len(public_ids[0])
            if not (fast_ids[:n].tolist() == public_ids[0] and fast_weights[:n].tolist() == public_weights[0]):
                return False
        return True
    except (AttributeError, TypeError, IndexError, ValueError):  # the private names changed shape
        return False


class TermPostings:
    """One term's postings as the writer adds them, in document order: numbers, weights and, for
    formats that keep one, each posting's value."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self) -> None:
        self.ids, self.weights, self.values = array("I"), array("d"), []


class PostingsByTerm:
    """Whoosh's posting pool, kept per term. Whoosh's own (writing.PostingPool) keeps one tuple per
    posting, sorts them all at the end and, past `limitmb`, spills sorted runs to temporary files
    and merges them back: the bulk of a large build, and a garbage collector walking millions of
    tuples. A writer adds a document's postings in document order, so each term's postings
    arrive sorted: only the terms need sorting, and the postings sit in arrays, not objects.

    Whoosh's writer calls `add` once per posting: that is a list's append (C), and `take` files
    the document's postings under their terms in one loop when the document is done."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, TermPostings]] = {}
        self.pending: list[tuple] = []
        self.add = self.pending.append  # (fieldname, tbytes, docnum, weight, vbytes)

    def take(self) -> None:
        """File the pending postings under their terms."""
        fieldname, terms = None, {}
        for field, tbytes, docnum, weight, vbytes in self.pending:
            if field != fieldname:
                fieldname, terms = field, self.fields.setdefault(field, {})
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = TermPostings()
            postings.ids.append(docnum)
            postings.weights.append(weight)
            if vbytes:
                postings.values.append(vbytes)
        self.pending.clear()

    def cleanup(self) -> None:
        self.fields.clear()
        self.pending.clear()


def _write_term(postwriter, postings: TermPostings, lengths: list[int] | None) -> None:
    """A term's postings into the W3 postings writer a block at a time: the block's arrays and
    statistics set as its add_posting would have left them (private attributes), then Whoosh
    writes the block; the last stays buffered for finish_postings. A term whose values do not
    line up with its postings goes posting by posting, through add_posting."""
    ids, weights, values = postings.ids, postings.weights, postings.values
    if values and len(values) != len(ids):
        for i, (docnum, weight) in enumerate(zip(ids, weights)):
            postwriter.add_posting(docnum, weight, values[i] if i < len(values) else b"", lengths[docnum] if lengths else 0)
        return
    limit = postwriter._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        block = ids[start : start + limit]
        block_weights = weights[start : start + limit]
        postwriter._ids, postwriter._weights = block, array("f", block_weights)
        postwriter._values = values[start : start + limit]
        postwriter._maxweight = max(0, max(block_weights))
        found = [n for n in map(lengths.__getitem__, block) if n] if lengths else ()
        postwriter._minlength, postwriter._maxlength = (min(found), max(found)) if found else (None, 0)


class PerTermWriter(SegmentWriter):
    """Whoosh's segment writer with its postings kept per term (PostingsByTerm) and written a
    term at a time; the field lengths a block records are read once per document, where Whoosh's
    flush asks the per-document reader (and, for a field without lengths, the file system) once
    per posting."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.pool = PostingsByTerm()

    def add_document(self, **fields) -> None:
        try:
            super().add_document(**fields)
        except BaseException:
            self.pool.pending.clear()  # the document was not added: nor are its postings
            raise
        self.pool.take()

    def _flush_segment(self) -> None:
        self.pool.take()
        self.perdocwriter.close()
        fieldwriter, lengths = self.fieldwriter, self.codec.per_document_reader(self.storage, self.get_segment())
        for fieldname, terms in sorted(self.pool.fields.items()):
            field = self.schema[fieldname]
            scored = field.scorable and lengths.field_length(fieldname)  # else no length column: every length is 0
            doc_lengths = [lengths.doc_field_length(d, fieldname) for d in range(self.docnum)] if scored else None
            fieldwriter.start_field(fieldname, field)
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _write_term(fieldwriter._postwriter, terms[tbytes], doc_lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        lengths.close()


_HOOKS = ((SegmentWriter, ("_flush_segment", "get_segment")),
          (W3FieldWriter, ("start_field", "start_term", "finish_term", "finish_field")),
          (W3PostingsWriter, ("_write_block", "add_posting", "finish_postings")))


def segment_writer(ix, limitmb: int) -> SegmentWriter:
    """A writer for `ix` that keeps postings per term; Whoosh's own if the methods it overrides or
    calls moved (tests/test_whoosh_compat.py holds what it writes equal to Whoosh's own)."""
    if all(hasattr(cls, name) for cls, names in _HOOKS for name in names):
        return PerTermWriter(ix)
    return ix.writer(limitmb=limitmb)


class TermStatistics:
    """The reader as Whoosh's Expander sees it (key_terms, more_like), a field's term
    statistics answered from memory. It leans on how Expander.expanded_terms asks: `in` and
    `frequency()` per term; everything else goes to the reader. tests/test_whoosh_engine.py
    holds key_terms through it equal to Whoosh's own key_terms_from_text."""

    def __init__(self, reader, vocabulary: dict[str, tuple[float, int]]) -> None:
        self.reader, self.vocabulary = reader, vocabulary

    def __getattr__(self, name: str):
        return getattr(self.reader, name)

    def __contains__(self, key: tuple[str, bytes]) -> bool:
        return key[1].decode("utf-8") in self.vocabulary

    def frequency(self, fieldname: str, text: bytes) -> float:
        return self.vocabulary[text.decode("utf-8")][0]
