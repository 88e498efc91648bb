"""The one normalisation: how two pieces of report text are compared, wherever they are compared.

Three strengths, each built on the one before, so they never disagree:

- `nfkc`: compatibility forms folded (full-width → ASCII, ㎡ → m2, （ → (). The parse and the
  data tables (themes, districts, manifest anchors) compare with it: case is kept, because a
  table row is matched against the text as printed.
- `compact`: `nfkc` with the spaces dropped, so a letter-spaced line (上 海 天 文 馆) compares
  equal to its words (captions, moved-section anchors, check-parse).
- `fold`: `nfkc`, lower case, invisible characters dropped, whitespace runs as one space. The
  search key: the index's terms, the query, filter values, highlights and spelling suggestions
  all compare folded text, so ＧＶ/Ｇ60/g60/G60 and （）/() meet.

`fold_with_offsets` folds character by character and keeps, for each folded character, the
original one it came from: a match found in folded text is drawn on the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

INVISIBLE = r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]"  # controls, zero-widths, bidi marks
_INVISIBLE = re.compile(INVISIBLE)
_SPACE = re.compile(r"\s+")


def nfkc(text: str) -> str:
    """Compatibility forms folded; case, spaces and everything else kept."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """`nfkc` without spaces: a letter-spaced line equals its words."""
    return nfkc(text).replace(" ", "")


def fold(text: str) -> str:
    """The search key: `nfkc`, lower case, invisible and control characters dropped,
    whitespace runs one space."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", nfkc(text)).lower())


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character folded (whitespace → one space): the reports use a few thousand distinct ones."""
    piece = fold(ch)
    return " " if piece.isspace() else piece


class _Table(dict):
    """A str.translate table learnt on first sight of each character (bounded: past LEARN
    characters, hostile input is answered but not remembered)."""

    LEARN = 20_000

    def __init__(self, value) -> None:
        super().__init__()
        self.value = value  # code point -> what translate maps it to

    def __missing__(self, code: int):
        out = self.value(code)
        if len(self) < self.LEARN:
            self[code] = out
        return out


_FOLD = _Table(lambda code: _fold_char(chr(code)))  # each character to its fold
_UNEVEN = _Table(lambda code: None if len(_fold_char(chr(code))) != 1 else code)  # drops those not folding to one


def fold_with_offsets(text: str) -> tuple[str, Sequence[int]]:
    """The text folded character by character, plus for each folded character the index of
    the original character it came from: highlights are found in folded text and drawn on
    the original (NFKC may change lengths: ㎡ → m2). Equals fold(text) for everything but
    rare combining sequences, where a highlight may then be missed, never misplaced.

    Most texts fold one character to one, with no run of white space: those are folded by
    str.translate and mapped by identity, in C."""
    folded = text.translate(_FOLD)
    if len(text.translate(_UNEVEN)) == len(text) and "  " not in folded:
        return folded, range(len(text))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        piece = _fold_char(ch)
        if piece == " ":
            if out and out[-1] == " ":
                continue
        out.append(piece)
        if len(piece) == 1:
            offsets.append(i)
        else:
            offsets.extend([i] * len(piece))
    return "".join(out), offsets
