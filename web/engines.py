"""The engine that answers requests, swapped for a new one when a new build becomes current.

`report-search build` (or another server) may replace the `current` build while we serve. The
holder looks at the `current` link at most every CHECK_SECONDS, opens the new build in a
background thread and swaps it in with one assignment: requests in flight finish on the engine
they started with (each request takes one engine, see `engine()`), new ones get the new engine.
A new build that cannot be opened is logged once and the old engine keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import current_app, g

from report_search.index.build import fingerprint, read_meta
from report_search.index.corpus import load_corpus
from report_search.index.errors import IndexNotReady
from report_search.search.engine import Engine, open_build

CHECK_SECONDS = 2.0
log = logging.getLogger("report_search.web")


class EngineHolder:
    def __init__(self, engine: Engine, location: Path | None = None, check_seconds: float = CHECK_SECONDS) -> None:
        """`location` None: never swap (an engine handed in, as tests do)."""
        self._engine = engine
        self.location = location
        self.check_seconds = check_seconds
        self._checked = time.monotonic()
        self._lock = threading.Lock()  # held while a new build is being opened
        self._failed: Path | None = None  # the last build that could not be opened

    @property
    def engine(self) -> Engine:
        if self.location is not None and time.monotonic() - self._checked >= self.check_seconds:
            self._checked = time.monotonic()
            self._look()
        return self._engine

    def _look(self) -> None:
        link = self.location / "current"  # type: ignore[operator]
        try:
            target = link.resolve(strict=True)
        except OSError:
            return  # no current build (being replaced, or removed): keep serving
        if target in (self._engine.path, self._failed) or not self._lock.acquire(blocking=False):
            return
        threading.Thread(target=self._open, args=(target,), name="open-new-build", daemon=True).start()

    def _open(self, target: Path) -> None:
        try:
            corpus = load_corpus()
            if read_meta(target, self.location).get("fingerprint") != fingerprint(corpus):
                raise IndexNotReady(f"it was built from another corpus or code than {corpus.root}")
            self._engine = open_build(target, corpus, self.location)  # one assignment: atomic
            log.warning("now serving index build %s", target.name)
        except Exception as exc:  # noqa: BLE001 — whatever is wrong with the new build, keep serving the old one
            self._failed = target
            log.error("still serving index build %s; build %s cannot be used: %s", self._engine.path.name, target.name, exc)
        finally:
            self._lock.release()


def engine() -> Engine:
    """The engine for this request: the same one for all of a request's work, even if a new
    build is swapped in meanwhile."""
    if "engine" not in g:
        g.engine = current_app.extensions["report_search"].engine
    return g.engine
