"""Index faults: the index cannot be used as it is. Kept apart from bad input (a person's typo)
so that a damaged index is never reported as a bad request, nor a typo as a broken server."""

from __future__ import annotations


class IndexFault(Exception):
    """The index is missing, out of date or damaged; the message is one line saying what to run."""


class IndexNotReady(IndexFault):
    """There is no index, or it was built from another corpus or code."""


class IndexDamaged(IndexFault):
    """A file of a build is missing, truncated or unreadable."""
