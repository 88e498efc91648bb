"""jieba's dictionary as a trie: the same segmentation in a fraction of the memory.

jieba keeps its dictionary as a Python dict of ~500,000 words and their prefixes: 62 MB in every
process and 0.6 s to load from its cache, paid by a server for the few short queries it segments.
A marisa-trie of the same words (with the report terms of corpus/userdict.txt) and an array of
their frequencies take ~4 MB and load in milliseconds. `TrieTokenizer` is jieba's Tokenizer answering its two dictionary questions — which
words start here (`get_DAG`), how frequent is each (`calc`) — from the trie, so the words are
jieba's, unchanged (tests/test_analysis.py compares the two over the whole corpus).

The trie is made once per jieba dictionary and user dictionary, from jieba's own loaded
dictionary, and kept in the user's cache folder (like jieba's own cache, in the temp folder).
"""

from __future__ import annotations

import array
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from math import log
from pathlib import Path

import marisa_trie
import platformdirs


def _import_jieba():
    """jieba, made to open its dictionary from its own folder, as it does where setuptools is not
    installed: it imports pkg_resources when it can, which costs every process 65 ms and 4.4 MB
    (setuptools' whole working set) to find one file."""
    if "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # its import now fails
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

FORMAT = 1  # bump when the files' layout changes


class _Frequencies:
    """The one mapping method jieba still calls on `FREQ` (is a run of single characters a word?)."""

    __slots__ = ("trie", "counts")

    def __init__(self, trie: marisa_trie.Trie, counts: array.array):
        self.trie, self.counts = trie, counts

    def get(self, word: str, default: int | None = None) -> int | None:
        key = self.trie.get(word)
        return default if key is None else self.counts[key]


class _Ends(list):
    """A DAG entry as jieba has it (the last index of each word starting here), carrying the
    words' frequencies so `calc` need not look them up again."""

    __slots__ = ("counts",)


class TrieTokenizer(jieba.Tokenizer):
    """jieba's Tokenizer over a trie: `get_DAG` asks the trie for every word that starts at each
    character in one call, where jieba walks its dict of prefixes one character at a time."""

    def __init__(self, trie: marisa_trie.Trie, counts: array.array, total: int, longest: int):
        super().__init__()
        self.trie, self.counts, self.longest = trie, counts, longest
        self.FREQ, self.total, self.initialized = _Frequencies(trie, counts), total, True

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        prefixes, counts, dag = self.trie.iter_prefixes_with_ids, self.counts, {}
        for k in range(len(sentence)):
            ends, found = _Ends(), []
            for word, key in prefixes(sentence[k : k + self.longest]):
                ends.append(k + len(word) - 1)
                found.append(counts[key])
            if not ends:
                ends.append(k)
                found.append(1)
            ends.counts = found
            dag[k] = ends
        return dag

    def calc(self, sentence: str, DAG: dict[int, _Ends], route: dict) -> None:  # noqa: N803 (jieba's name)
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            ends = DAG[idx]
            route[idx] = max((log(c or 1) - logtotal + route[x + 1][0], x) for x, c in zip(ends, ends.counts))


def _paths(userdict: bytes) -> tuple[Path, Path]:
    """Cache files named for what they hold: jieba's version and dictionary, the user dictionary."""
    dictionary = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    digest = hashlib.sha256(f"{FORMAT} {jieba.__version__} {dictionary.stat().st_size}".encode())
    digest.update(userdict)
    stem = platformdirs.user_cache_path("report-search") / f"jieba-{digest.hexdigest()[:16]}"
    return stem.with_suffix(".trie"), stem.with_suffix(".counts")


def _replace(path: Path, write: Callable[[str], object]) -> None:
    """`path` written whole or not at all: a process reading it meanwhile sees the old or the new."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write(tok: jieba.Tokenizer, trie_path: Path, counts_path: Path) -> None:
    """The trie and frequencies of a loaded jieba tokenizer."""
    words = [w for w, n in tok.FREQ.items() if n]  # prefixes jieba keeps at 0 are no words
    trie = marisa_trie.Trie(words)
    counts = array.array("Q", bytes(8 * (len(trie) + 2)))  # total, longest word, then one per key
    counts[0], counts[1] = tok.total, max(map(len, words))
    for w in words:
        counts[trie[w] + 2] = tok.FREQ[w]
    trie_path.parent.mkdir(parents=True, exist_ok=True)
    _replace(counts_path, lambda tmp: Path(tmp).write_bytes(counts.tobytes()))
    _replace(trie_path, trie.save)


def _read(trie_path: Path, counts_path: Path) -> TrieTokenizer | None:
    """The tokenizer from the cache files, or None if they are missing or do not fit together.
    The trie is read, not memory-mapped: a file replaced or cut short meanwhile cannot crash us."""
    try:
        counts = array.array("Q", counts_path.read_bytes())
        trie = marisa_trie.Trie().load(str(trie_path))
    except (OSError, ValueError, RuntimeError):
        return None
    if len(counts) != len(trie) + 2:
        return None
    return TrieTokenizer(trie, counts[2:], counts[0], int(counts[1]))


def load(userdict: bytes, full: Callable[[], jieba.Tokenizer]) -> jieba.Tokenizer:
    """The trie tokenizer for this user dictionary, made from `full()` (jieba's own, loaded with
    it) the first time; jieba's own if the cache folder cannot be written."""
    paths = _paths(userdict)
    tok = _read(*paths)
    if tok is None:
        full_tok = full()
        try:
            _write(full_tok, *paths)
        except OSError as e:
            logging.getLogger(__name__).warning("jieba's dictionary stays in memory (%s)", e)
            return full_tok
        tok = _read(*paths) or full_tok
    return tok
