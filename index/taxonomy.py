"""Theme and district attribution from the data tables in `corpus/`."""

from __future__ import annotations

import re

from .corpus import Corpus, section_key
from .layout import DEFAULT_LAYOUT, Layout
from .normalize import nfkc


def districts_named(text: str, corpus: Corpus) -> list[str]:
    """Districts the text names directly or through an area, in table order.

    An occurrence inside one of the district's `not` phrases (黄浦 in 黄浦江) does not count.
    """
    norm = nfkc(text)
    found = []
    for district in corpus.districts:
        blocked = [
            (m.start(), m.end()) for phrase in district.not_in for m in re.finditer(re.escape(phrase), norm)
        ]
        for term in district.terms:
            hits = [m.start() for m in re.finditer(re.escape(term), norm)]
            if any(not any(s <= h and h + len(term) <= e for s, e in blocked) for h in hits):
                found.append(district.name)
                break
    return found


def label_districts(line: str, corpus: Corpus, areas: bool = True, layout: Layout = DEFAULT_LAYOUT) -> list[str] | None:
    """If the line is nothing but district names ("闵行", "浦东   张江"), the districts; else None.

    With areas=False a line of area names alone (东方美谷) is not a label."""
    words = nfkc(line).split()
    if not words or len(words) > layout.label_words:
        return None
    names: list[str] = []
    named = False
    for word in words:
        match = [d for d in corpus.districts if word in d.terms]
        if not match:
            return None
        named = named or any(word in d.names for d in match)
        names.extend(d.name for d in match if d.name not in names)
    return names if named or areas else None


def section_themes(corpus: Corpus, year: int, section: str) -> tuple[str, ...] | None:
    """Themes of a section from themes.toml; None when the table has no row for it."""
    if not section:
        return corpus.intro_themes
    return corpus.section_themes.get((year, section_key(section)))


def paragraph_themes(corpus: Corpus, year: int, section: str, text: str, heading: str = "") -> tuple[str, ...]:
    """The section's themes as they apply to one paragraph: where the section carries several,
    those its text or sub-heading cue ([cues] in themes.toml), else all of them; then the
    keyword themes of its text."""
    themes = section_themes(corpus, year, section) or ()
    if len(themes) > 1:
        said = nfkc(f"{text} {heading}")
        cued = tuple(t for t in themes if any(word in said for word, theme in corpus.cue_themes if theme == t))
        themes = cued or themes
    return merge(themes, keyword_themes(text, corpus), order=corpus.themes)


def keyword_themes(text: str, corpus: Corpus) -> list[str]:
    norm = nfkc(text)
    return [theme for word, theme in corpus.keyword_themes if word in norm]


def merge(*groups: list[str] | tuple[str, ...], order: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Union of the groups without duplicates, in `order` where given, else first-seen order."""
    seen: list[str] = []
    for group in groups:
        seen.extend(x for x in group if x not in seen)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        seen.sort(key=lambda x: rank.get(x, len(rank)))
    return tuple(seen)
