"""waitress, set up for this app: sane connection limits, curl's raw UTF-8 URLs accepted,
waitress's own errors as JSON under /api, no request bodies read, a quiet log under load.

waitress is extended where it is meant to be: its channel's `parser_class` and
`error_task_class`.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import time

import waitress
from werkzeug.middleware.proxy_fix import ProxyFix
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

from .public import url_prefix

LOG_EVERY = 10.0  # seconds between two "Task queue depth" warnings
_NON_ASCII = re.compile(rb"[\x80-\xff]")


class _Parser(HTTPRequestParser):
    start = b""  # the request's first bytes: its path, even when it is refused before parsing

    def received(self, data: bytes) -> int:
        if not self.start:
            self.start = bytes(data[:2048]).split(b"\r\n", 1)[0]
        return super().received(data)

    def parse_header(self, header_plus: bytes) -> None:
        # `curl 'http://…/api/search?q=科创板'` sends raw UTF-8 in the request line, which waitress
        # refuses as "Bad URI". Percent-encode those bytes first: the app then sees what a
        # browser would have sent.
        end = header_plus.find(b"\r\n")
        if end > 0 and not header_plus[:end].isascii():
            header_plus = _NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], header_plus[:end]) + header_plus[end:]
        super().parse_header(header_plus)


class _ErrorTask(ErrorTask):
    """A request waitress refused before the app saw it (malformed, headers too large, a body):
    under /api and /healthz the answer is our JSON error, elsewhere waitress's text."""

    def execute(self) -> None:
        request, error = self.request, self.request.error
        first = (getattr(request, "start", b"") or b"").split(b" ")
        target = first[1].decode("latin-1") if len(first) > 1 else ""
        prefix = self.channel.server.adj.url_prefix  # served under the public address's path
        target = target[len(prefix):] if prefix and target.startswith(prefix + "/") else target
        if not (target.startswith("/api/") or target.startswith("/healthz")):
            super().execute()
            return
        message = f"请求无法处理（{error.code} {error.reason}）：{error.body}。查询参数请按 UTF-8 百分号编码，且不要附带请求体。"
        body = json.dumps({"error": {"code": "bad_request", "message": message}}, ensure_ascii=False).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask


class _EveryFewSeconds(logging.Filter):
    """Let one record through every `seconds`, saying how many were held back."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds, self.last, self.held = seconds, float("-inf"), 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.last < self.seconds:
            self.held += 1
            return False
        if self.held:
            record.msg = f"{record.msg} (+{self.held} such warnings in the last {now - self.last:.0f} s)"
        self.last, self.held = now, 0
        return True


def _forwarded_prefix(app, trusted_proxy: str):
    """X-Forwarded-Prefix (a proxy serving the app under a path it strips) is not one of
    waitress's proxy headers: werkzeug's ProxyFix applies it for the trusted proxy, and it is
    dropped from anyone else. (REMOTE_ADDR is still the peer: X-Forwarded-For is not trusted.)"""
    prefix_fix = ProxyFix(app, x_for=0, x_proto=0, x_host=0, x_port=0, x_prefix=1)

    def wsgi(environ, start_response):
        if trusted_proxy in ("*", environ.get("REMOTE_ADDR")):
            return prefix_fix(environ, start_response)
        environ.pop("HTTP_X_FORWARDED_PREFIX", None)
        return app(environ, start_response)

    return wsgi


def _address(public_url: str | None, trusted_proxy: str | None) -> dict:
    """waitress's own options for where the site is reached: the public address's path as
    `url_prefix` (the app answers under it, links and redirects carry it), and the proxy whose
    X-Forwarded-Proto/Host/Port it honours (`trusted_proxy`; every other peer's are cleared)."""
    options: dict = {"url_prefix": url_prefix(public_url)}
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy, trusted_proxy_count=1, clear_untrusted_proxy_headers=True,
                       trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-host", "x-forwarded-port"})
    return options


def create(app, host: str, port: int, threads: int, connection_limit: int, channel_timeout: int,
           public_url: str | None = None, trusted_proxy: str | None = None):
    """A waitress server for `app`, not yet running (`.run()`); `.effective_port` is the port."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connection_limit + threads + 64  # sockets + index files + logs
    if soft < wanted and (hard == resource.RLIM_INFINITY or hard >= wanted):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _EveryFewSeconds) for f in queue_log.filters):
        queue_log.addFilter(_EveryFewSeconds(LOG_EVERY))
    if trusted_proxy:
        app = _forwarded_prefix(app, trusted_proxy)
    server = waitress.create_server(
        app, **_address(public_url, trusted_proxy), host=host, port=port, threads=threads, connection_limit=connection_limit,
        channel_timeout=channel_timeout, cleanup_interval=max(1, min(30, channel_timeout // 2)),
        max_request_body_size=0, ident="report-search",
    )
    server.channel_class = _Channel
    return server
