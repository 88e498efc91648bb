"""Citations: how a passage is cited in Chinese prose and in GB/T 7714 style, and its permalink."""

from __future__ import annotations

from datetime import date

from report_search.index.paragraph import Paragraph

PUBLISHER = "上海市科学技术委员会"


def permalink(p: Paragraph) -> str:
    return f"/p/{p.id}"


def _place(p: Paragraph) -> str:
    """第4部分 4.4 优化科技金融生态 / 综述 原始创新能力不断增强 / 第4部分 导语."""
    chapter = p.chapter.split(" ")[0]
    return f"{chapter} {p.section}" if p.section else f"{chapter} 导语" if chapter != "综述" else chapter


def _lines(p: Paragraph) -> str:
    """第177行 / 第177–183行 / 第1088–1108行，略去第1092–1094、1101行: where the passage stands in
    its file, and the lines inside that range that are not part of it (an interposed heading or
    caption), so a reader who opens the file finds exactly the cited text."""
    where = f"第{p.line_start}行" if p.line_start == p.line_end else f"第{p.line_start}–{p.line_end}行"
    if not p.skipped:
        return where
    runs: list[list[int]] = []
    for n in p.skipped:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return where + "，略去第" + "、".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs) + "行"


def citation(p: Paragraph, url: str | None = None, publisher: str = PUBLISHER) -> str:
    """上海市科学技术委员会.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态, 第5段
    (corpus/2020-ch4.txt 第177–183行), and the permalink when given: a citation that travels
    leads its reader back to the passage."""
    cited = f"{publisher}.《{p.report}》{_place(p)}, {p.designation} ({p.file} {_lines(p)})"
    return f"{cited} {url}" if url else cited


def gbt7714(p: Paragraph, url: str | None = None, publisher: str = PUBLISHER) -> str:
    """GB/T 7714-2015 style for a report: 责任者. 题名[R]. 出版地: 出版者. 引文位置. With the
    permalink it is an online resource: …[R/OL]. … 引文位置[引用日期]. 获取和访问路径."""
    if not url:
        return f"{publisher}. {p.report}[R]. 上海: {publisher}. {_place(p)}, {p.designation}."
    return f"{publisher}. {p.report}[R/OL]. 上海: {publisher}. {_place(p)}, {p.designation}[{date.today().isoformat()}]. {url}."


def _escape_bibtex(text: str) -> str:
    return "".join("\\" + ch if ch in "{}%&$#_" else ch for ch in text)


def bibtex(p: Paragraph, url: str, publisher: str = PUBLISHER) -> str:
    """One @report entry per paragraph (Zotero and EndNote import it); the note carries the
    place, the paragraph and the cited lines, the url the permalink."""
    fields = {
        "title": p.report,
        "author": "{" + publisher + "}",  # a corporate author: braced so it is not split into names
        "institution": publisher,
        "address": "上海",
        "year": str(p.year),
        "type": "报告",
        "note": f"{_place(p)}, {p.designation} ({p.file} {_lines(p)})",
        "url": url,
        "language": "zh-CN",
    }
    body = ",\n".join(f"  {name} = {{{_escape_bibtex(value) if name != 'author' else value}}}" for name, value in fields.items())
    return f"@report{{{p.id},\n{body}\n}}\n"


def ris(p: Paragraph, url: str, publisher: str = PUBLISHER) -> str:
    """One RIS record (TY RPRT … ER) per paragraph, with the permalink in UR."""
    rows = [
        ("TY", "RPRT"), ("AU", publisher), ("TI", p.report), ("PY", str(p.year)), ("PB", publisher), ("CY", "上海"),
        ("SE", _place(p)), ("N1", f"{p.designation} ({p.file} {_lines(p)})"), ("AB", p.text),
        ("UR", url), ("LA", "zh-CN"), ("ID", p.id),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in rows) + "ER  - \r\n"
