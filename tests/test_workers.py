"""`serve --workers N` (web/workers.py): N processes on one socket, started as a user starts
the server and probed over loopback — every worker serves, every worker swaps a new build in,
one rebuilds a damaged index, the per-client cap counts all of them, a dead worker is started
anew, and stopping the server (or killing it) leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from report_search.index.build import build
from report_search.web.workers import ClientCounts
from serving import serving, wait_until


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def writes(pid: int) -> int:
    """The process's write calls: a waitress worker writes to its trigger pipe once for each
    request it answered (the answer itself is sent, not written), and logs nothing per request."""
    return int(Path(f"/proc/{pid}/io").read_text().split("syscw:")[1].split()[0])


def start(args: list[str], **popen) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "report_search.web.cli", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", **popen)
    for line in proc.stdout:  # type: ignore[union-attr]
        if "serving on" in line:
            return proc, int(line.split("serving on http://127.0.0.1:")[1].split("/")[0])
    raise AssertionError("serve did not start: " + proc.stdout.read())  # type: ignore[union-attr]


def test_client_counts_add_up_over_the_workers_rows():
    counts = ClientCounts(workers=2, slots=4)
    counts.use_row(0)
    assert counts.admit("127.0.0.9", 3) and counts.admit("127.0.0.9", 3) and counts.admit("::1", 3)
    other = ClientCounts.__new__(ClientCounts)  # worker 1's view of the same shared memory
    other.__dict__.update(counts.__dict__, mine={}, row=1)
    assert other.admit("127.0.0.9", 3)  # its third
    assert not other.admit("127.0.0.9", 3) and not counts.admit("127.0.0.9", 3)
    assert counts.admit("127.0.0.99", 3)  # a longer address holding the shorter one is another client
    counts.release("127.0.0.9")
    assert other.admit("127.0.0.9", 3) and not other.admit("127.0.0.9", 3)
    other.use_row(1)  # worker 1 started anew: its two are gone, row 0's one is left
    assert counts.admit("127.0.0.9", 3) and counts.admit("127.0.0.9", 3) and not counts.admit("127.0.0.9", 3)


def test_every_worker_serves_and_stopping_leaves_no_process(built):
    location, _ = built
    for stop in (signal.SIGTERM, signal.SIGINT):
        proc, port = start(["--index", str(location), "--no-build", "--workers", "2"])
        try:
            assert wait_until(lambda: len(children(proc.pid)) == 2, timeout=10)
            workers = children(proc.pid)
            before = {pid: writes(pid) for pid in workers}
            for _ in range(40):  # each connection is accepted by whichever worker is first: both answer
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(b"GET /api/search?q=%E5%BC%A0%E6%B1%9F HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    answer = b""
                    while chunk := sock.recv(65536):
                        answer += chunk
                assert answer.startswith(b"HTTP/1.1 200")
            assert all(writes(pid) > before[pid] for pid in workers)  # each answered some
            proc.send_signal(stop)
            assert proc.wait(timeout=15) == 0
            assert wait_until(lambda: not any(map(alive, workers)), timeout=5)
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]


def test_a_worker_that_dies_is_started_anew_and_none_outlives_a_killed_server(built):
    location, _ = built
    proc, port = start(["--index", str(location), "--no-build", "--workers", "2"])
    try:
        assert wait_until(lambda: len(children(proc.pid)) == 2, timeout=10)
        first = children(proc.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: len(children(proc.pid) - {victim}) == 2, timeout=10)  # a new one in its place
        assert get_json(f"http://127.0.0.1:{port}/healthz")["status"] == "ok"
        workers = children(proc.pid)
        proc.kill()  # no chance to stop its workers: they notice their parent is gone
        proc.wait()
        assert wait_until(lambda: not any(map(alive, workers)), timeout=5)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]


def test_every_worker_swaps_a_new_build_in_and_one_rebuilds_a_damaged_one(built, corpus, paragraphs):
    location, first = built
    log: list[str] = []
    with serving(["--index", str(location), "--workers", "2"], output=log,
                 env={**os.environ, "REPORT_SEARCH_CHECK_SECONDS": "0.2"}) as (url, _):
        newest = build(location, corpus, paragraphs=paragraphs, progress=False)
        assert wait_until(lambda: sum(f"now serving index build {newest.name}" in line for line in log) == 2, timeout=20)
        segment = next(newest.glob("*.seg"))
        os.truncate(segment, segment.stat().st_size // 2)
        rebuilt = lambda: [line for line in log if "rebuilt the index as build" in line]  # noqa: E731
        assert wait_until(lambda: len(rebuilt()) == 1, timeout=60)
        third = rebuilt()[0].split("as build ")[1].strip()
        assert wait_until(lambda: sum(f"now serving index build {third}" in line for line in log) == 2, timeout=20)
        time.sleep(1)  # five more looks of each worker: still one rebuild
        assert len(rebuilt()) == 1
        assert get_json(url + "/healthz")["index"] == third
    assert sum("damaged while served" in line for line in log) == 2  # each worker saw it
    assert not any("Traceback" in line for line in log)


def test_the_client_cap_counts_connections_in_every_worker(built):
    """--client-limit 3 over two workers: of 8 keep-alive connections from one address, 3 stay
    open, wherever they were accepted; another address still gets in."""
    location, _ = built
    with serving(["--index", str(location), "--no-build", "--workers", "2", "--client-limit", "3"]) as (_, port):
        socks = []
        for _ in range(8):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # keep-alive: the server holds it open
            socks.append(sock)

        def answered(sock: socket.socket) -> bool:
            try:
                return sock.recv(65536).startswith(b"HTTP/1.1 200")
            except OSError:
                return False

        try:
            assert sum(map(answered, socks)) == 3
            other = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=("127.0.0.2", 0))
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert answered(other)
            other.close()
        finally:
            for sock in socks:
                sock.close()


def test_a_worker_started_anew_after_a_swap_serves_the_newest_build(built, corpus, paragraphs):
    """The parent keeps the build it opened; a worker forked after a hot swap looks for the
    newest build before it serves, instead of serving the parent's until its first look."""
    location, first = built
    proc, port = start(["--index", str(location), "--no-build", "--workers", "2"],
                       env={**os.environ, "REPORT_SEARCH_CHECK_SECONDS": "1.5"})
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        assert wait_until(lambda: len(children(proc.pid)) == 2, timeout=10)
        newest = build(location, corpus, paragraphs=paragraphs, progress=False)
        assert wait_until(lambda: all(get_json(url)["index"] == newest.name for _ in range(10)), timeout=20)
        victim = min(children(proc.pid))
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: len(children(proc.pid) - {victim}) == 2, timeout=10)
        seen = {get_json(url)["index"] for _ in range(40)}  # both workers answer, within the first look's 1.5 s
        assert seen == {newest.name}, seen
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]


def test_a_worker_that_does_not_stop_is_killed_after_stop_seconds(monkeypatch):
    """SIGTERM gives each worker STOP_SECONDS to finish its requests; one that ignores it is
    killed then, and the parent returns (it had blocked in os.wait() and never killed it)."""
    import threading

    from report_search.web import workers

    monkeypatch.setattr(workers, "STOP_SECONDS", 0.5)

    def stubborn(row: int) -> None:  # a worker busy past any request's end
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)

    sock = workers.listening_socket(socket.AF_INET, socket.SOCK_STREAM, 0, ("127.0.0.1", 0), 5)
    parent = workers.Workers(2, sock, stubborn)
    asked: list[float] = []

    def stop_when_started() -> None:
        wait_until(lambda: len(children(os.getpid())) >= 2, timeout=10)
        asked.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)
        if not wait_until(lambda: not children(os.getpid()), timeout=6):  # never killed: end the test, failing
            for pid in children(os.getpid()):
                os.kill(pid, signal.SIGKILL)

    threading.Thread(target=stop_when_started, daemon=True).start()
    started = set()
    monkeypatch.setattr(parent, "_spawn", lambda row, spawn=parent._spawn: (spawn(row), started.update(parent.children)))
    parent.run()
    took = time.monotonic() - asked[0]
    assert 0.5 <= took < 5 and not parent.children
    assert len(started) == 2 and not any(map(alive, started))


def test_a_worker_reads_its_inherited_files_at_its_own_position(tmp_path):
    """After a fork, parent and child share an open file's read position: a worker's seek would
    move another's between its seek and its read. own_file_offsets gives the worker its own."""
    from report_search.web.workers import own_file_offsets

    path = tmp_path / "segment"
    path.write_bytes(bytes(range(256)) * 4)
    for own in (False, True):
        with open(path, "rb", buffering=0) as f:
            f.seek(10)
            pid = os.fork()
            if not pid:  # the child: moves its position, then says whether it started at the parent's
                code = 1
                try:
                    if own:
                        own_file_offsets()
                    code = 0 if os.lseek(f.fileno(), 0, os.SEEK_CUR) == 10 else 1
                    os.lseek(f.fileno(), 700, os.SEEK_SET)
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0  # the child started where the parent was
            assert os.lseek(f.fileno(), 0, os.SEEK_CUR) == (10 if own else 700)
