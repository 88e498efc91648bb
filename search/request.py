"""One search request, validated once, whoever asks: the web pages (/search, /compare,
/export, and the `q` that marks /p/<id> and /r/<report>), their JSON twins and the CLI.

`SearchRequest.from_strings` reads what a person typed (URL parameters, command-line options)
and raises BadInput with a Chinese message saying what to type instead; the dataclass checks
its own values too, so no other layer validates sort, page or per_page again. Text that did not
decode (a broken percent-escape, which werkzeug turns into U+FFFD; bytes in argv that are not
UTF-8, which Python keeps as lone surrogates) is removed, with a note, at every door alike.
The filter values are resolved against the corpus by the engine (search/facets.py), which notes
each value it does not know.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import params
from .params import DEFAULT_SORT, FACETS, MAX_PER_PAGE, MAX_VALUES, PER_PAGE, SORTS, BadInput, flag, whole
from .query import Query, parse_all

_UNDECODED = re.compile("[\ufffd\ud800-\udfff]+")  # U+FFFD: werkzeug's replacement; lone surrogates: argv's


def decoded(value: str, name: str, notes: list[str]) -> str:
    """`value` less what did not decode (each run becomes one space, so the text on either side
    stays apart), with one note per parameter."""
    cleaned = _UNDECODED.sub(" ", value)
    if cleaned != value:
        note = f"{name} 中有无法解码的字节（不是 UTF-8，例如残缺的百分号编码 %E7%A7），已删去"
        if note not in notes:
            notes.append(note)
    return cleaned


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    year: tuple[int, ...] = ()
    theme: tuple[str, ...] = ()
    district: tuple[str, ...] = ()  # full or short names, or an area (零号湾): the engine resolves them
    field: tuple[str, ...] = ()  # technology fields, by name or alias (芯片): the engine resolves them
    kind: tuple[str, ...] = ()  # record kinds, as stored (figure) or in words (图示)
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = PER_PAGE
    notes: tuple[str, ...] = ()  # how the values were read (capped), shown with the results
    within: tuple[str, ...] = ()  # 结果中检索: terms added to q, each its own removable chip
    expand: bool = True  # also look for the synonyms of a term (synonyms.toml); expand=0 turns it off

    def selected(self, facet: str) -> tuple:
        """The values asked for one facet of FACETS."""
        return getattr(self, facet)

    @property
    def texts(self) -> tuple[str, ...]:
        """What runs: q and every term searched within its results, each parsed on its own, ANDed."""
        return (self.q, *self.within)

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadInput(f"排序方式（sort）应为 {' / '.join(SORTS)} 之一，而不是 {self.sort!r}。")
        if self.page < 1:
            raise BadInput(f"页码（page）应为整数，不小于 1，而不是 {self.page!r}。")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadInput(f"每页条数（per_page）应为整数，范围 1–{MAX_PER_PAGE}，而不是 {self.per_page!r}。")

    @classmethod
    def from_strings(
        cls,
        q: str = "",
        sort: str = "",
        page: str = "",
        per_page: str = "",
        within: Iterable[str] = (),
        expand: str = "",
        **facets: Iterable[str],
    ) -> SearchRequest:
        """A request from text as typed; `facets` holds the values of FACETS by name (year=…,
        theme=…); empty values mean the default. Repeated values count once; past MAX_VALUES per
        facet the rest are dropped, with a note."""
        unknown = set(facets) - {f.name for f in FACETS}
        if unknown:
            raise TypeError(f"from_strings() got unknown facets {sorted(unknown)}")
        notes: list[str] = []
        chosen: dict[str, tuple] = {}
        for facet in FACETS:
            values = (decoded(v, facet.name, notes).strip() for v in facets.get(facet.name, ()))
            distinct = list(dict.fromkeys(v for v in values if v))
            if len(distinct) > MAX_VALUES:
                notes.append(f"{facet.label}最多选 {MAX_VALUES} 个，其余 {len(distinct) - MAX_VALUES} 个已忽略")
            chosen[facet.name] = tuple(distinct[:MAX_VALUES])
        chosen["year"] = tuple(dict.fromkeys(map(params.year, chosen["year"])))  # years as numbers
        q = decoded(q, "q", notes)
        within = [decoded(t, "within", notes) for t in within]
        return cls(
            q=q,
            **chosen,
            sort=sort.strip() or DEFAULT_SORT,
            page=whole(page, "页码", "page", 1),
            per_page=whole(per_page, "每页条数", "per_page", PER_PAGE),
            notes=tuple(notes),
            within=tuple(dict.fromkeys(t.strip() for t in within if t.strip()))[:MAX_VALUES],
            expand=flag(expand, "expand"),
        )

    def parsed(self, synonyms: tuple[tuple[str, ...], ...] = ()) -> Query:
        """The query language read from q and within (search/query.py): its caps on length
        (QueryError) and on terms (a note) hold for every door that reads q."""
        return parse_all(self.texts, synonyms)

    def replace(self, **changes) -> SearchRequest:
        """The same request with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)
