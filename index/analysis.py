"""Text analysis shared by the parser, the indexer and the query side.

One jieba tokenizer with the report terms of `corpus/userdict.txt`, and the two token streams
the index is built from, both over the folded text (normalize.fold):

- words: jieba words of the folded text, for BM25 ranking;
- grams: every character and every pair of adjacent characters of the folded text, so that
  any substring of any length has index terms that every paragraph containing it also has
  (candidates), which are then checked against the folded text (a column of the index: exact, never missing).

Both are Whoosh tokenizers; their classes stay importable by these names: Whoosh pickles them
into the index's schema.
"""

from __future__ import annotations

import logging
import operator
import os
import re
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from whoosh.analysis import Token, Tokenizer

from .corpus import corpus_dir
from .normalize import fold

_lock = threading.Lock()
_tokenizer = None  # jieba.Tokenizer, loaded on first use: a quoted search never segments
_NUMBER = re.compile(r"[\d.,%]+")
IN_WORKER_FROM = 2000  # texts: fewer are segmented in this process (a second one takes ~0.2 s to start)
WORKER_CHUNK = 64  # texts sent to the worker at a time …
WORKER_AHEAD = 32  # … and chunks it may be ahead of the caller


def tokenizer():
    """The shared jieba tokenizer with the user dictionary, loaded on the first text that needs
    segmenting (a quoted search or a record page never loads it): lexicon.TrieTokenizer, whose
    dictionary is a 4 MB trie where jieba's own is a 62 MB dict."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                from . import lexicon

                entries = _userdict()
                _tokenizer = lexicon.load(repr(entries).encode(), lambda: _jieba_own(entries))
    return _tokenizer


def _userdict() -> list[tuple[str, int | None]]:
    """The report terms of corpus/userdict.txt, folded, with their frequency if given."""
    path = corpus_dir() / "userdict.txt"
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else ():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            entries.append((fold(parts[0]), int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None))
    return entries


def _jieba_own(entries: list[tuple[str, int | None]]):
    """jieba's tokenizer with its own dictionary (a dict, 0.6 s to load) and the report terms."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word, freq in entries:
        tok.add_word(word, freq)
    return tok


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """jieba words of the folded text as (word, start, end); spaces and punctuation dropped."""
    for word, start, end in tokenizer().tokenize(fold(text)):
        if _is_word(word):
            yield word, start, end


def segmented(text: str) -> list[str]:
    """A text's jieba words (`words`), as a list."""
    return [w for w, _, _ in words(text)]


def segment_many(texts: Sequence[str]) -> list[list[str]]:
    """Each text's jieba words: one chunk of segment_all's, in its worker process."""
    return [segmented(text) for text in texts]


def segment_all(texts: Sequence[str]) -> Iterator[list[str]]:
    """Each text's jieba words, in order. Many texts are segmented in a second process while the
    caller goes on with each as it comes (a build writes the index meanwhile: jieba is a sixth
    of a build, Whoosh's writer most of the rest), WORKER_AHEAD chunks ahead at most, so the
    words of a large corpus are never all held at once. The process is spawned, not forked: a
    build may run in a thread of a serving process. One core, or few texts: segmented here."""
    if len(texts) < IN_WORKER_FROM or (os.cpu_count() or 1) < 2:
        yield from map(segmented, texts)
        return
    import multiprocessing  # here, not at the top: a query (and a small build) starts no process
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = (texts[start : start + WORKER_CHUNK] for start in range(0, len(texts), WORKER_CHUNK))
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    given = 0
    try:
        ahead = deque(pool.submit(segment_many, chunk) for chunk in islice(chunks, WORKER_AHEAD))
        while ahead:
            try:
                done = ahead.popleft().result()
            except BrokenProcessPool:  # it died (see importing_for_a_worker): the rest is segmented here
                logging.getLogger(__name__).warning("the segmenting process stopped; segmenting in this one")
                yield from map(segmented, texts[given:])
                return
            ahead.extend(pool.submit(segment_many, chunk) for chunk in islice(chunks, 1))
            yield from done
            given += len(done)
    finally:
        pool.shutdown(cancel_futures=True)


def importing_for_a_worker() -> bool:
    """Whether this process is segment_all's spawned worker still importing the script that
    started the build (spawn runs a script again, as __mp_main__, unless its code is under
    `if __name__ == "__main__":`). A build started there would wait forever for the lock its
    parent holds; multiprocessing's own check (spawn._check_not_importing_main) reads the same flag."""
    mp = sys.modules.get("multiprocessing")
    return mp is not None and bool(getattr(mp.current_process(), "_inheriting", False))


def char_grams(folded: str) -> Iterator[str]:
    """Every character (but spaces) and every adjacent pair of the folded text."""
    for i, ch in enumerate(folded):
        if ch != " ":
            yield ch
        if i + 1 < len(folded):
            yield folded[i : i + 2]


def gram_counts(text: str) -> Counter[str]:
    """How often each gram (char_grams) occurs in the folded text: the `grams` field's postings.
    Counted a kind at a time (characters, then pairs), in C, where char_grams steps in Python."""
    folded = fold(text)
    counts = Counter(folded)
    counts.pop(" ", None)
    counts.update(map(operator.add, folded, folded[1:]))
    return counts


def gram_keys(folded: str) -> list[str]:
    """The index terms every text containing `folded` must have: its pairs, or its one character."""
    if len(folded) == 1:
        return [folded]
    return sorted({folded[i : i + 2] for i in range(len(folded) - 1)})


class _TermTokenizer(Tokenizer):
    """A Whoosh tokenizer over a stream of term strings (`terms`), each with a boost
    (`weighted`, 1.0 unless a subclass says otherwise); positions count terms."""

    def terms(self, value: str) -> Iterator[str]:
        raise NotImplementedError

    def weighted(self, value: str) -> Iterator[tuple[str, float]]:
        return ((term, 1.0) for term in self.terms(value))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # noqa: D102 (Whoosh API)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (text, boost) in enumerate(self.weighted(value) if tokenize else ((value, 1.0),)):
            token.text, token.boost, token.stopped = text, boost, False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            yield token


class WordTokenizer(_TermTokenizer):
    """jieba words as a Whoosh tokenizer, for the `words` and `title` fields (more-like-this,
    key terms, spelling suggestions). Bare numbers and single characters are left out: the
    gram field finds and counts them, and as Whoosh terms (~170 bytes each) they would cost a
    sixth of the index."""

    def terms(self, value: str) -> Iterator[str]:
        return iter(index_terms(w for w, _, _ in words(value)))


def index_terms(segmented: Iterable[str]) -> list[str]:
    """The words a WordTokenizer keeps of a segmented text: no bare numbers, no single characters.
    A build that has segmented a text already hands Whoosh these as the field's tokens."""
    return [w for w in segmented if len(w) > 1 and not _NUMBER.fullmatch(w)]


class GramTokenizer(_TermTokenizer):
    """The `grams` field: every character and adjacent pair of the folded text (char_grams),
    each distinct gram once per document, boosted by how often it occurs there: the posting's
    weight is the gram's count (schema.GramField), so a one- or two-character term is scored
    from its postings alone, with no pass over the texts. Positions are not indexed: a longer
    string is verified against the folded text column."""

    def terms(self, value: str) -> Iterator[str]:
        return iter(dict.fromkeys(char_grams(fold(value))))

    def weighted(self, value: str) -> Iterator[tuple[str, float]]:
        return ((gram, float(n)) for gram, n in gram_counts(value).items())
