"""Error responses: a Chinese HTML page, or `{"error": {"code", "message"}}` under /api/."""

from __future__ import annotations

from flask import Response, jsonify, make_response, render_template, request, url_for

from .params import nearest_valid

ERROR_TEXT = {
    400: ("请求有误", "请检查地址中的参数。"),
    404: ("找不到页面", "这个地址没有内容。可以回到首页重新搜索。"),
    405: ("不支持的请求方式", "本站只接受 GET 请求。"),
    500: ("服务器出错了", "请稍后再试。"),
    503: ("索引暂不可用", "服务器上的索引需要重建，请稍后再试。"),
}
CODES = {400: "invalid_parameter", 404: "not_found", 405: "method_not_allowed", 500: "internal_error", 503: "index_unavailable"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str, code: str | None = None):
    title, hint = ERROR_TEXT.get(status, ERROR_TEXT[500])
    if wants_json():
        body = {"error": {"code": code or CODES.get(status, "error"), "message": message or f"{title}：{hint}"}}
        return make_response(jsonify(body), status)
    typed = request.args.get("q", "")  # a 400 page keeps what was typed, and points to what would work
    retry = url_for("pages.search", **nearest_valid(request.args)) if status == 400 and request.path == "/search" else None
    page = render_template("error.html", status=status, title=title, message=message or hint, q=typed, retry=retry)
    return make_response(page, status)


def host_refused() -> Response:
    """400 for a Host header that is not this site's (the app's ALLOWED_HOSTS): plain text (JSON
    under /api), no page whose links would carry the refused host."""
    message = (f"主机名 {request.environ.get('HTTP_HOST', '')!r} 不是本站的地址，请求被拒绝。"
               "部署者请用 serve --public-url 指定公开地址，或用 --allowed-host 列出允许的主机名。")
    if wants_json():
        return make_response(jsonify({"error": {"code": "untrusted_host", "message": message}}), 400)
    return Response(message + "\n", 400, content_type="text/plain; charset=utf-8")
