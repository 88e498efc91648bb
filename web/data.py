"""What each page shows, built once as a dict: the HTML page (pages.py) renders it and its
JSON twin (api.py) returns it, so the two never differ (Datasette's one-source rendering)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request, url_for

from report_search.search.citation import Citer
from report_search.search.compare import compare
from report_search.search.engine import INTRO
from report_search.search.highlight import Needles, highlight
from report_search.search.params import FACET_NAMES, FACETS, MAX_COLLECTED
from report_search.search.results import Hit

from .engines import engine
from .params import Links, read, read_q, url_args


def permalinks() -> Callable[[str], str]:
    """A paragraph's absolute permalink, what every citation this site gives ends with: under
    the public address when one is configured, else on the host the request named (one of
    ALLOWED_HOSTS, or forwarded by the trusted proxy)."""
    public = current_app.config["PUBLIC_URL"]
    if public:
        links, cut = Links("pages.paragraph", "pid"), len(request.script_root) + 1
        return lambda pid: public + links(value=pid)[cut:]
    links = Links("pages.paragraph", "pid", _external=True)
    return lambda pid: links(value=pid)


def cite() -> Citer:
    """The citation builder for this request: the engine's corpus, this site's permalinks."""
    return Citer(engine().corpus.reports, permalinks())


def marked(args) -> tuple[str, Needles, list[str]]:
    """The `q` a paragraph is marked for: (q, what it marks, notes), read and capped as a
    search's q is (BadInput over MAX_LENGTH)."""
    asked = read_q(args)
    query = asked.parsed()
    return asked.q, query.needles, [*asked.notes, *query.notes]


def paragraph_json(pid: str, args) -> dict | None:
    """One paragraph as a hit object (the whole text highlighted for the `q` in `args`), plus
    its place in the section, the GB/T 7714 citation, the `prev`/`next` paragraph ids and up to
    five `related` paragraphs (sharing its key terms, other editions first)."""
    e = engine()
    p = e.paragraph(pid)
    if p is None:
        return None
    q, needles, notes = marked(args)
    before, after = e.neighbours(pid)
    data = Hit(p, 0.0, highlight(p.text, needles)).to_json(cite())
    data.update(
        query=q,
        notes=notes,
        prev=before.id if before else None,
        next=after.id if after else None,
        related=[
            {"id": r.id, "year": r.year, "section": r.section, "text": r.text, "url": url_for("pages.paragraph", pid=r.id)}
            for r in e.related(pid)
        ],
    )
    return data


def compare_json(request_args) -> dict:
    """`{"query", "filters", "filter_words", "notes", "years": [{"year", "title", "total", "url", "hits"}]}`,
    oldest edition first; the filters as the engine applied them (short and traditional names
    folded, unknown values dropped and named in the notes, as /search does), `filter_words` as
    a reader sees them (图示 for kind=figure)."""
    asked = read(request_args)
    editions = compare(engine(), asked)
    citer = cite()
    chosen = editions[0].results.filters if editions else asked  # as the engine read them: 闵行 → 闵行区, 图示 → figure
    return {
        "query": asked.q,
        "filters": {name: list(chosen.selected(name)) for name in FACET_NAMES if name != "year"},
        "filter_words": [f.word(v) for f in FACETS if f.name != "year" for v in chosen.selected(f.name)],
        "notes": editions[0].results.notes if editions else [],
        "years": [
            {
                "year": e.year,
                "title": e.title,
                "total": e.results.total,
                "url": url_for("pages.search", **url_args(e.results, page=None, per_page=None)),
                "hits": [h.to_json(citer) for h in e.results.hits],
            }
            for e in editions
        ],
    }


def chapter_json(slug: str, args) -> dict | None:
    """A whole report file as a readable document: its sections and sub-headings (the table of
    contents) and every paragraph, marked for the `q` in `args`. The matches are the search's own
    for `q` in that edition (so the reader and the results count alike), its rules and notes too
    (an over-long q is a 400, as at every door): a record matched through its section,
    sub-heading or label line says so (`matched_by` "title", `title_html` marked)."""
    e = engine()
    report = next((r for r in e.corpus.reports if r.slug == slug), None)
    if report is None:
        return None
    asked = read_q(args)
    q, paragraphs = asked.q, e.chapter(slug)
    matched, needles, notes = 0, [], list(asked.notes)
    if q.strip():
        results = e.search(asked.replace(year=(report.year,), per_page=1), suggestions=False)
        notes = results.notes
        matched, needles = results.matched, results.parsed.needles  # filters alone (theme:人才) match too
    entries: dict[str, dict] = {}  # one per section, in order of first appearance (a spliced block rejoins its own)
    for p in paragraphs:
        entry = entries.setdefault(p.section, {"section": p.section or INTRO, "id": p.id, "headings": []})
        if p.heading and p.heading not in [h["heading"] for h in entry["headings"]]:
            entry["headings"].append({"heading": p.heading, "id": p.id})
    toc = list(entries.values())
    items = []
    for p in paragraphs:
        found = bool(matched >> e.by_id[p.id] & 1)
        html = highlight(p.text, needles if found else [])  # as on the results page: marks in hits only
        titles = [marked for t in (p.heading, p.label, p.section) if t and "<mark>" in (marked := highlight(t, needles))]
        by = None if not found else "text" if "<mark>" in html or not titles else "title"
        items.append(dict(
            p.to_json(), html=html, matches=found, matched_by=by, title_html=titles[0] if by == "title" else "",
            heading_html=highlight(p.heading, needles), section_html=highlight(p.section or INTRO, needles),
            url=url_for("pages.paragraph", pid=p.id, q=q or None),
        ))
    return {
        "report": slug,
        "title": report.title,
        "year": report.year,
        "chapter": report.chapter_label,
        "file": report.file,
        "query": q,
        "notes": notes,
        "matching": sum(item["matches"] for item in items),
        "by_title": sum(item["matched_by"] == "title" for item in items),
        "toc": toc,
        "paragraphs": items,
    }


def collected(ids: list[str]) -> tuple[list[Hit], list[str]]:
    """The paragraphs of a 引用清单 in its order (repeats once), and the ids that are unknown."""
    e = engine()
    wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))[:MAX_COLLECTED]
    found = {i: e.paragraph(i) for i in wanted}
    hits = [Hit(p, 0.0, highlight(p.text, [])) for p in found.values() if p is not None]
    return hits, [i for i, p in found.items() if p is None]
