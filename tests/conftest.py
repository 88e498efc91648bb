"""Shared fixtures: the real corpus, parsed once per test session; the index, engine and app;
`report-search serve` and Debian's Chromium (driven by Playwright) for the browser tests."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from report_search.index.corpus import Corpus, load_corpus
from report_search.index.paragraph import Paragraph
from report_search.index.parse import parse_corpus
from serving import serving


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="session")
def paragraphs(corpus: Corpus) -> list[Paragraph]:
    return parse_corpus(corpus)


@pytest.fixture(scope="session")
def find(paragraphs: list[Paragraph]):
    """The one paragraph of `year` whose text contains `snippet` (fails if none or several)."""

    def _find(year: int, snippet: str) -> Paragraph:
        hits = [p for p in paragraphs if p.year == year and snippet in p.text]
        assert len(hits) == 1, f"{snippet!r} in {year}: {[p.id for p in hits]}"
        return hits[0]

    return _find


@pytest.fixture(scope="session")
def index_path(tmp_path_factory, corpus):
    """A fresh index of the real corpus, built once for the session."""
    from report_search.index.build import build

    return build(tmp_path_factory.mktemp("index"), corpus, progress=False)


@pytest.fixture()
def built(tmp_path, index_path):
    """(location, build): an index location of its own holding one fresh build of the real corpus,
    as `build` leaves it — a copy of the session's (copying costs a fraction of a build), for the
    tests that rebuild, damage or remove it."""
    location = tmp_path / "ix"
    shutil.copytree(index_path.parent.parent, location, symlinks=True)
    return location, (location / "current").resolve()


@pytest.fixture(scope="session")
def engine(index_path, corpus):
    from report_search.search.engine import Engine

    return Engine(index_path, corpus)


@pytest.fixture(scope="session")
def app(engine):
    from report_search.web.app import create_app

    return create_app({"ENGINE": engine, "TESTING": False})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def in_threads():
    """Run worker(k) for k = 0..n-1 on n threads at once; return when all have finished."""

    def run(worker, n: int = 8) -> None:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    return run


# -- the clean install of test_install.py, started early ------------------------------------------

class _Background:
    """`work(*args)` on a thread from now on; `result()` waits for it (and raises what it raised)."""

    def __init__(self, work, *args) -> None:
        self._value, self._error = None, None
        self._thread = threading.Thread(target=self._run, args=(work, *args), name="early-install", daemon=True)
        self._thread.start()

    def _run(self, work, *args) -> None:
        try:
            self._value = work(*args)
        except BaseException as exc:  # noqa: BLE001 — handed to the test that waits for it
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


@pytest.fixture(scope="session", autouse=True)
def early_install(request, tmp_path_factory):
    """When test_install.py's tests are selected, start its clean install (a venv and `pip
    install .`, processes that mostly wait on pip) at the start of the session, so it runs
    beside the other tests instead of before its own."""
    if not any(item.path.name == "test_install.py" for item in request.session.items):
        return None
    from test_install import install

    return _Background(install, tmp_path_factory.mktemp("install"))


# -- the command line, in this process ---------------------------------------------------------

@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str
    out_bytes: bytes  # stdout as written, for the binary exports (CSV with a BOM)


@pytest.fixture()
def run(capsysbinary):
    """`report-search ARGS…` in this process, as `main([...])` (sqlite-utils' CliRunner style): its
    exit status and what it printed. Spawn a process only where the process is what is tested."""
    from report_search.web.cli import main

    def invoke(*args: str) -> Ran:
        capsysbinary.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse and parser.exit end this way
            code = exc.code if isinstance(exc.code, int) else 1
        out = capsysbinary.readouterr()
        return Ran(code, out.out.decode("utf-8"), out.err.decode("utf-8"), out.out)

    return invoke


# -- browser tests -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def server(index_path):
    """`report-search serve` on a free loopback port, as a user starts it."""
    with serving(["--index", str(index_path.parent.parent), "--no-build"]) as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium. Skips where it is not installed, and fails in CI (CI=true), where
    .ci/run installs it."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's chromium (see .ci/run)", pytrace=False)
        pytest.skip("no Chromium here: apt-get install chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture()
def new_page(browser, server):
    """Open pages in fresh contexts: new_page(width=1280, height=900, javascript=True).
    Every page must end the test with no script errors and no CSP violations."""
    contexts, errors = [], []

    def open_page(width: int = 1280, height: int = 900, javascript: bool = True):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height},
                                      java_script_enabled=javascript)
        if javascript:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not _own_status(msg, page) else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, errors


def _own_status(msg, page) -> bool:
    """Chromium logs an error page's own 400/404 status as a console error: that is the page
    under test answering as it should, not a script error or a failed resource."""
    return msg.text.startswith("Failed to load resource: the server responded with a status of 4") and msg.location.get("url") == page.url


@pytest.fixture()
def page(new_page):
    return new_page()
