"""The search engine: exact candidates, BM25F ranking, facets, highlights, citations.

How a query runs (see query.py for the language):
1. candidates — for each string that must occur, the documents holding all of its character
   pairs (bitsets from the gram table, intersected rarest first);
2. verification — each candidate's folded text is checked for the string itself, so a result
   never lacks it and no paragraph containing it is missed;
3. facets — counted over every match with bitset intersections, each facet ignoring its own
   selection;
4. ranking — BM25F over the text and the title (section + sub-heading), with the query's
   jieba words as terms counted as exact strings (so 科创 inside 科创板 counts), and a bonus
   when a segmented term occurs unbroken;
5. the page — snippets, citations and permalinks for the hits shown.

An Engine loads the Whoosh documents and the gram table into memory when it opens and is
then shared by all threads: its tables are read-only and its caches take a lock.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from whoosh import index as whoosh_index

from report_search.index import bitset
from report_search.index.cache import LRUCache
from report_search.index.analysis import fold, gram_keys
from report_search.index.build import default_location, ensure, read_meta, run_hint, verify
from report_search.index.errors import IndexDamaged, IndexFault
from report_search.index.corpus import Corpus, load_corpus
from report_search.index.grams import Grams
from report_search.index.paragraph import Paragraph
from report_search.index.schema import paragraph

from . import facets
from .citation import citation, permalink
from .highlight import snippet
from .query import Query, parse
from .request import SearchRequest

K1, B = 1.2, 0.75
TITLE, UNBROKEN_BONUS = 2.0, 2.0
MATCH_CACHE_BYTES = 8 * 2**20
DF_CACHE_BYTES = 2 * 2**20


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

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_json(self) -> dict:
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
            "notes": self.notes,
            "sort": self.sort,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
        }


class Engine:
    """An opened index with everything a search needs at hand."""

    def __init__(self, path: Path, corpus: Corpus | None = None) -> None:
        self.path = Path(path)
        self.meta = read_meta(self.path)  # kept: the build folder may be gone while we serve
        self.corpus = corpus or load_corpus()
        self.paragraphs: list[Paragraph] = []
        # Everything is read once: afterwards the engine needs no open files, so a rebuild
        # that removes this build folder cannot break a running server.
        reports = {r.slug: r for r in self.corpus.reports}
        with whoosh_index.open_dir(str(self.path)).reader() as reader:
            for docnum, stored in reader.iter_docs():
                # Documents are added in corpus order, so a document number is also its position.
                assert docnum == len(self.paragraphs) == stored["order"], "index documents out of order"
                self.paragraphs.append(paragraph(stored, reports))
            lengths = [reader.doc_field_length(d, "words", 0) or 1 for d in range(len(self.paragraphs))]
        self.by_id = {p.id: i for i, p in enumerate(self.paragraphs)}
        self.size = len(self.paragraphs)
        self.folded = [fold(p.text) for p in self.paragraphs]
        self.titles = [fold(f"{p.section} {p.heading}") for p in self.paragraphs]
        average = sum(lengths) / max(1, self.size)
        self.length_norm = [K1 * (1 - B + B * n / average) for n in lengths]  # BM25's length term
        by_title: dict[str, list[int]] = {}
        for d, title in enumerate(self.titles):
            by_title.setdefault(title, []).append(d)
        self.title_docs = {t: bitset.from_ids(ds, self.size) for t, ds in by_title.items()}  # few distinct titles
        self.grams = Grams(self.path)
        if self.grams.size != self.size:
            raise IndexDamaged(f"{self.path}: gram table and Whoosh index disagree; run: report-search build")
        self.facets = facets.FacetIndex(
            {
                "year": [(p.year,) for p in self.paragraphs],
                "theme": [p.themes for p in self.paragraphs],
                "district": [p.districts for p in self.paragraphs],
            },
            self.size,
        )
        self.facet_order = {
            "year": sorted(self.facets.masks["year"], reverse=True),
            "theme": list(self.corpus.themes),
            "district": [d.name for d in self.corpus.districts],
        }
        # query -> matching documents (pagination, facet clicks); string -> its document frequency
        self._matches: LRUCache[int] = LRUCache(MATCH_CACHE_BYTES)
        self._contains: LRUCache[int] = LRUCache(DF_CACHE_BYTES)

    # -- matching -----------------------------------------------------------------------

    def containing(self, needle: str, within: int | None = None) -> int:
        """Bitset of every document whose folded text contains `needle` (exact)."""
        keys = sorted(gram_keys(needle), key=self.grams.count)
        docs = bitset.full(self.size) if within is None else within
        for key in keys:
            docs &= self.grams.mask(key)
            if not docs:
                return 0
        if len(needle) > 2:  # pairs alone do not prove the string: check it
            folded = self.folded
            docs = bitset.from_ids((d for d in bitset.ids(docs) if needle in folded[d]), self.size)
        return docs

    def match(self, query: Query) -> int:
        """Bitset of documents matching the text of the query (filters aside); cached per query."""

        def compute() -> int:
            docs = bitset.full(self.size)
            for group in sorted(query.groups, key=len):
                found = 0
                for clause in group:
                    clause_docs = docs
                    for part in sorted(clause.parts, key=len, reverse=True):
                        clause_docs = self.containing(part, clause_docs)
                        if not clause_docs:
                            break
                    found |= clause_docs
                docs &= found
                if not docs:
                    break
            for clause in query.excluded:
                if docs:
                    docs &= ~self.containing(clause.text, docs)
            return docs

        return self._matches.get((query.groups, query.excluded), compute)

    # -- ranking ------------------------------------------------------------------------

    def document_frequency(self, term: str) -> int:
        """Paragraphs containing the term, counted exactly (cached)."""
        return self._contains.get(term, lambda: self.containing(term).bit_count())

    def scores(self, query: Query, docs: list[int]) -> dict[int, float]:
        """BM25F over two fields, the text and the title (section + sub-heading, weight TITLE).

        The terms are the query's parts (jieba words, or the typed string where jieba finds
        none); a term's frequency is its number of occurrences, so 科创 inside 科创板 counts,
        and its document frequency is exact. Lengths are the paragraphs' jieba word counts
        from the Whoosh word field. A segmented term found unbroken (科创板上市企业 as typed)
        earns a bonus."""
        if query.empty:
            return dict.fromkeys(docs, 0.0)
        n = self.size
        terms = {}
        for part in {part for clause in query.clauses for part in clause.parts}:
            df = self.document_frequency(part)
            terms[part] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        unbroken = [c.text for c in query.clauses if len(c.parts) > 1]
        in_title = 0  # documents whose title holds a term: few distinct titles, so check those
        for title, members in self.title_docs.items():
            if any(term in title for term in terms):
                in_title |= members
        titled = set(bitset.ids(in_title))
        folded, titles, norm = self.folded, self.titles, self.length_norm
        weights = list(terms.items())
        scores: dict[int, float] = {}
        for d in docs:
            text = folded[d]
            in_titles = d in titled
            score = 0.0
            for term, idf in weights:
                tf = text.count(term) + (TITLE * titles[d].count(term) if in_titles else 0)
                if tf:
                    score += idf * tf * (K1 + 1) / (tf + norm[d])
            for whole in unbroken:
                if whole in text:
                    score += UNBROKEN_BONUS
            scores[d] = score
        return scores

    def _ranked(self, query: Query, passing: int, sort: str, need: int) -> tuple[list[int], dict[int, float]]:
        if sort == "order" or (sort == "relevance" and query.empty):
            return list(bitset.ids(passing, need)), {}
        if sort in ("newest", "oldest"):
            out: list[int] = []
            for year in sorted(self.facets.masks["year"], reverse=sort == "newest"):
                out.extend(bitset.ids(passing & self.facets.masks["year"][year], need - len(out)))
                if len(out) >= need:
                    break
            return out, {}
        scores = self.scores(query, list(bitset.ids(passing)))
        # nlargest is stable: equal scores keep document order
        return [d for d, _ in heapq.nlargest(need, scores.items(), key=itemgetter(1))], scores

    # -- the search ---------------------------------------------------------------------

    def search(self, request: SearchRequest | str = "") -> Results:
        """Run a search (a bare string is a query with the defaults). Raises BadInput
        (QueryError, FilterError) with a message for a person."""
        started = time.perf_counter()
        if isinstance(request, str):
            request = SearchRequest(request)
        text, sort, page, per_page = request.q, request.sort, request.page, request.per_page
        query = parse(request.text, self.corpus.synonyms if request.expand else ())
        typed = facets.resolve(self.corpus, **{k: v for k, v in query.filters.items()})
        asked = facets.resolve(self.corpus, request.year, request.theme, request.district)
        chosen, unknown = self._known(facets.merge(asked, typed))
        if query.empty and sort == "relevance":
            sort = "order"  # nothing to rank: browse in document order
        passing, counts = self.facets.apply(self.match(query), chosen)
        ranked, scores = self._ranked(query, passing, sort, page * per_page)
        hits = [
            Hit(self.paragraphs[d], scores.get(d, 0.0), snippet(self.paragraphs[d].text, query.needles))
            for d in ranked[(page - 1) * per_page :]
        ]
        return Results(
            query=text,
            within=request.within,
            expanded=request.expand,
            parsed=query,
            notes=[*request.notes, *query.notes, *unknown],
            filters=chosen,
            sort=sort,
            total=passing.bit_count(),
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets.facet_json(counts, chosen, self.facet_order),
        )

    def _known(self, chosen: facets.Filters) -> tuple[facets.Filters, list[str]]:
        """The filters without values the corpus does not know, and a note for each one dropped
        (a typo must not silently empty the results, nor blow up the page's links)."""
        years = self.facets.masks["year"]
        notes = [f"语料中没有 {y} 年的报告，已忽略此年份（可选：{'、'.join(map(str, sorted(years)))}）" for y in chosen.year if y not in years]
        notes += [f"未知的主题：{t}，已忽略（可选：{'、'.join(self.corpus.themes)}）" for t in chosen.theme if t not in self.corpus.themes]
        names = self.facet_order["district"]
        notes += [f"未知的区：{d}，已忽略（可用全称或简称，如 闵行区 / 闵行）" for d in chosen.district if d not in names]
        known = facets.Filters(
            tuple(y for y in chosen.year if y in years),
            tuple(t for t in chosen.theme if t in self.corpus.themes),
            tuple(d for d in chosen.district if d in names),
        )
        return known, notes

    def paragraph(self, pid: str) -> Paragraph | None:
        d = self.by_id.get(pid)
        return None if d is None else self.paragraphs[d]

    def related(self, pid: str, limit: int = 5) -> list[Paragraph]:
        """Up to `limit` paragraphs that share this one's key terms (Whoosh's more_like over the
        jieba words field), other editions first, then by likeness. The build is opened for the
        call only; if it was replaced and pruned meanwhile there is simply nothing to suggest."""
        d = self.by_id[pid]
        here = self.paragraphs[d]
        try:
            with whoosh_index.open_dir(str(self.path)).searcher() as searcher:
                similar = [hit.docnum for hit in searcher.more_like(d, "words", text=here.text, top=limit * 4, numterms=8)]
        except (OSError, whoosh_index.IndexError):
            return []
        found = [self.paragraphs[o] for o in similar if self.paragraphs[o].kind != "heading-only"]
        return sorted(found, key=lambda p: p.year == here.year)[:limit]  # stable: likeness kept within each group

    def chapter(self, slug: str) -> list[Paragraph]:
        """Every paragraph of one report file (its id prefix, e.g. 2020-ch4), in reading order."""
        return [p for p in self.paragraphs if p.id.rsplit("-", 1)[0] == slug]

    def neighbours(self, pid: str) -> tuple[Paragraph | None, Paragraph | None]:
        """The paragraphs before and after, within the same report file."""
        d = self.by_id[pid]
        here = self.paragraphs[d]
        before = self.paragraphs[d - 1] if d > 0 and self.paragraphs[d - 1].file == here.file else None
        after = self.paragraphs[d + 1] if d + 1 < len(self.paragraphs) and self.paragraphs[d + 1].file == here.file else None
        return before, after


def open_engine(location: Path | None = None, rebuild: bool = True) -> Engine:
    """An engine on a fresh index at `location` (default: build.default_location()),
    building it first when it is missing, stale or damaged (or raising IndexFault if
    rebuild=False)."""
    corpus = load_corpus()
    location = (location or default_location()).resolve()
    return open_build(ensure(location, corpus, rebuild=rebuild), corpus, location)


def open_build(path: Path, corpus: Corpus, location: Path | None = None) -> Engine:
    """An engine on one build. Whatever fails while reading it (a truncated segment gives
    EOFError, zlib.error, struct.error …) becomes one IndexDamaged line naming the build, the
    file where its checksum tells, and what to run: never a traceback."""
    verify(path, location)
    try:
        return Engine(path, corpus)
    except IndexFault:
        raise
    except Exception as exc:  # deliberately broad: any read failure means a damaged build
        verify(path, location, checksums=True)  # names the file, if its bytes changed
        raise IndexDamaged(
            f"index build {path.name} cannot be read ({type(exc).__name__}: {exc}); {run_hint(location or path.parent.parent)}"
        ) from None
