"""Facets: the year / theme / district filters a search is narrowed by, and their counts.

Several values of one facet are ORed, different facets ANDed. The counts shown for a facet
ignore that facet's own selection, so a user sees the alternatives (as on the best shop sites).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from whoosh import query as wq

from report_search.index.corpus import Corpus
from report_search.index.normalize import nfkc

from . import params
from .params import FACET_NAMES, FACETS
from .query import to_simplified

FIELDS = {f.name: f.field for f in FACETS}  # facet -> Whoosh field


@dataclass(frozen=True)
class Filters:
    year: tuple[int, ...] = ()
    theme: tuple[str, ...] = ()
    district: tuple[str, ...] = ()  # full names (闵行区); unknown names are kept and match nothing

    def selected(self, facet: str) -> tuple:
        return getattr(self, facet)

    def query(self, facet: str) -> wq.Query:
        """One facet's selection as a Whoosh filter query: any chosen value (Every if none)."""
        chosen = self.selected(facet)
        return wq.Or([wq.Term(FIELDS[facet], v) for v in chosen]) if chosen else wq.Every()

    def to_json(self) -> dict:
        return {"year": list(self.year), "theme": list(self.theme), "district": list(self.district)}


def resolve(corpus: Corpus, year: Iterable[str | int] = (), theme: Iterable[str] = (), district: Iterable[str] = ()) -> Filters:
    """Filters from user input, folded as a query is (compatibility forms, traditional
    characters: 閔行 = 闵行): years as integers, districts by full or short name or area."""
    years = list(dict.fromkeys(map(params.year, year)))
    districts: list[str] = []
    for value in district:
        name = resolve_district(corpus, value)
        if name not in districts:
            districts.append(name)
    themes = [folded for t in theme if (folded := _folded(t))]
    return Filters(tuple(years), tuple(dict.fromkeys(themes)), tuple(districts))


def _folded(value: str) -> str:
    return to_simplified(nfkc(value).strip())


def resolve_district(corpus: Corpus, value: str) -> str:
    """闵行 / 閔行 / 闵行区 / 零号湾 → 闵行区; anything else is returned folded."""
    key = _folded(value)
    for d in corpus.districts:
        if key in d.names or key in d.areas:
            return d.name
    return key


def merge(a: Filters, b: Filters) -> Filters:
    """Union of two selections (the URL's and the query text's `year:` …)."""
    return Filters(
        tuple(dict.fromkeys(a.year + b.year)),
        tuple(dict.fromkeys(a.theme + b.theme)),
        tuple(dict.fromkeys(a.district + b.district)),
    )


class FacetIndex:
    """For every facet value, the bitset of documents carrying it: Whoosh's postings of the
    facet fields (searcher.allowed), read once per engine."""

    def __init__(self, searcher, order: dict[str, Sequence]) -> None:
        """`order[facet]` lists the values the corpus knows for that facet."""
        self.searcher = searcher
        self.masks: dict[str, dict] = {
            facet: {v: m for v in order[facet] if (m := searcher.allowed(wq.Term(FIELDS[facet], v)))} for facet in FACET_NAMES
        }

    def apply(self, matched: int, filters: Filters, allowed: int) -> tuple[int, dict[str, Counter]]:
        """The documents passing every filter (and `allowed`, the filters that are no facet),
        and per facet the counts over the documents that pass the *other* facets' filters."""
        chosen = self.selections(filters)
        counts: dict[str, Counter] = {}
        for facet in FACET_NAMES:
            base = matched & allowed
            for other in FACET_NAMES:
                if other != facet:
                    base &= chosen[other]
            counts[facet] = Counter({v: n for v, m in self.masks[facet].items() if (n := (base & m).bit_count())})
        return matched & allowed & chosen["year"] & chosen["theme"] & chosen["district"], counts

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


def facet_json(counts: dict[str, Counter], filters: Filters, order: dict[str, Sequence]) -> dict:
    """`{"year": [{"value", "count", "selected"}], …}`: every known value with its count
    (selected values always listed, even at 0), in the corpus's own order for each facet."""
    out = {}
    for facet in FACET_NAMES:
        chosen = filters.selected(facet)
        values = [v for v in order[facet] if counts[facet].get(v) or v in chosen]
        values += [v for v in chosen if v not in values]
        out[facet] = [{"value": v, "count": counts[facet].get(v, 0), "selected": v in chosen} for v in values]
    return out
