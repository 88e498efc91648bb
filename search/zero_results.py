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
class Term:
    text: str  # a term of the query, as a query of its own
    count: int  # what it finds alone
    parts: tuple[Term, ...] = ()  # a term that finds nothing, cut by jieba: each word, counted


@dataclass(frozen=True)
class ZeroHelp:
    terms: list[Term]
    segmented: bool  # the terms are jieba's words of one typed term
    without: str | None  # the query less what finds nothing (a dead term's live words kept), when that finds something
    cut: int = 0  # terms not counted (past HELP_TERMS)


def explain(engine: Engine, results: Results) -> ZeroHelp:
    """The help for `results` (a search with terms that found nothing). A term that finds
    nothing and that jieba cuts (量子猫) is counted word by word too, so `asdkjh 量子猫` points
    to 量子."""
    query = results.parsed
    if len(query.groups) > 1:
        typed = [(" OR ".join(f'"{c.text}"' if c.phrase else c.text for c in group), group) for group in query.groups]
        segmented = False
    elif len(query.groups) == 1 and len(query.groups[0]) == 1 and len(query.groups[0][0].parts) > 1:
        typed, segmented = [(part, ()) for part in query.groups[0][0].parts], True  # one term, cut by jieba: its words
    else:
        return ZeroHelp([], False, None)
    f = results.filters

    def count(text: str) -> int:
        return engine.count(SearchRequest(text, f.year, f.theme, f.district))

    budget = HELP_TERMS  # each count is a search: bounded
    cut = max(0, len(typed) - budget)
    terms: list[Term] = []
    for text, group in typed[:budget]:
        n = count(text)
        budget -= 1
        words = group[0].parts if not n and len(group) == 1 and not group[0].phrase and len(group[0].parts) > 1 else ()
        words = words[: max(0, budget)]
        budget -= len(words)
        terms.append(Term(text, n, tuple(Term(w, count(w)) for w in words)))
    excluded = [f"-{c.text}" for c in query.excluded]
    kept = [w for t in terms for w in ([t.text] if t.count else [p.text for p in t.parts if p.count])]
    dropped = len(kept) < len(terms) or any(t.parts for t in terms)
    without = " ".join([*kept, *excluded]) if kept and dropped and not cut else None
    if without and not count(without):
        without = None  # the live words do not meet in one paragraph: each is linked on its own
    return ZeroHelp(terms, segmented, without, cut)
