"""Build the Whoosh index and keep it fresh.

Layout of an index location (default `var/index/` in the checkout, git-ignored):

    builds/<stamp>/      one complete Whoosh index + meta.json per build
    current -> builds/<stamp>   a symlink, swapped atomically when a build has succeeded

A build writes into a new folder and only then moves `current`, so a failed or interrupted
build leaves the previous index serving, and readers never see a half-written index.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm
from whoosh import index as whoosh_index

from . import grams
from .analysis import fold
from .corpus import PROJECT_ROOT, Corpus, load_corpus
from .errors import IndexNotReady
from .paragraph import Paragraph
from .parse import parse_corpus
from .schema import SCHEMA_VERSION, document, make_schema

INDEX_ENV = "REPORT_SEARCH_INDEX"
META = "meta.json"


def default_location() -> Path:
    """`$REPORT_SEARCH_INDEX`, else `var/index` in the checkout."""
    return Path(os.environ.get(INDEX_ENV) or PROJECT_ROOT / "var" / "index").resolve()


def fingerprint(corpus: Corpus) -> str:
    """Corpus files and tables + schema version + the indexing code: any change makes a new index."""
    digest = hashlib.sha256(corpus.fingerprint().encode())
    digest.update(f"schema {SCHEMA_VERSION}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class IndexStatus:
    state: str  # "fresh" | "stale" | "missing"
    path: Path | None  # the current build, if any
    meta: dict


def status(location: Path, corpus: Corpus) -> IndexStatus:
    current = location / "current"
    meta_file = current / META
    if not meta_file.is_file():
        return IndexStatus("missing", None, {})
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return IndexStatus("stale", current.resolve(), {})
    state = "fresh" if meta.get("fingerprint") == fingerprint(corpus) else "stale"
    return IndexStatus(state, current.resolve(), meta)


@contextmanager
def _build_lock(location: Path) -> Iterator[None]:
    """One build at a time per location (serve and a CLI build may race)."""
    location.mkdir(parents=True, exist_ok=True)
    with open(location / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(
    location: Path | None = None,
    corpus: Corpus | None = None,
    paragraphs: Sequence[Paragraph] | None = None,
    progress: bool | None = None,
) -> Path:
    """Build an index of the corpus (or of the given paragraphs) and make it current.

    `progress=None` shows a progress bar only on a terminal."""
    location = (location or default_location()).resolve()
    corpus = corpus or load_corpus()
    with _build_lock(location):
        records = list(paragraphs) if paragraphs is not None else parse_corpus(corpus)
        builds = location / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        for leftover in builds.glob("*.partial"):  # from a build that was killed (we hold the lock)
            shutil.rmtree(leftover, ignore_errors=True)
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        partial = builds / f"{stamp}.partial"
        partial.mkdir()
        try:
            started = time.perf_counter()
            ix = whoosh_index.create_in(str(partial), make_schema())
            writer = ix.writer(limitmb=512)
            bar = tqdm(records, desc="indexing", unit="¶", file=sys.stderr, disable=not progress if progress is not None else None)
            for p in bar:
                writer.add_document(**document(p))
            writer.commit()
            grams.write(partial, [fold(p.text) for p in records])
            meta = {
                "fingerprint": fingerprint(corpus),
                "schema_version": SCHEMA_VERSION,
                "paragraphs": len(records),
                "characters": sum(len(p.text) for p in records),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "build_seconds": round(time.perf_counter() - started, 3),
                "files": [r.file for r in corpus.reports],
            }
            (partial / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            final = builds / stamp
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _point_current(location, final)
        for old in builds.iterdir():
            if old != final and not old.name.endswith(".partial"):
                shutil.rmtree(old, ignore_errors=True)
        return final


def _point_current(location: Path, target: Path) -> None:
    """Swap the `current` symlink in one rename (atomic on POSIX)."""
    link = location / "current"
    tmp = location / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target.relative_to(location))
    os.replace(tmp, link)


def ensure(location: Path | None = None, corpus: Corpus | None = None, rebuild: bool = True) -> Path:
    """The path of a fresh index: builds one when missing or stale (or says what to run)."""
    location = (location or default_location()).resolve()
    corpus = corpus or load_corpus()
    state = status(location, corpus)
    if state.state == "fresh" and state.path:
        return state.path
    if not rebuild:
        what = "no index" if state.state == "missing" else "the index is out of date"
        raise IndexNotReady(f"{what} at {location}; run: report-search build --index {location}")
    reason = "no index yet" if state.state == "missing" else "corpus, tables or code changed"
    print(f"report-search: building the index at {location} ({reason}) …", file=sys.stderr)
    return build(location, corpus)
