"""The JSON API: /api/search, /api/paragraphs/<id>, /api/openapi.json, /healthz."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from .data import chapter_json, cite, collected, compare_json, paragraph_json
from .engines import engine
from .errors import error_response
from .openapi import spec
from .params import read

api = Blueprint("api", __name__)


@api.get("/api/search")
def search():
    e = engine()
    results = e.search(read(request.args))
    body = results.to_json(cite())  # citations that travel: with the absolute permalink
    body["key_terms"] = e.key_terms(results)
    return jsonify(body)


@api.get("/api/paragraphs/<id>")
def paragraph(id: str):  # noqa: A002 (the documented path parameter is called id)
    data = paragraph_json(id, request.args)
    if data is None:
        return error_response(404, f"没有编号为 {id!r} 的段落。段落编号形如 2020-ch4-0177。", "not_found")
    return jsonify(data)


@api.get("/api/compare")
def compare_editions():
    return jsonify(compare_json(request.args))


@api.get("/api/reports/<report>")
def chapter(report: str):
    data = chapter_json(report, request.args)
    if data is None:
        known = "、".join(r.slug for r in engine().corpus.reports)
        return error_response(404, f"没有名为 {report!r} 的报告章节。可选：{known}。", "not_found")
    return jsonify(data)


@api.get("/api/citations")
def citations():
    """Citations of the given paragraphs (?id=…&id=…), in that order, in every form."""
    hits, unknown = collected(request.args.getlist("id"))
    citer, items = cite(), []
    for hit in hits:
        p, c = hit.paragraph, citer(hit.paragraph)
        items.append({"id": p.id, "year": p.year, "section": p.section, "text": p.text, **c.to_json(),
                      "bibtex": c.bibtex(), "ris": c.ris()})
    return jsonify({"items": items, "unknown": unknown})


@api.get("/api/openapi.json")
def openapi():
    return jsonify(spec(engine().corpus))


@api.get("/healthz")
def healthz():
    """200 and the build served; 503 while the build served is found damaged (a load balancer
    then sends requests elsewhere until the rebuilt one is swapped in)."""
    e = engine()
    body = {"status": "ok", "paragraphs": e.size, "index": e.path.name, "built_at": e.meta.get("built_at")}
    if problem := current_app.extensions["report_search"].served_damage():
        return jsonify({**body, "status": "damaged", "problem": problem}), 503
    return jsonify(body)
