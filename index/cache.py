"""One thread-safe LRU cache, bounded by the bytes of what it holds, for everything the index
and the engine remember between requests: a server's memory must plateau however varied the
queries are (benchmarks/bench_load.py shows it)."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


ENTRY_OVERHEAD = 100  # bytes of the cache's own bookkeeping per entry (dict slot, tuple)


def size_of(value: object) -> int:
    """Bytes an object holds, counting what it contains (a query key is a tuple of dataclasses
    holding strings: its shallow size is a fraction of what it costs)."""
    seen: set[int] = set()
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, (tuple, list, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
    return total


class LRUCache(Generic[V]):
    def __init__(self, max_bytes: int, weigh: Callable[[object], int] = size_of) -> None:
        self.max_bytes, self.weigh = max_bytes, weigh
        self.used = 0
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value for `key`, made (outside the lock) and kept if missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = make()  # two threads may both make a missing value; the second one is kept
        cost = self.weigh(value) + self.weigh(key) + ENTRY_OVERHEAD
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, cost)
            self.used += cost
            while self.used > self.max_bytes and len(self._items) > 1:
                _, (_, freed) = self._items.popitem(last=False)
                self.used -= freed
        return value

    def __len__(self) -> int:
        return len(self._items)
