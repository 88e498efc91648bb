"""Index lifecycle: atomic builds, freshness, failure keeps the old index serving."""

from __future__ import annotations

import json
import shutil

import pytest

from report_search.index.build import build, ensure, status
from report_search.index.errors import IndexNotReady
from report_search.index.corpus import CorpusError, load_corpus
from report_search.search.engine import Engine


@pytest.fixture()
def corpus_copy(tmp_path, corpus):
    target = tmp_path / "corpus"
    shutil.copytree(corpus.root, target)
    return target


def test_build_swaps_current_and_keeps_one_build(tmp_path, corpus):
    location = tmp_path / "ix"
    first = build(location, corpus, progress=False)
    assert (location / "current").resolve() == first
    second = build(location, corpus, progress=False)
    assert (location / "current").resolve() == second != first
    assert [p.name for p in (location / "builds").iterdir()] == [second.name]
    meta = json.loads((second / "meta.json").read_text(encoding="utf-8"))
    assert meta["paragraphs"] == len(Engine(second, corpus).paragraphs) > 500
    assert status(location, corpus).state == "fresh"


def test_missing_and_stale_index_say_what_to_run(tmp_path, corpus_copy):
    location = tmp_path / "ix"
    corpus = load_corpus(corpus_copy)
    with pytest.raises(IndexNotReady, match="run: report-search build --index"):
        ensure(location, corpus, rebuild=False)
    built = ensure(location, corpus)  # builds when missing
    assert status(location, corpus).state == "fresh"
    themes = corpus_copy / "themes.toml"
    themes.write_text(themes.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    changed = load_corpus(corpus_copy)
    assert status(location, changed).state == "stale"
    with pytest.raises(IndexNotReady, match="out of date"):
        ensure(location, changed, rebuild=False)
    rebuilt = ensure(location, changed)
    assert rebuilt != built and status(location, changed).state == "fresh"


def test_failed_build_leaves_the_previous_index_serving(tmp_path, corpus_copy, monkeypatch):
    location = tmp_path / "ix"
    corpus = load_corpus(corpus_copy)
    good = build(location, corpus, progress=False)
    (corpus_copy / "2020-ch4.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(CorpusError):
        build(location, load_corpus(corpus_copy), progress=False)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("report_search.index.build.document", explode)
    with pytest.raises(RuntimeError):
        build(location, corpus, progress=False)
    assert (location / "current").resolve() == good
    assert [p.name for p in (location / "builds").iterdir()] == [good.name]  # no half-built leftovers
    assert Engine(good, corpus).search("科创板").total > 0


def test_an_open_engine_survives_a_rebuild_removing_its_folder(tmp_path, corpus):
    import threading

    location = tmp_path / "ix"
    first = build(location, corpus, progress=False)
    engine = Engine(first, corpus)
    build(location, corpus, progress=False)  # deletes `first`
    assert not first.exists()
    totals: list[int] = []
    worker = threading.Thread(target=lambda: totals.append(engine.search("科创板").total))
    worker.start()
    worker.join()
    assert totals and totals[0] > 0
