"""Index lifecycle: atomic builds, freshness, failure keeps the old index serving, a build
touches only what it made, and a damaged build is named in one line."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from report_search.index import build as build_module
from report_search.index.build import BUILD_MARK, build, ensure, status, verify
from report_search.index.corpus import CorpusError, load_corpus
from report_search.index.errors import IndexDamaged, IndexFault, IndexNotReady
from report_search.search.engine import Engine, open_build, open_engine


@pytest.fixture()
def corpus_copy(tmp_path, corpus):
    target = tmp_path / "corpus"
    shutil.copytree(corpus.root, target)
    return target


def test_build_swaps_current_and_keeps_replaced_builds_for_a_grace_period(built, corpus, paragraphs, monkeypatch):
    location, first = built
    assert (location / "current").resolve() == first
    second = build(location, corpus, paragraphs=paragraphs, progress=False)
    assert (location / "current").resolve() == second != first
    # the replaced build stays a while: a process opening it right now must still find it
    assert sorted(p.name for p in (location / "builds").iterdir()) == sorted([first.name, second.name])
    meta = json.loads((second / "meta.json").read_text(encoding="utf-8"))
    assert meta["paragraphs"] == len(Engine(second, corpus).paragraphs) > 500
    assert status(location, corpus).state == "fresh"
    monkeypatch.setattr(build_module, "GRACE_SECONDS", 0)
    third = build(location, corpus, paragraphs=paragraphs, progress=False)
    assert [p.name for p in (location / "builds").iterdir()] == [third.name]
    assert not list(location.glob(".current-*"))  # no temporary link left behind


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


def test_failed_build_leaves_the_previous_index_serving(built, corpus, paragraphs, corpus_copy, monkeypatch):
    location, good = built
    (corpus_copy / "2020-ch4.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(CorpusError):
        build(location, load_corpus(corpus_copy), progress=False)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("report_search.index.build.document", explode)
    with pytest.raises(RuntimeError):
        build(location, corpus, paragraphs=paragraphs, progress=False)
    assert (location / "current").resolve() == good
    assert [p.name for p in (location / "builds").iterdir()] == [good.name]  # no half-built leftovers
    assert Engine(good, corpus).search("科创板").total > 0


def test_an_open_engine_survives_a_rebuild_removing_its_folder(built, corpus, paragraphs, monkeypatch):
    import threading

    monkeypatch.setattr(build_module, "GRACE_SECONDS", 0)
    location, first = built
    engine = Engine(first, corpus)
    (first / BUILD_MARK).touch()
    os.utime(first / BUILD_MARK, (0, 0))
    build(location, corpus, paragraphs=paragraphs, progress=False)  # deletes `first`
    assert not first.exists()
    totals: list[int] = []
    worker = threading.Thread(target=lambda: totals.append(engine.search("科创板").total))
    worker.start()
    worker.join()
    assert totals and totals[0] > 0


# -- a build touches only what it made ---------------------------------------------------------

def test_a_build_never_removes_what_it_did_not_make(built, corpus, paragraphs, monkeypatch):
    monkeypatch.setattr(build_module, "GRACE_SECONDS", 0)
    location, _ = built
    mine = location / "builds" / "release-1.0"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    build(location, corpus, paragraphs=paragraphs, progress=False)
    build(location, corpus, paragraphs=paragraphs, progress=False)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert len(list((location / "builds").iterdir())) == 2  # the current build and the user's folder


def test_a_folder_holding_other_files_is_refused_unchanged(tmp_path, corpus):
    location = tmp_path / "photos"
    location.mkdir()
    (location / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(IndexFault, match="not empty and not a Report Search index .*holiday.jpg"):
        build(location, corpus, progress=False)
    assert [p.name for p in location.iterdir()] == ["holiday.jpg"]


def test_a_real_current_folder_says_what_to_do(built, corpus):
    location, _ = built
    (location / "current").unlink()
    (location / "current").mkdir()
    with pytest.raises(IndexFault, match=r"is a real folder.*mv .*current .*current\.old"):
        build(location, corpus, progress=False)
    assert not list(location.glob(".current-*"))


def test_a_location_others_can_write_to_is_refused(built):
    location, path = built
    location.chmod(0o777)
    with pytest.raises(IndexFault, match="writable by other users.*chmod go-w"):
        verify(path, location)
    location.chmod(0o755)
    verify(path, location)


# -- a damaged build is named -------------------------------------------------------------------

def _build_files(built) -> list[str]:
    names = sorted([*json.loads((built / "meta.json").read_text(encoding="utf-8"))["files"], "meta.json"])
    assert "meta.json" in names and any(n.endswith(".seg") for n in names) and any(n.endswith(".toc") for n in names)
    return names


def _copy(location, tmp_path, name):
    fresh = tmp_path / f"copy-{name}"
    shutil.copytree(location, fresh, symlinks=True)
    return fresh, (fresh / "current").resolve()


@pytest.mark.parametrize("how", ["truncated", "missing", "a folder"])
def test_every_file_of_a_build_damaged_is_named_in_one_line(tmp_path, built, corpus, how):
    location, source = built
    for name in _build_files(source):
        fresh, path = _copy(location, tmp_path, name)
        target = path / name
        if how == "truncated":
            target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        else:
            target.unlink()
            if how == "a folder":  # unreadable as a file, even for root
                target.mkdir()
        with pytest.raises(IndexDamaged) as caught:
            open_build(path, corpus, fresh)
        message = str(caught.value)
        assert "\n" not in message and path.name in message and name in message
        assert message.endswith(f"run: report-search build --index {fresh}")
        assert status(fresh, corpus).state == "damaged"
        shutil.rmtree(fresh)


def test_changed_bytes_are_found_by_the_checksums_and_never_escape_as_a_traceback(tmp_path, built, corpus):
    location, source = built
    for name in _build_files(source):
        if name == "meta.json":
            continue  # its own checksum is not recorded; a changed meta.json is read as JSON or refused
        fresh, path = _copy(location, tmp_path, name)
        data = bytearray((path / name).read_bytes())
        data[len(data) // 2] ^= 0xFF  # same size: only the checksum (or the reader) can tell
        (path / name).write_bytes(bytes(data))
        with pytest.raises(IndexDamaged, match=f"{name} does not match its checksum"):
            verify(path, fresh, checksums=True)
        try:
            open_build(path, corpus, fresh)  # may read fine (a byte inside stored text) …
        except IndexDamaged as exc:  # … or fail, and then only as one named line
            assert "\n" not in str(exc) and path.name in str(exc)
        shutil.rmtree(fresh)


def test_damage_that_only_warming_reads_is_rebuilt_on_start(built, corpus, capsys):
    """64 bytes flipped at each 32nd of the segment: a server's open (warm=True) reads fine or
    raises one IndexDamaged line, never zlib.error or struct.error from a record's compressed
    text or a posting block; and a server's start (open_engine) rebuilds such an index."""
    location, path = built
    segment = next(path.glob("*.seg"))
    good = segment.read_bytes()
    damaged = []
    for k in range(1, 32):
        data = bytearray(good)
        at = len(data) * k // 32
        data[at : at + 64] = bytes(b ^ 0xFF for b in data[at : at + 64])
        segment.write_bytes(bytes(data))
        try:
            open_build(path, corpus, location, warm=True)
        except IndexDamaged as exc:
            assert "\n" not in str(exc) and path.name in str(exc) and str(exc).endswith(f"run: report-search build --index {location}")
            damaged.append(bytes(data))
    assert damaged  # else the sweep never reached what opening reads, and tested nothing
    segment.write_bytes(damaged[0])
    engine = open_engine(location, warm=True)
    assert engine.path != path and engine.search("张江").total > 0 and "rebuilding the index" in capsys.readouterr().err


def test_a_warming_failure_of_intact_files_is_not_called_damage(built, corpus, monkeypatch, capsys):
    """Not the index's fault (a bug, missing OpenCC data …): no rebuild, and no 'run: report-search build'."""
    location, path = built

    def broken(self):
        raise RuntimeError("not the index")

    monkeypatch.setattr(Engine, "warm", broken)
    with pytest.raises(RuntimeError, match="not the index"):
        open_engine(location, warm=True)
    assert (location / "current").resolve() == path and "rebuilding" not in capsys.readouterr().err


def test_ensure_rebuilds_a_damaged_index_or_says_what_to_run(built, corpus):
    location, path = built
    segment = next(path.glob("*.seg"))
    segment.write_bytes(segment.read_bytes()[:100])
    with pytest.raises(IndexDamaged, match=f"{segment.name} has 100 bytes"):
        ensure(location, corpus, rebuild=False)
    rebuilt = ensure(location, corpus)
    assert rebuilt != path and Engine(rebuilt, corpus).search("科创板").total > 0


@pytest.mark.parametrize("meta", ['{"files": {"_MAIN_1.toc": 5}}', '{"files": ["_MAIN_1.toc"]}', "[]", "{not json"])
def test_a_meta_json_of_the_wrong_shape_is_damage_not_a_traceback(built, corpus, meta):
    location, path = built
    (path / "meta.json").write_text(meta, encoding="utf-8")
    with pytest.raises(IndexDamaged, match=f"index build {path.name} is damaged: meta.json cannot be read"):
        ensure(location, corpus, rebuild=False)
    assert status(location, corpus).state == "damaged"


def test_the_freshness_hash_covers_exactly_the_code_a_build_runs():
    """Editing a module the build never runs (check-parse, the search side's caches) must not
    make every index stale; editing one it runs must."""
    import subprocess
    import sys

    from report_search.index.build import indexing_sources

    code = ("import sys, tempfile, pathlib, report_search.index.build as b; "
            "b.build(pathlib.Path(tempfile.mkdtemp()) / 'ix', progress=False); "
            "print(' '.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('report_search.index.'))))")
    ran = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert {p.stem for p in indexing_sources()} == ran - {"errors"}  # exceptions only: they shape nothing


def test_a_build_asks_the_file_system_for_each_column_once(tmp_path, corpus, paragraphs, monkeypatch):
    """Issue 16: Whoosh's writer asked the disk (os.stat) whether a field has a length column once
    for every posting of a field without one (grams, the filters): a third of a build's time."""
    from whoosh.filedb.filestore import FileStorage

    asked: list[str] = []
    exists = FileStorage.file_exists
    monkeypatch.setattr(FileStorage, "file_exists", lambda self, name: asked.append(name) or exists(self, name))
    built = build(tmp_path / "ix", corpus, paragraphs=paragraphs[:60], progress=False)
    assert asked and len(asked) == len(set(asked)) < 50, f"{len(asked)} look-ups of {len(set(asked))} files"
    monkeypatch.undo()
    assert Engine(built, corpus).search("科技").total > 0
