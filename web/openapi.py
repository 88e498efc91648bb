"""The OpenAPI 3.1 description of the JSON API (tests check it against real responses).

Parameters, defaults and caps are made from the one definition in search/params.py, and the
query language from search/query.py's SYNTAX, so the description cannot drift from the code."""

from __future__ import annotations

from report_search.index.corpus import Corpus, load_corpus
from report_search.index.paragraph import KIND_LABELS
from report_search.search.export import CSV_COLUMNS, FORMATS
from report_search.search.params import (DEFAULT_SORT, FACETS, MAX_COLLECTED, MAX_EXPORT, MAX_LENGTH, MAX_PER_PAGE, MAX_VALUES,
                                         PER_EDITION, PER_PAGE, RELATED, SORTS)
from report_search.search.query import SYNTAX

_STR_LIST = {"type": "array", "items": {"type": "string"}}

_PARAGRAPH_FIELDS = {
    "id": {"type": "string", "examples": ["2020-ch4-0177"]},
    "year": {"type": "integer"},
    "report": {"type": "string", "examples": ["2020上海科技进步报告"]},
    "chapter": {"type": "string"},
    "section": {"type": "string", "description": "number and title, empty before the first section"},
    "heading": {"type": "string", "description": "nearest sub-heading, may be empty"},
    "label": {"type": "string", "description": "the district label line that names it in the report (临港), may be empty"},
    "path": {"type": "array", "items": {"type": "string"}, "description": "where it is filed, outermost first: section › sub-heading › label"},
    "themes": _STR_LIST,
    "districts": _STR_LIST,
    "fields": {**_STR_LIST, "description": "technology fields (领域) the text names, corpus/fields.toml"},
    "kind": {"type": "string", "enum": list(KIND_LABELS), "description": "; ".join(f"{k}: {w}" for k, w in KIND_LABELS.items())},
    "kind_label": {"type": "string", "enum": list(KIND_LABELS.values()), "description": "the kind in words, as the pages show it (正文, 图示 …)"},
    "number": {"type": ["integer", "null"], "minimum": 1,
               "description": "position among the prose and list records of its section (第N段); null for a table, figure, event, caption or heading"},
    "designation": {"type": "string", "description": "what the pages and citations call it: 第N段 for prose and lists, else the kind in words"},
    "text": {"type": "string"},
    "snippet_html": {"type": "string", "description": "escaped text; matches wrapped in <mark>"},
    "heading_html": {"type": "string", "description": "the sub-heading, escaped, with its matches in <mark>; empty when it has none"},
    "section_html": {"type": "string", "description": "the section title, likewise"},
    "label_html": {"type": "string", "description": "the district label line (临港), likewise"},
    "score": {"type": "number"},
    "citation": {"type": "string", "description": "plain Chinese citation, ending with the permalink"},
    "citation_gbt7714": {"type": "string", "description": "GB/T 7714-2015 [R/OL], with the year of publication and the 引用日期"},
    "url": {"type": "string", "description": "the absolute permalink, under the public address when the server has one"},
    "source": {
        "type": "object",
        "required": ["file", "line_start", "line_end"],
        "properties": {
            "file": {"type": "string", "description": "relative to the project root"},
            "line_start": {"type": "integer", "minimum": 1},
            "line_end": {"type": "integer", "minimum": 1},
            "skipped": {"type": "array", "items": {"type": "integer", "minimum": 1},
                        "description": "lines inside the range that are not part of the text (interposed headings, captions, page headers)"},
        },
        "additionalProperties": False,
    },
}

_RECORD_FIELDS = ("id", "year", "report", "chapter", "section", "heading", "themes", "districts", "fields", "kind", "kind_label", "number",
                  "designation", "label", "path", "text", "source")  # Paragraph.to_json(): a record as the parse made it

_FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "label", "count", "selected"],
        "properties": {"value": {"type": ["string", "integer"]}, "count": {"type": "integer"}, "selected": {"type": "boolean"},
                       "label": {"type": "string", "description": "the value as a reader sees it (图示 for figure)"},
                       "help": {"type": "string", "description": "what the value means (a theme's definition, corpus/themes.toml)"}},
        "additionalProperties": False,
    },
}


def _array_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "description": description + " Repeat to select several (ORed).",
        "schema": _STR_LIST,
        "style": "form",
        "explode": True,
    }


def _facet_description(facet, corpus: Corpus) -> str:
    """A facet parameter's description; a theme's lists every theme with its definition."""
    if facet.name != "theme":
        return facet.description
    return facet.description + " The themes: " + "; ".join(f"{t}: {corpus.definitions.get(t, '')}" for t in corpus.themes) + "."


def spec(corpus: Corpus | None = None) -> dict:
    """The description; the theme definitions are `corpus`'s (default: the bundled corpus)."""
    corpus = corpus or load_corpus()
    error = {"$ref": "#/components/schemas/Error"}
    unavailable = {"description": "The index cannot be read; the message says what to run", "content": {"application/json": {"schema": error}}}
    per_facet = f" Per facet: repeated values count once, at most {MAX_VALUES} are used, unknown values are dropped (each said in `notes`)."
    search_parameters = [
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": MAX_LENGTH},
         "description": "The query language: " + "; ".join(f"`{typed}`: {meaning}" for typed, meaning in SYNTAX) + "."},
        *[_array_param(f.name, _facet_description(f, corpus) + per_facet) for f in FACETS],
        _array_param("within", f"结果中检索: a term searched within the results of q (ANDed, query syntax allowed); its own removable "
                               f"chip on the page. At most {MAX_VALUES}."),
        {"name": "expand", "in": "query", "schema": {"type": "string", "enum": ["1", "0"], "default": "1"},
         "description": "1: an unquoted term equal to a form in corpus/synonyms.toml also finds the other forms (said in notes); 0: only what was typed"},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS), "default": DEFAULT_SORT}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE}},
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Report Search API",
            "version": "1",
            "description": "Full-text search over the 上海科技进步报告. Every HTML page has a JSON twin here.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search paragraphs",
                    "parameters": search_parameters,
                    "responses": {
                        "200": {"description": "Results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}}},
                        "400": {"description": "Invalid parameter", "content": {"application/json": {"schema": error}}},
                        "503": unavailable,
                    },
                }
            },
            "/api/reports/{report}": {
                "get": {
                    "summary": "A whole report file to read (JSON twin of /r/{report}): table of contents and every paragraph",
                    "parameters": [
                        {"name": "report", "in": "path", "required": True, "schema": {"type": "string"},
                         "description": "the paragraph ids' prefix, e.g. 2020-ch4"},
                        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "terms to mark throughout"},
                    ],
                    "responses": {
                        "200": {"description": "The chapter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Chapter"}}}},
                        "404": {"description": "Unknown report; the message lists the known ones", "content": {"application/json": {"schema": error}}},
                    },
                }
            },
            "/api/citations": {
                "get": {
                    "summary": "Citations of collected paragraphs, in the order given (JSON twin of /collection)",
                    "parameters": [{"name": "id", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
                                    "style": "form", "explode": True, "description": f"paragraph ids; repeat (at most {MAX_COLLECTED})"}],
                    "responses": {"200": {"description": "The citations, and the ids not found",
                                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Citations"}}}}},
                }
            },
            "/api/compare": {
                "get": {
                    "summary": "Compare editions: the same search once per edition (JSON twin of /compare)",
                    "description": f"The year filter is replaced by each edition in turn, oldest first; theme, district and sort stay. "
                                   f"At most {PER_EDITION} hits per edition.",
                    "parameters": [p for p in search_parameters if p["name"] not in ("year", "page", "per_page")],
                    "responses": {
                        "200": {"description": "One entry per edition", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Comparison"}}}},
                        "400": {"description": "Invalid parameter", "content": {"application/json": {"schema": error}}},
                        "503": unavailable,
                    },
                }
            },
            "/export": {
                "get": {
                    "summary": "The WHOLE result set of a search (not one page) as a download",
                    "description": f"Same filters as /api/search; page and per_page are ignored. At most {MAX_EXPORT} hits: "
                                   "X-Export-Count / X-Export-Total say how many were written of how many found, "
                                   "and X-Export-Note (percent-encoded) says so when the export stopped at the cap. "
                                   "Every entry carries the paragraph's permalink.",
                    "parameters": [
                        *[p for p in search_parameters if p["name"] not in ("page", "per_page")],
                        {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(FORMATS), "default": "csv"},
                         "description": "csv (UTF-8 with BOM; columns " + ", ".join(CSV_COLUMNS) + "), jsonl (one hit per line), "
                                        "bibtex (@report entries), ris (TY RPRT records), gbt (numbered GB/T 7714 references, plain text)"},
                    ],
                    "responses": {
                        "200": {"description": "An attachment named for the query and the day",
                                "content": {FORMATS[f][0].split(";")[0]: {} for f in FORMATS}},
                        "400": {"description": "Invalid parameter or format", "content": {"text/html": {}}},
                    },
                }
            },
            "/api/paragraphs/{id}": {
                "get": {
                    "summary": "One paragraph with its neighbours",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "terms to highlight"},
                    ],
                    "responses": {
                        "200": {"description": "The paragraph", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Paragraph"}}}},
                        "404": {"description": "Unknown id", "content": {"application/json": {"schema": error}}},
                        "503": unavailable,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "200 when the index is open; names the build being served. 503 while that build is found damaged (until a rebuilt one is served)",
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                                  "503": {"description": "The build being served is damaged: status \"damaged\", and the problem", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}},
                }
            },
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}
            },
        },
        "components": {
            "schemas": {
                "Hit": {
                    "type": "object",
                    "required": list(_PARAGRAPH_FIELDS),
                    "properties": _PARAGRAPH_FIELDS,
                    "additionalProperties": False,
                },
                "Paragraph": {
                    "type": "object",
                    "required": [*_PARAGRAPH_FIELDS, "prev", "next", "citation_gbt7714", "related", "query", "notes"],
                    "properties": {
                        **_PARAGRAPH_FIELDS,
                        "query": {"type": "string", "description": "the q the text is marked for (read as a search's q)"},
                        "notes": _STR_LIST,
                        "prev": {"type": ["string", "null"]},
                        "next": {"type": ["string", "null"]},
                        "related": {
                            "type": "array", "maxItems": RELATED,
                            "description": "paragraphs sharing this one's key terms (Whoosh more_like), other editions first",
                            "items": {"type": "object", "required": ["id", "year", "section", "text", "url"],
                                      "properties": {"id": {"type": "string"}, "year": {"type": "integer"}, "section": {"type": "string"},
                                                     "text": {"type": "string"}, "url": {"type": "string"}}},
                        },
                    },
                    "additionalProperties": False,
                },
                "SearchResults": {
                    "type": "object",
                    "required": ["query", "within", "filters", "total", "page", "per_page", "pages", "took_ms", "terms", "hits", "facets"],
                    "properties": {
                        "query": {"type": "string"},
                        "within": {"type": "array", "items": {"type": "string"}, "description": "terms searched within the results of query"},
                        "filters": {
                            "type": "object",
                            "properties": {f.name: {"type": "array", "items": {"type": "integer" if f.name == "year" else "string"}} for f in FACETS},
                            "additionalProperties": False,
                        },
                        "total": {"type": "integer"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "pages": {"type": "integer"},
                        "took_ms": {"type": "number"},
                        "terms": _STR_LIST,
                        "understood": {"type": "string"},
                        "notes": _STR_LIST,
                        "sections": {"type": "array", "items": {"type": "string"}, "description": "section: filters typed in the query (4.4)"},
                        "key_terms": {"type": "array", "items": {"type": "string"},
                                      "description": "相关词: words markedly more common in all the hits than in the whole corpus (significant terms, JLH), as the reports write them; no function words, none part of the query"},
                        "suggestions": {
                            "type": "array",
                            "description": "did you mean: corrected queries that find more, when this one finds little",
                            "items": {"type": "object", "required": ["query", "total"],
                                      "properties": {"query": {"type": "string"}, "total": {"type": "integer"}}},
                        },
                        "sort": {"type": "string", "enum": list(SORTS)},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "facets": {
                            "type": "object",
                            "required": [f.name for f in FACETS],
                            "properties": {f.name: _FACET for f in FACETS},
                            "additionalProperties": False,
                        },
                    },
                    "additionalProperties": False,
                },
                "Comparison": {
                    "type": "object",
                    "required": ["query", "filters", "notes", "years"],
                    "properties": {
                        "query": {"type": "string"},
                        "filters": {"type": "object", "description": "the filters as applied: names folded, unknown values dropped (said in notes)"},
                        "filter_words": {"type": "array", "items": {"type": "string"}, "description": "the filters as a reader sees them (图示 for kind=figure)"},
                        "notes": _STR_LIST,
                        "years": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["year", "title", "total", "url", "hits"],
                                "properties": {
                                    "year": {"type": "integer"},
                                    "title": {"type": "string"},
                                    "total": {"type": "integer"},
                                    "url": {"type": "string", "description": "the results page of all of that edition's hits"},
                                    "hits": {"type": "array", "maxItems": PER_EDITION, "items": {"$ref": "#/components/schemas/Hit"}},
                                },
                            },
                        },
                    },
                },
                "Chapter": {
                    "type": "object",
                    "required": ["report", "title", "year", "chapter", "file", "query", "notes", "matching", "by_title", "toc", "paragraphs"],
                    "properties": {
                        "report": {"type": "string", "examples": ["2020-ch4"]},
                        "title": {"type": "string"},
                        "year": {"type": "integer"},
                        "chapter": {"type": "string"},
                        "file": {"type": "string"},
                        "query": {"type": "string"},
                        "notes": _STR_LIST,
                        "matching": {"type": "integer", "description": "records the search finds for the query in this edition (= /api/search's total with year=<year>)"},
                        "by_title": {"type": "integer", "description": "of those, the ones found through their section, sub-heading or label line only"},
                        "toc": {"type": "array", "items": {
                            "type": "object", "required": ["section", "id", "headings"],
                            "properties": {"section": {"type": "string"}, "id": {"type": "string"},
                                           "headings": {"type": "array", "items": {
                                               "type": "object", "required": ["heading", "id"],
                                               "properties": {"heading": {"type": "string"}, "id": {"type": "string"}},
                                               "additionalProperties": False}}},
                            "additionalProperties": False}},
                        "paragraphs": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "text", "source", "html", "matches", "matched_by", "title_html", "heading_html", "section_html", "url"],
                            "properties": {**{k: v for k, v in _PARAGRAPH_FIELDS.items() if k in _RECORD_FIELDS},
                                           "html": {"type": "string", "description": "the text, escaped, matches in <mark> (only in a record the search finds)"},
                                           "matches": {"type": "boolean", "description": "the search finds this record"},
                                           "matched_by": {"enum": ["text", "title", None], "description": "found through its text, or only through its section, sub-heading or label line"},
                                           "title_html": {"type": "string", "description": "when matched_by is title: the title that matched, escaped, marked"},
                                           "heading_html": {"type": "string", "description": "the sub-heading, escaped, the query marked"},
                                           "section_html": {"type": "string", "description": "the section title (导语 before the first), escaped, the query marked"},
                                           "url": {"type": "string"}},
                            "additionalProperties": False}},
                    },
                    "additionalProperties": False,
                },
                "Citations": {
                    "type": "object",
                    "required": ["items", "unknown"],
                    "properties": {
                        "items": {"type": "array", "maxItems": MAX_COLLECTED, "items": {
                            "type": "object",
                            "required": ["id", "year", "section", "text", "url", "citation", "citation_gbt7714", "bibtex", "ris"],
                            "properties": {"id": {"type": "string"}, "year": {"type": "integer"}, "section": {"type": "string"},
                                           "text": {"type": "string"}, "url": {"type": "string"}, "citation": {"type": "string"},
                                           "citation_gbt7714": {"type": "string"}, "bibtex": {"type": "string"}, "ris": {"type": "string"}},
                            "additionalProperties": False}},
                        "unknown": {"type": "array", "items": {"type": "string"}, "description": "ids not found"},
                    },
                    "additionalProperties": False,
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "paragraphs", "index"],
                    "properties": {
                        "status": {"enum": ["ok", "damaged"]},
                        "paragraphs": {"type": "integer"},
                        "index": {"type": "string", "description": "the id of the build being served (changes when a new build is swapped in)"},
                        "built_at": {"type": ["string", "null"]},
                        "problem": {"type": "string", "description": "with status damaged: what is wrong, naming the file"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        }
                    },
                },
            }
        },
    }
