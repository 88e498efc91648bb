"""Line-level cleaning of PDF-extracted text: markup, bullets, letter spacing, line joins.

The functions here look at one or two lines at a time; the paragraph structure is `parse.py`'s.
"""

from __future__ import annotations

import re

from .analysis import words
from .layout import DEFAULT_LAYOUT, Layout

# Only real HTML tags are markup: 《上海贯彻<长江三角洲区域一体化发展规划纲要>实施方案》 is text.
_HTML_TAG = re.compile(r"</?(?:div|ul|ol|li|span|p|br|table|thead|tbody|tr|td|th|b|i|strong|em)\b[^<>]*>", re.I)
_BULLET = re.compile(r"^(?:[-•●▶►◆■□▪]|>>)\s*")
_TRAILING_MARK = re.compile(r"\s*[●▶►◆]$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SEPARATOR = re.compile(r"^[\s|\-–—:]*$")
TERMINAL = "。！？；!?;"
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·⸺～％"
_OPENERS = "，、；：（“‘《〈【「『(—⸺"
_CLOSERS = "，。、；：？！）”’》〉】」』)%％—⸺"


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def is_cjk_punct(ch: str) -> bool:
    return ch in CJK_PUNCT or "\uff00" <= ch <= "\uffef"


def is_blank(raw: str) -> bool:
    return not raw.replace("\u3000", " ").replace("\ufffd", "").strip()


def is_separator(raw: str) -> bool:
    """Table rules such as `|------|---|`, `- | | |`, `--\t--\t---`: no words at all."""
    return bool(_SEPARATOR.match(raw)) and ("-" in raw or "|" in raw)


def is_table_line(raw: str) -> bool:
    return "\t" in raw or raw.lstrip().startswith("|") or bool(_HTML_TAG.search(raw))


def is_bullet(raw: str) -> bool:
    """A list item (`- `, `• `); ▶ ► ● ◆ >> mark headings instead."""
    return bool(re.match(r"^\s*[-•]\s", raw)) and not is_separator(raw)


def markdown_heading(raw: str, layout: Layout = DEFAULT_LAYOUT) -> tuple[int, str] | None:
    """(level, text) for a markdown heading line such as `## ▶ 高质量发展支撑有力`."""
    m = _MD_HEADING.match(raw.strip())
    return (len(m.group(1)), clean_line(m.group(2), layout)) if m else None


def clean_line(raw: str, layout: Layout = DEFAULT_LAYOUT) -> str:
    """One line without markup: HTML tags, `**`, table pipes and tabs, bullets, stray marks."""
    text = raw.replace("\ufffd", "").replace("\u3000", " ")
    text = _HTML_TAG.sub(" ", text).replace("**", "")
    if "|" in text and text.strip().startswith("|"):
        text = " ".join(cell.strip() for cell in text.split("|"))
    text = text.replace("\t", " ")
    text = _MD_HEADING.sub(r"\2", text.strip())
    text = _BULLET.sub("", text)
    text = _TRAILING_MARK.sub("", text)
    return collapse_spacing(text.strip(), layout)


def letters(tokens: list[str], most: int, cjk: bool = False) -> int:
    """How many tokens are letters of letter-spaced text: at most `most` characters long (with
    `cjk`, Chinese characters only)."""
    return sum(len(t) <= most and (not cjk or all(is_cjk(ch) for ch in t)) for t in tokens)


def letter_spaced(tokens: list[str], *, min_tokens: int, share: float, most: int, cjk: bool = False) -> bool:
    """Is a line set letter-spaced: at least `min_tokens` tokens, at least `share` of them letters?
    The one test behind every letter-spacing check of the parse; each caller names its cut-offs
    (Layout's spaced_tokens, letter_max, collapse_share, wrap_spaced_share, caption_min)."""
    return len(tokens) >= min_tokens and letters(tokens, most, cjk) >= share * len(tokens)


def collapse_spacing(text: str, layout: Layout = DEFAULT_LAYOUT) -> str:
    """Undo letter spacing (率 先 启 动 → 率先启动, 5 7 . 5 4 % → 57.54%) and PDF gaps next to
    Chinese; keep spaces between ASCII words and between multi-character Chinese labels."""
    tokens = text.split()
    if len(tokens) <= 1:
        return text
    if letter_spaced(tokens, min_tokens=layout.spaced_tokens, share=layout.collapse_share, most=layout.letter_max):
        return "".join(tokens)
    # a line partly set letter-spaced (李强 宣读贺信 并 讲 话): what is left between its words is
    # the same spacing, not a separator
    spaced = letters(tokens, 1, cjk=True) >= layout.partly_spaced_min
    out = tokens[0]
    for prev, tok in zip(tokens, tokens[1:]):
        a, b = out[-1], tok[0]
        glue = (
            is_cjk_punct(a)
            or is_cjk_punct(b)
            or (is_cjk(a) and b.isdigit())
            or (a.isdigit() and is_cjk(b))
            or (is_cjk(a) and is_cjk(b) and (len(prev) == 1 or len(tok) == 1 or spaced))
        )
        out += tok if glue else " " + tok
    return out


def _word_crosses(a: str, b: str) -> bool:
    """Does jieba read a word across the end of `a` and the start of `b` (科学|城 → 科学城)?
    It asks about four characters either side of the break: a window for words, a fact of the
    language rather than of a report's layout."""
    left, right = a[-4:], b[:4]
    return any(start < len(left) < end for _, start, end in words(left + right))


def display_width(raw: str) -> int:
    """Columns a line takes on the page: Chinese and full-width characters count two."""
    return sum(2 if is_cjk(ch) or is_cjk_punct(ch) else 1 for ch in raw.strip())


def _glue(a: str, b: str, layout: Layout) -> str:
    """What goes between two pieces of one paragraph that the layout broke apart: "" or " "."""
    x, y = a[-1], b[0]
    if x.isascii() and x.isalnum() and y.isascii() and y.isalnum():
        return " "
    if x in _OPENERS or x in TERMINAL or is_cjk_punct(y):
        return ""
    if len(a) >= layout.piece_wrap or (len(a) <= layout.vertical_max and len(b) <= layout.vertical_max):  # a wrapped line, or vertical text
        return ""
    return "" if _word_crosses(a, b) else " "


def join_pieces(pieces: list[str], widths: list[int] | None = None, layout: Layout = DEFAULT_LAYOUT) -> str:
    """Join the cleaned lines (or short blocks) of one paragraph.

    With `widths` (the pieces' widths on the page), a piece as wide as the column is a wrapped
    line and runs straight on into the next (5月，上海首家|科普产业孵化|基地创建)."""
    keep = [i for i, piece in enumerate(pieces) if piece]
    if not keep:
        return ""
    full = layout.wrap_ratio * max(widths) if widths else float("inf")
    out = pieces[keep[0]]
    for i, j in zip(keep, keep[1:]):
        wrapped = widths is not None and widths[i] >= full and pieces[i][-1] not in TERMINAL
        out += ("" if wrapped else _glue(pieces[i], pieces[j], layout)) + pieces[j]
    return out
