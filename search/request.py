"""One search request, validated once, whoever asks: the web pages, the JSON API or the CLI.

`SearchRequest.from_strings` reads what a person typed (URL parameters, command-line options)
and raises BadInput with a Chinese message saying what to type instead; the dataclass checks
its own values too, so no other layer validates sort, page or per_page again.
"""

from __future__ import annotations

from collections.abc import Iterable
import dataclasses
from dataclasses import dataclass

SORTS = ("relevance", "newest", "oldest", "order")
SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早", "order": "原文顺序"}
MAX_PER_PAGE = 100
MAX_VALUES = 20  # per facet: more is no real search, and every value repeats in every chip link


class BadInput(Exception):
    """Input a person typed wrong (a query, a filter, a parameter); the message says how to fix it."""


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    year: tuple[int, ...] = ()
    theme: tuple[str, ...] = ()
    district: tuple[str, ...] = ()  # full or short names, or an area (零号湾): the engine resolves them
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    notes: tuple[str, ...] = ()  # how the values were read (capped), shown with the results
    within: tuple[str, ...] = ()  # 结果中检索: terms added to q, each its own removable chip
    expand: bool = True  # also look for the synonyms of a term (synonyms.toml); expand=0 turns it off

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
        year: Iterable[str] = (),
        theme: Iterable[str] = (),
        district: Iterable[str] = (),
        sort: str = "",
        page: str = "",
        per_page: str = "",
        within: Iterable[str] = (),
        expand: str = "",
    ) -> SearchRequest:
        """A request from text as typed; empty values mean the default. Repeated values count
        once; past MAX_VALUES per facet the rest are dropped, with a note."""
        notes: list[str] = []
        chosen = {}
        for facet, label, values in (("year", "年份", year), ("theme", "主题", theme), ("district", "区", district)):
            distinct = list(dict.fromkeys(v.strip() for v in values if v.strip()))
            if len(distinct) > MAX_VALUES:
                notes.append(f"{label}最多选 {MAX_VALUES} 个，其余 {len(distinct) - MAX_VALUES} 个已忽略")
            chosen[facet] = distinct[:MAX_VALUES]
        return cls(
            q=q,
            year=tuple(dict.fromkeys(_year(v) for v in chosen["year"])),
            theme=tuple(chosen["theme"]),
            district=tuple(chosen["district"]),
            sort=sort.strip() or "relevance",
            page=_whole(page, "页码", "page", 1),
            per_page=_whole(per_page, "每页条数", "per_page", 10),
            notes=tuple(notes),
            within=tuple(dict.fromkeys(t.strip() for t in within if t.strip()))[:MAX_VALUES],
            expand=_flag(expand, "expand"),
        )

    def replace(self, **changes) -> SearchRequest:
        """The same request with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _flag(text: str, name: str) -> bool:
    text = text.strip().lower()
    if text in ("", "1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise BadInput(f"{name} 应为 1 或 0，而不是 {text!r}。")


def _year(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise BadInput(f"年份应为四位数字（例如 2020），而不是 {text!r}")
    return int(text)


def _whole(text: str, label: str, name: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise BadInput(f"{label}（{name}）应为整数，而不是 {text!r}。")
    return int(text)
