"""The one normalisation: how two pieces of report text are compared, wherever they are compared.

Three strengths, each built on the one before, so they never disagree:

- `nfkc`: compatibility forms folded (full-width → ASCII, ㎡ → m2, （ → (). The parse and the
  data tables (themes, districts, manifest anchors) compare with it: case is kept, because a
  table row is matched against the text as printed.
- `compact`: `nfkc` with the spaces dropped, so a letter-spaced line (上 海 天 文 馆) compares
  equal to its words (captions, moved-section anchors, check-parse).
- `fold`: `nfkc`, lower case, invisible characters dropped, whitespace runs as one space, and
  no space at all between two CJK characters (`CJK`). The search key: the index's terms, the
  query, filter values, highlights, spelling suggestions and the tests' brute-force oracle all
  compare folded text, so ＧＶ/Ｇ60/g60/G60 and （）/() meet, and 张江高科技园区 为基础 (a PDF line
  break, 2017 l.185-186) meets 张江高科技园区为基础. Chinese sets no spaces between words, so such
  a space is layout, never meaning; ASCII words keep theirs (R&D 经费 is two words).

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
CJK = (  # characters between which a space is layout: Han, CJK punctuation and kana, and the
    # quotes, dashes and dots Chinese sets full width (“”‘’—…·⸺); NFKC has already made ，（ ASCII
    "\u2e80-\u2fdf\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u2e3a"
)
_CJK_GAP = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")  # in text whose white space is folded to one space
_CJK_CHAR = re.compile(f"[{CJK}]")


def no_space_between(a: str, b: str) -> bool:
    """Are both characters `CJK`, so that a space between them is layout? The rule `fold`
    applies, for the parse to join lines by."""
    return bool(_CJK_CHAR.fullmatch(a) and _CJK_CHAR.fullmatch(b))


def cjk_gaps(folded: str) -> list[int]:
    """Positions of the spaces `fold` drops: one space between two CJK characters, in text
    whose white space is already one space (the parse's cleaned lines, a folded string)."""
    return [m.start() for m in _CJK_GAP.finditer(folded)]


def nfkc(text: str) -> str:
    """Compatibility forms folded; case, spaces and everything else kept."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """`nfkc` without spaces: a letter-spaced line equals its words."""
    return nfkc(text).replace(" ", "")


def fold(text: str) -> str:
    """The search key: `nfkc`, lower case, invisible and control characters dropped,
    whitespace runs one space, none between two CJK characters."""
    return _CJK_GAP.sub("", _SPACE.sub(" ", _INVISIBLE.sub("", nfkc(text)).lower()))


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

    A space dropped between two CJK characters has no folded character, so a match across it
    is drawn from its first character to its last, the space included.

    Most texts fold one character to one, with no run of white space: those are folded by
    str.translate and mapped by identity, in C."""
    folded = text.translate(_FOLD)
    offsets: Sequence[int]
    if len(text.translate(_UNEVEN)) == len(text) and "  " not in folded:
        offsets = range(len(text))
    else:
        out: list[str] = []
        offsets = []
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
        folded = "".join(out)
    gaps = cjk_gaps(folded)
    if not gaps:
        return folded, offsets
    dropped = set(gaps)
    kept = [i for i in range(len(folded)) if i not in dropped]
    return "".join(folded[i] for i in kept), [offsets[i] for i in kept]
