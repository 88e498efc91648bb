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
  field length each time. `PerTermWriter` keeps the postings as arrays (PostingColumns), groups
  them by term with one stable sort and hands the W3 postings writer a block at a time: its
  `_ids`, `_weights`, `_values`, `_maxweight`, `_minlength`, `_maxlength` and `_write_block`.
  tests/test_whoosh_compat.py holds the segment files it writes byte for byte equal to Whoosh's
  own writer's; `segment_writer` falls back to Whoosh's writer if the methods it uses are gone.

- Reading a column whole (search, when a build is opened): Whoosh's column readers seek and
  read once per document (392,000 reads, over half of opening at 100×), while a column's values
  lie in one block. `column_values`, `column_numbers` and `column_codes` read that block once,
  using `_dbfile`, `_basepos`, `_lengths`, `_count`, `_fixedlen`, `_typecode`, `_default`,
  `_itemsize` and `_uniques`;
  each compares its answer with Whoosh's own `column[d]` at both ends and in the middle, and
  reads through Whoosh's iteration when they differ or the names are gone.

- Answering Whoosh's Expander (key_terms, more_like) from an in-memory vocabulary instead of
  one on-disk look-up per term: `TermStatistics` stands in for the reader.

tests/test_whoosh_compat.py runs the engine with the postings fallback forced.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from itertools import compress, groupby, islice
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import W3FieldWriter, W3LeafMatcher, W3PostingsWriter
from whoosh.writing import SegmentWriter

PROBE_TERMS = 3  # postings compared on open: the longest …
PROBE_SCAN = 300  # … among the field's first terms (digits and punctuation: in many paragraphs) …
PROBE_COMMON = (",", "的", "。", "、")  # … and among these, which Chinese prose has in most paragraphs …
PROBE_POSTINGS = 400  # … over their first postings: past the first block changes, and quick to step through


def _blocks(matcher, limit: int | None = None) -> tuple[list, list]:
    """A fresh W3 leaf matcher's ids and weights, a block at a time (private attributes);
    given a `limit`, the blocks that hold its first `limit` postings."""
    ids, weights, read = [], [], 0
    while matcher.is_active() and (limit is None or read < limit):
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids.append(matcher._ids[matcher._i :])
        weights.append(matcher._weights[matcher._i :])
        read += len(ids[-1])
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


def postings(matcher, fast: bool, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A fresh leaf matcher's document numbers (int64) and weights (float64), as arrays: a
    block at a time where `fast` (and the matcher is the W3 codec's), else posting by posting.
    Given a `limit`, at least its first `limit` postings (all if fewer)."""
    ids, weights = _blocks(matcher, limit) if fast and isinstance(matcher, W3LeafMatcher) else _public(matcher, limit)
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
            fast_ids, fast_weights = postings(reader.postings(fieldname, term), fast=True, limit=PROBE_POSTINGS)
            public_ids, public_weights = _public(reader.postings(fieldname, term), PROBE_POSTINGS)
            n = len(public_ids[0])
            if not (fast_ids[:n].tolist() == public_ids[0] and fast_weights[:n].tolist() == public_weights[0]):
                return False
        return True
    except (AttributeError, TypeError, IndexError, ValueError):  # the private names changed shape
        return False


def _agrees(column, count: int, value: Callable[[int], object]) -> bool:
    """Whether `count` values were read and value(d) is Whoosh's own column[d] at both ends
    and in the middle."""
    n = len(column)
    return count == n and all(value(d) == column[d] for d in {0, 1, n // 2, n - 1} if 0 <= d < n)


def column_values(reader, fieldname: str) -> list[bytes]:
    """A VarBytesColumn's value for every document: its data read as one block, cut at the
    running sums of its lengths."""
    column = reader.column_reader(fieldname, translate=False)
    try:
        ends = np.cumsum(np.asarray(column._lengths, dtype=np.int64)).tolist()
        data = column._dbfile.get(column._basepos, ends[-1] if ends else 0)
        values = [data[a:b] for a, b in zip([0, *ends[:-1]], ends)]
    except (AttributeError, TypeError, ValueError):  # the private names changed shape
        return list(column)
    return values if _agrees(column, len(values), values.__getitem__) else list(column)


def column_numbers(reader, fieldname: str) -> np.ndarray:
    """A NumericColumn's value for every document (documents past its last written value have
    its default), as one array read in one block."""
    column = reader.column_reader(fieldname, translate=False)
    try:
        count, width = column._count, column._fixedlen
        written = np.frombuffer(column._dbfile.get(column._basepos, count * width), dtype=">" + column._typecode)
        values = np.concatenate([written, np.full(len(column) - count, column._default, dtype=written.dtype)])
    except (AttributeError, TypeError, ValueError):
        return np.array(list(column))
    return values if _agrees(column, len(values), values.__getitem__) else np.array(list(column))


def column_codes(reader, fieldname: str) -> tuple[np.ndarray, list[bytes]]:
    """A RefBytesColumn as (each document's code, the distinct values, the writer's default
    b"" among them): the value of document d is distinct[codes[d]]. The codes are read in one
    block."""
    column = reader.column_reader(fieldname, translate=False)
    try:
        distinct = list(column._uniques)
        codes = np.frombuffer(column._dbfile.get(column._basepos, len(column) * column._itemsize), dtype=">" + column._typecode)
        if _agrees(column, len(codes), lambda d: distinct[codes[d]]):
            return codes.astype(np.int64), distinct
    except (AttributeError, TypeError, ValueError, IndexError):
        pass
    values = list(column)
    distinct = list(dict.fromkeys(values))
    number = {v: i for i, v in enumerate(distinct)}
    return np.array([number[v] for v in values], dtype=np.int64), distinct


class _TermNumbers(dict):
    """A field's terms -> numbers unique across fields, given in the order the terms are first
    seen: `keys` lists (fieldname, term) by number."""

    def __init__(self, fieldname: str, keys: list[tuple[str, bytes]]) -> None:
        super().__init__()
        self.fieldname, self.keys = fieldname, keys

    def __missing__(self, tbytes: bytes) -> int:
        self[tbytes] = number = len(self.keys)
        self.keys.append((self.fieldname, tbytes))
        return number


class PostingColumns:
    """Whoosh's posting pool, kept as columns. Whoosh's own (writing.PostingPool) keeps a tuple
    per posting, sorts them all at the end and, past `limitmb`, spills sorted runs to temporary
    files and merges them back: the bulk of a large build. Here each posting is a term number, a
    document number and a weight in three arrays (and its value, for formats that keep one), and
    the flush groups them by term with one stable sort: a writer adds documents in order, so
    within a term the postings stay in document order, as Whoosh writes them.

    Whoosh's writer calls `add` once per posting: that is a list's append, and `take` moves the
    document's postings into the columns when the document is done, in C (zip, map, fromlist)."""

    def __init__(self) -> None:
        self.pending: list[tuple] = []
        self.add = self.pending.append  # (fieldname, tbytes, docnum, weight, vbytes)
        self.keys: list[tuple[str, bytes]] = []  # (fieldname, term) by term number
        self.numbers: dict[str, _TermNumbers] = {}
        self.terms, self.docs, self.weights = array("I"), array("I"), array("d")
        self.value_at, self.values = array("Q"), []  # the postings with a value, and their values

    def take(self) -> None:
        """Move the pending postings into the columns."""
        if not self.pending:
            return
        start = len(self.docs)
        for fieldname, postings in groupby(self.pending, itemgetter(0)):
            _, tbytes, docs, weights, values = zip(*postings)
            numbers = self.numbers.get(fieldname)
            if numbers is None:
                numbers = self.numbers[fieldname] = _TermNumbers(fieldname, self.keys)
            self.terms.fromlist(list(map(numbers.__getitem__, tbytes)))  # fromlist: 3x extend's speed
            self.docs.fromlist(list(docs))
            self.weights.fromlist(list(weights))
            if any(values):
                self.value_at.fromlist(list(compress(range(start, start + len(values)), values)))
                self.values.extend(filter(None, values))
            start += len(docs)
        self.pending.clear()

    def by_term(self) -> Iterator[tuple[str, bytes, list[int], list[float], list[bytes]]]:
        """(fieldname, term, document numbers, weights, values) per term, in the order Whoosh
        writes them: by field, then term; each term's postings in document order. The values are
        one per posting (b"" where a posting has none), or none at all if no posting has one.
        The columns are handed over: the pool is empty afterwards."""
        self.take()
        keys, count = self.keys, len(self.keys)
        in_order = sorted(range(count), key=keys.__getitem__)
        rank = np.empty(count, dtype=np.int32)
        rank[in_order] = np.arange(count, dtype=np.int32)
        ranks = rank[np.frombuffer(self.terms, dtype=np.uint32)]
        order = np.argsort(ranks, kind="stable")
        ends = np.cumsum(np.bincount(ranks, minlength=count)).tolist()
        del ranks
        docs, weights = np.frombuffer(self.docs, dtype=np.uint32)[order], np.frombuffer(self.weights)[order]
        # where each posting with a value went, and its values in that order
        sorted_at = np.empty(len(order), dtype=np.int64)
        sorted_at[order] = np.arange(len(order))
        value_at = sorted_at[np.frombuffer(self.value_at, dtype=np.uint64).astype(np.int64)]
        del order, sorted_at
        by_place = np.argsort(value_at)
        value_at, values = value_at[by_place], [self.values[i] for i in by_place.tolist()]
        self.cleanup()
        start = 0
        for number, end in zip(in_order, ends):
            fieldname, tbytes = keys[number]
            lo, hi = np.searchsorted(value_at, (start, end)).tolist()
            if hi - lo == end - start:
                term_values = values[lo:hi]
            elif hi > lo:  # some postings have a value, some not
                term_values = [b""] * (end - start)
                for at, value in zip(value_at[lo:hi].tolist(), values[lo:hi]):
                    term_values[at - start] = value
            else:
                term_values = []
            yield fieldname, tbytes, docs[start:end].tolist(), weights[start:end].tolist(), term_values
            start = end

    def cleanup(self) -> None:
        """Empty the pool (Whoosh calls this when the segment is closed)."""
        self.__init__()


def _write_term(postwriter, ids: list[int], weights: list[float], values: list[bytes], lengths: list[int] | None) -> None:
    """A term's postings into the W3 postings writer a block at a time: the block's arrays and
    statistics set as its add_posting would have left them (private attributes), then Whoosh
    writes the block; the last stays buffered for finish_postings. `values` is one per posting,
    or empty if no posting has one; a term where only some have one goes posting by posting,
    through add_posting (which keeps only the values that are there)."""
    if values and not all(values):
        for docnum, weight, value in zip(ids, weights, values):
            postwriter.add_posting(docnum, weight, value, lengths[docnum] if lengths else 0)
        return
    limit = postwriter._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        block, block_weights = ids[start : start + limit], weights[start : start + limit]
        postwriter._ids, postwriter._weights = array("I", block), array("f", block_weights)
        postwriter._values = values[start : start + limit]
        postwriter._maxweight = max(0, max(block_weights))
        found = [n for n in map(lengths.__getitem__, block) if n] if lengths else ()
        postwriter._minlength, postwriter._maxlength = (min(found), max(found)) if found else (None, 0)


class PerTermWriter(SegmentWriter):
    """Whoosh's segment writer with its postings kept as columns (PostingColumns) and written a
    term at a time; the field lengths a block records are read once per document, where Whoosh's
    flush asks the per-document reader (and, for a field without lengths, the file system) once
    per posting."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.pool = PostingColumns()

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
        current, doc_lengths = None, None
        for fieldname, tbytes, ids, weights, values in self.pool.by_term():
            if fieldname != current:
                if current is not None:
                    fieldwriter.finish_field()
                field = self.schema[fieldname]
                scored = field.scorable and lengths.field_length(fieldname)  # else no length column: every length is 0
                doc_lengths = [lengths.doc_field_length(d, fieldname) for d in range(self.docnum)] if scored else None
                fieldwriter.start_field(fieldname, field)
                current = fieldname
            fieldwriter.start_term(tbytes)
            _write_term(fieldwriter._postwriter, ids, weights, values, doc_lengths)
            fieldwriter.finish_term()
        if current is not None:
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
