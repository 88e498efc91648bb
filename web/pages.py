"""The HTML pages: home, results, paragraph permalink. Each has a JSON twin under /api/."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request, url_for

from report_search.index.clean import clean_line
from report_search.search.highlight import highlight_lines, resolve
from report_search.search import export as export_formats
from report_search.search.results import Results
from report_search.search.zero_results import explain
from report_search.search import params
from report_search.search.params import FACET_NAMES, FACETS, PER_PAGE_CHOICES, SORTS, BadInput
from report_search.search.request import SearchRequest

from .engines import engine
from .data import chapter_json, cite, collected, compare_json, marked, paragraph_json
from .params import Links, read, toggled, url_args

pages = Blueprint("pages", __name__)


@pages.get("/")
def home():
    e = engine()
    counts = {facet: {row["value"]: row["count"] for row in rows} for facet, rows in e.search(SearchRequest(per_page=1)).facets.items()}
    editions = sorted({(r.year, r.title) for r in e.corpus.reports}, reverse=True)
    return render_template(
        "home.html",
        editions=[(year, title, counts["year"].get(year, 0)) for year, title in editions],
        total=e.size,
        themes=list(counts["theme"].items()),
        definitions=e.corpus.definitions,
        districts=list(counts["district"].items()),
        reports=e.corpus.reports,
    )


@pages.get("/search")
def search():
    e = engine()
    results = e.search(read(request.args))
    chips = [(f.name, value, f.word(value)) for f in FACETS for value in results.filters.selected(f.name)]
    kept = url_args(results, q=None, within=None, page=None)  # what a new query keeps: filters, sort, per page
    here, exports = Links("pages.search"), Links("pages.export")
    return render_template(
        "search.html",
        r=results,
        chips=chips,
        keep={k: v if isinstance(v, list) else [v] for k, v in kept.items()},
        per_page_choices=PER_PAGE_CHOICES,
        synonyms_used=results.parsed.synonyms,
        key_terms=e.key_terms(results),
        help=_zero_help(results, here) if not results.total and results.parsed.groups else None,
        sorts=list(SORTS.items()),
        link=lambda **changes: here(url_args(results, **changes)),
        facets=FACETS,
        facet_names=FACET_NAMES,
        unfiltered=here(url_args(results, page=None, **dict.fromkeys(FACET_NAMES))),
        toggle=lambda facet, value: here(
            url_args(results, page=None, **{facet: toggled(results.filters.selected(facet), value) or None})
        ),
        api_link=url_for("api.search", **url_args(results)),
        export_link=lambda fmt: exports({**url_args(results, page=None, per_page=None), "format": fmt}),
        export_cap=params.MAX_EXPORT,
        compare_link=url_for("pages.compare", **url_args(results, year=None, page=None, per_page=None, sort=None)),
        cite=cite(),
        paragraph_link=Links("pages.paragraph", "pid"),
        reader_link=Links("pages.reader", "report"),
        year_chart=_year_chart(results.facets["year"]),
        page_window=_page_window(results.page, results.pages),
    )


@pages.get("/r/<report>")
def reader(report: str):
    """The whole chapter to read, with a table of contents; with ?q= every match is marked and
    a bar jumps between them."""
    data = chapter_json(report, request.args)
    if data is None:
        known = "、".join(r.slug for r in engine().corpus.reports)
        abort(404, description=f"没有名为 {report} 的报告章节。可选：{known}。")
    return render_template("reader.html", d=data, q=data["query"],
                           api_link=url_for("api.chapter", report=report, q=data["query"] or None))


@pages.get("/collection")
def collection():
    """The 引用清单: the paragraphs collected in this browser (their ids in the URL, put there by
    the page's script from localStorage), in order, with all their citations at once."""
    hits, unknown = collected(request.args.getlist("id"))
    ids, citer = [h.paragraph.id for h in hits], cite()
    return render_template(
        "collection.html", hits=hits, unknown=unknown, ids=ids,
        cited=[citer(h.paragraph) for h in hits],
        download=lambda fmt: url_for("pages.collection_download", id=ids, format=fmt),
        api_link=url_for("api.citations", id=ids),
    )


@pages.get("/collection/download")
def collection_download():
    """All the collected paragraphs' citations in one file (gbt, bibtex, ris, csv, jsonl)."""
    hits, _ = collected(request.args.getlist("id"))
    if not hits:
        raise BadInput("引用清单是空的：先在结果或段落页上勾选“收入引用清单”，再来下载。")
    body, mimetype, extension = export_formats.write(
        hits, request.args.get("format", "gbt"), cite())
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = _attachment(f"引用清单-{date.today().isoformat()}", extension)
    return response


@pages.get("/compare")
def compare():
    """One column per edition for the same search: count, top hits, a link to all of them."""
    data = compare_json(request.args)
    return render_template("compare.html", d=data, q=data["query"], api_link=url_for("api.compare_editions", **request.args.to_dict(flat=False)))


@pages.get("/export")
def export():
    """The whole result set of a search (same parameters as /search) as a download."""
    chosen = export_formats.export(
        engine(), read(request.args), request.args.get("format", "csv"), cite())
    stem = "-".join(filter(None, ["报告检索", request.args.get("q", "").strip()[:40], date.today().isoformat()]))
    response = Response(chosen.body, content_type=chosen.mimetype)
    response.headers["Content-Disposition"] = _attachment(stem, chosen.extension)
    response.headers["X-Export-Count"] = str(chosen.count)
    response.headers["X-Export-Total"] = str(chosen.total)
    notes = [*chosen.notes, *([f"结果共 {chosen.total} 条，只导出前 {chosen.count} 条"] if chosen.truncated else [])]
    if notes:  # how the request was read (the same notes /search shows), and the cut
        response.headers["X-Export-Note"] = quote("；".join(notes))
    return response


@pages.get("/p/<pid>")
def paragraph(pid: str):
    data = paragraph_json(pid, request.args)
    if data is None:
        abort(404, description=f"没有编号为 {pid} 的段落。段落编号形如 2020-ch4-0177。")
    q, typed, _ = marked(request.args)
    p = engine().paragraph(pid)
    raw = engine().corpus.source_lines(p.file, p.line_start, p.line_end, context=2)
    layout = next(r.layout for r in engine().corpus.reports if r.file == p.file)  # its [report.layout], as the parse read it
    needles = resolve(p.text, typed)  # one mark per phrase, decided for the passage, not line by line
    return render_template(
        "paragraph.html",
        p=p,
        d=data,
        q=q,
        citation=data["citation"],
        gbt=data["citation_gbt7714"],
        # the cited lines as a reader sees them (no markdown or HTML of the PDF extraction),
        # the query marked; the raw lines stay one click away, as the citation's proof
        lines=list(zip([n for n, _ in raw], highlight_lines([clean_line(line, layout) for _, line in raw], needles))),
        raw=raw,
        back=_local_results_link(request.args.get("back", "")),
    )


def _attachment(stem: str, extension: str) -> str:
    """A download's Content-Disposition: an ASCII name, and the Chinese one (RFC 5987)."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    return f"attachment; filename=\"report-search-{date.today().isoformat()}.{extension}\"; filename*=UTF-8''{quote(stem)}.{extension}"


def _zero_help(results: Results, here: Links) -> dict:
    """The zero-results help (search/zero_results.py) with a link for each term and the shorter query."""
    found = explain(engine(), results)

    def link(q: str) -> str:
        return here(url_args(results, q=q, page=None))

    return {
        "terms": [
            {"text": t.text, "count": t.count, "url": link(t.text),
             "parts": [{"text": p.text, "count": p.count, "url": link(p.text)} for p in t.parts]}
            for t in found.terms
        ],
        "segmented": found.segmented,
        "without": found.without,
        "without_url": link(found.without) if found.without else None,
        "cut": found.cut,
    }


def _year_chart(rows: list[dict]) -> list[dict]:
    """Bars for the per-year distribution of the current query (widths in percent)."""
    top = max((row["count"] for row in rows), default=0) or 1
    return [dict(row, width=round(100 * row["count"] / top, 1)) for row in sorted(rows, key=lambda r: r["value"])]


def _page_window(page: int, pages: int, span: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a window around the current page (None = gap)."""
    shown = sorted({1, pages, *range(max(1, page - span), min(pages, page + span) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def _local_results_link(value: str) -> str:
    """Only a link to our own results page is followed back (never another site), under the
    path the app is served at (`back` holds request.full_path, which lacks it)."""
    return request.script_root + value if value == "/search" or value.startswith("/search?") else ""
