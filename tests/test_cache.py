"""The one cache: least recently used out first, bounded by bytes, safe across threads."""

from __future__ import annotations

from report_search.index.cache import LRUCache, size_of


def test_it_keeps_what_was_used_last_within_its_bytes():
    cache: LRUCache[int] = LRUCache(max_bytes=3 * (size_of(1 << 799) + size_of("k0")))
    made: list[str] = []

    def make(key: str) -> int:
        made.append(key)
        return 1 << 799  # a 100-byte bitset

    for key in ["k0", "k1", "k2", "k0", "k3"]:  # k0 used again, so k1 is the oldest when k3 comes
        assert cache.get(key, lambda: make(key)) == 1 << 799
    assert made == ["k0", "k1", "k2", "k3"] and len(cache) == 3
    cache.get("k1", lambda: make("k1"))
    assert made[-1] == "k1"  # it had been dropped
    assert cache.used <= cache.max_bytes


def test_bytes_not_counts_bound_it():
    cache: LRUCache[int] = LRUCache(max_bytes=10_000)
    for i in range(1_000):
        cache.get(i, lambda: 1 << 80_000)  # 10 KB each: only one fits
    assert len(cache) == 1
    for i in range(1_000):
        cache.get(("small", i), lambda: 1)
    assert cache.used <= 10_000 and len(cache) > 100


def test_threads_share_it(in_threads):
    cache: LRUCache[int] = LRUCache(max_bytes=50_000)

    def worker(k: int) -> None:
        for i in range(2_000):
            assert cache.get(i % 300, lambda: (i % 300) << 100) == (i % 300) << 100

    in_threads(worker)
    assert cache.used <= cache.max_bytes and cache.used == sum(c for _, c in cache._items.values())
