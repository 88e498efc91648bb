"""The query language: what a user types, parsed into clauses and filters.

The language is written down once, in SYNTAX below: the README's table and the API
description are made from it (a test holds the README to it).

Every clause matches by substring of the folded text (NFKC, lower case), so a word is found
inside longer words too (科创 in 科创板). A term typed in traditional characters also looks for
its simplified form (長三角 → 长三角 OR 長三角), by OpenCC; the reports are in simplified Chinese. Any input parses: stray quotes, a lone OR, a lone "-"
and unknown `field:` prefixes are read as text (with a note saying so); only a filter with a bad
value, or an input over MAX_LENGTH characters, is an error (QueryError, with a message for a person).

`tree()` turns a parsed query into the Whoosh query that runs it (search/exact.py's `Exact`
leaves under Whoosh's And / Or / AndNot / AndMaybe).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import opencc
from whoosh import query as wq

from report_search.index.analysis import tokenizer, words
from report_search.index.normalize import INVISIBLE, fold
from report_search.index.paragraph import KIND_LABELS

from .cache import ByteLRU, size_of
from .exact import AndNot, Evaluated, Exact
from .ranking import UNBROKEN_BONUS
from . import params
from .params import FACET_NAMES, FACETS, MAX_LENGTH, MAX_TERMS, MAX_VALUES, BadInput

FILTER_FIELDS = {typed: f.name for f in FACETS for typed in (f.name, *f.typed)} | {"section": "section", "章节": "section"}
SYNTAX = (  # (what you type, what it means)
    ("科创板 上市", "both must occur (AND)"),
    ("科创板上市企业", "segmented by jieba: 科创板 + 上市 + 企业, each must occur"),
    ("长三角 OR 一带一路", "either"),
    ("-保险", "must not occur"),
    ('"科技创新中心"', "exactly this text"),
    ('"张江高科技园区 为基础"', "a space between two Chinese characters is layout, not a separator: typed or printed, with it or "
     "without it, the same text (张江高科技园区为基础); ASCII words keep theirs (`\"R&D 经费\"`); unquoted, a space still parts two terms"),
    ("section:4.4", "only section 4.4 (of every edition); also a section's title (`section:推动科学普及事业发展`), its whole "
     'label in quotes (`section:"4.4 优化科技金融生态"`), or `section:导语` (the paragraphs before the first section)'),
    ("year:2020 theme:科技金融 district:闵行",
     "filters (also `--year/--theme/--district`; short or full district names; repeated values count once, "
     f"at most {MAX_VALUES} per facet, unknown values are dropped — each said in a note)"),
    ("field:人工智能 kind:prose", "technology field (领域, by name or alias: `领域:芯片` = 集成电路) and kind of record "
     "(类型: " + ", ".join(f"{kind} {word}" for kind, word in KIND_LABELS.items()) + "; "
     "`类型:正文` works too); also `--field/--kind`. Chinese prefixes: 年份: 主题: 区: 领域: 类型:"),
    ("長三角", "traditional characters also look for the simplified form (OpenCC): 長三角 OR 长三角"),
    ("科创中心", "the reports' own short and full forms find each other (`corpus/synonyms.toml`): 科创中心 OR 科技创新中心; "
     "said in the notes, with a link to search only what was typed (`expand=0`); a quoted phrase is never expanded"),
    ("within=科普", "(a URL parameter) 结果中检索: the second box on the results page adds a term to the current search"),
)
PARSED_BYTES = 2 * 2**20  # parsed query strings kept, by their size (~2 KB each: a page, sort or facet click repeats one of the last thousand; a hostile 200-character query parses to ~90 KB)
_CONTROL = re.compile(INVISIBLE + r"|[\t\n\r\x0b\x0c\u2028\u2029]")  # typed: separates terms
_TOKEN = re.compile(r'(-?)(?:([A-Za-z\u4e00-\u9fff]+):)?(?:"([^"]*)"?|(\S+))')


class QueryError(BadInput):
    """The query cannot be run as typed; the message says why and what to type instead."""


@dataclass(frozen=True)
class Clause:
    """One thing that must (or must not) occur.

    `text` is the folded string as typed; `parts` the strings that must each occur (the jieba
    segments of an unquoted term, or the phrase itself when quoted)."""

    text: str
    parts: tuple[str, ...]
    phrase: bool = False

    @property
    def label(self) -> str:
        return f'"{self.text}"' if self.phrase else " + ".join(self.parts)


@dataclass(frozen=True)
class Query:
    groups: tuple[tuple[Clause, ...], ...]  # AND of groups; a group is an OR of clauses
    excluded: tuple[Clause, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # from year:… in the text
    notes: tuple[str, ...] = ()  # how odd input was read
    synonyms: bool = False  # a term also looks for its synonyms (the page offers to search only what was typed)

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return tuple(c for group in self.groups for c in group)

    @property
    def terms(self) -> list[str]:
        """What is looked for, after segmentation: every part of every positive clause."""
        out: list[str] = []
        for clause in self.clauses:
            out.extend(p for p in clause.parts if p not in out)
        return out

    @property
    def needles(self) -> tuple[Clause, ...]:
        """What to highlight: every positive clause, marked whole where a text holds it whole
        and by its parts elsewhere (highlight.resolve)."""
        return self.clauses

    def describe(self) -> str:
        """The query as understood, in the words shown to the user."""
        pieces = [" 或 ".join(c.label for c in group) for group in self.groups]
        pieces += [f"不含 {c.text}" for c in self.excluded]  # excluded as typed, not by parts
        return "，".join(pieces)


def parse_all(texts: tuple[str, ...], synonyms: tuple[tuple[str, ...], ...] = ()) -> Query:
    """Several query strings, each parsed on its own and all required (a search and the terms
    searched within its results): one string's stray OR or open quote never reaches the next."""
    parsed = [parse(t, synonyms) for t in texts if t.strip()]
    filters: dict[str, tuple[str, ...]] = {}
    for q in parsed:
        for name, values in q.filters.items():
            filters[name] = filters.get(name, ()) + values
    groups, excluded, notes = _bounded([g for q in parsed for g in q.groups], [c for q in parsed for c in q.excluded])
    return Query(
        groups=groups,
        excluded=excluded,
        filters=MappingProxyType(filters),
        notes=(*(n for q in parsed for n in q.notes), *notes),
        synonyms=any(q.synonyms for q in parsed),
    )


def _bounded(groups: list[tuple[Clause, ...]], excluded: list[Clause]) -> tuple[tuple, tuple, list[str]]:
    """At most MAX_TERMS strings to look for, counting every part of every clause and each
    exclusion, in the order typed: past that a query is no search but a load on the server,
    and the rest is dropped with a note. The cut may fall inside a term (its first jieba
    words kept) or inside a group of alternatives, never before the first string: a long
    query searches its beginning, never everything."""
    kept_groups: list[tuple[Clause, ...]] = []
    budget = MAX_TERMS
    for group in groups:
        kept: list[Clause] = []
        for clause in group:
            if budget <= 0:
                break
            parts = clause.parts[:budget]
            kept.append(clause if parts == clause.parts else replace(clause, parts=parts))
            budget -= len(parts)
        if kept:
            kept_groups.append(tuple(kept))
    kept_excluded = excluded[: max(0, budget)]
    asked = sum(len(c.parts) for g in groups for c in g) + len(excluded)
    notes = [f"查询包含 {asked} 个检索词，只检索前 {MAX_TERMS} 个"] if asked > MAX_TERMS else []
    return tuple(kept_groups), tuple(kept_excluded), notes


def segments(text: str) -> tuple[str, ...]:
    """The parts an unquoted term must contain: jieba words, or the term itself when it has none."""
    folded = fold(text).strip()
    parts: list[str] = []
    for word, _, _ in words(folded):
        if word not in parts:
            parts.append(word)
    return tuple(parts) if parts else ((folded,) if folded else ())


def parse(text: str, synonyms: tuple[tuple[str, ...], ...] = ()) -> Query:
    """Parse a query string. Raises QueryError only for over-long input or bad filter values.

    An unquoted term equal to one form of a `synonyms` group (the corpus's synonyms.toml) also
    looks for the group's other forms, as if typed with OR. The last PARSED_BYTES of parsed
    queries are kept (a Query is immutable): the next page, another sort or a facet click
    repeats the text, and segmenting it with jieba was a sixth of a search at 1×."""
    return _parsed.fetch((text, synonyms), lambda: _parse(text, synonyms))


def _weigh(item: object) -> int:
    """A parsed query's bytes, or its key's: the key's synonym table is one object shared by
    every entry, so only the key's text counts."""
    return size_of(item[0]) if isinstance(item, tuple) else size_of(item)


_parsed: ByteLRU[Query] = ByteLRU(PARSED_BYTES, weigh=_weigh)


def _parse(text: str, synonyms: tuple[tuple[str, ...], ...]) -> Query:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"查询过长：{len(text)} 个字符，最多 {MAX_LENGTH} 个。请缩短关键词。")
    notes: list[str] = []
    if text and not fold(text).strip() and text.strip():
        notes.append("查询只含不可见字符（零宽空格、控制字符等），已按空查询处理")
    text = _CONTROL.sub(" ", text)
    groups: list[list[Clause]] = []
    excluded: list[Clause] = []
    filters: dict[str, list[str]] = {}
    pending_or = pending_not = expanded = False
    for m in _TOKEN.finditer(text):
        negate, prefix, quoted, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if quoted is not None and not (len(m.group(0)) > m.group(0).index('"') + 1 and m.group(0).endswith('"')):
            notes.append("引号不成对：最后一个引号之后的内容按短语处理")
        if prefix and fold(prefix) in FILTER_FIELDS and not negate:
            value = quoted if quoted is not None else bare
            if value and value.strip():
                filters.setdefault(FILTER_FIELDS[fold(prefix)], []).append(value.strip())
            else:
                notes.append(f"{prefix}: 后面没有值，已忽略")
            continue
        raw = quoted if quoted is not None else bare
        if prefix:  # an unknown field: the whole token is text
            if fold(prefix) in FILTER_FIELDS:
                notes.append(f"筛选条件不能取反：-{prefix}:，已按文字排除")
            else:
                notes.append(f"未知的字段 {prefix}:，按文字检索（可用字段：{'、'.join([*FACET_NAMES, 'section'])}）")
            raw = f"{prefix}:{raw}" if raw is not None else f"{prefix}:"
        if raw is None:
            continue
        if quoted is None and raw in ("AND", "NOT") and not negate:
            notes.append("AND 已省略：空格即表示“且”" if raw == "AND" else "NOT 按排除处理：其后的词不得出现（也可写作 -词）")
            pending_not = raw == "NOT"
            continue
        if quoted is None and raw == "OR" and not negate:
            pending_or = bool(groups)
            if not groups:
                notes.append("OR 前面没有词，已忽略")
            continue
        clause = _clause(raw, phrase=quoted is not None)
        if clause is None:
            continue
        variants = [clause]
        simplified = _clause(to_simplified(raw), phrase=quoted is not None)
        if simplified is not None and simplified.text != clause.text:
            variants.append(simplified)  # as if typed: 長三角 OR 长三角
            notes.append(f"繁体按简体查找：{clause.text} → {simplified.text}")
        if quoted is None:
            for group, keys in zip(synonyms, _folded(synonyms)):
                if variants[-1].text in keys:  # as if typed: 科创中心 OR 科技创新中心
                    typed = group[keys.index(variants[-1].text)]
                    others = [f for f, k in zip(group, keys) if k != variants[-1].text]
                    variants.extend(c for f in others if (c := _clause(f, phrase=False)) is not None)
                    notes.append(f"同义词一并查找：查“{typed}”时也查{'、'.join(f'“{f}”' for f in others)}")
                    expanded = True
                    break
        if negate or pending_not:
            excluded.extend(variants)
        elif pending_or and groups:
            groups[-1].extend(variants)
        else:
            groups.append(variants)
        pending_or = pending_not = False
    if pending_or:
        notes.append("OR 后面没有词，已忽略")
    return Query(
        groups=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        filters=MappingProxyType({k: tuple(v) for k, v in filters.items()}),
        notes=tuple(notes),
        synonyms=expanded,
    )


@functools.lru_cache(maxsize=4)
def _folded(synonyms: tuple[tuple[str, ...], ...]) -> list[list[str]]:
    """Each synonym group's forms folded as a query term is, once per synonym table."""
    return [[fold(f).strip() for f in group] for group in synonyms]


def without_bad_filters(text: str) -> str:
    """The query text less each filter whose value is malformed (year:abc): what a 400 page's
    retry link keeps of it, so one typo does not cost the rest of the query."""
    kept = []
    for m in _TOKEN.finditer(text):
        negate, prefix, quoted, bare = m.groups()
        if prefix and not negate and FILTER_FIELDS.get(fold(prefix)) == "year":
            try:
                params.year(quoted if quoted is not None else bare or "")
            except BadInput:
                continue
        kept.append(m.group(0))
    return " ".join(kept)


def tree(query: Query) -> wq.Query:
    """The Whoosh query for the text of a parsed query (filters aside): every group must
    match (And), any clause of a group (Or), every part of a clause (And of Exact leaves),
    plus UNBROKEN_BONUS where a segmented clause occurs as typed (AndMaybe); excluded clauses
    removed (AndNot) from the same fields they would match. No terms: every document. The tree
    is answered as a whole, on document sets (exact.Evaluated)."""
    groups = [wq.Or([_clause_tree(c) for c in group]) for group in query.groups]
    positive = wq.And(groups) if groups else wq.Every()
    if query.excluded:
        positive = AndNot(positive, wq.Or([Exact(c.text) for c in query.excluded]))
    return Evaluated(positive.normalize())


def _clause_tree(clause: Clause) -> wq.Query:
    parts = wq.And([Exact(p) for p in clause.parts])
    if len(clause.parts) > 1:
        return wq.AndMaybe(parts, Exact(clause.text, score=UNBROKEN_BONUS))
    return parts


_converter: opencc.OpenCC | None = None
_QUOTED = re.compile(r'"[^"]*"?')


def load_models(texts: tuple[str, ...]) -> None:
    """Load what parsing these texts needs, once per process: OpenCC always, jieba only if
    some text has anything outside quotes (a quoted search never segments)."""
    to_simplified("")
    if any(_QUOTED.sub("", t).strip() for t in texts):
        tokenizer()


def to_simplified(text: str) -> str:
    """Traditional → simplified characters (OpenCC t2s); other text is unchanged."""
    global _converter
    if _converter is None:
        _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


def _clause(raw: str, phrase: bool) -> Clause | None:
    folded = fold(raw).strip()
    if not folded:
        return None
    if phrase:
        return Clause(folded, (folded,), phrase=True)
    return Clause(folded, segments(folded))
