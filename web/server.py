"""waitress, set up for this app: sane connection limits, curl's raw UTF-8 URLs accepted,
waitress's own errors as JSON under /api, no request bodies read (a request with one that is
not a GET is a 405), a quiet log under load, and no one client holding the server's
connection slots.

waitress is extended where it is meant to be: its channel's `parser_class` and
`error_task_class`, and its server's accept (`handle_accept`) and idle sweep (`maintenance`).
"""

from __future__ import annotations

import ctypes
import json
import logging
import re
import resource
import time

from werkzeug.middleware.proxy_fix import ProxyFix
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import Error, RequestEntityTooLarge

from .public import url_prefix
from .workers import ClientCounts, Workers, listening_socket

MALLOC_ARENAS = 2  # glibc's malloc arenas per process (its default, 8 per core, keeps ~10 MiB more per process)
LOG_EVERY = 10.0  # seconds between two "Task queue depth" warnings
ALLOWED = "GET, HEAD, OPTIONS"  # every route of the app answers these methods only
FIRST_BYTE_TIMEOUT = 5  # seconds a new connection may stay silent before it is closed
log = logging.getLogger("report_search.web")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


class _Parser(HTTPRequestParser):
    start = b""  # the request's first bytes: its path, even when it is refused before parsing

    def received(self, data: bytes) -> int:
        if not self.start:
            self.start = bytes(data[:2048]).split(b"\r\n", 1)[0]
        consumed = super().received(data)
        if isinstance(self.error, RequestEntityTooLarge) and self.command not in ("GET", "HEAD"):
            # a POST (PUT …) with a body: the method is what is wrong, not the body's size
            self.error = MethodNotAllowed(f"本站只接受 {ALLOWED} 请求")
        return consumed

    def parse_header(self, header_plus: bytes) -> None:
        # `curl 'http://…/api/search?q=科创板'` sends raw UTF-8 in the request line, which waitress
        # refuses as "Bad URI". Percent-encode those bytes first: the app then sees what a
        # browser would have sent.
        end = header_plus.find(b"\r\n")
        if end > 0 and not header_plus[:end].isascii():
            header_plus = _NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], header_plus[:end]) + header_plus[end:]
        super().parse_header(header_plus)


class MethodNotAllowed(Error):
    """waitress's error for a request with a body whose method no route answers."""

    code = 405
    reason = "Method Not Allowed"

    def to_response(self, ident=None):
        status, headers, body = super().to_response(ident)
        return status, [*headers, ("Allow", ALLOWED)], body


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
        wrong_method = isinstance(error, MethodNotAllowed)
        hint = "" if wrong_method else "查询参数请按 UTF-8 百分号编码，且不要附带请求体。"
        message = f"请求无法处理（{error.code} {error.reason}）：{error.body}。{hint}"
        code = "method_not_allowed" if wrong_method else "bad_request"  # the app's own codes (web/errors.py)
        body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        if wrong_method:
            self.response_headers.append(("Allow", ALLOWED))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask
    counted: str | None = None  # the client the server's ClientCounts admitted it for: released once, when closed

    def del_channel(self, map=None) -> None:
        super().del_channel(map)
        if self.counted is not None:
            self.server.clients.release(self.counted)
            self.counted = None


class _Server(TcpWSGIServer):
    """waitress's TCP server with two limits per client, so one client cannot take the
    connection slots everyone shares: at most `per_client` open connections from one address,
    counted over every worker process (`clients`; more are closed as soon as they are accepted;
    the trusted proxy, which speaks for many clients, is exempt), and a connection that has sent nothing for FIRST_BYTE_TIMEOUT
    seconds is closed (waitress's channel_timeout is for connections that have spoken)."""

    channel_class = _Channel

    def __init__(self, application, per_client: int, clients: ClientCounts, **adjustments) -> None:
        self.per_client, self.clients = per_client, clients
        self.warned: dict[str, float] = {}  # client -> when its refusal was last logged
        super().__init__(application, **adjustments)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:  # as waitress's own: a client gone before the accept finished
            return
        exempt = self.adj.trusted_proxy in ("*", addr[0])
        if not self.clients.admit(addr[0], None if exempt else self.per_client):
            conn.close()
            self.refused(addr[0])
            return
        try:
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
        except OSError:
            self.clients.release(addr[0])
            conn.close()
            return
        channel.counted = addr[0]

    def refused(self, client: str) -> None:
        """A connection from `client` was closed: it already holds its share (logged once a minute)."""
        now = time.monotonic()
        if now - self.warned.get(client, float("-inf")) > 60:
            self.warned = {client: now}
            log.warning("refusing connections from %s: %d open at once", client, self.per_client)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        for channel in list(self.active_channels.values()):
            silent = channel.last_activity == channel.creation_time  # handle_read sets last_activity
            if silent and not channel.requests and now - channel.creation_time > FIRST_BYTE_TIMEOUT:
                channel.will_close = True


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


def _few_malloc_arenas() -> None:
    """At most MALLOC_ARENAS malloc arenas (glibc's M_ARENA_MAX, as $MALLOC_ARENA_MAX sets it):
    each of waitress's threads would otherwise get an arena of its own, and the freed memory
    scattered over them stays in the process (about 10 MiB per process under load at 1x). Set
    before the threads start; elsewhere than glibc there is nothing to set."""
    try:
        ctypes.CDLL(None).mallopt(-8, MALLOC_ARENAS)  # -8: M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        pass


def create(app, host: str, port: int, threads: int, connection_limit: int, channel_timeout: int, client_limit: int,
           public_url: str | None = None, trusted_proxy: str | None = None, workers: int = 1):
    """A waitress server for `app`, not yet running (`.run()`); `.effective_port` is the port.
    `workers` > 1: that many processes (web/workers.py) share the connection limit and the
    socket, each with `threads` threads; each starts watching the index (`app`'s EngineHolder)."""
    _few_malloc_arenas()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connection_limit + threads + 64  # sockets + index files + logs
    if soft < wanted and (hard == resource.RLIM_INFINITY or hard >= wanted):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _EveryFewSeconds) for f in queue_log.filters):
        queue_log.addFilter(_EveryFewSeconds(LOG_EVERY))
    holder = app.extensions["report_search"]
    if trusted_proxy:
        app = _forwarded_prefix(app, trusted_proxy)
    share = -(-connection_limit // workers)  # each worker's part of the connection limit
    options = dict(
        **_address(public_url, trusted_proxy), threads=threads, connection_limit=share, channel_timeout=channel_timeout,
        cleanup_interval=max(1, min(FIRST_BYTE_TIMEOUT // 2, channel_timeout // 2)),
        max_request_body_size=0, ident="report-search",
    )
    clients = ClientCounts(workers, share)
    if workers == 1:
        return _Server(app, client_limit, clients, host=host, port=port, **options)
    family, socktype, proto, address = Adjustments(host=host, port=port).listen[0]
    sock = listening_socket(family, socktype, proto, address, Adjustments().backlog)

    def serve(row: int) -> None:
        clients.use_row(row)
        holder.look()  # a worker started anew after a hot swap serves the newest build, not the parent's
        holder.watch(rebuild=holder.rebuild and row == 0)  # one worker rebuilds a damaged index
        server = _Server(app, client_limit, clients, _sock=sock, bind_socket=False,
                         sockinfo=(family, socktype, proto, sock.getsockname()), **options)
        server.run()

    return Workers(workers, sock, serve)
