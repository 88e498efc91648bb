"""The engine's one cache: cachetools' LRU, bounded by the bytes of what it holds, for
everything the searcher remembers between requests (gram postings, verified matches, filter
sets, length norms). A server's memory must plateau however varied the queries are
(benchmarks/bench_load.py shows it). Eviction and size accounting are cachetools'; what is
ours is the weighing (a query key is a tuple of dataclasses holding strings: its shallow size
is a fraction of what it costs) and a lock, since the searcher is shared by all threads."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import cachetools
import numpy as np

V = TypeVar("V")

ENTRY_OVERHEAD = 100  # bytes of the cache's own bookkeeping per entry (dict slots, links, tuple)


def size_of(value: object) -> int:
    """Bytes an object holds, counting what it contains."""
    seen: set[int] = set()
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):  # a view's getsizeof leaves out the data it shows
            total += sys.getsizeof(item) + (item.nbytes if item.base is not None else 0)
            continue
        total += sys.getsizeof(item)
        if isinstance(item, (tuple, list, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
    return total


class ByteLRU(cachetools.LRUCache, Generic[V]):
    """An LRU cache of at most `max_bytes`; each entry is (value, its cost in bytes), the
    cost weighing the key, the value and ENTRY_OVERHEAD."""

    def __init__(self, max_bytes: int, weigh: Callable[[object], int] = size_of) -> None:
        super().__init__(max_bytes, getsizeof=lambda entry: entry[1])
        self.weigh = weigh
        self._lock = threading.Lock()

    def fetch(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value for `key`, made (outside the lock) and kept if missing. Two threads
        may both make a missing value; the second one is kept. A value larger than the whole
        cache is returned, not kept."""
        with self._lock:
            try:
                return self[key][0]
            except KeyError:
                pass
        value = make()
        cost = self.weigh(value) + self.weigh(key) + ENTRY_OVERHEAD
        with self._lock:
            try:
                self[key] = (value, cost)
            except ValueError:  # too large for the cache
                pass
        return value
