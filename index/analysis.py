"""Text analysis shared by the parser, the indexer and the query parser.

One normalisation (NFKC, ASCII lower-cased) and one jieba tokenizer with the report terms
of `corpus/userdict.txt`, so that a query is cut exactly the way the paragraphs were.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import jieba

from .corpus import corpus_dir, nfkc

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def normalize(text: str) -> str:
    """NFKC plus ASCII lower-casing: 長三角/ＧＶ/g60 and G60 all meet here."""
    return nfkc(text).lower()


def tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, initialised once (about 0.5 s) with the user dictionary."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                userdict = corpus_dir() / "userdict.txt"
                if userdict.is_file():
                    for line in userdict.read_text(encoding="utf-8").splitlines():
                        parts = line.split()
                        if parts and not parts[0].startswith("#"):
                            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                            tok.add_word(normalize(parts[0]), freq)
                _tokenizer = tok
    return _tokenizer


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """jieba words of the normalised text as (word, start, end), whitespace dropped."""
    for word, start, end in tokenizer().tokenize(normalize(text)):
        if not word.isspace():
            yield word, start, end
