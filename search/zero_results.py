"""For a search that found nothing: how many paragraphs each of its terms finds alone (within
the same filters), and the query without the terms that find nothing — so a person sees which
word is the problem instead of a generic "use fewer words"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .params import HELP_TERMS
from .request import SearchRequest
from .results import Results

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True)
class ZeroHelp:
    terms: list[tuple[str, int]]  # each term (a query of its own) and what it finds alone
    segmented: bool  # the terms are jieba's words of one typed term
    without: str | None  # the query less the terms that find nothing, when that finds something
    cut: int = 0  # terms not counted (past HELP_TERMS)


def explain(engine: Engine, results: Results) -> ZeroHelp:
    """The help for `results` (a search with terms that found nothing)."""
    query = results.parsed
    if len(query.groups) > 1:
        texts = [" OR ".join(f'"{c.text}"' if c.phrase else c.text for c in group) for group in query.groups]
        segmented = False
    elif len(query.groups) == 1 and len(query.groups[0]) == 1 and len(query.groups[0][0].parts) > 1:
        texts, segmented = list(query.groups[0][0].parts), True  # one term, cut by jieba: its words
    else:
        return ZeroHelp([], False, None)
    excluded = [f"-{c.text}" for c in query.excluded]
    cut = max(0, len(texts) - HELP_TERMS)
    texts = texts[:HELP_TERMS]  # each is a search: bounded
    f = results.filters
    terms = [(text, engine.count(SearchRequest(text, f.year, f.theme, f.district))) for text in texts]
    found = [text for text, n in terms if n]
    without = " ".join([*found, *excluded]) if found and len(found) < len(terms) and not segmented and not cut else None
    return ZeroHelp(terms, segmented, without, cut)
