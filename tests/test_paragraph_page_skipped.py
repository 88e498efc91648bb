"""The paragraph page shows which cited lines are not part of the text (issue 9, point 1).

Rendered from a parsed record directly: the index stores `skipped` once the schema carries it."""

from __future__ import annotations

import re

from flask import render_template

from report_search.web.app import create_app


def test_the_page_names_and_marks_the_skipped_lines(corpus, find):
    p = find(2019, "稳步推进上海科普公园建设")  # 2019-ch4.txt 1088–1108, lines 1092 and 1094 interposed
    raw = corpus.source_lines(p.file, p.line_start, p.line_end, context=2)
    app = create_app({"ENGINE": object(), "TESTING": True})
    with app.test_request_context(f"/p/{p.id}"):
        html = render_template(
            "paragraph.html", p=p, d={"snippet_html": p.text, "related": [], "prev": None, "next": None},
            q="", citation="", gbt="", lines=raw, raw=raw, back=None,
        )
    assert "第 1092、1094 行" in html
    marked = re.findall(r'<span class="line skipped"><span class="no">(\d+)</span>', html)
    assert marked == ["1092", "1094"]
    assert "图片说明" in html and "类型</dt><dd class=\"kind\">正文" in html
