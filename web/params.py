"""Reading the search parameters shared by /search, /api/search, /compare and /export, and
writing them back into links. What the parameters are and their limits: search/params.py."""

from __future__ import annotations

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
    """Links to one route with different query strings, written as url_for writes them (None
    values left out, lists repeated, werkzeug's safe characters) but with the route's path built
    once: a results page links its own route some forty times, and each url_for builds it anew."""

    SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query (routing's _urlencode)

    def __init__(self, endpoint: str, **values) -> None:
        self.path = url_for(endpoint, **values)

    def __call__(self, args: Mapping) -> str:
        query = urlencode([(k, v) for k, v in iter_multi_items(args) if v is not None], safe=self.SAFE)
        return f"{self.path}?{query}" if query else self.path
