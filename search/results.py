"""What a search returns: hits and results, and their JSON shapes (the API's contract)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from report_search.index.paragraph import Paragraph

from . import facets
from .citation import Citer
from .query import Query


@dataclass
class Hit:
    paragraph: Paragraph
    score: float
    snippet_html: str
    heading_html: str = ""  # the sub-heading with the query's matches marked, when it has any
    section_html: str = ""  # the same for the section title
    label_html: str = ""  # and for the district label line (临港)

    def to_json(self, cite: Citer) -> dict:
        """The record, its marks and its citation (`url`, `citation`, `citation_gbt7714`)."""
        p = self.paragraph
        data = p.to_json()
        source = data.pop("source")
        data.update(
            snippet_html=self.snippet_html,
            heading_html=self.heading_html,
            section_html=self.section_html,
            label_html=self.label_html,
            score=round(self.score, 4),
            **cite(p).to_json(),
            source=source,
        )
        return data


@dataclass
class Results:
    query: str
    parsed: Query
    notes: list[str]  # how odd input was read, unknown filter values
    filters: facets.Filters
    sort: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict
    within: tuple[str, ...] = ()  # terms searched within the results of `query`
    expanded: bool = True  # synonyms were looked for too
    sections: tuple[str, ...] = ()  # section: filters of the query text
    suggestions: list[dict] = field(default_factory=list)  # did you mean: [{"query", "total"}]
    matched: int = 0  # every hit on every page, as a bitset
    listed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # the same, ascending: what 相关词 are read from

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def beyond(self) -> bool:
        """The page asked for lies past the last one (the results page and its JSON twin say so)."""
        return bool(self.total) and self.page > self.pages

    def to_json(self, cite: Citer) -> dict:
        return {
            "query": self.query,
            "within": list(self.within),
            "filters": self.filters.to_json(),
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "terms": self.parsed.terms,
            "understood": self.parsed.describe(),
            "notes": self.notes + ([f"第 {self.page} 页已超出结果范围（共 {self.pages} 页）。"] if self.beyond else []),
            "sections": list(self.sections),
            "suggestions": self.suggestions,
            "sort": self.sort,
            "hits": [h.to_json(cite) for h in self.hits],
            "facets": self.facets,
        }
