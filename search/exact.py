"""The Whoosh query class Chinese needs: an exact string, found anywhere in the text or title.

Whoosh's `Term` finds an indexed token and `Phrase` a run of tokens, but a Chinese reader
types strings that cross jieba's word boundaries (科创 inside 科创板) or are no word at all.
`Exact` is a `whoosh.query.Query` leaf: its matcher lists the documents whose folded text or
title contains the string (candidates from the `grams` postings, verified against the stored
text, see store.py), and scores them with the searcher's weighting model (ranking.py). It
combines with Whoosh's own `And`, `Or`, `AndNot` and `AndMaybe` like any other leaf.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from whoosh import matching, scoring
from whoosh.query import compound, qcore

from report_search.index.analysis import gram_keys


class ExactMatcher(matching.Matcher):
    """The documents holding one string, as a sorted array: a leaf on Whoosh's public Matcher
    interface (no list-matcher internals), skipping by bisection, since an intersection skips
    through a long candidate list many times."""

    def __init__(self, docs, scorer: scoring.BaseScorer, term: tuple[str, str], position: int = 0) -> None:
        self.docs, self.leaf_scorer, self.leaf_term, self.position = docs, scorer, term, position

    def is_active(self) -> bool:
        return self.position < len(self.docs)

    def reset(self) -> None:
        self.position = 0

    def id(self) -> int:
        return self.docs[self.position]

    def next(self) -> None:
        if not self.is_active():
            raise matching.ReadTooFar
        self.position += 1

    def skip_to(self, id) -> None:  # noqa: A002 (Whoosh API)
        if not self.is_active():
            raise matching.ReadTooFar
        if id > self.docs[self.position]:
            self.position = bisect_left(self.docs, id, self.position)

    def all_ids(self):
        return iter(self.docs[self.position :])

    def copy(self) -> ExactMatcher:
        return ExactMatcher(self.docs, self.leaf_scorer, self.leaf_term, self.position)

    def replace(self, minquality=0):
        if not self.is_active() or (minquality and self.max_quality() < minquality):
            return matching.NullMatcher()
        return self

    def term(self) -> tuple[str, str]:
        return self.leaf_term

    def supports(self, astype) -> bool:
        return False  # no positions or frequencies: the scorer counts occurrences in the stored text

    def weight(self) -> float:
        return 1.0

    def value(self) -> str:
        return ""

    def score(self) -> float:
        return self.leaf_scorer.score(self)

    def supports_block_quality(self) -> bool:
        return self.leaf_scorer.supports_block_quality()

    def max_quality(self) -> float:
        return self.leaf_scorer.max_quality()

    def block_quality(self) -> float:
        return self.leaf_scorer.block_quality(self)

    def skip_to_quality(self, minquality) -> int:
        skipped = 0  # one block: every remaining document has the list's quality
        while self.is_active() and self.block_quality() <= minquality:
            self.position, skipped = len(self.docs), skipped + 1
        return skipped


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
        ids = searcher.containing(self.text)
        if not ids:
            return matching.NullMatcher()
        return ExactMatcher(ids, self.scorer(searcher), ("text", self.text))


class ConstantScorer(scoring.BaseScorer):
    """A fixed score for every document holding the string (in its text or title)."""

    def __init__(self, searcher, text: str, value: float) -> None:
        self.searcher, self.text, self.value = searcher, text, value

    def score_doc(self, d: int) -> float:
        return self.score_docs([d])[0]

    def score_docs(self, docs: list[int]) -> list[float]:
        s, text, value = self.searcher, self.text, self.value
        texts, titles, kind = s.texts, s.titles, s.kind_weights
        return [value * kind[d] if text in texts[d] or text in titles[d] else 0.0 for d in docs]

    def score(self, matcher) -> float:
        return self.value

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


def positive_leaves(q: qcore.Query) -> Iterator[Exact]:
    """The Exact leaves whose matches add to a score: all but what an AndNot takes away."""
    if isinstance(q, Exact):
        yield q
    elif isinstance(q, compound.AndNot):
        yield from positive_leaves(q.a)
    else:
        for child in q.children():
            yield from positive_leaves(child)
