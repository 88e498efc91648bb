"""The search engine: a small facade over Whoosh doing the work, with our classes where
Chinese needs them.

How a query runs:
1. query.py parses what was typed and turns it into a Whoosh query tree (`tree`): `Exact`
   leaves (exact strings over text + title, exact.py) under Whoosh's And / Or / AndNot;
2. the filters (year, theme, district, field, kind, section) are Whoosh Term queries on their fields;
3. one shared Whoosh searcher (store.py) runs the tree with our collector (collect.py): the
   matches in one go, facet counts from every match (each facet ignoring its own selection),
   the allowed ones ranked by BM25F (ranking.py), text matches first;
4. the page: snippets and heading highlights (highlight.py), citations, did-you-mean
   suggestions from Whoosh's corrector when little is found (suggest.py).

An Engine opens one build and is then shared by all threads; it reads the per-document
columns when it opens and a stored record when a page shows it; its caches take a lock.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from whoosh import query as wq

from report_search.index.build import build, default_location, ensure, read_meta, run_hint, verify
from report_search.index.corpus import Corpus, load_corpus
from report_search.index.errors import IndexDamaged, IndexFault
from report_search.index.paragraph import KIND_LABELS, Paragraph

from . import facets, suggest
from .collect import FacetedTopCollector
from .exact import docset
from .highlight import Needles, render, snippet, spans
from .params import FACET_NAMES, FACETS, RELATED
from .query import Query, load_models, tree
from .ranking import ExactBM25F, by_year
from .request import SearchRequest
from .results import Hit, Results
from .significant import SignificantTerms
from .store import CACHE_BYTES, ReportSearcher

FEW = 3  # at most this many results: suggest other spellings
KEY_TERMS = 8  # 相关词 offered with a page of results


@functools.lru_cache(maxsize=4096)
def _marked_title(title: str, needles: tuple) -> str:
    """A section, sub-heading or label line with its matches marked, or "" when it has none:
    a few hundred distinct titles recur on every page of hits, so each is marked once a query."""
    return render(title, marks) if (marks := spans(title, needles)) else ""


class Engine:
    """An opened index with everything a search needs at hand."""

    def __init__(self, path: Path, corpus: Corpus | None = None, cache_bytes: int = CACHE_BYTES) -> None:
        self.path = Path(path)
        self.meta = read_meta(self.path)  # kept: the build folder may be gone while we serve
        self.corpus = corpus or load_corpus()
        self.searcher = ReportSearcher(self.path, self.corpus, ExactBM25F(), cache_bytes)
        self.paragraphs: Sequence[Paragraph] = self.searcher.paragraphs  # read as asked for
        self.size = self.searcher.size
        self.by_id = {pid: d for d, pid in enumerate(self.searcher.ids)}
        self.facet_order = {
            "year": sorted(set(self.searcher.years.tolist()), reverse=True),
            "theme": list(self.corpus.themes),
            "district": [d.name for d in self.corpus.districts],
            "field": [f.name for f in self.corpus.fields],
            "kind": list(KIND_LABELS),
        }
        self.facet_help = {"theme": self.corpus.definitions}
        self.facets = facets.FacetIndex(self.searcher, self.facet_order)
        with self.searcher.lock:
            self.sections, self.section_choices = section_filters(list(self.searcher.reader().field_terms("section")))

    # -- the search ---------------------------------------------------------------------

    def search(self, request: SearchRequest | str = "", suggestions: bool = True) -> Results:
        """Run a search (a bare string is a query with the defaults). Raises BadInput
        (QueryError, FilterError) with a message for a person. When it finds FEW or fewer,
        the results carry other spellings that find more (unless `suggestions` is False)."""
        if isinstance(request, str):
            request = SearchRequest(request)
        load_models(request.texts)  # before the clock: took_ms is the search, not loading jieba or OpenCC
        started = time.perf_counter()
        sort, page, per_page = request.sort, request.page, request.per_page
        query, chosen, notes, sections, allowed = self._prepare(request)
        if query.empty and sort == "relevance":
            sort = "order"  # nothing to rank: browse in document order
        ranked, matched, listed = self._run(query, sort, chosen, allowed, page * per_page)
        passing, counts = self.facets.apply(matched, chosen, allowed)
        needles = query.needles
        hits = [self._hit(d, score, needles) for d, score in ranked[(page - 1) * per_page :]]
        total = passing.bit_count()
        return Results(
            query=request.q,
            within=request.within,
            expanded=request.expand,
            parsed=query,
            notes=[*request.notes, *query.notes, *notes],
            filters=chosen,
            sections=sections,
            sort=sort,
            total=total,
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets.facet_json(counts, chosen, self.facet_order, self.facet_help),
            suggestions=suggest.suggestions(self, request, query, total) if suggestions and total <= FEW and query.clauses else [],
            matched=passing,
            listed=listed,
        )

    def count(self, request: SearchRequest) -> int:
        """How many paragraphs a search finds: its matches counted, nothing ranked or shown
        (did-you-mean and the zero-results help count many candidate queries)."""
        query, chosen, _, _, allowed = self._prepare(request)
        return (docset(tree(query), self.searcher) & self.facets.passing(chosen, allowed)).bit_count()

    def _prepare(self, request: SearchRequest) -> tuple[Query, facets.Filters, list[str], tuple[str, ...], int]:
        """The parsed query, the filters the corpus knows (with a note for each it does not),
        the section: filters and the documents they allow."""
        query = request.parsed(self.corpus.synonyms if request.expand else ())
        typed = facets.resolve(self.corpus, **{k: v for k, v in query.filters.items() if k != "section"})
        asked = facets.resolve(self.corpus, **{name: request.selected(name) for name in FACET_NAMES})
        chosen, notes = self._known(facets.merge(asked, typed))
        sections, section_notes = self._sections(query.filters.get("section", ()))
        allowed = self.searcher.allowed(wq.Or([self.sections[s] for s in sections]) if sections else wq.Every())
        return query, chosen, [*notes, *section_notes], sections, allowed

    def _run(self, query: Query, sort: str, chosen: facets.Filters, allowed: int, need: int) -> tuple[list[tuple[int, float]], int, np.ndarray]:
        """Run the query's Whoosh tree: the first `need` allowed documents in the sort order
        with their scores, the bitset of every match (for the facet counts) and the allowed
        matches listed (for 相关词)."""
        if sort == "relevance":
            order, scored = None, True
        elif sort in ("newest", "oldest"):
            order, scored = by_year(newest=sort == "newest"), False
        else:
            order, scored = None, False
        collector = FacetedTopCollector(self.facets.passing(chosen, allowed), self.size, need, order, scored)
        self.searcher.search_with_collector(tree(query), collector)
        return [(d, score) for score, d in collector.results().top_n], collector.matched, collector.passing

    def _hit(self, d: int, score: float, needles: Needles) -> Hit:
        """A hit, its text and each title field marked on its own (a field holding a typed term
        whole marks it whole, one lacking it marks its parts)."""
        p = self.paragraphs[d]
        return Hit(p, score, snippet(p.text, needles), *(_marked_title(t, tuple(needles)) for t in (p.heading, p.section, p.label)))

    def _known(self, chosen: facets.Filters) -> tuple[facets.Filters, list[str]]:
        """The filters without values the corpus does not know, and a note for each one dropped
        (a typo must not silently empty the results, nor blow up the page's links)."""
        notes: list[str] = []
        kept: dict[str, tuple] = {}
        for facet in FACETS:
            known = self.facet_order[facet.name]
            kept[facet.name] = tuple(v for v in chosen.selected(facet.name) if v in known)
            for v in chosen.selected(facet.name):
                if v in known:
                    continue
                if facet.name == "year":
                    notes.append(f"语料中没有 {v} 年的报告，已忽略此年份（可选：{'、'.join(map(str, sorted(known)))}）")
                elif facet.name == "district":
                    notes.append(f"未知的区：{v}，已忽略（可用全称或简称，如 闵行区 / 闵行）")
                else:
                    notes.append(f"未知的{facet.label}：{v}，已忽略（可选：{'、'.join(map(facet.word, known))}）")
        return facets.Filters(**kept), notes

    def _sections(self, typed: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
        """The section: filters the records carry (4.4, a title, 导语), and a note for each they do not."""
        known = tuple(dict.fromkeys(s for s in typed if s in self.sections))
        notes = [f"没有 {s} 节，已忽略（可选：{'、'.join(self.section_choices)}，或一节的标题）" for s in typed if s not in self.sections]
        return known, notes

    def warm(self) -> Engine:
        """Search a common word and its 相关词 once, so that no visitor pays what is loaded on
        first use (jieba's dictionary, the 相关词 table: seconds at 100×)."""
        self.key_terms(self.search(SearchRequest("科技")))
        return self

    def key_terms(self, results: Results, limit: int = KEY_TERMS) -> list[str]:
        """相关词: the words markedly more common in all the hits than in the corpus
        (significant.py), the query's own and function words left out, as the reports write
        them. Offered to narrow the results by one click."""
        if not results.parsed.terms:
            return []
        asked = [s for clause in results.parsed.clauses for s in (clause.text, *clause.parts)]
        return self.significant.top(results.listed, asked, limit)

    @functools.cached_property
    def significant(self) -> SignificantTerms:
        """The document–word table 相关词 are counted in, read on the first search that needs it."""
        return SignificantTerms(self.searcher)

    @functools.cached_property
    def corrector(self) -> suggest.VocabularyCorrector:
        """The did-you-mean corrector, built on the first search that needs it."""
        return suggest.VocabularyCorrector.from_vocabularies(*(self.searcher.vocabulary(f) for f in suggest.FIELDS))

    # -- records ------------------------------------------------------------------------

    def paragraph(self, pid: str) -> Paragraph | None:
        d = self.by_id.get(pid)
        return None if d is None else self.paragraphs[d]

    def related(self, pid: str, limit: int = RELATED) -> list[Paragraph]:
        """Up to `limit` paragraphs that share this one's key terms (Whoosh's more_like over the
        jieba words field), other editions first, then by likeness."""
        d = self.by_id[pid]
        here = self.paragraphs[d]
        with self.searcher.lock:
            similar = [hit.docnum for hit in self.searcher.more_like(d, "words", top=limit * 4, numterms=8)]
        found = [self.paragraphs[o] for o in similar if self.paragraphs[o].kind != "heading-only"]
        return sorted(found, key=lambda p: p.year == here.year)[:limit]  # stable: likeness kept within each group

    def chapter(self, slug: str) -> list[Paragraph]:
        """Every paragraph of one report file (its id prefix, e.g. 2020-ch4), in reading order."""
        return [self.paragraphs[d] for d, pid in enumerate(self.searcher.ids) if pid.rsplit("-", 1)[0] == slug]

    def neighbours(self, pid: str) -> tuple[Paragraph | None, Paragraph | None]:
        """The paragraphs before and after, within the same report file."""
        d = self.by_id[pid]
        here = self.paragraphs[d]
        before = self.paragraphs[d - 1] if d > 0 and self.paragraphs[d - 1].file == here.file else None
        after = self.paragraphs[d + 1] if d + 1 < len(self.paragraphs) and self.paragraphs[d + 1].file == here.file else None
        return before, after


INTRO = "导语"  # how the pages name the paragraphs before a report's first section (their section is empty)


def section_filters(labels: list[str]) -> tuple[dict[str, wq.Query], list[str]]:
    """What `section:` accepts, each with the filter query it stands for: a section number (4.4:
    that section of every edition), a section's title or its whole label (4.4 优化科技金融生态),
    and 导语; plus the short forms (numbers, unnumbered titles, 导语) a note offers."""
    labels = sorted(label for label in labels if label)
    terms: dict[str, list[wq.Query]] = {}
    for label in labels:
        number, _, title = label.partition(" ")
        if title:
            terms.setdefault(number, []).append(wq.Term("section_number", number))
            terms.setdefault(title, []).append(wq.Term("section", label))
        terms.setdefault(label, []).append(wq.Term("section", label))
    filters = {label: wq.Or(queries) if len(queries) > 1 else queries[0] for label, queries in terms.items()}
    filters[INTRO] = wq.Not(wq.Or([wq.Term("section", label) for label in labels]))
    short = sorted({label.partition(" ")[0] for label in labels})
    return filters, [*short, INTRO]


def open_engine(location: Path | None = None, rebuild: bool = True, cache_bytes: int = CACHE_BYTES, warm: bool = False) -> Engine:
    """An engine on a fresh index at `location` (default: build.default_location()),
    building it first when it is missing, stale or damaged (or raising IndexFault if
    rebuild=False). Damage that only opening (or warming) finds, bytes changed with sizes
    kept, is rebuilt too."""
    corpus = load_corpus()
    location = (location or default_location()).resolve()
    path = ensure(location, corpus, rebuild=rebuild)
    try:
        return open_build(path, corpus, location, cache_bytes, warm)
    except IndexDamaged as exc:
        if not rebuild:
            raise
        print(f"report-search: rebuilding the index at {location} ({str(exc).split('; ')[0]}) …", file=sys.stderr)
    return open_build(build(location, corpus), corpus, location, cache_bytes, warm)


def open_build(path: Path, corpus: Corpus, location: Path | None = None, cache_bytes: int = CACHE_BYTES,
               warm: bool = False) -> Engine:
    """An engine on one build, `warm`ed if asked (a server's: warming reads records and
    postings, so it is where damaged bytes show). Whatever fails while opening it (a truncated
    segment gives EOFError, zlib.error, struct.error …) becomes one IndexDamaged line naming
    the build, the file where its checksum tells, and what to run: never a traceback; what
    fails while warming is damage when the checksums say so, else raised as it is."""
    verify(path, location)
    try:
        engine = Engine(path, corpus, cache_bytes)
    except IndexDamaged:  # e.g. a record that cannot be read: named by its file, if its bytes changed
        verify(path, location, checksums=True)
        raise
    except IndexFault:
        raise
    except Exception as exc:  # deliberately broad: any read failure means a damaged build
        verify(path, location, checksums=True)  # names the file, if its bytes changed
        raise IndexDamaged(
            f"index build {path.name} cannot be read ({type(exc).__name__}: {exc}); {run_hint(location or path.parent.parent)}"
        ) from None
    if warm:
        try:
            engine.warm()
        except Exception:
            verify(path, location, checksums=True)  # bytes changed where warming read: named, and rebuilt by open_engine
            raise  # the files are intact: not the index's fault, so not said as damage
    return engine

