"""Did you mean: other spellings, from the index's own vocabulary, when a search finds little.

Whoosh's `Corrector` is the extension point: `VocabularyCorrector` proposes the words of the
jieba `words` and `title` lexicons within a small edit distance of a typed term (上海天文官 →
上海天文馆), ranked by distance, then by how many paragraphs hold them. Whoosh's own correctors
build a Levenshtein automaton per term and walk the lexicon with it (10–170 ms a term on the
bundled corpus); SymSpell's symmetric-deletion index (symspellpy) finds the same words with a
few dictionary lookups, in microseconds. It is built once per engine, on the first search
that needs it, so a search that never suggests never pays for it.

A suggestion is offered only if the corrected query finds more than the typed one, and each
comes with its count, so the link never leads to another empty page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from whoosh.spelling import Corrector

from report_search.index.normalize import fold

from .query import Query
from .request import SearchRequest

if TYPE_CHECKING:
    from .engine import Engine

FIELDS = ("words", "title")
LIMIT = 3  # suggestions shown, and spellings asked of the corrector per term
TERMS = 3  # terms corrected at most, and
CHECKS = 6  # corrected queries counted at most: a long query of odd words stays one quick request
MAX_DISTANCE = 2  # edits; a Chinese term (or a short one) is corrected within one


class VocabularyCorrector(Corrector):
    """A Whoosh Corrector over an in-memory vocabulary {word: paragraphs holding it}."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        from symspellpy import SymSpell  # loaded with the corrector: most searches never need it

        self.vocabulary = vocabulary
        self.index = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=8)
        for word, count in vocabulary.items():
            self.index.create_dictionary_entry(word, count)

    @classmethod
    def from_vocabularies(cls, *fields: dict[str, tuple[float, int]]) -> VocabularyCorrector:
        """From the searcher's vocabularies: {word: (frequency, paragraphs)} per field."""
        vocabulary: dict[str, int] = {}
        for field in fields:
            for word, (_, paragraphs) in field.items():
                vocabulary[word] = vocabulary.get(word, 0) + paragraphs
        return cls(vocabulary)

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[float, str]]:
        """(score, word): fewer edits first, then the more common word (Whoosh keeps the highest)."""
        from symspellpy import Verbosity

        for found in self.index.lookup(text, Verbosity.ALL, max_edit_distance=min(maxdist, MAX_DISTANCE)):
            if found.term != text and found.term[:prefix] == text[:prefix]:
                yield -(found.distance + 0.5 / max(1, found.count)), found.term

    def known(self, word: str) -> bool:
        return word in self.vocabulary


def suggestions(engine: Engine, request: SearchRequest, query: Query, total: int) -> list[dict]:
    """Up to LIMIT corrected queries `{"query", "total"}`, most results first. Quoted phrases are
    left as typed, and so is a term the index knows as a word."""
    typed = " ".join(fold(token) for token in request.q.split())  # folded token by token: the spaces typed between terms stay
    unknown = [c for c in query.clauses if not c.phrase and c.text in typed and len(c.text) >= 2]
    if not unknown:
        return []
    corrector = engine.corrector
    found: dict[str, int] = {}
    checks = 0
    for clause in unknown[:TERMS]:
        if corrector.known(clause.text):
            continue
        maxdist = 1 if len(clause.text) < 6 or not clause.text.isascii() else 2
        for word in corrector.suggest(clause.text, limit=LIMIT, maxdist=maxdist):  # closest and commonest first
            corrected = typed.replace(clause.text, word)
            if corrected not in found and checks < CHECKS:
                checks += 1
                n = engine.count(request.replace(q=corrected))
                if n > total:
                    found[corrected] = n
    ranked = sorted(found.items(), key=lambda item: -item[1])[:LIMIT]
    return [{"query": q, "total": n} for q, n in ranked]
