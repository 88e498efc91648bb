"""Comparing editions: one search run once per edition, so "how did 科创板 change from 2017 to
2021" is one screen. The year filter of the request is replaced by each edition in turn; the
other filters and the sort stay."""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Engine, Results
from .params import PER_EDITION
from .request import SearchRequest


@dataclass(frozen=True)
class Edition:
    year: int
    title: str
    results: Results


def compare(engine: Engine, request: SearchRequest, per_edition: int = PER_EDITION) -> list[Edition]:
    """Every edition of the corpus, oldest first, with its count and top hits for the request."""
    editions = sorted({r.year: r.title for r in engine.corpus.reports}.items())  # one column per year
    return [
        Edition(year, title, engine.search(request.replace(year=(year,), page=1, per_page=per_edition)))
        for year, title in editions
    ]
