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
- Writing a segment (build): Whoosh's per-document reader asks the file system (an os.stat)
  for a field's missing length column on every posting it writes; `segment_writer` hands the
  flush a reader that remembers, and falls back to Whoosh's own writer if the hooks it
  overrides are gone.

- Answering Whoosh's Expander (key_terms, more_like) from an in-memory vocabulary instead of
  one on-disk look-up per term: `TermStatistics` stands in for the reader.

tests/test_whoosh_compat.py runs the engine with the postings fallback forced.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PerDocReader
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


class _PerDocReader(W3PerDocReader):
    """Whoosh's per-document reader, remembering which columns a segment has. Whoosh keeps a
    column's reader once it found the column, but asks the file system again (an os.stat) for a
    missing one every time — and while it writes a segment it asks for the field's length column
    once for every posting, where only `words` and `title` have one (`grams` and the filter fields
    are never scored): a third of a build was that os.stat. A written segment's files do not change."""

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self._has: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        if fieldname not in self._has:
            self._has[fieldname] = super().has_column(fieldname)
        return self._has[fieldname]


class _Writer(SegmentWriter):
    """Whoosh's segment writer, reading the new segment's field lengths through _PerDocReader."""

    def per_document_reader(self) -> _PerDocReader:
        if not self.perdocwriter.is_closed:
            raise RuntimeError("Per-doc writer is still open")
        return _PerDocReader(self.storage, self.get_segment())


def segment_writer(ix, limitmb: int) -> SegmentWriter:
    """A writer for `ix` that flushes through _PerDocReader; Whoosh's own if its hooks moved."""
    if all(hasattr(SegmentWriter, name) for name in ("per_document_reader", "get_segment")) and hasattr(W3PerDocReader, "has_column"):
        return _Writer(ix, limitmb=limitmb)
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
