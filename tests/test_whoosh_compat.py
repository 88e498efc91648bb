"""Whoosh's private parts (index/whoosh_compat.py): the fast path agrees with the public API,
a changed release is noticed on open, and the engine then answers the same through the public API."""

from __future__ import annotations

import random

import numpy as np

import pytest
from whoosh import matching
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
    monkeypatch.setattr(compat, "_blocks", lambda m: tuple(part[:1] for part in blocks(m)))  # same names, other meaning: one block read
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
