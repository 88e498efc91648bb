"""Reading the search parameters shared by /search, /api/search, /compare and /export, and
writing them back into links. What the parameters are and their limits: search/params.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict, iter_multi_items

from report_search.search.params import DEFAULT_SORT, FACET_NAMES, MAX_LENGTH, MAX_VALUES, PER_PAGE, BadInput
from report_search.search.query import without_bad_filters
from report_search.search.request import SearchRequest
from report_search.search.results import Results

SINGLE = ("q", "sort", "page", "per_page", "expand")  # one value each; the others repeat
REPEATED = ("within", *FACET_NAMES)
DEFAULTS = {"sort": DEFAULT_SORT, "per_page": PER_PAGE, "page": 1}  # left out of links


def read(args: MultiDict) -> SearchRequest:
    """The search request in a query string; bad values raise BadInput (a 400)."""
    return SearchRequest.from_strings(
        **{name: args.get(name, "") for name in SINGLE},
        **{name: args.getlist(name) for name in REPEATED},
    )


def read_q(args: MultiDict) -> SearchRequest:
    """The `q` that marks a paragraph or a chapter (/p/<id>, /r/<report>): read by the same
    model as a search's, so the same caps and notes hold (the other parameters are not read)."""
    return SearchRequest.from_strings(q=args.get("q", ""))


def nearest_valid(args: MultiDict) -> dict:
    """The same search with every bad value dropped, on page 1: where a 400 page points, so a
    typo in one parameter does not cost the rest of the search."""
    kept: MultiDict = MultiDict()
    for name in ("q", "within", *FACET_NAMES, "sort", "per_page", "expand"):
        for value in args.getlist(name)[: 1 if name in SINGLE else MAX_VALUES]:
            value = value[:MAX_LENGTH] if name == "q" else value
            value = without_bad_filters(value) if name in ("q", "within") else value
            trial = kept.copy()
            trial.add(name, value)
            try:
                read(trial)
            except BadInput:
                continue
            kept = trial
    return {k: v for k, v in kept.to_dict(flat=False).items() if v != [""]}


def url_args(results: Results, **changes) -> dict:
    """The query string of the results page, with some parameters changed (None drops one)."""
    current: dict = {
        "q": results.query or None,
        "within": list(results.within) or None,
        "expand": None if results.expanded else "0",
        **{facet: list(results.filters.selected(facet)) or None for facet in FACET_NAMES},
        "sort": results.sort,
        "per_page": results.per_page,
        "page": results.page,
    }
    current.update(changes)
    return {k: v for k, v in current.items() if v not in (None, [], "") and v != DEFAULTS.get(k)}


def toggled(values: tuple, value) -> list:
    """The facet selection with `value` added, or removed if it was there."""
    return [v for v in values if v != value] if value in values else [*values, value]


class Links:
    """Links to one route with different query strings — and, for a route with one path
    parameter (`slot`: /p/<pid>), different values of it — written as url_for writes them (None
    values left out, lists repeated, werkzeug's safe characters) but with the route's path built
    once: a results page links its own route some forty times and each hit's paragraph and
    chapter, and each url_for builds the path anew. A slot value with a character a converter
    might quote goes through url_for itself."""

    SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query (routing's _urlencode)
    MARK = "zq0slot0qz"  # stands for the slot's value in the one path url_for builds

    def __init__(self, endpoint: str, slot: str | None = None, **values) -> None:
        self.endpoint, self.slot, self.values = endpoint, slot, values
        path = url_for(endpoint, **values, **({slot: self.MARK} if slot else {}))
        self.head, found, self.tail = path.partition(self.MARK)
        self.direct = not slot or bool(found)  # False: the slot is not written as given, url_for always

    def __call__(self, args: Mapping | None = None, value: str = "") -> str:
        if self.slot and not (self.direct and _UNRESERVED.fullmatch(value)):
            return url_for(self.endpoint, **self.values, **{self.slot: value}, **{k: v for k, v in (args or {}).items()})
        query = urlencode([(k, v) for k, v in iter_multi_items(args or {}) if v is not None], safe=self.SAFE)
        path = self.head + value + self.tail
        return f"{path}?{query}" if query else path


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")  # never percent-encoded in a path (RFC 3986)
