"""The search engine: exact candidates, BM25F ranking, facets, highlights, citations.

How a query runs (see query.py for the language):
1. candidates — for each string that must occur, the documents holding all of its character
   pairs (one lookup per pair in the `chars` field, the rarest first);
2. verification — each candidate's folded text is checked for the string itself, so a result
   never lacks it and no paragraph containing it is missed;
3. facets — counted over every match, each facet ignoring its own selection;
4. ranking — BM25F over jieba words, plus a term-frequency score on the exact strings (for
   sub-words such as 科创 in 科创板), boosted when a section title or sub-heading matches and
   when a segmented term occurs unbroken;
5. the page — snippets, citations and permalinks for the hits shown.

An Engine is shared by all threads: the in-memory columns are read-only, each thread gets its
own Whoosh searcher (they are not thread-safe), and the caches take a lock.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from index.analysis import fold, gram_keys, words
from index.build import ensure
from index.corpus import Corpus, load_corpus
from index.paragraph import Paragraph
from index.schema import paragraph

from . import facets
from .citation import citation, permalink
from .highlight import snippet
from .query import Query, parse

SORTS = ("relevance", "newest", "oldest", "order")
K1, B = 1.2, 0.75
HEADING_BOOST, UNBROKEN_BONUS = 1.5, 2.0


class _LRU:
    """A small thread-safe LRU cache whose capacity is counted in `weight` units."""

    def __init__(self, capacity: int, weight: Callable[[object], int] = lambda v: 1) -> None:
        self.capacity, self.weight, self.used = capacity, weight, 0
        self.items: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], object]) -> object:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            if key not in self.items:
                self.items[key] = value
                self.used += self.weight(value)
                while self.used > self.capacity and len(self.items) > 1:
                    _, old = self.items.popitem(last=False)
                    self.used -= self.weight(old)
        return value


@dataclass
class Hit:
    paragraph: Paragraph
    score: float
    snippet_html: str

    def to_json(self) -> dict:
        p = self.paragraph
        data = p.to_json()
        source = data.pop("source")
        data.update(
            snippet_html=self.snippet_html,
            score=round(self.score, 4),
            citation=citation(p),
            url=permalink(p),
            source=source,
        )
        return data


@dataclass
class Results:
    query: str
    parsed: Query
    filters: facets.Filters
    sort: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "filters": self.filters.to_json(),
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "terms": self.parsed.terms,
            "understood": self.parsed.describe(),
            "notes": list(self.parsed.notes),
            "sort": self.sort,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
        }


class Engine:
    """An opened index with everything a search needs at hand."""

    def __init__(self, path: Path, corpus: Corpus | None = None) -> None:
        self.path = Path(path)
        self.corpus = corpus or load_corpus()
        self.index = whoosh_index.open_dir(str(self.path))
        self._local = threading.local()
        reader = self.searcher().reader()
        self.paragraphs: list[Paragraph] = []
        for docnum, stored in reader.iter_docs():
            # Documents are added in corpus order, so a document number is also its position.
            assert docnum == len(self.paragraphs) == stored["order"], "index documents out of order"
            self.paragraphs.append(paragraph(stored))
        self.by_id = {p.id: i for i, p in enumerate(self.paragraphs)}
        self.folded = [fold(p.text) for p in self.paragraphs]
        self.titles = [fold(f"{p.section} {p.heading}") for p in self.paragraphs]
        self.lengths = [reader.doc_field_length(d, "words", 0) or 1 for d in range(len(self.paragraphs))]
        self.avg_length = sum(self.lengths) / max(1, len(self.lengths))
        self.columns = facets.Columns(
            year=[p.year for p in self.paragraphs],
            theme=[p.themes for p in self.paragraphs],
            district=[p.districts for p in self.paragraphs],
        )
        self.facet_order = {
            "year": sorted({p.year for p in self.paragraphs}, reverse=True),
            "theme": list(self.corpus.themes),
            "district": [d.name for d in self.corpus.districts],
        }
        self.everything = range(len(self.paragraphs))
        self._postings = _LRU(4_000_000, weight=len)  # document numbers held, over all keys
        self._matches = _LRU(256)
        self._word_postings = _LRU(2_000_000, weight=len)

    # -- plumbing -----------------------------------------------------------------------

    def searcher(self):
        """This thread's Whoosh searcher."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self.index.searcher()
        return searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self.index.close()

    def _gram_docs(self, gram: str) -> frozenset[int]:
        def load() -> frozenset[int]:
            reader = self.searcher().reader()
            if ("chars", gram) not in reader:
                return frozenset()
            return frozenset(reader.postings("chars", gram).all_ids())

        return self._postings.get(gram, load)  # type: ignore[return-value]

    def _word_tf(self, word: str) -> dict[int, float]:
        def load() -> dict[int, float]:
            reader = self.searcher().reader()
            if ("words", word) not in reader:
                return {}
            return dict(reader.postings("words", word).items_as("weight"))

        return self._word_postings.get(word, load)  # type: ignore[return-value]

    # -- matching -----------------------------------------------------------------------

    def containing(self, needle: str, within: set[int] | None = None) -> set[int]:
        """Every document whose folded text contains `needle` (exact)."""
        keys = sorted(gram_keys(needle), key=lambda g: len(self._gram_docs(g)))
        if not keys:
            return set()
        docs = set(self._gram_docs(keys[0]))
        if within is not None:
            docs &= within
        for key in keys[1:]:
            if not docs:
                break
            docs &= self._gram_docs(key)
        if len(needle) > 2:  # pairs alone do not prove the string: check it
            folded = self.folded
            docs = {d for d in docs if needle in folded[d]}
        return docs

    def match(self, query: Query) -> frozenset[int]:
        """Documents matching the text of the query (filters aside); cached per query."""

        def compute() -> frozenset[int]:
            if query.empty:
                docs: set[int] = set(self.everything)
            else:
                docs = None  # type: ignore[assignment]
                for group in sorted(query.groups, key=len):
                    found: set[int] = set()
                    for clause in group:
                        part_docs: set[int] | None = docs
                        for part in sorted(clause.parts, key=len, reverse=True):
                            part_docs = self.containing(part, part_docs)
                            if not part_docs:
                                break
                        found |= part_docs or set()
                    docs = found if docs is None else docs & found
                    if not docs:
                        break
            for clause in query.excluded:
                if docs:
                    docs -= self.containing(clause.text, docs)
            return frozenset(docs)

        return self._matches.get((query.groups, query.excluded), compute)  # type: ignore[return-value]

    # -- ranking ------------------------------------------------------------------------

    def scores(self, query: Query, docs: list[int]) -> dict[int, float]:
        """BM25F on words + saturated frequency of the exact strings, with the boosts."""
        scores = dict.fromkeys(docs, 0.0)
        if query.empty:
            return scores
        searcher, lengths, avg = self.searcher(), self.lengths, self.avg_length
        query_words = {w for clause in query.clauses for part in clause.parts for w, _, _ in words(part)}
        for word in query_words:
            idf = searcher.idf("words", word)
            for d, tf in self._word_tf(word).items():
                if d in scores:
                    scores[d] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[d] / avg))
        parts = {part for clause in query.clauses for part in clause.parts}
        unbroken = [c.text for c in query.clauses if len(c.parts) > 1]
        titles = [c.text for c in query.clauses]
        folded, heads = self.folded, self.titles
        for d in docs:
            text = folded[d]
            score = scores[d] + sum(math.log1p(text.count(p)) for p in parts)
            score += UNBROKEN_BONUS * sum(1 for u in unbroken if u in text)
            if any(t in heads[d] for t in titles):
                score *= HEADING_BOOST
            scores[d] = score
        return scores

    def _ranked(self, query: Query, docs: list[int], sort: str, need: int) -> tuple[list[int], dict[int, float]]:
        if sort == "order" or (sort == "relevance" and query.empty):
            return heapq.nsmallest(need, docs), {}
        if sort in ("newest", "oldest"):
            sign = -1 if sort == "newest" else 1
            years = self.columns.year
            return heapq.nsmallest(need, docs, key=lambda d: (sign * years[d], d)), {}
        scores = self.scores(query, docs)
        return heapq.nsmallest(need, docs, key=lambda d: (-scores[d], d)), scores

    # -- the search ---------------------------------------------------------------------

    def search(
        self,
        text: str = "",
        filters: facets.Filters | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
    ) -> Results:
        """Run a search. Raises QueryError / FilterError / ValueError with a user-facing message."""
        started = time.perf_counter()
        if sort not in SORTS:
            raise ValueError(f"排序方式应为 {' / '.join(SORTS)} 之一，而不是 {sort!r}")
        if page < 1 or not 1 <= per_page <= 100:
            raise ValueError("页码从 1 开始；每页条数为 1–100")
        query = parse(text)
        typed = facets.resolve(self.corpus, **{k: v for k, v in query.filters.items()})
        chosen = facets.merge(filters or facets.Filters(), typed)
        matched = self.match(query)
        passing, counts = facets.apply(self.columns, matched, chosen)
        ranked, scores = self._ranked(query, passing, sort, page * per_page)
        needles = [part for clause in query.clauses for part in (*clause.parts, clause.text)]
        hits = [
            Hit(self.paragraphs[d], scores.get(d, 0.0), snippet(self.paragraphs[d].text, needles))
            for d in ranked[(page - 1) * per_page :]
        ]
        return Results(
            query=text,
            parsed=query,
            filters=chosen,
            sort=sort,
            total=len(passing),
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets.facet_json(counts, chosen, self.facet_order),
        )

    def paragraph(self, pid: str) -> Paragraph | None:
        d = self.by_id.get(pid)
        return None if d is None else self.paragraphs[d]

    def neighbours(self, pid: str) -> tuple[Paragraph | None, Paragraph | None]:
        """The paragraphs before and after, within the same report file."""
        d = self.by_id[pid]
        here = self.paragraphs[d]
        before = self.paragraphs[d - 1] if d > 0 and self.paragraphs[d - 1].file == here.file else None
        after = self.paragraphs[d + 1] if d + 1 < len(self.paragraphs) and self.paragraphs[d + 1].file == here.file else None
        return before, after


def open_engine(location: Path | None = None, rebuild: bool = True) -> Engine:
    """An engine on a fresh index at `location` (default: build.default_location()),
    building it first when it is missing or stale (or raising IndexNotReady if rebuild=False)."""
    corpus = load_corpus()
    return Engine(ensure(location, corpus, rebuild=rebuild), corpus)
