"""The character-gram index: for every character and character pair, the paragraphs holding it.

Whoosh spends about 170 bytes of term overhead per distinct term; the corpus has some 16,000
distinct grams, so as a Whoosh field they cost 3 MB (25× the text). Kept here instead, one
compressed table per build (`grams.bin`): each gram's postings are stored as sorted document
numbers or as a bitmap, whichever is smaller, and read back as bitsets (see bitset.py).
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from . import bitset
from .analysis import char_grams
from .cache import LRUCache
from .errors import IndexDamaged

GRAMS_FILE = "grams.bin"
_FORMAT = 1


def write(folder: Path, folded_texts: Sequence[str]) -> None:
    """Write the gram table for documents 0..n-1 with the given folded texts."""
    postings: dict[str, list[int]] = defaultdict(list)
    for d, text in enumerate(folded_texts):
        for gram in set(char_grams(text)):
            postings[gram].append(d)
    size = len(folded_texts)
    typecode = "H" if size < 2**16 else "I"
    bitmap_bytes = (size + 7) // 8
    table: dict[str, tuple[bool, bytes]] = {}
    for gram, docs in postings.items():
        if len(docs) * array(typecode).itemsize > bitmap_bytes:
            table[gram] = (True, bitset.to_bytes(bitset.from_ids(docs, size), size))
        else:
            table[gram] = (False, array(typecode, docs).tobytes())
    blob = pickle.dumps((_FORMAT, size, typecode, table), protocol=pickle.HIGHEST_PROTOCOL)
    (folder / GRAMS_FILE).write_bytes(zlib.compress(blob, 6))


class Grams:
    """A loaded gram table; `mask(gram)` is the bitset of documents holding the gram."""

    def __init__(self, folder: Path, cache_bytes: int = 64 * 2**20) -> None:
        fmt, self.size, self.typecode, self.table = pickle.loads(zlib.decompress((folder / GRAMS_FILE).read_bytes()))
        if fmt != _FORMAT:
            raise IndexDamaged(f"{folder / GRAMS_FILE}: unknown format {fmt}; run: report-search build")
        self.itemsize = array(self.typecode).itemsize
        self._masks: LRUCache[int] = LRUCache(cache_bytes)  # lists turned into bitsets

    def count(self, gram: str) -> int:
        """How many documents hold the gram (cheap: no bitset is built for a list)."""
        entry = self.table.get(gram)
        if entry is None:
            return 0
        is_bitmap, data = entry
        return bitset.from_bytes(data).bit_count() if is_bitmap else len(data) // self.itemsize

    def mask(self, gram: str) -> int:
        entry = self.table.get(gram)
        if entry is None:
            return 0
        is_bitmap, data = entry
        if is_bitmap:
            return bitset.from_bytes(data)  # as cheap as a cache hit
        return self._masks.get(gram, lambda: bitset.from_ids(array(self.typecode, data), self.size))
