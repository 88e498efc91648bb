"""The search parameters and their limits, defined once.

Validation (request.py), the pages and their links (web/params.py, web/pages.py), the OpenAPI
description (web/openapi.py) and the command line (web/cli.py) all read this module, so a
facet, a default or a cap cannot differ between them; tests/test_params.py holds every door to
these limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from report_search.index.paragraph import KIND_LABELS


class BadInput(Exception):
    """Input a person typed wrong (a query, a filter, a parameter); the message says how to fix it."""


class FilterError(BadInput):
    """A filter value of the wrong form (year=abc); the message says what is expected."""


@dataclass(frozen=True)
class Facet:
    """A filter shown with counts: its URL parameter, its label, its Whoosh field."""

    name: str  # URL parameter, JSON key, CLI option (--year) and query prefix (year:)
    label: str  # as the pages and messages name it
    field: str  # the Whoosh field holding the values
    description: str  # for the API description and the CLI's help
    typed: tuple[str, ...] = ()  # other prefixes a user may type in the query (年份:)
    words: dict[str, str] | None = field(default=None, compare=False)  # value -> the word a reader sees, where the value is no word (figure → 图示)

    def word(self, value) -> str:
        """A value as a reader sees it."""
        return (self.words or {}).get(value, str(value))


FACETS = (
    Facet("year", "年份", "year", "Edition year, e.g. 2020.", ("年份",)),
    Facet("theme", "主题", "themes", "Theme, e.g. 科技金融.", ("主题",)),
    Facet("district", "区", "districts", "District, full or short name (闵行区 / 闵行) or an area in it (零号湾).", ("区",)),
    Facet("field", "领域", "fields", "Technology field (corpus/fields.toml), by name or an alias the reports use: 人工智能, "
          "集成电路 (or 芯片), 生物医药, 数字经济 (or 区块链, 5G) ….", ("领域",)),
    Facet("kind", "类型", "kind", "Kind of record: " + ", ".join(f"{k} ({w})" for k, w in KIND_LABELS.items())
          + "; the Chinese word works too.", ("类型",), KIND_LABELS),
)
FACET_NAMES = tuple(f.name for f in FACETS)

SORTS = {"relevance": "相关度", "newest": "最新", "oldest": "最早", "order": "原文顺序"}  # value -> label
DEFAULT_SORT = "relevance"
PER_PAGE = 10  # hits per page by default
PER_PAGE_CHOICES = (10, 20, 50)  # offered on the results page
MAX_PER_PAGE = 100
MAX_VALUES = 20  # per facet, and terms searched within: more is no real search, and every value repeats in every link
MAX_LENGTH = 200  # characters of a query
MAX_TERMS = 30  # strings one search looks for (parts of terms, alternatives, exclusions), the rest dropped with a note
HELP_TERMS = 12  # terms the zero-results help counts one by one
MAX_EXPORT = 5000  # hits in one export
MAX_COLLECTED = 500  # paragraphs in one 引用清单
RELATED = 5  # related passages on a paragraph page
PER_EDITION = 5  # top hits per edition when comparing


def year(text: str | int) -> int:
    """A four-digit edition year, or BadInput saying what is expected."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise FilterError(f"年份应为四位数字（例如 2020），而不是 {text!r}")
    return int(text)


def whole(text: str, label: str, name: str, default: int) -> int:
    """A whole number as typed (empty: the default), or BadInput naming the parameter."""
    text = text.strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise BadInput(f"{label}（{name}）应为正整数，而不是 {text!r}。")
    return int(text)


def flag(text: str, name: str) -> bool:
    """1/0 (true/false, yes/no); empty is 1."""
    text = text.strip().lower()
    if text in ("", "1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise BadInput(f"{name} 应为 1 或 0，而不是 {text!r}。")
