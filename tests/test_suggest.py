"""Did-you-mean's corrector (search/suggest.py) proposes exactly the words Whoosh's own
ReaderCorrector finds in the same lexicons, only faster."""

from __future__ import annotations

import random


def test_the_vocabulary_corrector_finds_what_whoosh_own_corrector_finds(engine):
    reader = engine.searcher.reader()
    words = sorted(w.decode() if isinstance(w, bytes) else w for w in reader.lexicon("words"))
    rng = random.Random(16)
    chars = sorted({ch for w in words for ch in w})
    typos = ["上海天文官", "人工智障", "张江科学成", "asdkjh"]
    for word in rng.sample([w for w in words if len(w) >= 3], 12):
        i = rng.randrange(len(word))
        typos.append(word[:i] + rng.choice(chars) + word[i + 1 :])  # one character replaced
        typos.append(word[:i] + word[i + 1 :])  # one dropped
    for typo in typos:
        ours = set(engine.corrector.suggest(typo, limit=1000, maxdist=1))
        whoosh = {w for field in ("words", "title") for w in engine.searcher.corrector(field).suggest(typo, limit=1000, maxdist=1)}
        assert ours == whoosh - {typo}, typo  # the word itself is no other spelling
    assert engine.corrector.suggest("上海天文官", limit=3, maxdist=1) == ["上海天文馆"]
