"""The bundled corpus: where it lives, its manifest and its data tables.

Everything the parser knows about a report that cannot be read off the text alone (edition,
chapter, layout quirks of the PDF extraction, themes, districts) is data in `corpus/*.toml`,
loaded and checked here, so that adding a report is a data change, not a code change.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path

from .layout import DEFAULT_LAYOUT, Layout
from .normalize import compact, fold, nfkc

# The folder holding index/, search/, web/ and corpus/: the checkout, or report_search/ in
# site-packages, where the corpus is installed as package data beside the code.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
CORPUS_ENV = "REPORT_SEARCH_CORPUS"


class CorpusError(Exception):
    """The corpus or one of its tables is missing, changed or malformed."""


def corpus_dir() -> Path:
    """The corpus folder: `$REPORT_SEARCH_CORPUS` (the CLI's --corpus sets it) or the bundled one."""
    return Path(os.environ.get(CORPUS_ENV) or BUNDLED_CORPUS).resolve()


def split_lines(text: str) -> list[str]:
    """Lines as `sed -n` and editors count them: split at newlines only. (str.splitlines also
    splits at form feeds, U+2028 …, which would shift every later citation.)"""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


@dataclass(frozen=True)
class Report:
    """One text file of the corpus and what the manifest says about it."""

    file: str  # as cited: the corpus folder's name and the file's, e.g. "corpus/2020-ch4.txt"
    path: Path
    text: str = field(repr=False)  # the verified content: citations are served from it, not re-read
    year: int
    title: str  # "2020上海科技进步报告"
    chapter: str  # "第4部分" or "综述"
    chapter_title: str
    publisher: str
    published: str  # the year as GB/T 7714 cites it: "2021" where the report states it, else "[2021?]"
    sha256: str
    subheadings: str = "before"
    moved: dict[str, str] = field(default_factory=dict)  # section number -> begins_at text
    labels: dict[str, str] = field(default_factory=dict)  # section number -> "after"/"before"
    spliced: tuple[tuple[str, int, int], ...] = ()  # (section number, first line, last line)
    joined: tuple[tuple[int, int], ...] = ()  # (first line, last line): one box's text, set as several paragraphs
    captions: tuple[str, ...] = ()  # photo captions (NFKC, spaces dropped): records of their own
    explained: tuple[tuple[int, str, str, tuple[str, ...]], ...] = ()  # (line, check, why, gaps): check-parse findings explained (gaps: which of a record's spaces, "创新牵引 聚焦"; none listed: all)
    layout: Layout = DEFAULT_LAYOUT  # the parse's thresholds, with the entry's [report.layout] overrides

    @cached_property
    def lines(self) -> list[str]:
        """Split once: the paragraph page reads a report's lines on every request."""
        return split_lines(self.text)

    @property
    def slug(self) -> str:
        """The file name without extension: the prefix of every paragraph id."""
        return self.path.stem

    @property
    def chapter_label(self) -> str:
        """第4部分 优化创新生态，服务双循环新发展格局 (or just 综述)."""
        return self.chapter if self.chapter == self.chapter_title else f"{self.chapter} {self.chapter_title}"


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CorpusError(f"{path.name} is missing from {path.parent}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path.name} is not valid TOML: {exc}") from None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _layout(table: object, name: str) -> Layout:
    """The defaults with the entry's `[report.layout]` overrides. A misspelt field or a value of
    the wrong type would silently parse with the default, so each is an error naming both."""
    where = f"manifest.toml: the entry of {name}: [report.layout]"
    if not isinstance(table, dict):
        raise CorpusError(f"{where} must be a table of field = number, not {table!r}")
    defaults = {f.name: getattr(DEFAULT_LAYOUT, f.name) for f in fields(Layout)}
    values: dict[str, int | float] = {}
    for key, value in table.items():
        if key not in defaults:
            near = difflib.get_close_matches(key, defaults, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else "; the fields are Layout's, in index/layout.py"
            raise CorpusError(f"{where} has no field {key!r}{hint}")
        kind = type(defaults[key])
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else kind):
            wanted = "a number" if kind is float else "a whole number"
            raise CorpusError(f"{where}: {key} must be {wanted}, not {value!r}")
        values[key] = kind(value)
    return replace(DEFAULT_LAYOUT, **values)


_PUBLISHED = re.compile(r"\d{4}|\[\d{4}\?\]")


def _published(value: object, name: str) -> str:
    """2021 (stated in the report) or "[2021?]" (GB/T 7714's estimate): nothing else cites."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not (isinstance(text, str) and _PUBLISHED.fullmatch(text)):
        raise CorpusError(f'manifest.toml: the entry of {name}: published must be the year the report states (2021) '
                          f'or an estimate in brackets ("[2021?]"), not {value!r}')
    return text


def _report(entry: dict, base: Path, publisher: str) -> Report:
    try:
        name = entry["file"]
        path = base / name
        if not path.is_file():
            raise CorpusError(f"manifest.toml names {name}, but {path} does not exist")
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"]:
            raise CorpusError(
                f"{name} has changed: manifest.toml says sha256 {entry['sha256']}, the file has "
                f"{actual}. Restore the file, or update its entry if the change is intended."
            )
        position = entry.get("subheadings", "before")
        labels = {row["section"]: row["position"] for row in entry.get("labels", [])}
        for where in [position, *labels.values()]:
            if where not in ("before", "after"):
                raise CorpusError(f"{name}: layout position must be 'before' or 'after', not {where!r}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        return Report(
            file=f"{base.name}/{name}",
            path=path,
            text=text,
            year=int(entry["year"]),
            title=entry["title"],
            chapter=entry["chapter"],
            chapter_title=entry["chapter_title"],
            publisher=entry.get("publisher", publisher),
            published=_published(entry["published"], name),
            sha256=entry["sha256"],
            subheadings=position,
            moved={row["section"]: row["begins_at"] for row in entry.get("moved", [])},
            labels=labels,
            captions=tuple(compact(c) for c in entry.get("captions", [])),
            spliced=tuple((row["section"], int(row["lines"][0]), int(row["lines"][1])) for row in entry.get("spliced", [])),
            joined=tuple((int(row["lines"][0]), int(row["lines"][1])) for row in entry.get("joined", [])),
            explained=tuple((int(row["line"]), row["check"], row["why"], tuple(row.get("gaps", ()))) for row in entry.get("explained", [])),
            layout=_layout(entry.get("layout", {}), name),
        )
    except KeyError as exc:
        raise CorpusError(f"manifest.toml: an entry lacks the field {exc.args[0]!r}: {entry}") from None


@dataclass(frozen=True)
class District:
    name: str
    names: tuple[str, ...]  # NFKC-normalised: full name and short forms (闵行区, 闵行)
    areas: tuple[str, ...]  # NFKC-normalised: places inside it (零号湾, 紫竹)
    not_in: tuple[str, ...]  # NFKC-normalised phrases that do not count

    @property
    def terms(self) -> tuple[str, ...]:
        return self.names + self.areas


@dataclass(frozen=True)
class TechField:
    """A technology field (领域) and the words the reports write it with (fields.toml)."""

    name: str
    aliases: tuple[str, ...]  # NFKC, lower case, no spaces: as `taxonomy.occurs` compares them
    not_in: tuple[str, ...] = ()  # phrases holding an alias that do not name the field (上海海洋大学)


@dataclass(frozen=True)
class Corpus:
    """The manifest plus the theme and district tables, loaded and verified."""

    root: Path
    reports: tuple[Report, ...]
    themes: tuple[str, ...]
    intro_themes: tuple[str, ...]
    section_themes: dict[tuple[int, str], tuple[str, ...]]  # (year, section key) -> themes
    keyword_themes: tuple[tuple[str, str], ...]  # (keyword, theme): naming it carries the theme anywhere
    districts: tuple[District, ...]
    cue_themes: tuple[tuple[str, str], ...] = ()  # (cue word, theme): what a paragraph is about (taxonomy.paragraph_themes)
    outside_cues: int = 2  # distinct cue words that carry a theme outside its own sections
    districts_cue: str = ""  # the theme each district a paragraph names cues (承载区) ...
    districts_with: tuple[str, ...] = ()  # ... when it also names one of these words (园区): a place, not a list by district
    synonyms: tuple[tuple[str, ...], ...] = ()  # groups of equivalent forms (synonyms.toml), as written (AI), NFKC
    definitions: dict[str, str] = field(default_factory=dict)  # theme -> what it covers, one line
    fields: tuple[TechField, ...] = ()  # the technology fields (fields.toml), in table order

    @property
    def cue_words(self) -> tuple[tuple[str, str], ...]:
        """(word, theme): every word that says a paragraph is about a theme, cue or keyword."""
        return tuple(dict.fromkeys(self.cue_themes + self.keyword_themes))

    def fingerprint(self) -> str:
        """A digest of every corpus file and table: the index is stale when it changes."""
        digest = hashlib.sha256()
        for path in sorted(self.root.glob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(sha256_of(path).encode())
        return digest.hexdigest()

    def source_lines(self, file: str, start: int, end: int, context: int = 0) -> list[tuple[int, str]]:
        """Lines start..end (1-based, inclusive) of a report as cited, with `context` lines
        around them: what a reader checks a citation against. Served from the verified text
        loaded with the corpus, so an edit on disk cannot shift or break a citation."""
        report = next((r for r in self.reports if r.file == file), None)
        if report is None:
            return []
        lines = report.lines
        first, last = max(1, start - context), min(len(lines), end + context)
        return [(n, lines[n - 1]) for n in range(first, last + 1)]


def section_key(section: str) -> str:
    """Number + title with spaces and punctuation dropped, for matching table rows."""
    return "".join(ch for ch in nfkc(section) if ch.isalnum() or ch == ".")


def load_corpus(root: Path | None = None) -> Corpus:
    """Load and verify the corpus; raises CorpusError with a message a person can act on."""
    root = (root or corpus_dir()).resolve()
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist (set {CORPUS_ENV} to point at one)")
    manifest = _read_toml(root / "manifest.toml")
    publisher = manifest.get("publisher", "")
    reports = tuple(_report(entry, root, publisher) for entry in manifest.get("report", []))
    if not reports:
        raise CorpusError("manifest.toml lists no [[report]] entries")
    slugs = [r.slug for r in reports]
    if len(set(slugs)) != len(slugs):
        raise CorpusError("manifest.toml lists the same file name twice")

    themes_table = _read_toml(root / "themes.toml")
    themes = tuple(themes_table.get("themes", []))
    known = set(themes)

    def checked(names: list[str], where: str) -> tuple[str, ...]:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CorpusError(f"themes.toml: {where} uses unknown theme(s) {unknown}; known: {themes}")
        return tuple(names)

    section_themes = {
        (int(row["year"]), section_key(row["section"])): checked(row["themes"], row["section"])
        for row in themes_table.get("section", [])
    }
    keyword_themes = tuple(
        (compact(word).lower(), theme)
        for theme, words in themes_table.get("keywords", {}).items()
        for word in words
        if checked([theme], "[keywords]")
    )
    cue_themes = tuple(
        (compact(word).lower(), theme)
        for theme, words in themes_table.get("cues", {}).items()
        for word in words
        if checked([theme], "[cues]")
    )
    definitions = {theme: str(line) for theme, line in themes_table.get("definitions", {}).items() if checked([theme], "[definitions]")}
    undefined = [t for t in themes if t not in definitions]
    if undefined:
        raise CorpusError(f"themes.toml: [definitions] has no line for {undefined}: say in one line what each theme covers")
    districts = tuple(
        District(
            name=row["name"],
            names=tuple(nfkc(t) for t in [row["name"], *row.get("short", [])]),
            areas=tuple(nfkc(t) for t in row.get("areas", [])),
            not_in=tuple(nfkc(t) for t in row.get("not", [])),
        )
        for row in _read_toml(root / "districts.toml").get("district", [])
    )
    synonyms = []
    synonyms_file = root / "synonyms.toml"
    for row in (_read_toml(synonyms_file).get("synonym", []) if synonyms_file.is_file() else []):
        forms = row.get("forms")
        if not (isinstance(forms, list) and len(forms) >= 2 and all(isinstance(f, str) and f.strip() for f in forms)):
            raise CorpusError(f"synonyms.toml: each [[synonym]] needs forms = [two or more words], not {forms!r}")
        synonyms.append(tuple(nfkc(f).strip() for f in forms))
    fields_file = root / "fields.toml"
    tech = []
    for row in (_read_toml(fields_file).get("field", []) if fields_file.is_file() else []):
        aliases = row.get("aliases")
        if not (isinstance(row.get("name"), str) and isinstance(aliases, dict) and aliases):
            raise CorpusError(f"fields.toml: each [[field]] needs name = \"…\" and aliases = {{\"word\" = count, …}}, not {row!r}")
        tech.append(TechField(row["name"], tuple(compact(a).lower() for a in aliases), tuple(compact(n).lower() for n in row.get("not", []))))
    return Corpus(
        root=root,
        definitions=definitions,
        fields=tuple(tech),
        synonyms=tuple(synonyms),
        reports=reports,
        themes=themes,
        intro_themes=checked(themes_table.get("intro", []), "intro"),
        section_themes=section_themes,
        keyword_themes=keyword_themes,
        cue_themes=cue_themes,
        outside_cues=int(themes_table.get("outside_cues", 2)),
        districts_cue=checked([themes_table["districts_cue"]], "districts_cue")[0] if "districts_cue" in themes_table else "",
        districts_with=tuple(compact(w).lower() for w in themes_table.get("districts_with", [])),
        districts=districts,
    )
