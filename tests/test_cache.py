"""The engine's cache: least recently used out first, bounded by bytes, safe across threads."""

from __future__ import annotations

from report_search.search.cache import ENTRY_OVERHEAD, ByteLRU, size_of
from report_search.search.query import parse


def test_it_keeps_what_was_used_last_within_its_bytes():
    cache: ByteLRU[int] = ByteLRU(max_bytes=3 * (size_of(1 << 799) + size_of("k0") + ENTRY_OVERHEAD))
    made: list[str] = []

    def make(key: str) -> int:
        made.append(key)
        return 1 << 799  # a 100-byte bitset

    for key in ["k0", "k1", "k2", "k0", "k3"]:  # k0 used again, so k1 is the oldest when k3 comes
        assert cache.fetch(key, lambda: make(key)) == 1 << 799
    assert made == ["k0", "k1", "k2", "k3"] and len(cache) == 3
    cache.fetch("k1", lambda: make("k1"))
    assert made[-1] == "k1"  # it had been dropped
    assert cache.currsize <= cache.maxsize


def test_bytes_not_counts_bound_it():
    big: ByteLRU[int] = ByteLRU(max_bytes=15_000)
    for i in range(1_000):
        big.fetch(i, lambda: 1 << 80_000)  # 10 KB each: only one fits
    assert len(big) == 1
    small: ByteLRU[int] = ByteLRU(max_bytes=15_000)
    for i in range(1_000):
        small.fetch(("small", i), lambda: 1)  # about 270 bytes each
    assert small.currsize <= 15_000 and 40 < len(small) < 60


def test_threads_share_it(in_threads):
    cache: ByteLRU[int] = ByteLRU(max_bytes=50_000)

    def worker(k: int) -> None:
        for i in range(2_000):
            assert cache.fetch(i % 300, lambda: (i % 300) << 100) == (i % 300) << 100

    in_threads(worker)
    assert cache.currsize <= cache.maxsize and cache.currsize == sum(c for _, c in cache.values())


def test_a_query_key_is_weighed_with_what_it_holds():
    query = parse("科创板上市企业 长三角 OR 一带一路 -保险")
    key = (query.groups, query.excluded)
    texts = [c.text for group in query.groups for c in group] + [c.text for c in query.excluded]
    assert size_of(key) > sum(size_of(t) for t in texts) + 8 * 48  # the strings and the Clause objects
    assert size_of(1 << 799) == (1 << 799).__sizeof__()


def test_a_numpy_view_is_weighed_with_the_data_it_shows():
    import numpy as np

    owner = np.arange(10_000, dtype=np.int64)
    view = owner[10:]
    assert size_of(view) >= view.nbytes and size_of(owner) >= owner.nbytes


def test_an_app_gives_its_engine_the_cache_it_is_told_within_twice_the_index(built):
    """serve shares one budget out among its worker processes (CACHE_BYTES // workers); a
    cache is also bounded by twice the index (the bundled corpus's is 3.5 MB), in the same share."""
    from report_search.search.store import CACHE_BYTES
    from report_search.web.app import create_app

    location, path = built
    index_bytes = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    assert 2 * index_bytes < CACHE_BYTES
    whole = create_app({"INDEX": str(location), "REBUILD": False, "WATCH": False}).extensions["report_search"].engine.searcher
    assert whole.cache_bytes == CACHE_BYTES and whole._cache.maxsize == 2 * index_bytes
    app = create_app({"INDEX": str(location), "REBUILD": False, "WATCH": False, "CACHE_BYTES": CACHE_BYTES // 8})
    searcher = app.extensions["report_search"].engine.searcher
    assert searcher.cache_bytes == CACHE_BYTES // 8 and searcher._cache.maxsize == 2 * index_bytes // 8


def test_parsed_queries_are_kept_within_their_bytes():
    """A hostile query parses to tens of KB: the parse cache is bounded by bytes, not by count."""
    from report_search.search.query import PARSED_BYTES, _parsed

    hostile = " ".join("長" + chr(0x4E00 + i) for i in range(66))[:200]
    assert parse(hostile) is parse(hostile)  # kept: the next page repeats the text
    for i in range(300):
        parse(hostile[: 140 + i % 50] + f" {i}")
    assert _parsed.currsize <= PARSED_BYTES and size_of(parse(hostile)) > 20_000
