"""The opened index: one Whoosh Searcher, shared and reused, plus what it derives at load.

`ReportSearcher` is a `whoosh.searching.Searcher` that also answers the questions our query
classes ask (search/exact.py): which documents hold a gram (from the `grams` postings),
which contain an exact string (candidates verified against the stored text and title), and
which carry a filter value (from the filter fields' postings). Those answers are bitsets,
cached in one LRU cache bounded by bytes; the Whoosh segment stays the source of truth.

Everything stored is read once when the searcher opens (the records, their folded text and
titles, their exact lengths), so a page of hits needs no disk read. Postings are read under
a lock: Whoosh readers keep file positions, and the searcher is shared by all threads.
"""

from __future__ import annotations

import threading
from array import array
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from report_search.index.analysis import gram_keys
from report_search.index.corpus import Corpus
from report_search.index.errors import IndexDamaged
from report_search.index.normalize import fold
from report_search.index.paragraph import Paragraph
from report_search.index.schema import paragraph, title

from . import bitset
from .cache import ByteLRU
from .ranking import KIND_WEIGHT
from .whoosh_compat import block_reading_works, posting_ids

CACHE_BYTES = 32 * 2**20  # gram postings as bitsets, verified matches, filter sets


class ReportSearcher(Searcher):
    """A Whoosh searcher over one build, with the records and caches our queries need."""

    def __init__(self, path: Path, corpus: Corpus, weighting) -> None:
        reader = whoosh_index.open_dir(str(path)).reader()
        if not reader.is_atomic():  # a build is one commit, so one segment; our caches count on it
            raise IndexDamaged(f"{path}: the index has several segments; run: report-search build")
        super().__init__(reader, weighting=weighting)
        self.lock = threading.Lock()
        self._cache: ByteLRU = ByteLRU(CACHE_BYTES)
        self.fast_postings = block_reading_works(reader, "grams")  # else Whoosh's public all_ids()
        reports = {r.slug: r for r in corpus.reports}
        self.paragraphs: list[Paragraph] = []
        lengths: list[int] = []
        for docnum, stored in reader.iter_docs():
            # Documents are added in corpus order, so a document number is also its position.
            if not docnum == len(self.paragraphs) == stored["order"]:
                raise IndexDamaged(f"{path}: index documents out of order; run: report-search build")
            self.paragraphs.append(paragraph(stored, reports))
            lengths.append(max(1, stored["length"]))
        self.size = len(self.paragraphs)
        self.texts = [fold(p.text) for p in self.paragraphs]
        self.titles = [fold(title(p)) for p in self.paragraphs]
        self.lengths = array("I", lengths)
        self.kind_weights = [KIND_WEIGHT.get(p.kind, 1.0) for p in self.paragraphs]
        self.average_length = sum(lengths) / max(1, self.size)
        by_title: dict[str, list[int]] = {}
        for d, t in enumerate(self.titles):
            by_title.setdefault(t, []).append(d)
        self.title_docs = {t: bitset.from_ids(ds, self.size) for t, ds in by_title.items()}  # few distinct titles

    def length_norms(self, b: float, k1: float, floor: float) -> list[float]:
        """BM25's length part, K1·(1 − B + B·max(length, floor·average)/average), per document."""

        def compute() -> list[float]:
            average = self.average_length
            return [k1 * (1 - b + b * max(n, floor * average) / average) for n in self.lengths]

        return self._cache.fetch(("norms", b, k1, floor), compute)

    # -- postings as bitsets ------------------------------------------------------------

    def gram(self, gram: str) -> int:
        """Documents whose text holds the character or pair (the `grams` postings)."""

        def compute() -> int:
            with self.lock:
                reader = self.reader()
                if ("grams", gram) not in reader:
                    return 0
                return bitset.from_ids(posting_ids(reader.postings("grams", gram), self.fast_postings), self.size)

        return self._cache.fetch(("gram", gram), compute)

    # -- exact strings ------------------------------------------------------------------

    def containing(self, needle: str) -> array:
        """Sorted numbers of every document whose folded text or title contains `needle`:
        gram candidates intersected rarest first, then verified (pairs alone do not prove a
        longer string). Exact both ways: never a document without it, none with it missed."""

        def compute() -> array:
            docs = bitset.full(self.size)
            for key in sorted(gram_keys(needle), key=lambda k: self.gram(k).bit_count()):
                docs &= self.gram(key)
                if not docs:
                    break
            if docs and len(needle) > 2:
                texts = self.texts
                docs = bitset.from_ids((d for d in bitset.ids(docs) if needle in texts[d]), self.size)
            for t, members in self.title_docs.items():
                if needle in t:
                    docs |= members
            return array("I", bitset.ids(docs))

        return self._cache.fetch(("exact", needle), compute)

    def allowed(self, q: wq.Query) -> int:
        """The documents a filter query allows (Terms on the filter fields, combined with Or and
        And), as Whoosh finds them; cached, since a page's filters repeat from click to click."""

        def compute() -> int:
            with self.lock:
                return bitset.from_ids(self.docs_for_query(q), self.size)

        return self._cache.fetch(("filter", q), compute)
