"""Did you mean: other spellings, from the index's own vocabulary, when a search finds little.

Whoosh's corrector (`Searcher.corrector`, a ReaderCorrector over the jieba `words` and
`title` lexicons) proposes the words within a small edit distance of a typed term: 上海天文官 →
上海天文馆. A suggestion is offered only if the corrected query finds more than the typed one,
and each comes with its count, so the link never leads to another empty page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from report_search.index.normalize import fold

from .query import Query
from .request import SearchRequest

if TYPE_CHECKING:
    from .engine import Engine

FIELDS = ("words", "title")
LIMIT = 3  # suggestions shown, and spellings asked of the corrector per field and term
TERMS = 3  # terms corrected at most, and
CHECKS = 6  # corrected queries counted at most: a long query of odd words stays one quick request


def suggestions(engine: Engine, request: SearchRequest, query: Query, total: int) -> list[dict]:
    """Up to LIMIT corrected queries `{"query", "total"}`, most results first. Quoted phrases are
    left as typed, and so is a term the index knows as a word."""
    typed = fold(request.q)
    searcher = engine.searcher
    found: dict[str, int] = {}
    checks = 0
    unknown = [c for c in query.clauses if not c.phrase and c.text in typed and len(c.text) >= 2]
    for clause in unknown[:TERMS]:
        with searcher.lock:
            reader = searcher.reader()
            if any((field, clause.text) in reader for field in FIELDS):
                continue
            maxdist = 1 if len(clause.text) < 6 or not clause.text.isascii() else 2
            words = {w for field in FIELDS for w in searcher.corrector(field).suggest(clause.text, limit=LIMIT, maxdist=maxdist)}
        for word in sorted(words):
            corrected = typed.replace(clause.text, word)
            if corrected not in found and checks < CHECKS:
                checks += 1
                n = engine.search(request.replace(q=corrected, page=1, per_page=1), suggestions=False).total
                if n > total:
                    found[corrected] = n
    ranked = sorted(found.items(), key=lambda item: -item[1])[:LIMIT]
    return [{"query": q, "total": n} for q, n in ranked]
