"""The opened index: one Whoosh Searcher, shared and reused, plus what it derives at load.

`ReportSearcher` is a `whoosh.searching.Searcher` that also answers the questions our query
classes ask (search/exact.py, search/ranking.py): where a string occurs in the texts and how
often (`in_text`: for a character or a pair, straight from the `grams` postings, whose weights
are the counts; for a longer string, the pairs' candidates verified against the folded text column),
which documents contain it in their text or title (`containing`, a bitset), and which carry a
filter value (from the filter fields' postings). Those answers are cached in one LRU cache
bounded by bytes; the Whoosh segment stays the source of truth.

The per-document numbers scoring needs (lengths, kind weights, years, which title) are numpy
arrays read once when the searcher opens, so a query scores all its matches in a few vector
operations rather than a Python loop per match. Postings are read under a lock: Whoosh readers
keep file positions, and the searcher is shared by all threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import cachetools

import numpy as np
from whoosh import classify
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from report_search.index.analysis import gram_keys
from report_search.index.corpus import Corpus
from report_search.index.errors import IndexDamaged
from report_search.index.paragraph import Paragraph
from report_search.index.schema import paragraph
from report_search.index.whoosh_compat import TermStatistics, block_reading_works, column_codes, column_numbers, column_values, postings

from . import bitset
from .cache import ByteLRU
from .ranking import KIND_WEIGHT

CACHE_BYTES = 64 * 2**20  # gram postings, verified matches, filter sets: at 100×, the working set of 200 varied typed queries (32 MB re-read postings 150,000 times); a server's, shared out among its processes
INDEX_MULTIPLE = 2  # … and at most twice the index's bytes: at 1× (3.5 MB) those queries run as fast with 4 MB as with 64, and a server's caches filled with every distinct query were half its memory


class ReportSearcher(Searcher):
    """A Whoosh searcher over one build, with the records and caches our queries need."""

    def __init__(self, path: Path, corpus: Corpus, weighting, cache_bytes: int = CACHE_BYTES) -> None:
        # Not memory-mapped: a segment file truncated under a running server then fails a read
        # (an exception, said as damage) instead of killing the process with SIGBUS.
        reader = FileStorage(str(path), supports_mmap=False).open_index().reader()
        if not reader.is_atomic():  # a build is one commit, so one segment; our caches count on it
            raise IndexDamaged(f"{path}: the index has several segments; run: report-search build")
        super().__init__(reader, weighting=weighting)
        self.lock = threading.RLock()  # reentrant: key_terms reads the vocabulary under it
        self._vocabularies: dict[str, dict[str, tuple[float, int]]] = {}
        self.cache_bytes = cache_bytes  # this process's share of CACHE_BYTES: the same share of the index bound below
        index_bytes = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
        self._cache: ByteLRU = ByteLRU(int(min(cache_bytes, cache_bytes / CACHE_BYTES * INDEX_MULTIPLE * index_bytes)))
        self.fast_postings = block_reading_works(reader, "grams")  # else Whoosh's public matcher API
        self.size = reader.doc_count_all()
        self.paragraphs = Records(self, {r.slug: r for r in corpus.reports})
        # Documents are added in corpus order, so a document number is also its position.
        if self.size and not (self.paragraphs[0].order == 0 and self.paragraphs[self.size - 1].order == self.size - 1):
            raise IndexDamaged(f"{path}: index documents out of order; run: report-search build")
        self.ids = [b.decode("utf-8") for b in column_values(reader, "doc_id")]
        self.texts = [b.decode("utf-8") for b in column_values(reader, "folded_text")]
        distinct: dict[bytes, str] = {}  # few distinct titles: each decoded once
        self.titles = [distinct.get(b) or distinct.setdefault(b, b.decode("utf-8")) for b in column_values(reader, "folded_title")]
        self.lengths = column_numbers(reader, "word_count").astype(np.float64)
        kinds, kind_names = column_codes(reader, "doc_kind")
        self.kind_weights = np.array([KIND_WEIGHT.get(kind.decode(), 1.0) for kind in kind_names], dtype=np.float64)[kinds]
        self.years = column_numbers(reader, "doc_year").astype(np.int64)
        if not len(self.ids) == len(self.texts) == len(self.lengths) == self.size:
            raise IndexDamaged(f"{path}: index columns incomplete; run: report-search build")
        self.average_length = float(self.lengths.mean()) if self.size else 1.0
        by_title: dict[str, list[int]] = {}
        for d, t in enumerate(self.titles):
            by_title.setdefault(t, []).append(d)
        self.title_texts = list(by_title)  # few distinct titles: a record's is title_texts[title_of[d]]
        self.title_of = np.empty(self.size, dtype=np.int64)
        for i, docs in enumerate(by_title.values()):
            self.title_of[docs] = i

    def length_norms(self, b: float, k1: float, floor: float) -> np.ndarray:
        """BM25's length part, K1·(1 − B + B·max(length, floor·average)/average), per document."""

        def compute() -> np.ndarray:
            average = self.average_length
            return k1 * (1 - b + b * np.maximum(self.lengths, floor * average) / average)

        return self._cache.fetch(("norms", b, k1, floor), compute)

    # -- where a string occurs ----------------------------------------------------------

    def gram(self, gram: str) -> Occurrences:
        """Where a character or pair occurs, and how often: the `grams` postings."""

        def compute() -> Occurrences:
            with self.lock:
                reader = self.reader()
                if ("grams", gram) not in reader:
                    return Occurrences.none(self.size)
                return Occurrences(*postings(reader.postings("grams", gram), self.fast_postings), self.size)

        return self._cache.fetch(("gram", gram), compute)

    def in_text(self, needle: str) -> Occurrences:
        """Every document whose folded text contains `needle`, and how many times. A character
        or a pair is a gram; a longer string's candidates hold all its pairs (intersected
        rarest first) and are verified against the text, since pairs alone do not prove it.
        Exact both ways: never a document without it, none with it missed. Counts are
        str.count's (occurrences that do not overlap): a pair of one character twice (00, ..)
        is recounted, since its postings count the overlapping pairs of 000."""
        if len(needle) == 1 or (len(needle) == 2 and needle[0] != needle[1]):
            return self.gram(needle)

        def compute() -> Occurrences:
            if len(needle) == 2:
                found = self.gram(needle).docs.tolist()
                counts = np.array([self.texts[d].count(needle) for d in found], dtype=np.float64)
                return Occurrences(np.array(found, dtype=np.int64), counts, self.size)
            candidates = bitset.full(self.size)
            for key in sorted(gram_keys(needle), key=lambda k: len(self.gram(k))):
                candidates &= self.gram(key).bits
                if not candidates:
                    return Occurrences.none(self.size)
            texts = self.texts
            counts = [(d, n) for d in bitset.to_array(candidates, self.size).tolist() if (n := texts[d].count(needle))]
            docs = np.array([d for d, _ in counts], dtype=np.int64)
            return Occurrences(docs, np.array([n for _, n in counts], dtype=np.float64), self.size)

        return self._cache.fetch(("text", needle), compute)

    def title_counts(self, needle: str) -> np.ndarray:
        """How many times each distinct title holds `needle` (index by title_of[d]), two bytes a
        title: one of these is cached for every string searched, so at 1× they were half the cache."""
        return self._cache.fetch(("titles", needle), lambda: np.array([t.count(needle) for t in self.title_texts], dtype=np.uint16))

    def containing(self, needle: str) -> int:
        """The documents whose folded text or title contains `needle`, as a bitset."""

        def compute() -> int:
            titled = np.flatnonzero(self.title_counts(needle))
            if not len(titled):
                return self.in_text(needle).bits
            return self.in_text(needle).bits | bitset.from_array(np.flatnonzero(np.isin(self.title_of, titled)), self.size)

        return self._cache.fetch(("exact", needle), compute)

    def vocabulary(self, fieldname: str) -> dict[str, tuple[float, int]]:
        """Every term of a field with its collection frequency and document frequency, read in
        one pass on first use (did-you-mean and 相关词 ask for hundreds of terms a request)."""
        with self.lock:
            if fieldname not in self._vocabularies:
                self._vocabularies[fieldname] = {
                    (term.decode("utf-8") if isinstance(term, bytes) else term): (info.weight(), info.doc_frequency())
                    for term, info in self.reader().iter_field(fieldname)
                }
            return self._vocabularies[fieldname]

    def key_terms(self, docnums, fieldname, numterms=5, model=classify.Bo1Model, normalize=True):
        """Whoosh's key_terms (and so more_like), its Expander reading the collection
        frequencies from the in-memory vocabulary instead of one on-disk look-up per term of
        the documents' vectors. A document without a vector (no words) adds nothing."""
        with self.lock:
            reader = self.reader()
            expander = classify.Expander(TermStatistics(reader, self.vocabulary(fieldname)), fieldname, model=model)
            for docnum in docnums:
                if reader.has_vector(docnum, fieldname):
                    expander.add_document(docnum)
            return expander.expanded_terms(numterms, normalize=normalize)

    def cached(self, key, make):
        """Anything else derived from the index, in the same cache (bounded by bytes)."""
        return self._cache.fetch(key, make)

    def allowed(self, q: wq.Query) -> int:
        """The documents a filter query allows (Terms on the filter fields, combined with Or and
        And), as Whoosh finds them; cached, since a page's filters repeat from click to click.
        A single Term's postings are read a block at a time where that works (the facets' 49
        values, when a build is opened: 0.3 s at 100× one document at a time), and the count
        is held to the term's document frequency."""

        def compute() -> int:
            with self.lock:
                reader = self.reader()
                if isinstance(q, wq.Term) and self.fast_postings:
                    try:
                        if (q.fieldname, q.text) not in reader:
                            return 0
                        ids, _ = postings(reader.postings(q.fieldname, q.text), fast=True)
                        if len(ids) == reader.doc_frequency(q.fieldname, q.text):
                            return bitset.from_array(ids, self.size)
                    except ValueError:  # a value the field cannot encode: Whoosh's Term matches nothing
                        pass
                return bitset.from_array(np.fromiter(self.docs_for_query(q), dtype=np.int64), self.size)

        return self._cache.fetch(("filter", q), compute)


class Records(Sequence):
    """The paragraph records, by document number, read from the stored fields when first
    asked for (a page's hits, a chapter) and a few thousand kept: opening a searcher reads only
    the columns. A record that cannot be read is damage, said as IndexDamaged."""

    KEEP = 4096

    def __init__(self, searcher: ReportSearcher, reports: dict) -> None:
        self.searcher, self.reports = searcher, reports
        self.kept: cachetools.LRUCache = cachetools.LRUCache(self.KEEP)

    def __len__(self) -> int:
        return self.searcher.size

    def __getitem__(self, d: int) -> Paragraph:
        if not -len(self) <= d < len(self):
            raise IndexError(d)
        d %= len(self)
        with self.searcher.lock:
            found = self.kept.get(d)
            if found is None:
                try:
                    found = paragraph(self.searcher.reader().stored_fields(d), self.reports)
                except Exception as exc:  # deliberately broad: any read failure of a stored record is damage
                    raise IndexDamaged(f"record {d} of the index cannot be read ({type(exc).__name__}: {exc}); run: report-search build") from None
                self.kept[d] = found
        return found


class Occurrences:
    """Where one string occurs in the texts: the documents as a bitset (for the boolean
    operations and the facet counts) and the count in each. A rare string keeps its documents
    (ascending) and their counts; one in more than a DENSE-th of the documents keeps a count for
    every document instead (2 bytes each: less than its listed matches would take), so scoring
    its tens of thousands of matches looks counts up by position, not by binary search."""

    DENSE = 8

    def __init__(self, docs: np.ndarray, counts: np.ndarray, size: int) -> None:
        self.bits = bitset.from_array(docs, size)
        self.n = len(docs)
        self.dense: np.ndarray | None = None
        if len(docs) * self.DENSE > size:
            self.dense = np.zeros(size, dtype=np.uint16 if counts.max() < 2**16 else np.uint32)
            self.dense[docs] = counts
        else:
            self._docs, self._counts = docs, counts

    @classmethod
    def none(cls, size: int) -> Occurrences:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), size)

    def __len__(self) -> int:
        return self.n

    @property
    def docs(self) -> np.ndarray:
        """The documents, ascending."""
        return np.flatnonzero(self.dense) if self.dense is not None else self._docs

    def counts_for(self, docs: np.ndarray) -> np.ndarray:
        """The count in each of `docs` (0 where the string does not occur)."""
        if self.dense is not None:
            return self.dense[docs]
        if not self.n:
            return np.zeros(len(docs))
        if len(docs) == self.n and np.array_equal(docs, self._docs):  # a one-term query, unfiltered
            return self._counts
        at = np.minimum(np.searchsorted(self._docs, docs), self.n - 1)
        return np.where(self._docs[at] == docs, self._counts[at], 0.0)
