"""The Flask front end: search pages and their JSON twins over one shared Engine.

`create_app(config)` is the application factory. Config keys:
    ENGINE   an opened report_search.search.engine.Engine (tests pass one in)
    INDEX    index location to open otherwise (default: $REPORT_SEARCH_INDEX or var/index)
    REBUILD  build a missing or stale index on start (default True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from report_search.search.engine import Engine, open_engine
from report_search.search.request import BadInput

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

ERROR_TEXT = {
    400: ("请求有误", "请检查地址中的参数。"),
    404: ("找不到页面", "这个地址没有内容。可以回到首页重新搜索。"),
    405: ("不支持的请求方式", "本站只接受 GET 请求。"),
    500: ("服务器出错了", "请稍后再试。"),
}


def engine() -> Engine:
    """The engine of the current app."""
    from flask import current_app

    return current_app.extensions["report_search"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # instance_path given: Flask cannot infer one inside the report_search namespace package,
    # and the app keeps no instance files.
    app = Flask(__name__, instance_path=str(Path(__file__).parent / "instance"))
    app.config.update(JSON_AS_ASCII=False, INDEX=None, REBUILD=True)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["report_search"] = app.config.get("ENGINE") or open_engine(app.config["INDEX"], app.config["REBUILD"])

    from .api import api
    from .pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)

    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
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

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # a bug must still not show a traceback
        app.logger.exception("unhandled error")
        return error_response(500, "")

    return app


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str, code: str | None = None):
    """A Chinese HTML error page, or `{"error": {"code", "message"}}` under /api/."""
    title, hint = ERROR_TEXT.get(status, ERROR_TEXT[500])
    if wants_json():
        body = {"error": {"code": code or _CODES.get(status, "error"), "message": message or f"{title}：{hint}"}}
        return make_response(jsonify(body), status)
    return make_response(render_template("error.html", status=status, title=title, message=message or hint), status)


_CODES = {400: "invalid_parameter", 404: "not_found", 405: "method_not_allowed", 500: "internal_error"}
