"""The collector: every match counted by facet, the allowed ones ranked, in one pass.

Whoosh's collectors step the matcher tree document by document and ask it for a score at
each step. At 100× the corpus a common character matches 50,000 paragraphs, and that stepping
(a dozen Python calls a document) would be most of the search. This `Collector` subclass takes
the matches as one set (a DocSetMatcher's bitset: the query tree answered as a whole, see
exact.Evaluated), counts them without listing them, and ranks the allowed ones with the same
scorers the matchers would use (`Exact.scorer`, from the searcher's weighting model) in a few
vector operations over all of them — a compound match's score is the sum of its matching
leaves', which a leaf's scorer gives as 0 where it does not match. Only the page's documents
are ever turned into Python objects.

Facet counts must be disjunctive (a facet's counts ignore its own selection), so every match
is recorded before the filters (`matched`, a bitset) and counted against the facet values'
bitsets afterwards (FacetIndex); only the allowed matches are ranked.
"""

from __future__ import annotations

import numpy as np
from whoosh import collectors, searching, sorting

from . import bitset
from .exact import DocSetMatcher, positive_leaves

STRIDE = 16  # many matches: the page's bound is taken from every STRIDE-th (see _first)


class FacetedTopCollector(collectors.Collector):
    """The first `limit` allowed matches by (`sortedby` key, score, document number); with
    no `sortedby`, by how many of the query's strings the record's own text holds, then score:
    a record found by its heading alone comes after every text match, and one whose text holds
    all of a query's words (and the words together) before one that leaves some to its title."""

    def __init__(self, allowed: int, size: int, limit: int, sortedby: sorting.FacetType | None = None, scored: bool = True) -> None:
        super().__init__()
        self.allowed, self.size, self.limit = allowed, size, limit
        self.sortedby, self.scored = sortedby, scored
        self.matched = 0
        self.passing = np.empty(0, dtype=np.int64)  # the allowed matches, listed once in finish()
        self.items: list[tuple[float, int]] = []

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context.set(needs_current=False))  # all_ids(): no stepping
        self._scorers = [leaf.scorer(top_searcher) for leaf in positive_leaves(q)] if self.scored else []

    def collect_matches(self) -> None:
        if isinstance(self.matcher, DocSetMatcher) and not self.offset:
            self.matched |= self.matcher.bits
        else:  # any other matcher: listed (one segment, so offset is 0 in practice)
            self.matched |= bitset.from_array(np.fromiter((self.offset + d for d in self.matches()), dtype=np.int64), self.size)

    def collect(self, sub_docnum: int) -> None:  # the whole work is in collect_matches/finish
        self.matched |= 1 << (self.offset + sub_docnum)

    def sort_key(self, sub_docnum: int):
        d = np.array([self.offset + sub_docnum])
        key = self.sortedby.keys(self.top_searcher, d)[0] if self.sortedby is not None else -self._coverage(d)[0]
        return key, -self._scores(d)[0], int(d[0])

    def _scores(self, docs: np.ndarray) -> np.ndarray:
        """Each document's score: the sum over the leaves (0 where a leaf does not match)."""
        total = np.zeros(len(docs))
        for scorer in self._scorers:
            total += scorer.score_docs(docs)
        return total

    def _coverage(self, docs: np.ndarray) -> np.ndarray:
        """How many of the leaves' strings each document's own text holds (not its title)."""
        total = np.zeros(len(docs), dtype=np.int64)
        for text in {s.text for s in self._scorers}:
            total += self.top_searcher.in_text(text).counts_for(docs) > 0
        return total

    def finish(self) -> None:
        self.passing = passing = bitset.to_array(self.matched & self.allowed, self.size)
        if self.limit and len(passing):
            if self.sortedby is not None:  # then document order
                keys, scores = self.sortedby.keys(self.top_searcher, passing), -passing.astype(np.float64)
            elif self._scorers:  # text first: more of the query's strings in the text itself, then the score
                scores = self._scores(passing)
                keys = -self._coverage(passing)
            else:  # nothing to rank by: document order, the first `limit` as they are
                keys = scores = np.zeros(len(passing))
            top = _first(keys, -scores, passing, self.limit) if self.sortedby is not None or self._scorers else np.arange(min(self.limit, len(passing)))
            self.items = list(zip((scores[top] if self.sortedby is None else np.zeros(len(top))).tolist(), passing[top].tolist()))
        super().finish()

    def all_ids(self):
        return iter(bitset.to_array(self.matched, self.size).tolist())

    def count(self) -> int:
        return self.matched.bit_count()

    def results(self) -> searching.Results:
        found = searching.Results(self.top_searcher, self.q, self.items, runtime=self.runtime)
        found.collector = self
        return found


def _first(key: np.ndarray, then: np.ndarray, docs: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` smallest (key, then, doc) triples, in that order. `key` is
    whole numbers, so (key, then) orders as one number, key·span + then. Only the candidates at
    or below a bound are sorted: the limit-th smallest of every STRIDE-th value (of a subset, so
    never below the whole's limit-th: ties and all, every one of the first `limit` is a
    candidate), or of all values when there are few. The order is exactly a full sort's."""
    if len(docs) > limit:
        low = then.min()
        combined = key * (then.max() - low + 1) + (then - low)
        pool = combined[::STRIDE] if len(docs) >= limit * STRIDE * 4 else combined
        bound = np.partition(pool, limit - 1)[limit - 1]
        candidates = np.flatnonzero(combined <= bound)
    else:
        candidates = np.arange(len(docs))
    order = np.lexsort((docs[candidates], then[candidates], key[candidates]))
    return candidates[order[:limit]]
