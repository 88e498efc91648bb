"""The collector: every match counted by facet, the allowed ones ranked, in one pass.

Whoosh's collectors step the matcher tree document by document and ask it for a score at
each step. At 100× the corpus a common term matches 50,000 paragraphs, and that stepping
(a dozen Python calls a document) is most of the search. This `Collector` subclass asks the
matcher for its documents in one go (`all_ids`, no current score needed), then scores the
allowed ones with the same scorers the matchers would use (`Exact.scorer`, from the
searcher's weighting model) — a compound matcher's score is the sum of its matching leaves',
which a leaf's scorer gives as 0 where it does not match.

Facet counts must be disjunctive (a facet's counts ignore its own selection), so every match
is recorded before the filters (`matched`, a bitset) and counted against the facet values'
bitsets afterwards (FacetIndex); only the allowed matches are ranked.
"""

from __future__ import annotations

import heapq
import operator

from whoosh import collectors, searching, sorting

from . import bitset

from .exact import positive_leaves


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
        self.items: list[tuple[float, int]] = []

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context.set(needs_current=False))  # all_ids(): no stepping
        self._found: list[int] = []
        self._scorers = [leaf.scorer(top_searcher) for leaf in positive_leaves(q)] if self.scored else []
        self._key = self.sortedby.categorizer(top_searcher) if self.sortedby is not None else None
        if self._key is not None:
            self._key.set_searcher(top_searcher, 0)  # keys are asked for by global document number

    def collect_matches(self) -> None:
        offset = self.offset
        self._found.extend(self.matches() if not offset else (offset + d for d in self.matches()))

    def collect(self, sub_docnum: int) -> None:  # the whole work is in collect_matches/finish
        self._found.append(self.offset + sub_docnum)

    def sort_key(self, sub_docnum: int):
        d = self.offset + sub_docnum
        key = self._key.key_for(None, d) if self._key is not None else -self._coverage([d])[0]
        return key, -self._scores([d])[0], d

    def _scores(self, docs: list[int]) -> list[float]:
        """Each document's score: the sum over the leaves (0 where a leaf does not match)."""
        total = [0.0] * len(docs)
        for scorer in self._scorers:
            total = list(map(operator.add, total, scorer.score_docs(docs)))
        return total

    def _coverage(self, docs: list[int]) -> list[int]:
        """How many of the leaves' strings each document's own text holds (not its title)."""
        total = [0] * len(docs)
        texts = self.top_searcher.texts
        for text in {s.text for s in self._scorers}:
            total = list(map(operator.add, total, [text in texts[d] for d in docs]))
        return total

    def finish(self) -> None:
        self.matched = bitset.from_ids(self._found, self.size)
        passing = list(bitset.ids(self.matched & self.allowed))
        if self.limit:
            if self._scorers or self._key is not None:
                if self._key is not None:
                    keys = [self._key.key_for(None, d) for d in passing]
                else:  # text first: more of the query's strings in the text itself, then the score
                    keys = [-n for n in self._coverage(passing)]
                negated = [-score for score in self._scores(passing)]
                ranked = heapq.nsmallest(self.limit, zip(keys, negated, passing))
                self.items = [(-negative, d) for _, negative, d in ranked]
            else:
                self.items = [(0.0, d) for d in passing[: self.limit]]
        super().finish()

    def all_ids(self):
        return bitset.ids(self.matched)

    def count(self) -> int:
        return self.matched.bit_count()

    def results(self) -> searching.Results:
        found = searching.Results(self.top_searcher, self.q, self.items, runtime=self.runtime)
        found.collector = self
        return found
