"""Theme and district attribution from the data tables in `corpus/`."""

from __future__ import annotations

import re
from collections import Counter

from .corpus import Corpus, section_key
from .layout import DEFAULT_LAYOUT, Layout
from .normalize import compact, nfkc


def districts_named(text: str, corpus: Corpus) -> list[str]:
    """Districts the text names directly or through an area, in table order.

    An occurrence inside one of the district's `not` phrases (黄浦 in 黄浦江) does not count.
    """
    norm = nfkc(text)
    return [d.name for d in corpus.districts if any(occurs(term, norm, d.not_in) for term in d.terms)]


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
    """The themes a paragraph is about (themes.toml), read from its text and sub-heading:
    - every theme one of whose [keywords] it names, wherever it stands;
    - its section's themes that it cues ([cues] or [keywords]); when it cues none of them, all of
      them, unless it is about something else (it names another theme as above): a paragraph
      that merely sits in a section does not carry the section's theme;
    - another theme when it names `outside_cues` distinct cue words of it: a word inside a
      longer one found is not counted again, and each district it names is a cue of
      `districts_cue` (承载区) when it also names a word of `districts_with` (园区, 科学城):
      districts named alone are a list by district (高企 policies, 科普 work), not a place;
    - a section theme without cue words (概览: where a paragraph stands, not a topic), always."""
    said = compact(f"{text} {heading}").lower()
    found = [(word, theme) for word, theme in corpus.cue_words if occurs(word, said)]
    # a word inside a longer one found for the same theme (产业 in 产业链) is not a cue of its own
    cued = Counter(t for w, t in found if not any(t == u and w != v and w in v for v, u in found))
    if corpus.districts_cue and any(occurs(w, said) for w in corpus.districts_with):
        cued[corpus.districts_cue] += len(districts_named(f"{text} {heading}", corpus))
    home = section_themes(corpus, year, section) or ()
    topics = {theme for _, theme in corpus.cue_words} | {corpus.districts_cue}
    places = [t for t in home if t not in topics]
    named = {theme for word, theme in corpus.keyword_themes if occurs(word, said)}
    elsewhere = (named | {t for t, n in cued.items() if n >= corpus.outside_cues}) - set(home)
    kept = [t for t in home if t in topics and cued[t]] or ([] if elsewhere else [t for t in home if t in topics])
    return merge(places, kept, named, elsewhere, order=corpus.themes)


def paragraph_fields(text: str, corpus: Corpus) -> tuple[str, ...]:
    """The technology fields (fields.toml) the text names by one of their aliases, in table order."""
    said = compact(text).lower()
    return tuple(f.name for f in corpus.fields if any(occurs(a, said, f.not_in) for a in f.aliases))


def occurs(term: str, text: str, blocked: tuple[str, ...] = ()) -> bool:
    """Whether `term` occurs in `text` (both normalised alike) outside every `blocked` phrase
    (黄浦 in 黄浦江); an ASCII term (AI, 5G) only as a word of its own, never inside another
    (email, 15G)."""
    pattern = re.escape(term)
    if term.isascii():
        pattern = rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"
    spans = [(m.start(), m.end()) for phrase in blocked for m in re.finditer(re.escape(phrase), text)]
    return any(not any(s <= m.start() and m.end() <= e for s, e in spans) for m in re.finditer(pattern, text, re.I))


def merge(*groups: list[str] | tuple[str, ...], order: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Union of the groups without duplicates, in `order` where given, else first-seen order."""
    seen: list[str] = []
    for group in groups:
        seen.extend(x for x in group if x not in seen)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        seen.sort(key=lambda x: rank.get(x, len(rank)))
    return tuple(seen)
