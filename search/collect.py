"""The facet-counting collector: Whoosh's FilterCollector, counting what it filters out.

Facet counts must be disjunctive: the counts shown for a facet ignore that facet's own
selection, so a reader sees the alternatives. So the collector sees every match of the query
before the filters; it records each one (a bitmap) and passes to its child — Whoosh's sorting
collector — only those the filters allow. The counts are then bitset intersections with the
facet values' documents (FacetIndex), however many matches there are.
"""

from __future__ import annotations

from whoosh import collectors

from report_search.index import bitset


class FacetCountingCollector(collectors.FilterCollector):
    """Passes the allowed matches to `child`; `matched` is every match, allowed or not."""

    def __init__(self, child: collectors.Collector, allowed: int, size: int) -> None:
        super().__init__(child)
        self.allowed = allowed
        self.size = size
        self.matched = 0

    def prepare(self, top_searcher, q, context) -> None:
        self.child.prepare(top_searcher, q, context)
        self._allow = self._restrict = None
        self.filtered_count = 0
        self._seen = bytearray((self.size + 7) // 8)
        self._allow_bits = bitset.to_bytes(self.allowed, self.size)

    def collect_matches(self) -> None:
        child, offset, seen, allow = self.child, self.offset, self._seen, self._allow_bits
        filtered = 0
        for sub_docnum in child.matches():
            d = offset + sub_docnum
            byte, bit = d >> 3, 1 << (d & 7)
            seen[byte] |= bit
            if allow[byte] & bit:
                child.collect(sub_docnum)
            else:
                filtered += 1
        self.filtered_count += filtered

    def finish(self) -> None:
        self.matched = bitset.from_bytes(bytes(self._seen))
        super().finish()
