"""The application factory: `create_app(config)` wires the engine, the blueprints, the
security headers and the error pages.

Config keys:
    ENGINE   an opened search.engine.Engine (tests pass one in; it is never swapped)
    INDEX    index location to open otherwise (default: $REPORT_SEARCH_INDEX, var/index in a
             checkout, else the per-user data folder); a new build there is served without restart
    REBUILD  build a missing, stale or damaged index on start (default True)
    WATCH    look for new builds from now on (default True); False: the server starts the
             looking in each process that serves (web/workers.py)
    WARM     load what a first search needs before serving (default False; serve does), so
             damage that warming finds is rebuilt on start like damage opening finds
    CACHE_BYTES    this process's share of the engine's cache budget, search.store.CACHE_BYTES
                   (the default: all of it); serve gives each of its worker processes an equal
                   share. The cache is also bounded by the same share of twice the index
    PUBLIC_URL     the site's public address (https://reports.example.org/search/; default
                   $REPORT_SEARCH_PUBLIC_URL): every permalink and citation uses it
    ALLOWED_HOSTS  the hosts a request may carry: names as in Flask's TRUSTED_HOSTS, and IP
                   addresses, IPv6 too (web/public.py `host_allowed`; Flask's own check can
                   match no IPv6 host); without a public address it defaults to loopback, so a
                   made-up Host never reaches a citation
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from report_search.index.build import default_location
from report_search.index.errors import IndexFault
from report_search.search.engine import open_engine
from report_search.search.store import CACHE_BYTES
from report_search.search.citation import numbered_references
from report_search.search.request import BadInput

from .engines import EngineHolder, check_seconds, engine
from .errors import error_response, host_refused
from .public import LOOPBACK, host_allowed, public_url, public_url_from_env

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # instance_path given: Flask cannot infer one inside the report_search namespace package,
    # and the app keeps no instance files.
    app = Flask("report_search.web", instance_path=str(Path(__file__).parent / "instance"))
    app.config.update(JSON_AS_ASCII=False, INDEX=None, REBUILD=True, WATCH=True, WARM=False, ALLOWED_HOSTS=None, CACHE_BYTES=CACHE_BYTES)
    app.config.update(config or {})
    public = app.config.get("PUBLIC_URL") or public_url_from_env()
    app.config["PUBLIC_URL"] = public_url(public) if public else None
    if app.config["ALLOWED_HOSTS"] is None and not public:
        app.config["ALLOWED_HOSTS"] = list(LOOPBACK)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.add_template_filter(numbered_references)  # the 引用清单 prints the gbt export's list
    if app.config.get("ENGINE") is not None:
        holder = EngineHolder(app.config["ENGINE"])
    else:
        location = Path(app.config["INDEX"] or default_location()).resolve()
        every = check_seconds()  # a bad value is said before any index work
        opened = open_engine(location, app.config["REBUILD"], app.config["CACHE_BYTES"], app.config["WARM"])
        holder = EngineHolder(opened, location, every, app.config["REBUILD"])
        if app.config["WATCH"]:
            holder.watch()
    app.extensions["report_search"] = holder

    from .api import api
    from .pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)

    @app.before_request
    def allowed_host() -> Response | None:  # before any page, static file or 404 is built for it
        hosts = app.config["ALLOWED_HOSTS"]
        return host_refused() if hosts is not None and not host_allowed(request.host, hosts) else None

    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        location = urlsplit(response.headers.get("Location", ""))
        if location.netloc:
            # werkzeug's slash-merging redirect (/api//search → /api/search) names whatever Host
            # header the client sent; every redirect of ours stays on this site, so make it relative.
            response.headers["Location"] = location.path + (f"?{location.query}" if location.query else "")
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Our own aborts carry a Chinese description; werkzeug's English defaults are replaced.
        own = exc.description if exc.description != type(exc).description else ""
        response = error_response(exc.code or 500, own)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(BadInput)
    def bad_input(exc: BadInput):
        return error_response(400, str(exc), "invalid_parameter")

    @app.errorhandler(IndexFault)
    def index_fault(exc: IndexFault):
        app.logger.error("index fault: %s", exc)
        return error_response(503, str(exc), "index_unavailable")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # a bug must still not show a traceback
        damage = holder.damage(engine().path) if holder.location else None  # a build damaged under us: a 503 naming it
        if damage is not None:
            return index_fault(damage)
        app.logger.exception("unhandled error")
        return error_response(500, "")

    return app
