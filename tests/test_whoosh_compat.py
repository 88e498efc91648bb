"""Whoosh's private parts (index/whoosh_compat.py): the fast path agrees with the public API,
a changed release is noticed on open, and the engine then answers the same through the public API."""

from __future__ import annotations

import random

import numpy as np

import pytest
from whoosh import analysis, fields, formats, matching
from whoosh.codec.whoosh3 import W3LeafMatcher

from report_search.search import bitset, store
from report_search.index import whoosh_compat as compat
from report_search.search.engine import Engine
from report_search.search.exact import DocSetMatcher
from report_search.search.request import SearchRequest
from report_search.index.whoosh_compat import block_reading_works, postings


def test_the_fast_path_is_checked_on_open_and_agrees(engine):
    reader = engine.searcher.reader()
    assert engine.searcher.fast_postings and block_reading_works(reader, "grams")
    for gram in ("的", "科技", "新", "张江"):
        ids, counts = postings(reader.postings("grams", gram), fast=True)
        public = reader.postings("grams", gram)
        assert ids.tolist() == list(public.all_ids()) and len(ids) > 5
        assert counts.tolist() == [engine.searcher.texts[d].count(gram) for d in ids.tolist()]  # the weights are the counts


def test_a_release_that_changed_the_private_parts_is_noticed(engine, monkeypatch):
    def gone(self):
        raise AttributeError("'W3LeafMatcher' object has no attribute '_next_block'")

    monkeypatch.setattr(W3LeafMatcher, "_next_block", gone)
    assert not block_reading_works(engine.searcher.reader(), "grams")
    monkeypatch.undo()
    blocks = compat._blocks
    monkeypatch.setattr(compat, "_blocks", lambda m, limit=None: tuple(part[:1] for part in blocks(m, limit)))  # same names, other meaning: one block read
    assert not block_reading_works(engine.searcher.reader(), "grams")


@pytest.fixture(scope="module")
def public_engine(index_path, corpus):
    """The engine with the fallback forced: every posting read through Whoosh's public API."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store, "block_reading_works", lambda reader, field: False)
        e = Engine(index_path, corpus)
    assert not e.searcher.fast_postings
    return e


def test_the_engine_answers_the_same_through_the_public_api(engine, public_engine, paragraphs):
    rng = random.Random(15)
    texts = [p.text for p in paragraphs if len(p.text) > 10]
    queries = ["科技", "科创板 上市", "长三角 OR 一带一路", "人工智能 -上海", '"科技创新中心"', "新", "张江科学城"]
    for _ in range(40):
        text = rng.choice(texts)
        start = rng.randrange(len(text) - 6)
        queries.append(text[start : start + rng.randint(1, 6)].replace('"', ""))
    for q in queries:
        request = SearchRequest(q, per_page=20)
        fast, public = engine.search(request), public_engine.search(request)
        assert (fast.total, fast.facets) == (public.total, public.facets), q
        assert [(h.paragraph.id, h.score) for h in fast.hits] == [(h.paragraph.id, h.score) for h in public.hits], q


def test_the_doc_set_matcher_steps_and_skips_like_whoosh_own_list_matcher():
    rng = random.Random(3)
    for _ in range(200):
        ids = sorted(rng.sample(range(500), rng.randint(1, 60)))
        ours, theirs = DocSetMatcher(bitset.from_array(np.array(ids), 500), 500, None), matching.ListMatcher(ids)
        while ours.is_active():
            assert theirs.is_active() and ours.id() == theirs.id()
            target = ours.id() + rng.randint(0, 40)
            if rng.random() < 0.5:
                ours.next(), theirs.next()
            else:
                ours.skip_to(target), theirs.skip_to(target)
        assert not theirs.is_active()
        with pytest.raises(matching.ReadTooFar):
            ours.next()


def _segment_files(folder, writer_class, schema, docs) -> dict[str, bytes]:
    """The files of a segment written by `writer_class`, in blocks of 8 postings (so that common
    terms span many), by part name: a segment's files are MAIN_<random segment id>.<part>."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    folder.mkdir()
    writer = writer_class(whoosh_index.create_in(str(folder), schema), codec=W3Codec(blocklimit=8), compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return {f.name.split(".", 1)[1]: f.read_bytes() for f in folder.iterdir() if f.name.startswith("MAIN_") and "." in f.name}


def test_the_build_writer_writes_what_whoosh_own_writer_writes(tmp_path, paragraphs):
    """PerTermWriter (postings kept as columns, written a block at a time) against Whoosh's own
    SegmentWriter (a tuple per posting, sorted, written one by one): the same documents make the
    same segment files, byte for byte."""
    from whoosh.writing import SegmentWriter

    from report_search.index.analysis import segmented
    from report_search.index.schema import document, make_schema

    docs = [document(p, segmented(p.text)) for p in paragraphs[:120]]
    ours, theirs = (_segment_files(tmp_path / w.__name__, w, make_schema(), docs) for w in (compat.PerTermWriter, SegmentWriter))
    assert {"pst", "trm", "vps", "_words_len.col", "folded_text.col"} <= theirs.keys() and len(theirs["pst"]) > 100_000
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name


class _SometimesValued(fields.FieldType):
    """Postings that carry a value only in the documents whose text says "valued"."""

    def index(self, value, **kwargs):
        value_bytes = b"v" if "valued" in value.split() else b""
        return ((w.encode(), 1, 1.0, value_bytes) for w in value.split())


def test_the_build_writer_keeps_a_value_only_where_a_posting_has_one(tmp_path):
    """A term whose postings have a value in some documents and none in others: written posting
    by posting, as Whoosh does (it keeps only the values that are there)."""
    from whoosh.writing import SegmentWriter

    schema = fields.Schema(body=_SometimesValued(formats.Positions(), analysis.SimpleAnalyzer()), tag=fields.ID)
    docs = [{"body": "x y valued" if k % 3 == 0 else "x y", "tag": f"t{k % 4}"} for k in range(40)]
    ours, theirs = (_segment_files(tmp_path / w.__name__, w, schema, docs) for w in (compat.PerTermWriter, SegmentWriter))
    assert ours == theirs and theirs["pst"]


@pytest.mark.parametrize("field", ["doc_id", "folded_text", "folded_title", "word_count", "doc_year", "doc_kind"])
def test_a_column_read_whole_is_whoosh_s_own(engine, field):
    reader = engine.searcher.reader()
    column = reader.column_reader(field, translate=False)
    whoosh = list(column)
    if field == "doc_kind":
        codes, distinct = compat.column_codes(reader, field)
        ours = [distinct[c] for c in codes.tolist()]
    elif field in ("word_count", "doc_year"):
        ours = compat.column_numbers(reader, field).tolist()
    else:
        ours = compat.column_values(reader, field)
    assert ours == whoosh and len(ours) == engine.searcher.size and len(set(ours)) > 1


def test_a_column_whose_private_parts_changed_is_read_through_whoosh(engine, monkeypatch):
    reader = engine.searcher.reader()
    column = reader.column_reader("folded_text", translate=False)
    assert not compat._agrees(column, len(column), lambda d: b"")  # an answer that differs is not taken
    assert not compat._agrees(column, len(column) - 1, column.__getitem__)  # nor one a value short

    class Public:  # a column reader with none of the private names
        def __init__(self, inner):
            self.inner = inner

        def __len__(self):
            return len(self.inner)

        def __getitem__(self, d):
            return self.inner[d]

        def __iter__(self):
            return iter(self.inner)

    original = reader.column_reader
    monkeypatch.setattr(reader, "column_reader", lambda field, **kw: Public(original(field, **kw)))
    assert compat.column_values(reader, "folded_text") == list(column)
    assert compat.column_numbers(reader, "word_count").tolist() == list(original("word_count", translate=False))
    codes, distinct = compat.column_codes(reader, "doc_kind")
    assert [distinct[c] for c in codes.tolist()] == list(original("doc_kind", translate=False))


def test_columns_of_every_layout_are_read_whole_as_whoosh_reads_them(tmp_path):
    """What the bundled index does not show: offsets written (as above 32,768 documents, the
    100× index), documents without a value (past a column's last written one too), a default
    other than 0, and over 255 distinct references (2-byte codes)."""
    from whoosh import columns
    from whoosh.filedb.filestore import FileStorage

    schema = fields.Schema(v=fields.COLUMN(columns.VarBytesColumn(write_offsets_cutoff=4)),
                           n=fields.COLUMN(columns.NumericColumn("H", default=7)),
                           r=fields.COLUMN(columns.RefBytesColumn()))
    ix = FileStorage(str(tmp_path)).create_index(schema)
    with ix.writer() as writer:
        for d in range(400):
            values = {"v": f"值{d}".encode() * (d % 5), "r": f"r{d % 300}".encode()}
            if d % 7 and d < 350:
                values["n"] = d
            writer.add_document(**values)
    reader = ix.reader()
    assert reader.column_reader("v", translate=False).had_stored_offsets
    assert compat.column_values(reader, "v") == list(reader.column_reader("v", translate=False))
    assert compat.column_numbers(reader, "n").tolist() == list(reader.column_reader("n", translate=False))
    assert compat.column_numbers(reader, "n")[-1] == 7
    codes, distinct = compat.column_codes(reader, "r")
    assert [distinct[c] for c in codes.tolist()] == list(reader.column_reader("r", translate=False)) and codes.max() >= 256
