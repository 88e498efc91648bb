"""Citations: how a passage is cited in Chinese prose and in GB/T 7714 style, and its permalink."""

from __future__ import annotations

from report_search.index.paragraph import Paragraph

PUBLISHER = "上海市科学技术委员会"


def permalink(p: Paragraph) -> str:
    return f"/p/{p.id}"


def _place(p: Paragraph) -> str:
    """第4部分 4.4 优化科技金融生态 / 综述 原始创新能力不断增强 / 第4部分 导语."""
    chapter = p.chapter.split(" ")[0]
    return f"{chapter} {p.section}" if p.section else f"{chapter} 导语" if chapter != "综述" else chapter


def citation(p: Paragraph, publisher: str = PUBLISHER) -> str:
    """上海市科学技术委员会.《2020上海科技进步报告》第4部分 4.4 优化科技金融生态, 第5段
    (corpus/2020-ch4.txt 第177–183行)"""
    lines = f"第{p.line_start}行" if p.line_start == p.line_end else f"第{p.line_start}–{p.line_end}行"
    return f"{publisher}.《{p.report}》{_place(p)}, 第{p.number}段 ({p.file} {lines})"


def gbt7714(p: Paragraph, publisher: str = PUBLISHER) -> str:
    """GB/T 7714-2015 style for a report [R]: 责任者. 题名[R]. 出版地: 出版者. 引文位置."""
    return f"{publisher}. {p.report}[R]. 上海: {publisher}. {_place(p)}, 第{p.number}段."
