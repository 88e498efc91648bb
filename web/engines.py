"""The engine that answers requests, swapped for a new one when a new build becomes current.

`report-search build` (or another server) may replace the `current` build while we serve. A
background thread looks at the `current` link every CHECK_SECONDS, opens a new build and swaps
it in with one assignment: requests in flight finish on the engine they started with (each
request takes one engine, see `engine()`), new ones get the new engine. A new build that cannot
be opened is logged once and the old engine keeps serving.

The same thread watches the build being served: its checksums once after start, its files'
sizes at every look. Damage found there (a file truncated or overwritten under us) is logged
and, unless serve was started with --no-build, rebuilt; the next look swaps the new build in.
Meanwhile a request the damage breaks is a 503 naming it (`damage()`), never a crash: segments
are read without memory-mapping (search/store.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from flask import current_app, g

from report_search.index.build import build, fingerprint, read_meta, verify
from report_search.index.corpus import load_corpus
from report_search.index.errors import IndexDamaged, IndexNotReady
from report_search.search.engine import Engine, open_build
from report_search.search.params import BadInput

CHECK_ENV = "REPORT_SEARCH_CHECK_SECONDS"
CHECK_SECONDS = 2.0  # how often `serve` looks for a new build, unless CHECK_ENV says otherwise
log = logging.getLogger("report_search.web")


def check_seconds() -> float:
    """$REPORT_SEARCH_CHECK_SECONDS (0.1–3600), else CHECK_SECONDS; BadInput names a bad value."""
    text = os.environ.get(CHECK_ENV, "").strip()
    if not text:
        return CHECK_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.1 <= value <= 3600:
        raise BadInput(f"{CHECK_ENV} 应为 0.1–3600 之间的秒数，而不是 {text!r}。")
    return value


class EngineHolder:
    def __init__(self, engine: Engine, location: Path | None = None, every: float = CHECK_SECONDS, rebuild: bool = False) -> None:
        """`location` None: never swap (an engine handed in, as tests do). Otherwise, once
        `watch()` is called, a daemon thread looks at `location/current` every `every` seconds,
        so even the first request after a quiet hour gets the newest build; `rebuild`: build
        anew when the served build is found damaged."""
        self.engine = engine  # replaced by one assignment: atomic for the threads reading it
        self.location = location
        self.every = every
        self.rebuild = rebuild
        self._failed: Path | None = None  # the last build that could not be opened
        self._damaged: Path | None = None  # the last served build found damaged (said once) …
        self._damage = ""  # … and what is wrong with it
        self._summed: Path | None = None  # the served build whose checksums were verified

    def watch(self, rebuild: bool | None = None) -> None:
        """Start looking for new builds (in the process that serves: a thread does not survive
        a fork); `rebuild` given: whether this process rebuilds a damaged index."""
        if rebuild is not None:
            self.rebuild = rebuild
        if self.location is not None:
            threading.Thread(target=self._watch, name="watch-builds", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.every)
            self.look()

    def look(self) -> None:
        """Open and swap in the current build if it is new (and usable)."""
        if self.location is None:
            return
        try:
            target = (self.location / "current").resolve(strict=True)  # type: ignore[operator]
        except OSError:
            return  # no current build (being replaced, or removed): keep serving
        if target == self.engine.path:
            self._check_served()
            return
        if target == self._failed:
            return
        try:
            corpus = load_corpus()
            if read_meta(target, self.location).get("fingerprint") != fingerprint(corpus):
                raise IndexNotReady(f"it was built from another corpus or code than {corpus.root}")
            verify(target, self.location, checksums=True)  # records are read lazily: check every byte before serving
            self.engine = open_build(target, corpus, self.location, self.engine.searcher.cache_bytes, warm=True)  # swapped in ready, its cache as large
            log.warning("now serving index build %s", target.name)
        except Exception as exc:  # noqa: BLE001 — whatever is wrong with the new build, keep serving the old one
            self._failed = target
            log.error("still serving index build %s; build %s cannot be used: %s", self.engine.path.name, target.name, exc)


    def served_damage(self) -> str | None:
        """What is wrong with the build being served, if a look found its files damaged: /healthz
        says so until a good build is swapped in."""
        return self._damage if self._damaged is not None and self._damaged == self.engine.path else None

    def damage(self, path: Path) -> IndexDamaged | None:
        """What is wrong with the files of build `path` (every byte checked), if anything: why a
        request on it failed that should not have."""
        try:
            verify(path, self.location, checksums=True)
        except IndexDamaged as exc:
            return exc
        return None

    def _check_served(self) -> None:
        path = self.engine.path
        try:
            verify(path, self.location, checksums=self._summed != path)
            self._summed = path
            return
        except IndexDamaged as exc:
            if self._damaged == path:
                return
            self._damaged, self._damage = path, str(exc)
            log.error("index build %s is damaged while served: %s", path.name, exc)
        if self.rebuild:
            try:
                built = build(self.location, progress=False)
                log.warning("rebuilt the index as build %s", built.name)
            except Exception as exc:  # noqa: BLE001 — a failed rebuild is said; the server goes on
                log.error("could not rebuild the damaged index: %s", exc)


def engine() -> Engine:
    """The engine for this request: the same one for all of a request's work, even if a new
    build is swapped in meanwhile."""
    if "engine" not in g:
        g.engine = current_app.extensions["report_search"].engine
    return g.engine
