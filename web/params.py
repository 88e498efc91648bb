"""Reading and checking the search parameters shared by /search and /api/search."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from report_search.search.engine import Results
from report_search.search.query import MAX_LENGTH
from report_search.search.request import MAX_VALUES, BadInput, SearchRequest

FACET_PARAMS = ("year", "theme", "district")
_BAD_YEAR = re.compile(r"(?<!\S)(?:year|年份):(?!\d{4}(?:\s|$))\S*", re.IGNORECASE)  # year:abc typed in the query


def read(args: MultiDict) -> SearchRequest:
    """The search request in a query string; bad values raise BadInput (a 400)."""
    return SearchRequest.from_strings(
        q=args.get("q", ""),
        **{facet: args.getlist(facet) for facet in FACET_PARAMS},
        sort=args.get("sort", ""),
        page=args.get("page", ""),
        per_page=args.get("per_page", ""),
        within=args.getlist("within"),
        expand=args.get("expand", ""),
    )


def nearest_valid(args: MultiDict) -> dict:
    """The same search with every bad value dropped, on page 1: where a 400 page points, so a
    typo in one parameter does not cost the rest of the search."""
    kept: MultiDict = MultiDict()
    for name in ("q", "within", *FACET_PARAMS, "sort", "per_page", "expand"):
        for value in args.getlist(name)[: 1 if name in ("q", "sort", "per_page", "expand") else MAX_VALUES]:
            value = value[:MAX_LENGTH] if name == "q" else value
            value = _BAD_YEAR.sub("", value).strip() if name in ("q", "within") else value
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
        "year": list(results.filters.year) or None,
        "theme": list(results.filters.theme) or None,
        "district": list(results.filters.district) or None,
        "sort": results.sort if results.sort != "relevance" else None,
        "per_page": results.per_page if results.per_page != 10 else None,
        "page": results.page if results.page != 1 else None,
    }
    current.update(changes)
    return {k: v for k, v in current.items() if v not in (None, [], "")}


def toggled(values: tuple, value) -> list:
    """The facet selection with `value` added, or removed if it was there."""
    return [v for v in values if v != value] if value in values else [*values, value]
