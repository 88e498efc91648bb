"""Reading and checking the search parameters shared by /search and /api/search."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from report_search.search.engine import SORTS, Engine, Results
from report_search.search.facets import FilterError, resolve
from report_search.search.query import QueryError

SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早", "order": "原文顺序"}


class BadParameter(BadRequest):
    """A parameter a person typed wrong; the description says how to fix it (in Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


@dataclass(frozen=True)
class SearchArgs:
    q: str
    year: tuple[str, ...]
    theme: tuple[str, ...]
    district: tuple[str, ...]
    sort: str
    page: int
    per_page: int


def _int(args: MultiDict, name: str, default: int, low: int, high: int | None, label: str) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or int(raw) < low or (high is not None and int(raw) > high):
        limit = f"{low}–{high}" if high is not None else f"不小于 {low}"
        raise BadParameter(f"{label}（{name}）应为整数，范围 {limit}，而不是 {raw!r}。")
    return int(raw)


def read(args: MultiDict) -> SearchArgs:
    q = args.get("q", "")  # its length is checked by the query parser (QueryError → 400)
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"排序方式（sort）应为 {' / '.join(SORTS)} 之一，而不是 {sort!r}。")
    return SearchArgs(
        q=q,
        year=tuple(v for v in args.getlist("year") if v.strip()),
        theme=tuple(v for v in args.getlist("theme") if v.strip()),
        district=tuple(v for v in args.getlist("district") if v.strip()),
        sort=sort,
        page=_int(args, "page", 1, 1, None, "页码"),
        per_page=_int(args, "per_page", 10, 1, 100, "每页条数"),
    )


def run(engine: Engine, a: SearchArgs) -> Results:
    """The search for these arguments; bad values become a 400 with the engine's message."""
    try:
        filters = resolve(engine.corpus, a.year, a.theme, a.district)
        return engine.search(a.q, filters, sort=a.sort, page=a.page, per_page=a.per_page)
    except (QueryError, FilterError, ValueError) as exc:
        raise BadParameter(str(exc)) from None


def url_args(results: Results, **changes) -> dict:
    """The query string of the results page, with some parameters changed (None drops one)."""
    current: dict = {
        "q": results.query or None,
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
