"""Build the Whoosh index and keep it fresh.

Layout of an index location (`report-search build --index DIR`; default below):

    .report-search-index   marks the folder as ours: a build never touches a folder without it
    builds/<stamp>/        one complete Whoosh index + meta.json (+ the .report-search-build mark)
    current -> builds/<stamp>   a symlink, swapped atomically when a build has succeeded

A build writes into a new folder and only then moves `current`, so a failed or interrupted
build leaves the previous index serving, and readers never see a half-written index. Builds
that `current` left are kept for GRACE_SECONDS, so a process that is opening one as it is
replaced still finds it. Only folders carrying our mark are ever removed.

meta.json records each file's size and sha256: opening checks the sizes (cheap), and
`report-search status` the checksums, so a damaged build is named, not dumped as a traceback.
An index folder is trusted code (Whoosh's table of contents is a pickle): a location that other
users can write to is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from whoosh import index as whoosh_index

from .analysis import importing_for_a_worker, segment_all
from .corpus import PROJECT_ROOT, Corpus, load_corpus
from .errors import IndexDamaged, IndexFault, IndexNotReady
from .paragraph import Paragraph
from .schema import SCHEMA_VERSION, document, make_schema
from .whoosh_compat import segment_writer

INDEX_ENV = "REPORT_SEARCH_INDEX"
META = "meta.json"
LOCATION_MARK = ".report-search-index"
BUILD_MARK = ".report-search-build"
GRACE_SECONDS = 600  # how long a replaced build stays for processes still opening it
_OURS = {LOCATION_MARK, ".lock", "builds", "current"}


def default_location() -> Path:
    """`$REPORT_SEARCH_INDEX`; else `var/index` in a checkout (editable install); else the
    per-user data folder (~/.local/share/report-search/index on Linux)."""
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV]).resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return (PROJECT_ROOT / "var" / "index").resolve()
    return platformdirs.user_data_path("report-search") / "index"


def run_hint(location: Path) -> str:
    return f"run: report-search build --index {location}"


NOT_INDEXING = {"__init__.py", "errors.py", "suspicious.py"}  # index/ modules that shape no index


def indexing_sources() -> list[Path]:
    """The code that shapes an index: every module of index/ the build runs (a test holds this
    list equal to what `build` imports), so editing anything else stales no index."""
    return [p for p in sorted(Path(__file__).parent.glob("*.py")) if p.name not in NOT_INDEXING]


def fingerprint(corpus: Corpus) -> str:
    """Corpus files and tables + schema version + the indexing code: any change makes a new index."""
    digest = hashlib.sha256(corpus.fingerprint().encode())
    digest.update(f"schema {SCHEMA_VERSION}".encode())
    for source in indexing_sources():
        digest.update(source.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class IndexStatus:
    state: str  # "fresh" | "stale" | "missing" | "damaged"
    path: Path | None  # the current build, if any
    meta: dict
    problem: str = ""  # for "damaged": what is wrong, in one line


def status(location: Path, corpus: Corpus) -> IndexStatus:
    current = location / "current"
    if not current.is_symlink() and not current.exists():
        return IndexStatus("missing", None, {})
    path = current.resolve()
    try:
        meta = verify(path, location)
    except IndexDamaged as exc:
        return IndexStatus("damaged", path, {}, str(exc))
    state = "fresh" if meta.get("fingerprint") == fingerprint(corpus) else "stale"
    return IndexStatus(state, path, meta)


def read_meta(path: Path, location: Path | None = None) -> dict:
    """A build's meta.json; IndexDamaged (one line, what to run) if it is missing or unreadable."""
    hint = run_hint(location or path.parent.parent)
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        files = meta.get("files") if isinstance(meta, dict) else None
        if not isinstance(files, dict) or not all(
            isinstance(f, dict) and isinstance(f.get("size"), int) and isinstance(f.get("sha256"), str) for f in files.values()
        ):
            raise ValueError("no list of files with sizes and checksums")
        return meta
    except FileNotFoundError:
        raise IndexDamaged(f"index build {path.name} is damaged: {META} is missing; {hint}") from None
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"index build {path.name} is damaged: {META} cannot be read ({exc}); {hint}") from None


def verify(path: Path, location: Path | None = None, checksums: bool = False) -> dict:
    """Check a build against its meta.json: every file present with its recorded size (and
    sha256 with `checksums`). Returns the meta; raises IndexDamaged naming the first bad file."""
    location = location or path.parent.parent
    if not path.is_dir():
        raise IndexDamaged(f"index build {path.name} is missing at {location}; {run_hint(location)}")
    check_private(location)
    meta = read_meta(path, location)
    for name, expected in meta["files"].items():
        file = path / name
        try:
            info = file.stat()
            size = info.st_size
            if not stat.S_ISREG(info.st_mode):
                problem = f"{name} is not a file"
            elif size != expected["size"]:
                problem = f"{name} has {size:,} bytes, {expected['size']:,} expected (truncated or overwritten)"
            elif checksums and _sha256(file) != expected["sha256"]:
                problem = f"{name} does not match its checksum"
            else:
                continue
        except FileNotFoundError:
            problem = f"{name} is missing"
        except OSError as exc:
            problem = f"{name} cannot be read ({exc.strerror or exc})"
        raise IndexDamaged(f"index build {path.name} is damaged: {problem}; {run_hint(location)}")
    return meta


def check_private(location: Path) -> None:
    """Refuse an index location that other users can write to: its files are loaded as code."""
    for folder in (location, location / "builds"):
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
            raise IndexFault(
                f"{folder} is writable by other users, and an index folder is trusted code "
                f"(Whoosh's table of contents is a pickle); run: chmod go-w {folder}"
            )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _claim(location: Path) -> None:
    """Make `location` an index location, or refuse one that holds anything of someone else's."""
    location.mkdir(parents=True, exist_ok=True, mode=0o755)
    if not (location / LOCATION_MARK).exists():
        foreign = sorted(p.name for p in location.iterdir() if p.name not in _OURS and not p.name.startswith(".current-"))
        if foreign:
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise IndexFault(
                f"{location} is not empty and not a Report Search index ({shown}); "
                f"give --index an empty or new folder"
            )
        (location / LOCATION_MARK).write_text("Report Search index location: builds/ and current are made by `report-search build`.\n", encoding="utf-8")
    current = location / "current"
    if current.exists() and not current.is_symlink():
        raise IndexFault(
            f"{current} is a real {'folder' if current.is_dir() else 'file'}, not the link a build makes; move it away "
            f"(mv {current} {current}.old) and build again"
        )
    check_private(location)


@contextmanager
def _build_lock(location: Path) -> Iterator[None]:
    """One build at a time per location (serve and a CLI build may race)."""
    _claim(location)
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
    if importing_for_a_worker():
        raise RuntimeError('build() ran again in the process segmenting for it, which imports the calling script: '
                           'call build() under `if __name__ == "__main__":`')
    location = (location or default_location()).resolve()
    corpus = corpus or load_corpus()
    with _build_lock(location):
        from tqdm import tqdm  # the parse and the progress bar: only a build needs them, not a search

        from .parse import parse_corpus

        records = list(paragraphs) if paragraphs is not None else parse_corpus(corpus)
        builds = location / "builds"
        builds.mkdir(exist_ok=True, mode=0o755)
        for leftover in builds.glob("*.partial"):  # from a build that was killed (we hold the lock)
            if (leftover / BUILD_MARK).exists():
                shutil.rmtree(leftover, ignore_errors=True)
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        partial = builds / f"{stamp}.partial"
        partial.mkdir()
        (partial / BUILD_MARK).write_text(f"made by report-search build at {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n", encoding="utf-8")
        try:
            started = time.perf_counter()
            ix = whoosh_index.create_in(str(partial), make_schema())
            writer = segment_writer(ix, limitmb=512)
            bar = tqdm(records, desc="indexing", unit="¶", file=sys.stderr, disable=not progress if progress is not None else None)
            with closing(segment_all([p.text for p in records])) as segmented:  # a failed build stops the jieba process too
                for p, words in zip(bar, segmented):
                    writer.add_document(**document(p, words))
            writer.commit()
            meta = {
                "fingerprint": fingerprint(corpus),
                "schema_version": SCHEMA_VERSION,
                "paragraphs": len(records),
                "characters": sum(len(p.text) for p in records),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "build_seconds": round(time.perf_counter() - started, 3),
                "sources": [r.file for r in corpus.reports],
                "files": {
                    f.name: {"size": f.stat().st_size, "sha256": _sha256(f)}
                    for f in sorted(partial.iterdir())
                    if f.is_file() and f.name != BUILD_MARK and not f.name.endswith("_WRITELOCK")
                },
            }
            (partial / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            final = builds / stamp
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        previous = (location / "current").resolve() if (location / "current").is_symlink() else None
        _point_current(location, final)
        if previous is not None and (previous / BUILD_MARK).exists():
            (previous / BUILD_MARK).touch()  # its mtime now says when it stopped being current
        _prune(builds, keep=final)
        return final


def _prune(builds: Path, keep: Path) -> None:
    """Remove our builds that stopped being current more than GRACE_SECONDS ago."""
    now = time.time()
    for old in builds.iterdir():
        mark = old / BUILD_MARK
        if old == keep or old.name.endswith(".partial") or not mark.exists():
            continue  # the current build, one being written, or not ours
        if now - mark.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def _point_current(location: Path, target: Path) -> None:
    """Swap the `current` symlink in one rename (atomic on POSIX)."""
    link = location / "current"
    tmp = location / f".current-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(target.relative_to(location))
        os.replace(tmp, link)
    finally:
        if tmp.is_symlink():
            tmp.unlink()


def ensure(location: Path | None = None, corpus: Corpus | None = None, rebuild: bool = True) -> Path:
    """The path of a fresh index: builds one when missing or stale (or says what to run)."""
    location = (location or default_location()).resolve()
    corpus = corpus or load_corpus()
    state = status(location, corpus)
    if state.state == "fresh" and state.path:
        return state.path
    if not rebuild:
        if state.state == "damaged":
            raise IndexDamaged(state.problem)
        what = "no index" if state.state == "missing" else "the index is out of date"
        raise IndexNotReady(f"{what} at {location}; {run_hint(location)}")
    reason = {"missing": "no index yet", "damaged": state.problem.split("; ")[0]}.get(state.state, "corpus, tables or code changed")
    print(f"report-search: building the index at {location} ({reason}) …", file=sys.stderr)
    return build(location, corpus)
