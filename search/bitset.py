"""Sets of document numbers as Python ints (bit d set = document d is in the set).

Intersections, unions and counts of such sets run in C however large they are, which is what
keeps facet counts and boolean queries fast at 100,000+ paragraphs. A set's members, when they
are needed, come out as a sorted numpy array (and go in from one) without a Python loop."""

from __future__ import annotations

import numpy as np


def from_array(docs: np.ndarray, size: int) -> int:
    """The set of the given document numbers."""
    flags = np.zeros(size, dtype=bool)
    flags[docs] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def to_array(mask: int, size: int) -> np.ndarray:
    """The members, ascending, as int64 document numbers."""
    if not mask:
        return np.empty(0, dtype=np.int64)
    raw = np.frombuffer(mask.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    at = np.flatnonzero(raw)
    if len(at) * 4 > len(raw):  # a common word: unpacking every byte is the quicker
        return np.flatnonzero(np.unpackbits(raw, bitorder="little"))
    rows, bits = np.nonzero(np.unpackbits(raw[at], bitorder="little").reshape(-1, 8))  # a rare one: only its bytes
    return at[rows] * 8 + bits


def words(mask: int, size: int) -> np.ndarray:
    """The set as little-endian 64-bit words (bit d of the whole = document d), for counting
    many sets against one in a vector operation (np.bitwise_count)."""
    return np.frombuffer(mask.to_bytes((size + 63) // 64 * 8, "little"), dtype="<u8")


def full(size: int) -> int:
    return (1 << size) - 1
