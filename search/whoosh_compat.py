"""Whoosh's private parts, in one place.

Everything else in this project uses Whoosh through its public classes and methods. The one
place where a private detail buys real speed is reading a term's postings: the generic
`Matcher.all_ids()` steps the matcher one posting at a time (is_active, id, next), while the
W3 codec's leaf matcher holds each block's ids as one array, so a common gram is read a block
at a time, twice as fast. That needs its `_ids`, `_i`, `_read_ids` and `_next_block`.

whoosh-reloaded is pinned, but a release may still change them: `block_reading_works` compares
the fast path with the public API on a few postings when an index is opened (same ids, in
order), and the searcher falls back to the public API when they differ or the names are gone.
tests/test_whoosh_compat.py runs the engine with the fallback forced.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from whoosh.codec.whoosh3 import W3LeafMatcher

PROBE_TERMS = 3  # postings compared on open: the first terms of the field spanning several blocks
PROBE_SCAN = 2000  # terms of the lexicon looked at, at most, to find them


def _block_ids(matcher) -> Iterator[int]:
    """A fresh W3 leaf matcher's ids, a block at a time (private attributes)."""
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        yield from matcher._ids[matcher._i :]
        matcher._next_block()


def posting_ids(matcher, fast: bool) -> Iterator[int]:
    """A fresh leaf matcher's document numbers: a block at a time where `fast` (and the matcher
    is the W3 codec's), else through the public all_ids()."""
    if fast and isinstance(matcher, W3LeafMatcher):
        return _block_ids(matcher)
    return matcher.all_ids()


def block_reading_works(reader, fieldname: str) -> bool:
    """Whether the fast path gives the public API's ids for the field's longest postings among
    the first PROBE_SCAN terms (several blocks each, so block changes are exercised)."""
    try:
        terms = sorted(islice(reader.iter_field(fieldname), PROBE_SCAN), key=lambda item: -item[1].doc_frequency())
        for term, _ in terms[:PROBE_TERMS]:
            public = list(reader.postings(fieldname, term).all_ids())
            if list(posting_ids(reader.postings(fieldname, term), fast=True)) != public:
                return False
        return True
    except (AttributeError, TypeError, IndexError):  # the private names changed shape
        return False
