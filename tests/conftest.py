"""Shared fixtures: the real corpus, parsed once per test session."""

from __future__ import annotations

import threading

import pytest

from report_search.index.corpus import Corpus, load_corpus
from report_search.index.paragraph import Paragraph
from report_search.index.parse import parse_corpus


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


@pytest.fixture(scope="session")
def engine(index_path, corpus):
    from report_search.search.engine import Engine

    return Engine(index_path, corpus)


@pytest.fixture(scope="session")
def app(engine):
    from report_search.web import create_app

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
