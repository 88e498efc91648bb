"""The Whoosh query class Chinese needs: an exact string, found anywhere in the text or title.

Whoosh's `Term` finds an indexed token and `Phrase` a run of tokens, but a Chinese reader
types strings that cross jieba's word boundaries (科创 inside 科创板) or are no word at all.
`Exact` is a `whoosh.query.Query` leaf: its matcher lists the documents whose folded text or
title contains the string (candidates from the `grams` postings, verified against the stored
text, see store.py), and scores them with the searcher's weighting model (ranking.py). It
combines with Whoosh's own `And`, `Or`, `AndNot` and `AndMaybe` like any other leaf.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
from whoosh import matching, scoring
from whoosh.query import compound, qcore
from whoosh.query.wrappers import WrappingQuery

from report_search.index.analysis import gram_keys

from . import bitset


class DocSetMatcher(matching.Matcher):
    """A set of documents, as a bitset and (listed when first stepped through) a sorted array:
    a leaf on Whoosh's public Matcher interface (no list-matcher internals), skipping by binary
    search. It answers a whole query tree at once (Evaluated), so Whoosh's collectors and ours
    read its documents in one go (ours takes the bitset, never listing it); `scorer` scores the
    current document (the sum of the tree's positive leaves)."""

    def __init__(self, bits: int, size: int, scorer: scoring.BaseScorer | None, term=None, position: int = 0) -> None:
        self.bits, self.size, self.doc_scorer, self.leaf_term, self.position = bits, size, scorer, term, position

    @functools.cached_property
    def docs(self) -> np.ndarray:
        return bitset.to_array(self.bits, self.size)

    def is_active(self) -> bool:
        return self.position < len(self.docs)

    def reset(self) -> None:
        self.position = 0

    def id(self) -> int:
        return int(self.docs[self.position])

    def next(self) -> None:
        if not self.is_active():
            raise matching.ReadTooFar
        self.position += 1

    def skip_to(self, id) -> None:  # noqa: A002 (Whoosh API)
        if not self.is_active():
            raise matching.ReadTooFar
        if id > self.docs[self.position]:
            self.position = int(np.searchsorted(self.docs, id))

    def all_ids(self):
        return iter(self.docs[self.position :].tolist())

    def copy(self) -> DocSetMatcher:
        twin = DocSetMatcher(self.bits, self.size, self.doc_scorer, self.leaf_term, self.position)
        if "docs" in vars(self):  # listed already: the copy shares the array
            twin.docs = self.docs
        return twin

    def replace(self, minquality=0):
        if not self.is_active() or (minquality and self.max_quality() < minquality):
            return matching.NullMatcher()
        return self

    def term(self):
        return self.leaf_term

    def supports(self, astype) -> bool:
        return False  # no positions or values: counts come from the searcher

    def weight(self) -> float:
        return 1.0

    def value(self) -> str:
        return ""

    def score(self) -> float:
        return self.doc_scorer.score(self)

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self.doc_scorer.max_quality()


class Exact(qcore.Query):
    """Documents whose folded text or title contains `text`, exactly.

    With `score` set the match adds that constant instead of a BM25F weight (the bonus for a
    segmented term found unbroken)."""

    def __init__(self, text: str, score: float | None = None, boost: float = 1.0) -> None:
        self.text = text
        self.score = score
        self.boost = boost
        self.fieldname = "text"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.text!r}{'' if self.score is None else f', score={self.score}'})"

    def __unicode__(self) -> str:
        return f'"{self.text}"'

    __str__ = __unicode__

    def __eq__(self, other) -> bool:
        return other.__class__ is self.__class__ and (other.text, other.score, other.boost) == (self.text, self.score, self.boost)

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.text, self.score, self.boost))

    def is_leaf(self) -> bool:
        return True

    def terms(self, phrases: bool = False):
        yield ("text", self.text)

    def estimate_size(self, ixreader) -> int:
        """At most the documents holding its rarest gram (plus title matches, rare): cheap,
        from Whoosh's term statistics, so compound queries can take the rarest part first."""
        return min(ixreader.doc_frequency("grams", key) for key in gram_keys(self.text))

    def scorer(self, searcher) -> scoring.BaseScorer:
        """What a matching document scores: the weighting model's (ranking.ExactScorer), or the
        constant. Both also score by document number (`score_doc`), 0 where it does not match."""
        if self.score is not None:
            return ConstantScorer(searcher, self.text, self.score * self.boost)
        return searcher.weighting.scorer(searcher, "text", self.text, qf=self.boost)

    def matcher(self, searcher, context=None):
        bits = searcher.containing(self.text)
        if not bits:
            return matching.NullMatcher()
        return DocSetMatcher(bits, searcher.size, self.scorer(searcher), ("text", self.text))


class ConstantScorer(scoring.BaseScorer):
    """A fixed score for every document holding the string (in its text or title)."""

    def __init__(self, searcher, text: str, value: float) -> None:
        self.searcher, self.text, self.value = searcher, text, value

    def score_doc(self, d: int) -> float:
        return float(self.score_docs(np.array([d]))[0])

    def score_docs(self, docs: np.ndarray) -> np.ndarray:
        s = self.searcher
        held = (s.in_text(self.text).counts_for(docs) > 0) | (s.title_counts(self.text)[s.title_of[docs]] > 0)
        return np.where(held, self.value * s.kind_weights[docs], 0.0)

    def score(self, matcher) -> float:
        return self.score_doc(matcher.id())

    def max_quality(self) -> float:
        return self.value

    def block_quality(self, matcher) -> float:
        return self.value


class AndNotMatcher(matching.AndNotMatcher):
    """Whoosh's AndNotMatcher, mended through its public methods: on creation it only steps
    past an excluded first document when both sides start on the same one, so a positive first
    document whose exclusion sorts after an earlier excluded one came back
    (AndNotMatcher([1,2,3], [0,1,3]) gave [1, 2]). Here the excluded side is moved to the first
    positive document, and a match there is stepped past as every later one is."""

    def __init__(self, a, b) -> None:
        super().__init__(a, b)
        self._skip_excluded_start()

    def reset(self) -> None:
        super().reset()
        self._skip_excluded_start()

    def _skip_excluded_start(self) -> None:
        positive, excluded = self.children()
        if positive.is_active() and excluded.is_active():
            excluded.skip_to(positive.id())
            if excluded.is_active() and excluded.id() == positive.id():
                self.next()


class AndNot(compound.AndNot):
    """Whoosh's AndNot query, with the mended matcher."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return AndNotMatcher(scored, excluded)


class SumScorer(scoring.BaseScorer):
    """A compound match's score: the sum of its positive leaves' scores (0 where a leaf does
    not match), as Whoosh's compound matchers add their children's."""

    def __init__(self, scorers: list[scoring.BaseScorer]) -> None:
        self.scorers = scorers

    def score(self, matcher) -> float:
        d = matcher.id()
        return sum(s.score_doc(d) for s in self.scorers)

    def max_quality(self) -> float:
        return sum(s.max_quality() for s in self.scorers)

    def supports_block_quality(self) -> bool:
        return False


def docset(q: qcore.Query, searcher) -> int:
    """The documents a tree of Exact leaves under And / Or / AndNot / AndMaybe matches, as a
    bitset: the boolean algebra Whoosh's compound matchers step through one document at a
    time, done on whole sets in C (intersections rarest first, stopping at empty)."""
    if isinstance(q, Exact):
        return searcher.containing(q.text)
    if isinstance(q, WrappingQuery):
        return docset(q.child, searcher)
    if isinstance(q, compound.AndNot):
        return docset(q.a, searcher) & ~docset(q.b, searcher)
    if isinstance(q, compound.AndMaybe):
        return docset(q.a, searcher)
    if isinstance(q, compound.And):
        out = bitset.full(searcher.size)
        for part in sorted((docset(c, searcher) for c in q.subqueries), key=int.bit_count):
            out &= part
            if not out:
                break
        return out
    if isinstance(q, compound.Or):
        out = 0
        for c in q.subqueries:
            out |= docset(c, searcher)
        return out
    if isinstance(q, qcore.Every):
        return bitset.full(searcher.size)
    if q == qcore.NullQuery:  # what an empty Or normalises to
        return 0
    raise TypeError(f"no document set for {q!r}")


class Evaluated(WrappingQuery):
    """A query tree answered as a whole (docset): its matcher lists the matching documents at
    once and scores each as the sum of the tree's positive leaves."""

    def __eq__(self, other) -> bool:
        return other.__class__ is self.__class__ and other.child == self.child

    __hash__ = WrappingQuery.__hash__

    def matcher(self, searcher, context=None):
        bits = docset(self.child, searcher)
        scorer = SumScorer([leaf.scorer(searcher) for leaf in positive_leaves(self.child)])
        return DocSetMatcher(bits, searcher.size, scorer)


def positive_leaves(q: qcore.Query) -> Iterator[Exact]:
    """The Exact leaves whose matches add to a score: all but what an AndNot takes away."""
    if isinstance(q, Exact):
        yield q
    elif isinstance(q, compound.AndNot):
        yield from positive_leaves(q.a)
    else:
        for child in q.children():
            yield from positive_leaves(child)
