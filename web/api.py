"""The JSON API: /api/search, /api/paragraphs/<id>, /api/openapi.json, /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from report_search.search.citation import bibtex, citation, gbt7714, ris
from report_search.search.compare import compare
from report_search.search.engine import Hit
from report_search.search.highlight import highlight
from report_search.search.query import QueryError, parse

from .engines import engine
from .errors import error_response
from .openapi import spec
from .params import read, url_args

api = Blueprint("api", __name__)


def permalink_url(pid: str) -> str:
    """A paragraph's absolute permalink: what every citation this site gives ends with."""
    return url_for("pages.paragraph", pid=pid, _external=True)


@api.get("/api/search")
def search():
    e = engine()
    results = e.search(read(request.args))
    body = results.to_json()
    body["key_terms"] = e.key_terms(results)
    for hit in body["hits"]:  # citations that travel: with the absolute permalink
        hit["citation"] = f"{hit['citation']} {permalink_url(hit['id'])}"
    return jsonify(body)


def paragraph_json(pid: str, q: str = "") -> dict | None:
    """One paragraph as a hit object (the whole text highlighted for `q`), plus its place in
    the section, the GB/T 7714 citation, the `prev`/`next` paragraph ids and up to five
    `related` paragraphs (sharing its key terms, other editions first)."""
    e = engine()
    p = e.paragraph(pid)
    if p is None:
        return None
    before, after = e.neighbours(pid)
    try:
        needles = parse(q).needles
    except QueryError:
        needles = []
    data = Hit(p, 0.0, highlight(p.text, needles)).to_json()
    data.update(
        number=p.number,
        citation=citation(p, absolute := permalink_url(p.id)),
        citation_gbt7714=gbt7714(p, absolute),
        prev=before.id if before else None,
        next=after.id if after else None,
        related=[
            {"id": r.id, "year": r.year, "section": r.section, "text": r.text, "url": url_for("pages.paragraph", pid=r.id)}
            for r in e.related(pid)
        ],
    )
    return data


@api.get("/api/paragraphs/<id>")
def paragraph(id: str):  # noqa: A002 (the documented path parameter is called id)
    data = paragraph_json(id, request.args.get("q", ""))
    if data is None:
        return error_response(404, f"没有编号为 {id!r} 的段落。段落编号形如 2020-ch4-0177。", "not_found")
    return jsonify(data)


def compare_json(request_args) -> dict:
    """`{"query", "filters", "years": [{"year", "title", "total", "url", "hits"}]}`, oldest edition first."""
    asked = read(request_args)
    editions = compare(engine(), asked)
    return {
        "query": asked.q,
        "filters": {"theme": list(asked.theme), "district": list(asked.district)},
        "years": [
            {
                "year": e.year,
                "title": e.title,
                "total": e.results.total,
                "url": url_for("pages.search", **url_args(e.results, page=None, per_page=None)),
                "hits": [h.to_json() for h in e.results.hits],
            }
            for e in editions
        ],
    }


@api.get("/api/compare")
def compare_editions():
    return jsonify(compare_json(request.args))


def chapter_json(slug: str, q: str = "") -> dict | None:
    """A whole report file as a readable document: its sections and sub-headings (the table of
    contents) and every paragraph, highlighted for `q`, with how many of them match."""
    e = engine()
    report = next((r for r in e.corpus.reports if r.slug == slug), None)
    if report is None:
        return None
    try:
        needles = parse(q).needles
    except QueryError:
        needles = []
    paragraphs = e.chapter(slug)
    entries: dict[str, dict] = {}  # one per section, in order of first appearance (a spliced block rejoins its own)
    for p in paragraphs:
        entry = entries.setdefault(p.section, {"section": p.section or "导语", "id": p.id, "headings": []})
        if p.heading and p.heading not in [h["heading"] for h in entry["headings"]]:
            entry["headings"].append({"heading": p.heading, "id": p.id})
    toc = list(entries.values())
    items = []
    for p in paragraphs:
        html = highlight(p.text, needles)
        items.append(dict(p.to_json(), html=html, matches="<mark>" in html, url=url_for("pages.paragraph", pid=p.id, q=q or None)))
    return {
        "report": slug,
        "title": report.title,
        "year": report.year,
        "chapter": report.chapter_label,
        "file": report.file,
        "query": q,
        "matching": sum(item["matches"] for item in items),
        "toc": toc,
        "paragraphs": items,
    }


@api.get("/api/reports/<report>")
def chapter(report: str):
    data = chapter_json(report, request.args.get("q", ""))
    if data is None:
        known = "、".join(r.slug for r in engine().corpus.reports)
        return error_response(404, f"没有名为 {report!r} 的报告章节。可选：{known}。", "not_found")
    return jsonify(data)


MAX_COLLECTED = 500


def collected(ids: list[str]) -> tuple[list[Hit], list[str]]:
    """The paragraphs of a 引用清单 in its order (repeats once), and the ids that are unknown."""
    e = engine()
    wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))[:MAX_COLLECTED]
    found = {i: e.paragraph(i) for i in wanted}
    hits = [Hit(p, 0.0, highlight(p.text, [])) for p in found.values() if p is not None]
    return hits, [i for i, p in found.items() if p is None]


@api.get("/api/citations")
def citations():
    """Citations of the given paragraphs (?id=…&id=…), in that order, in every form."""
    hits, unknown = collected(request.args.getlist("id"))
    items = []
    for hit in hits:
        p, url = hit.paragraph, permalink_url(hit.paragraph.id)
        items.append({"id": p.id, "year": p.year, "section": p.section, "text": p.text, "url": url, "citation": citation(p, url),
                      "citation_gbt7714": gbt7714(p, url), "bibtex": bibtex(p, url), "ris": ris(p, url)})
    return jsonify({"items": items, "unknown": unknown})


@api.get("/api/openapi.json")
def openapi():
    return jsonify(spec())


@api.get("/healthz")
def healthz():
    e = engine()
    return jsonify({"status": "ok", "paragraphs": e.size, "index": e.path.name, "built_at": e.meta.get("built_at")})
