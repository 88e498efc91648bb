"""Ranking: Whoosh's BM25F, counted the way exact Chinese matching needs, and the sort orders.

`ExactBM25F` is a `whoosh.scoring.BM25F` whose scorer counts a term by its occurrences as a
string (so 科创 inside 科创板 counts), takes the document frequency exactly (the verified
matches) and the paragraph's true jieba length, and weighs the two fields of BM25F: the text
and the title (section + sub-heading, TITLE times). The arithmetic is Whoosh's `bm25`.

A record that is only a heading, figure label or caption weighs KIND_WEIGHT of its score,
since prose that says more is what a reader wants to cite. One rule sits above the score, in
the collector (collect.py): a record whose own text holds more of the query's strings ranks
first, so one that matches by its heading alone comes after every text match.
"""

from __future__ import annotations

import math

import numpy as np
from whoosh import scoring, sorting

TITLE = 2.0  # a title occurrence counts as this many in the text
UNBROKEN_BONUS = 2.0  # a segmented term found as typed (科创板上市企业), see query.tree()
# A heading alone, a figure's labels, a caption, a timeline's one-line entry: each points to
# the prose that tells the matter, which should rank first; a list item or a box of figures
# says less than a paragraph, a little. Prose and tables weigh 1.
KIND_WEIGHT = {"heading-only": 0.5, "figure": 0.5, "caption": 0.5, "event": 0.5, "list": 0.8}
LENGTH_FLOOR = 0.5  # a record shorter than this share of the average is scored as if it were that long


def idf(n: int, df: int) -> float:
    """BM25's inverse document frequency, never negative."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def term_score(tf_text: int, tf_title: int, length: int, average: float, idf_: float, b: float, k1: float) -> float:
    """One term's BM25F score for one document: Whoosh's bm25 over the text and title counts.
    BM25 favours short records; below LENGTH_FLOOR of the average length it stops, since a
    one-line label or timeline entry says less about a term than the prose around it."""
    tf = tf_text + TITLE * tf_title
    return scoring.bm25(idf_, tf, max(length, LENGTH_FLOOR * average), average, b, k1) if tf else 0.0


class ExactScorer(scoring.BaseScorer):
    """Scores documents for one Exact term: one at a time (`score_doc`, for Whoosh's collectors)
    or many at once (`score_docs`, for ours)."""

    def __init__(self, searcher, text: str, b: float, k1: float, qf: float) -> None:
        self.searcher = searcher
        self.text = text
        self.b, self.k1, self.qf = b, k1, qf
        self.idf = idf(searcher.size, searcher.containing(text).bit_count())

    def score_doc(self, d: int) -> float:
        """The score of document `d` (0 if it does not hold the term), kind weight included."""
        s = self.searcher
        tf, tf_title = s.texts[d].count(self.text), s.titles[d].count(self.text)
        if not (tf or tf_title):
            return 0.0
        return self.qf * s.kind_weights[d] * term_score(tf, tf_title, s.lengths[d], s.average_length, self.idf, self.b, self.k1)

    def score_docs(self, docs: np.ndarray) -> np.ndarray:
        """score_doc for many documents at once: the counts from the postings (searcher.in_text)
        and the titles' table, the length part from the searcher's per-document array, in a
        few vector operations (a test holds the two equal). A term in over an eighth of the
        documents (Occurrences.dense) has every document's score worked out once and kept
        (the same arithmetic, so the same numbers): a common character's tens of thousands of
        matches are then one look-up, not a dozen vector operations, each time it is searched."""
        if self.searcher.in_text(self.text).dense is None:
            return self._scores(docs)
        every = self.searcher.cached(("scores", self.text, self.b, self.k1, self.qf), lambda: self._scores(slice(None)))
        return every[docs]

    def _scores(self, docs: np.ndarray | slice) -> np.ndarray:
        s, text = self.searcher, self.text
        tf = s.in_text(text).counts_for(docs) + TITLE * s.title_counts(text)[s.title_of[docs]]
        norm = s.length_norms(self.b, self.k1, LENGTH_FLOOR)[docs]
        c = self.qf * self.idf * (self.k1 + 1)
        return np.where(tf > 0, c * s.kind_weights[docs] * tf / (tf + norm), 0.0)

    def score(self, matcher) -> float:
        return self.score_doc(matcher.id())

    def max_quality(self) -> float:
        """Whoosh's compound matchers ask for a bound: BM25 never exceeds idf·(K1+1)."""
        return self.qf * self.idf * (self.k1 + 1)

    def block_quality(self, matcher) -> float:
        return self.max_quality()


class ExactBM25F(scoring.BM25F):
    """BM25F for Exact queries (search/exact.py); other fields score as Whoosh's BM25F does."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if fieldname == "text":
            return ExactScorer(searcher, text, self.B, self.K1, qf)
        return super().scorer(searcher, fieldname, text, qf)


class YearFacet(sorting.FunctionFacet):
    """Newest or oldest edition first; within one, reading order (ties keep document order).
    A Whoosh sort facet, which also gives its keys for many documents at once (`keys`)."""

    def __init__(self, newest: bool) -> None:
        self.newest = newest
        super().__init__(lambda searcher, docnum: int(self.keys(searcher, np.array([docnum]))[0]))

    def keys(self, searcher, docs: np.ndarray) -> np.ndarray:
        years = searcher.years[docs]
        return -years if self.newest else years


def by_year(newest: bool) -> YearFacet:
    return YearFacet(newest)
