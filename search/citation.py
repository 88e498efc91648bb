"""Citations: the one builder of every form a passage is cited in — the plain Chinese citation,
GB/T 7714-2015, BibTeX, RIS and the CSV columns — for the pages, the API, the exports, the
引用清单 and the CLI alike, so the forms never drift apart.

A `Citer` knows the corpus (each report's publisher and publication year, from manifest.toml)
and how a paragraph's permalink is written (`link`: absolute on a deployed site, a bare path
where no public address is known); calling it on a paragraph gives its `Citation`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from report_search.index.corpus import Report
from report_search.index.paragraph import Paragraph

PLACE = "上海"  # 出版地 of every bundled report


def path_link(pid: str) -> str:
    """A permalink where no public address is known (the CLI without REPORT_SEARCH_PUBLIC_URL)."""
    return f"/p/{pid}"


def _runs(numbers: Iterable[int]) -> str:
    """1092、1094 / 1092–1094、1101: line numbers, consecutive ones as a range."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "、".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def lines(p: Paragraph) -> str:
    """第177行 / 第177–183行 / 第1088–1108行，略去第1092–1094、1101行: where the passage stands in
    its file, and the lines inside that range that are not part of it (an interposed heading or
    caption), so a reader who opens the file finds exactly the cited text."""
    where = f"第{p.line_start}行" if p.line_start == p.line_end else f"第{p.line_start}–{p.line_end}行"
    return where + (f"，略去第{_runs(p.skipped)}行" if p.skipped else "")


def place(p: Paragraph) -> str:
    """第4部分 4.4 优化科技金融生态 / 综述 原始创新能力不断增强 / 第4部分 导语."""
    chapter = p.chapter.split(" ")[0]
    return f"{chapter} {p.section}" if p.section else f"{chapter} 导语" if chapter != "综述" else chapter


def position(p: Paragraph) -> str:
    """第5段 for prose and lists; every other kind by its word and its lines, never as a numbered
    paragraph: 图示，第418–510行 (issue 17)."""
    return p.designation if p.numbered else f"{p.designation}，{lines(p)}"


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_",
                   "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}

# Pairs LaTeX would print as one character (-- as –, `` as “, ?` as ¿): kept apart by {}.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")


def bibtex_value(text: str) -> str:
    """A field value LaTeX prints as `text` and a BibTeX parser reads back whole. Braces are
    escaped as \\{ \\} when they pair up in the text; a lone one would unbalance the entry for
    BibTeX (which counts braces even after a backslash), so it becomes \\textbraceleft{}."""
    depth, paired = 0, True
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        paired = paired and depth >= 0
    paired = paired and depth == 0
    special = {**_BIBTEX_SPECIAL, **({"{": r"\{", "}": r"\}"} if paired else {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"})}
    return _LIGATURE.sub("{}", "".join(special.get(ch, ch) for ch in text))


@dataclass(frozen=True)
class Citation:
    """A paragraph as cited: `url` its permalink, `published` the report's year as GB/T 7714
    writes it (2021, or [2021?] where the report does not state it), `accessed` the 引用日期."""

    paragraph: Paragraph
    url: str
    publisher: str
    published: str
    accessed: date

    @property
    def online(self) -> bool:
        """An absolute permalink makes it an online resource ([R/OL], with 引用日期 and URL)."""
        return "://" in self.url

    @property
    def year(self) -> str:
        return self.published.strip("[?]")

    @property
    def estimated(self) -> bool:
        return self.published.startswith("[")

    @property
    def position(self) -> str:
        return position(self.paragraph)

    @property
    def source(self) -> str:
        """corpus/2020-ch4.txt 第177–183行: the file and lines a reader checks it against."""
        return f"{self.paragraph.file} {lines(self.paragraph)}"

    @property
    def located(self) -> str:
        """第4部分 4.4 优化科技金融生态, 第5段 (corpus/2020-ch4.txt 第177–183行): place, position and
        the file — with its lines where the position does not already name them."""
        p = self.paragraph
        return f"{place(p)}, {position(p)} ({self.source if p.numbered else p.file})"

    @property
    def note(self) -> str:
        """Where it stands, for BibTeX's note and RIS's N1: place, position, the cited lines, and
        that the year is an estimate where it is one."""
        return self.located + (f"；出版年为推定（{self.published}）" if self.estimated else "")

    def plain(self) -> str:
        """上海市科学技术委员会.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态, 第5段
        (corpus/2020-ch4.txt 第177–183行) https://…/p/2020-ch4-0177 — a figure reads 图示，第418–510行
        (corpus/2017-ch4.txt): a citation that travels leads its reader back to the passage."""
        cited = f"{self.publisher}.《{self.paragraph.report}》{self.located}"
        return f"{cited} {self.url}" if self.online else cited

    def gbt7714(self) -> str:
        """GB/T 7714-2015, a report: 责任者. 题名[R]. 出版地: 出版者, 出版年: 引文位置. Online:
        责任者. 题名[R/OL]. 出版地: 出版者, 出版年: 引文位置[引用日期]. 获取和访问路径."""
        p = self.paragraph
        head = f"{self.publisher}. {p.report}[R{'/OL' if self.online else ''}]. {PLACE}: {self.publisher}, {self.published}: {place(p)}, {position(p)}"
        return f"{head}[{self.accessed.isoformat()}]. {self.url}." if self.online else f"{head}."

    def bibtex(self) -> str:
        """One @report entry (Zotero and EndNote import it): the passage in `abstract`, where it
        stands in `note`, every value escaped for BibTeX and LaTeX (`bibtex_value`)."""
        p = self.paragraph
        fields = [
            ("author", "{" + bibtex_value(self.publisher) + "}"),  # a corporate author: braced so it is not split into names
            ("title", bibtex_value(p.report)),
            ("institution", bibtex_value(self.publisher)),
            ("address", PLACE),
            ("year", self.year),
            ("type", "报告"),
            ("note", bibtex_value(self.note)),
            ("abstract", bibtex_value(p.text)),
            *([("url", self.url), ("urldate", self.accessed.isoformat())] if self.online else []),
            ("language", "zh-CN"),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@report{{{p.id},\n{body}\n}}\n"

    def ris(self) -> str:
        """One RIS record (TY RPRT … ER): the same fields as the BibTeX entry."""
        p = self.paragraph
        rows = [
            ("TY", "RPRT"), ("AU", self.publisher), ("TI", p.report), ("PY", self.year), ("PB", self.publisher), ("CY", PLACE),
            ("SE", place(p)), ("N1", self.note), ("AB", p.text),
            *([("UR", self.url), ("Y2", self.accessed.isoformat())] if self.online else []),
            ("LA", "zh-CN"), ("ID", p.id),
        ]
        return "".join(f"{tag}  - {value}\r\n" for tag, value in rows) + "ER  - \r\n"

    def to_json(self) -> dict:
        """The fields a hit, a paragraph and an export line carry."""
        return {"url": self.url, "citation": self.plain(), "citation_gbt7714": self.gbt7714()}


def numbered_references(citations: Iterable[Citation]) -> str:
    """[1] …\n[2] …\n: a numbered GB/T 7714 reference list, as the gbt export and the 引用清单
    print it."""
    return "".join(f"[{i}] {c.gbt7714()}\n" for i, c in enumerate(citations, 1))


class Citer:
    """Cites paragraphs of one corpus: publisher and publication year from its manifest entry,
    the permalink from `link(pid)`, the 引用日期 today."""

    def __init__(self, reports: Iterable[Report], link: Callable[[str], str] = path_link) -> None:
        self.reports = {r.file: r for r in reports}
        self.link = link

    def __call__(self, p: Paragraph) -> Citation:
        report = self.reports[p.file]
        return Citation(p, self.link(p.id), report.publisher, report.published, date.today())

