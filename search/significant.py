"""相关词: the words the hits say markedly more often than the corpus does, as Elasticsearch's
significant_terms finds them (its JLH score on document frequencies: the foreground is every
hit, the background the whole corpus), minus function words and report filler (the stop list
search/stopwords.txt), shown as the reports write them (R&D, G60: the index holds them folded).

Every record's jieba words are read once from the stored term vectors into one numpy array,
record after record (`start[d]:start[d + 1]` are record d's), so a search counts its hits'
words in a few vector operations. Past SAMPLE hits, an even sample of them is the foreground
(as Elasticsearch puts significant_terms under a sampler): shares are what JLH compares, and a
sample of 1,000 estimates them well, so a search of 37,000 hits costs what one of 1,000 does."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from importlib import resources

import numpy as np

from report_search.index.normalize import fold_with_offsets, nfkc


FIELD = "words"  # the jieba words of the text, with term vectors
MIN_HITS = 2  # a word in one hit says nothing about the hits
MIN_SHARE = 0.1  # … nor a word in under a tenth of many hits (ES: min_doc_count): jieba's slivers of rare names
SAMPLE = 1000  # hits whose words are counted, evenly spread over all of them
_CASED = re.compile(r"[a-z]")


def stop_words() -> frozenset[str]:
    """The stop list: one word a line, `#` starts a comment."""
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.split("#", 1)[0].strip()))


class SignificantTerms:
    """The document–word table of one index and the significance of words in a set of hits."""

    def __init__(self, searcher, stop: Iterable[str] | None = None) -> None:
        self.searcher = searcher
        vocabulary = searcher.vocabulary(FIELD)
        stop = frozenset(stop if stop is not None else stop_words())
        self.terms = list(vocabulary)
        ids = {t: i for i, t in enumerate(self.terms)}
        words: list[int] = []
        start = np.zeros(searcher.size + 1, dtype=np.int64)
        with searcher.lock:
            reader = searcher.reader()
            for d in range(searcher.size):
                if reader.has_vector(d, FIELD):
                    words.extend(ids[t] for t, _ in reader.vector_as("weight", d, FIELD))
                start[d + 1] = len(words)
        self.start = start
        self.word = np.array(words, dtype=np.int32)
        background = np.bincount(self.word, minlength=len(self.terms))
        self.base = np.maximum(background / max(searcher.size, 1), 1e-12)  # each word's share of the corpus
        self.offered = np.array([t not in stop for t in self.terms])  # stop words are never offered
        self.written: dict[str, str] = {}  # folded word -> as the reports write it, learnt as asked for

    def top(self, docs: np.ndarray, asked: Iterable[str], limit: int) -> list[str]:
        """Up to `limit` words most significant in the hits (document numbers, ascending), none
        of them part of a query term or a query term part of them, in the reports' own spelling."""
        size, n = self.searcher.size, len(docs)
        if not n or not size:
            return []
        if n > SAMPLE:
            docs = docs[np.linspace(0, n - 1, SAMPLE).astype(np.int64)]
            n = SAMPLE
        first, counts = self.start[docs], self.start[docs + 1] - self.start[docs]
        at = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        foreground = np.bincount(self.word[at], minlength=len(self.terms))
        # only words in enough hits, and not stop words, are scored
        candidates = np.flatnonzero((foreground >= max(MIN_HITS, MIN_SHARE * n)) & self.offered)
        share, base = foreground[candidates] / n, self.base[candidates]
        # JLH: (how much more common in the hits) × (how many times as common)
        score = (share - base) * share / base
        candidates, score = candidates[score > 0], score[score > 0]
        asked = [a for a in asked if a]
        chosen: list[str] = []
        for i in candidates[np.argsort(-score, kind="stable")].tolist():
            term = self.terms[i]
            if any(term in a or a in term for a in asked):
                continue
            chosen.append(term)
            if len(chosen) == limit:
                break
        return [self.as_written(t) if _CASED.search(t) else t for t in chosen]

    def as_written(self, term: str) -> str:
        """The spelling the reports use most for a folded word (r&d → R&D), read once from the
        first few records that hold it."""
        if term not in self.written:
            forms: Counter[str] = Counter()
            for d in self.searcher.in_text(term).docs[:5].tolist():
                text = self.searcher.paragraphs[d].text
                folded, offsets = fold_with_offsets(text)
                for m in re.finditer(re.escape(term), folded):
                    forms[nfkc(text[offsets[m.start()] : offsets[m.end() - 1] + 1])] += 1
            self.written[term] = forms.most_common(1)[0][0] if forms else term
        return self.written[term]
