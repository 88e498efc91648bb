"""Facets: the year / theme / district / field / kind filters a search is narrowed by, and their counts.

Several values of one facet are ORed, different facets ANDed. The counts shown for a facet
ignore that facet's own selection, so a user sees the alternatives (as on the best shop sites).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from report_search.index.corpus import Corpus
from report_search.index.normalize import compact, nfkc
from report_search.index.paragraph import KIND_LABELS

from . import bitset, params
from .params import FACET_NAMES, FACETS
from .query import to_simplified

FIELDS = {f.name: f.field for f in FACETS}  # facet -> Whoosh field


@dataclass(frozen=True)
class Filters:
    """The chosen values of each facet of FACETS (one attribute each, named as the facet)."""

    year: tuple[int, ...] = ()
    theme: tuple[str, ...] = ()
    district: tuple[str, ...] = ()  # full names (闵行区); unknown names are kept and match nothing
    field: tuple[str, ...] = ()  # technology fields by name (人工智能)
    kind: tuple[str, ...] = ()  # record kinds as stored (figure)

    def selected(self, facet: str) -> tuple:
        return getattr(self, facet)

    def query(self, facet: str) -> wq.Query:
        """One facet's selection as a Whoosh filter query: any chosen value (Every if none)."""
        chosen = self.selected(facet)
        return wq.Or([wq.Term(FIELDS[facet], v) for v in chosen]) if chosen else wq.Every()

    def to_json(self) -> dict:
        return {name: list(self.selected(name)) for name in FACET_NAMES}


def resolve(corpus: Corpus, year: Iterable[str | int] = (), theme: Iterable[str] = (), district: Iterable[str] = (),
            field: Iterable[str] = (), kind: Iterable[str] = ()) -> Filters:
    """Filters from user input, folded as a query is (compatibility forms, traditional
    characters: 閔行 = 闵行): years as integers, districts by full or short name or area,
    fields by name or alias (芯片 → 集成电路), kinds by value or word (图示 → figure)."""
    years = tuple(dict.fromkeys(map(params.year, year)))

    def values(given: Iterable[str], name: Callable[[str], str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name(folded) for v in given if (folded := _folded(v))))

    return Filters(years, values(theme, str), values(district, lambda v: resolve_district(corpus, v)),
                   values(field, lambda v: resolve_field(corpus, v)), values(kind, resolve_kind))


def _folded(value: str) -> str:
    return to_simplified(nfkc(value).strip())


def resolve_district(corpus: Corpus, value: str) -> str:
    """闵行 / 閔行 / 闵行区 / 零号湾 → 闵行区; anything else is returned folded."""
    key = _folded(value)
    for d in corpus.districts:
        if key in d.names or key in d.areas:
            return d.name
    return key


def resolve_field(corpus: Corpus, value: str) -> str:
    """人工智能 / AI / 芯片 → the field's name; anything else is returned as typed."""
    key = compact(value).lower()
    for f in corpus.fields:
        if key == compact(f.name).lower() or key in f.aliases:
            return f.name
    return value


def resolve_kind(value: str) -> str:
    """图示 / figure → figure; anything else is returned as typed."""
    words = {word: kind for kind, word in KIND_LABELS.items()}
    return words.get(value, value.lower() if value.lower() in KIND_LABELS else value)


def merge(a: Filters, b: Filters) -> Filters:
    """Union of two selections (the URL's and the query text's `year:` …)."""
    return Filters(**{name: tuple(dict.fromkeys(a.selected(name) + b.selected(name))) for name in FACET_NAMES})


class FacetIndex:
    """For every facet value, the documents carrying it: Whoosh's postings of the facet fields
    (searcher.allowed), read once per engine, kept as bitsets (to filter) and as one matrix of
    64-bit words, a row a value (to count). A common word matches tens of thousands of
    paragraphs at 100×; counting its 49 facet values one big integer at a time was a tenth of
    its search, while one AND and popcount over the matrix is a few vector operations."""

    def __init__(self, searcher, order: dict[str, Sequence]) -> None:
        """`order[facet]` lists the values the corpus knows for that facet."""
        self.searcher = searcher
        self.size = searcher.size
        self.masks: dict[str, dict] = {
            facet: {v: m for v in order[facet] if (m := searcher.allowed(wq.Term(FIELDS[facet], v)))} for facet in FACET_NAMES
        }
        rows = [bitset.words(m, self.size) for masks in self.masks.values() for m in masks.values()]
        self.matrix = np.stack(rows) if rows else np.zeros((0, (self.size + 63) // 64), dtype="<u8")
        ends = np.cumsum([len(masks) for masks in self.masks.values()]).tolist()
        self.rows = {facet: slice(end - len(self.masks[facet]), end) for facet, end in zip(FACET_NAMES, ends)}

    def apply(self, matched: int, filters: Filters, allowed: int) -> tuple[int, dict[str, Counter]]:
        """The documents passing every filter (and `allowed`, the filters that are no facet),
        and per facet the counts over the documents that pass the *other* facets' filters
        (facets whose other narrowing facets are the same share one count: with no filter, one does all)."""
        chosen = self.selections(filters)
        narrowing = [f for f in FACET_NAMES if filters.selected(f)]
        everything = matched & allowed
        counted: dict[tuple[str, ...], list[int]] = {}  # by the other facets that narrow: each distinct base counted once
        counts: dict[str, Counter] = {}
        for facet in FACET_NAMES:
            others = tuple(o for o in narrowing if o != facet)
            if others not in counted:
                base = everything
                for other in others:
                    base &= chosen[other]
                counted[others] = np.bitwise_count(self.matrix & bitset.words(base, self.size)).sum(axis=1, dtype=np.int64).tolist()
            found = counted[others][self.rows[facet]]
            counts[facet] = Counter({v: n for v, n in zip(self.masks[facet], found) if n})
        passing = everything
        for facet in narrowing:
            passing &= chosen[facet]
        return passing, counts

    def passing(self, filters: Filters, allowed: int) -> int:
        """The documents every filter allows, whatever the query."""
        out = allowed
        for mask in self.selections(filters).values():
            out &= mask
        return out

    def selections(self, filters: Filters) -> dict[str, int]:
        """Per facet, the documents its selection allows: one cache entry for the whole
        selection, since a page asks for it twice and the next click repeats it."""
        return self.searcher.cached(("facets", filters), lambda: {f: self.searcher.allowed(filters.query(f)) for f in FACET_NAMES})


def facet_json(counts: dict[str, Counter], filters: Filters, order: dict[str, Sequence], helps: dict[str, dict] | None = None) -> dict:
    """`{"year": [{"value", "label", "count", "selected"}], …}`: every known value with its count
    (selected values always listed, even at 0), in the corpus's own order for each facet; `label`
    is the value as a reader sees it (图示 for figure), `help` what it means where `helps` says
    (a theme's definition)."""
    out = {}
    for facet in FACET_NAMES:
        chosen = filters.selected(facet)
        values = [v for v in order[facet] if counts[facet].get(v) or v in chosen]
        values += [v for v in chosen if v not in values]
        words = FACETS[FACET_NAMES.index(facet)]
        told = (helps or {}).get(facet, {})
        out[facet] = [{"value": v, "label": words.word(v), "count": counts[facet].get(v, 0), "selected": v in chosen}
                      | ({"help": told[v]} if v in told else {}) for v in values]
    return out
