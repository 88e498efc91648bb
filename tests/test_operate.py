"""Operating the server: `report-search serve` (waitress) as started by a user, probed over
loopback the way the hostile probe of issue 11 did — raw sockets, idle connections, rebuilds
while serving, damaged builds. Every loop here is bounded in count and time."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from report_search.index.build import build
from report_search.index.corpus import load_corpus
from report_search.index.errors import IndexDamaged
from report_search.search.engine import Engine
from report_search.web.app import create_app
from report_search.web.cli import CLIENT_LIMIT, WORKERS
from report_search.web.server import FIRST_BYTE_TIMEOUT
from serving import serving, wait_until


def raw(port: int, request: bytes, timeout: float = 5) -> tuple[int, dict, bytes]:
    """Send bytes as they are (no client-side quoting) and read the whole answer."""
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, BrokenPipeError):  # the server answered and closed before the end
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def get_json(url: str, timeout: float = 5) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def health(url: str) -> tuple[int, dict]:
    """/healthz's status code and body (a 503 has a body too)."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def live(index_path):
    with serving(["--index", str(index_path.parent.parent), "--no-build"]) as (url, port):
        yield url, port


def test_raw_utf8_in_the_url_is_accepted_as_curl_sends_it(live):
    _, port = live
    status, headers, body = raw(port, "GET /api/search?q=科创板 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["total"] > 0 and json.loads(body)["query"] == "科创板"


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: 30000000\r\n\r\n" + b"a" * 1000, 413),  # a body: not read
        (b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        (b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 270_000 + b"\r\n\r\n", 431),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n", 400),
    ],
)
def test_errors_waitress_raises_are_json_under_api(live, request_bytes, status):
    _, port = live
    got, headers, body = raw(port, request_bytes)
    assert got == status and headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and "UTF-8" in error["message"]


def test_slash_merging_redirect_is_relative(live):
    _, port = live
    status, headers, _ = raw(port, b"GET /api//search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 308 and headers["location"] == "/api/search?q=x"
    status, _, _ = raw(port, b"GET /api//search?q=x HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert status == 400  # not one of this server's names (test_deploy.py: with a public address, relative too)


def test_one_client_cannot_take_the_connection_slots(live):
    """520 idle sockets from one address (127.0.0.2: Linux routes all of 127/8 to loopback) lock
    no one out: past the per-client limit they are closed at once, the rest once they have been
    silent FIRST_BYTE_TIMEOUT seconds; meanwhile /healthz answers at once, and so do 200
    keep-alive clients from 200 other addresses (the server's connection limit is 500)."""
    url, port = live

    def connect(source: str) -> socket.socket:
        sock = socket.socket()
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        return sock

    def closed_by_server(sock: socket.socket) -> bool:
        try:
            return sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except (BlockingIOError, TimeoutError):
            return False

    idle = [connect("127.0.0.2") for _ in range(520)]
    try:
        started = time.perf_counter()
        assert get_json(url + "/healthz", timeout=5)["status"] == "ok"
        assert time.perf_counter() - started < 3
        for sock in idle:
            sock.settimeout(0.05)
        # workers accepting a client's last allowed connection at the same instant may each let it in
        # (web/workers.py ClientCounts: no lock shared between processes), so at most WORKERS - 1 more
        assert wait_until(lambda: sum(map(closed_by_server, idle)) >= 520 - CLIENT_LIMIT - (WORKERS - 1), timeout=5)
        answered: list[int] = []

        def keep_alive_client(k: int) -> None:
            with connect(f"127.0.1.{k + 1}") as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # keep-alive: the server holds it open
                if sock.recv(4096).startswith(b"HTTP/1.1 200"):
                    answered.append(1)

        clients = [threading.Thread(target=keep_alive_client, args=(k,)) for k in range(200)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(timeout=20)
        assert len(answered) == 200
        assert wait_until(lambda: all(map(closed_by_server, idle)), timeout=FIRST_BYTE_TIMEOUT + 5)  # silent ones too
    finally:
        for sock in idle:
            sock.close()


def test_a_method_other_than_get_is_405_with_allow(live):
    """A POST with a body was refused by waitress as a body too large ("exceeds max_body of 0");
    without one, by Flask. Either way: 405, the Allow header, JSON under /api."""
    _, port = live
    for path in ("/api/search?q=x", "/search?q=x"):
        for body in (b"a=1", b""):
            status, headers, answer = raw(port, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
                                                 "Connection: close\r\n\r\n".encode() + body)
            assert status == 405 and set(headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, (path, body)
            assert b"max_body" not in answer
            if path.startswith("/api/"):
                assert json.loads(answer)["error"]["code"] == "method_not_allowed"


def test_a_new_build_is_served_without_restart_under_load(built, corpus, paragraphs):
    """8 clients query while two builds complete: no errors, /healthz names the newest build
    within 5 s of it becoming current — and with no traffic at all, the first request after a
    build gets it."""
    location, first = built
    log: list[str] = []
    # one process, so /healthz speaks for the whole server (test_workers.py: every worker swaps)
    with serving(["--index", str(location), "--no-build", "--workers", "1"], output=log,
                 env={**os.environ, "REPORT_SEARCH_CHECK_SECONDS": "0.2"}) as (url, _):
        assert get_json(url + "/healthz")["index"] == first.name
        stop = threading.Event()
        errors: list[str] = []
        done = [0]

        def client(k: int) -> None:
            queries = ["科创板", "张江", "长三角", "科普"]
            while not stop.is_set():
                try:
                    body = get_json(f"{url}/api/search?q={urllib.request.quote(queries[k % 4])}&per_page=5")
                    if body["total"] <= 0:
                        errors.append(f"no hits for {queries[k % 4]}")
                    done[0] += 1
                except Exception as exc:  # noqa: BLE001 — any failure is what this test counts
                    errors.append(repr(exc))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        try:
            for _ in range(2):
                newest = build(location, corpus, paragraphs=paragraphs, progress=False)
                deadline = time.monotonic() + 5
                while get_json(url + "/healthz")["index"] != newest.name:
                    assert time.monotonic() < deadline, "the new build was not served within 5 s"
                    time.sleep(0.1)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=10)
        assert not errors and done[0] > 20
        quiet = build(location, corpus, paragraphs=paragraphs, progress=False)  # no traffic now: the very first request must see it
        # wait as long as before (4.5 s: two of the watcher's 2-second looks), but no longer than
        # until the server's log says it swapped; no request meanwhile
        wait_until(lambda: any(quiet.name in line for line in log), timeout=4.5)
        assert get_json(url + "/healthz")["index"] == quiet.name


def test_serve_rebuilds_a_damaged_index_and_query_names_it(built, run):
    location, path = built
    toc = next(path.glob("*.toc"))
    toc.write_bytes(toc.read_bytes()[:10])
    result = run("query", "张江", "--index", str(location), "--no-build")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and toc.name in result.stderr and "run: report-search build" in result.stderr
    status = run("status", "--index", str(location))
    assert status.returncode == 2 and toc.name in status.stderr
    with serving(["--index", str(location)]) as (url, _):  # the server's own rebuild: a process, as a user starts it
        health = get_json(url + "/healthz")
        assert health["index"] != path.name and health["paragraphs"] > 500


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_damage_under_a_running_server_is_a_503_then_a_rebuild(built):
    """Bytes flipped in the segment (same size: only the checksum tells) before `serve` starts,
    then the segment truncated while it serves (memory-mapped, that was a Bus error): the
    server stays up, a request the damage breaks is a 503 naming the file, and each time it
    rebuilds and serves the new build."""
    location, first = built
    segment = next(first.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(b ^ 0xFF for b in data[len(data) // 2 : len(data) // 2 + 64])
    segment.write_bytes(bytes(data))
    log: list[str] = []
    # one process, so /healthz speaks for the whole server (test_workers.py: one worker rebuilds, every one swaps)
    with serving(["--index", str(location), "--workers", "1"], output=log,
                 env={**os.environ, "REPORT_SEARCH_CHECK_SECONDS": "0.2"}) as (url, _):
        assert wait_until(lambda: (h := health(url))[0] == 200 and h[1]["index"] != first.name, timeout=60, every=0.2)
        second = location / "builds" / health(url)[1]["index"]
        assert get_json(url + "/api/search?q=%E5%BC%A0%E6%B1%9F")["total"] > 0  # 张江
        segment = next(second.glob("*.seg"))
        os.truncate(segment, segment.stat().st_size // 2)
        statuses = {path: _status(url + path) for path in ("/api/search?q=%E9%99%A2%E5%A3%AB", "/search?q=%E7%A7%91%E6%99%AE",
                                                            "/p/2020-ch4-0177", "/api/paragraphs/2019-ch4-0005")}
        assert set(statuses.values()) <= {200, 503} and 503 in statuses.values(), statuses
        seen: set[int] = set()
        assert wait_until(lambda: seen.add((h := health(url))[0]) or h[1]["index"] not in (first.name, second.name), timeout=60, every=0.02)
        assert 503 in seen  # while it rebuilt, /healthz said the served build was damaged
        assert all(_status(url + path) == 200 for path in statuses) and health(url)[0] == 200
    assert any(segment.name in line and "damaged" in line for line in log)
    assert not any("Traceback" in line for line in log)


def test_healthz_says_the_served_build_is_damaged_until_a_good_one_is_served(built):
    location, path = built
    app = create_app({"INDEX": str(location), "REBUILD": False, "WATCH": False})
    client, holder = app.test_client(), app.extensions["report_search"]
    assert client.get("/healthz").status_code == 200
    segment = next(path.glob("*.seg"))
    os.truncate(segment, segment.stat().st_size - 1)
    holder.look()  # what the watching thread does every CHECK_SECONDS
    answer = client.get("/healthz")
    body = answer.get_json()
    assert answer.status_code == 503 and body["status"] == "damaged" and body["index"] == path.name
    assert segment.name in body["problem"] and "\n" not in body["problem"]
    build(location, load_corpus(), progress=False)
    holder.look()
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok" and answer.get_json()["index"] != path.name


def test_index_faults_are_503_with_the_message(engine, monkeypatch):
    client = create_app({"ENGINE": engine}).test_client()

    def damaged(*args, **kwargs):
        raise IndexDamaged("index build X is damaged: _MAIN_1.toc is missing; run: report-search build --index /ix")

    monkeypatch.setattr(engine, "search", damaged)
    api = client.get("/api/search?q=科创板")
    assert api.status_code == 503 and api.get_json()["error"] == {
        "code": "index_unavailable", "message": "index build X is damaged: _MAIN_1.toc is missing; run: report-search build --index /ix"}
    page = client.get("/search?q=科创板")
    assert page.status_code == 503 and "_MAIN_1.toc is missing" in page.get_data(as_text=True)


def test_citations_survive_the_corpus_file_changing_while_serving(tmp_path, built, corpus):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus.root, copy)
    mine = load_corpus(copy)
    engine = Engine(built[1], mine)  # a build of the same files; the engine reads this copy of them
    client = create_app({"ENGINE": engine}).test_client()
    before = client.get("/p/2020-ch4-0177").get_data(as_text=True)
    (copy / "2020-ch4.txt").write_text("\n" * 5 + (copy / "2020-ch4.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert client.get("/p/2020-ch4-0177").get_data(as_text=True) == before
    (copy / "2020-ch4.txt").unlink()
    page = client.get("/p/2020-ch4-0177")
    assert page.status_code == 200 and page.get_data(as_text=True) == before


def test_lines_are_counted_as_sed_counts_them(tmp_path, corpus, paragraphs):
    """A form feed or U+2028 inside a line must not shift the citations after it."""
    import hashlib

    from report_search.index.parse import parse_corpus

    copy = tmp_path / "corpus"
    shutil.copytree(corpus.root, copy)
    path = copy / "2020-ch4.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5] + "\f\u2028"  # inside line 6: sed -n still counts one line
    path.write_text("\n".join(lines), encoding="utf-8")
    manifest = copy / "manifest.toml"
    old = next(r.sha256 for r in corpus.reports if r.file.endswith("2020-ch4.txt"))
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, hashlib.sha256(path.read_bytes()).hexdigest()), encoding="utf-8")
    changed = load_corpus(copy)

    def cited(records):
        return {(p.id, p.line_start, p.line_end) for p in records if p.file.endswith("2020-ch4.txt") and p.line_start > 6}

    assert cited(parse_corpus(changed)) == cited(paragraphs)
    sed = subprocess.run(["sed", "-n", "177p", str(path)], capture_output=True, text=True, encoding="utf-8").stdout.rstrip("\n")
    assert changed.source_lines("corpus/2020-ch4.txt", 177, 177) == [(177, sed)]


def test_opening_the_index_while_builds_replace_it_never_fails(built, corpus, paragraphs):
    """A rebuild used to delete the previous build at once: 4 of 30 processes opening it then failed."""
    from report_search.search.engine import open_engine

    location, _ = built
    stop, failures, opened = threading.Event(), [], [0]

    def opener() -> None:
        while not stop.wait(0.01):  # a breath between opens: the builds share the interpreter with it
            try:
                assert open_engine(location, rebuild=False).size > 500
                opened[0] += 1
            except Exception as exc:  # noqa: BLE001 — what this test counts
                failures.append(repr(exc))

    thread = threading.Thread(target=opener)
    thread.start()
    try:
        for _ in range(3):
            build(location, corpus, paragraphs=paragraphs, progress=False)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures and opened[0] >= 3


def test_the_task_queue_warning_is_rate_limited():
    import logging

    from report_search.web.server import _EveryFewSeconds

    records = [logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (i,), None) for i in range(100)]
    limit = _EveryFewSeconds(seconds=60)
    passed = [r for r in records if limit.filter(r)]
    assert len(passed) == 1 and limit.held == 99
    limit.last -= 61  # a minute later: the next one passes and says how many were held back
    later = logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (7,), None)
    assert limit.filter(later) and "+99 such warnings" in later.getMessage()


def test_a_bad_check_interval_is_one_line_and_no_server(run, monkeypatch, built):
    location, _ = built
    for bad in ("abc", "0", "-1", "1e9"):
        monkeypatch.setenv("REPORT_SEARCH_CHECK_SECONDS", bad)
        result = run("serve", "--index", str(location), "--no-build", "--port", "0")
        assert result.returncode == 2 and "REPORT_SEARCH_CHECK_SECONDS 应为 0.1–3600 之间的秒数" in result.stderr
        assert "Traceback" not in result.stderr
