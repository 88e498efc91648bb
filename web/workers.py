"""`serve --workers N`: N waitress processes sharing one listening socket, as gunicorn pre-forks.

One Python process serves on one core at a time (the GIL); the second core of a small machine
then sits idle under load. The parent opens and warms the engine, binds the socket and forks
the workers: the engine's pages are shared with them copy-on-write (`gc.freeze` keeps the
collector from writing to them), and every worker accepts from the same socket.

Each worker watches the index on its own (web/engines.py: a new build is swapped in, damage is a
503); only worker 0 rebuilds a damaged index, and the others swap the rebuilt one in as any new
build. The per-client connection cap counts a client's connections in every worker
(`ClientCounts`). The parent only supervises: SIGTERM or SIGINT stops every worker and waits
for it; a worker that dies is started anew (not if it dies at once, over and over); a worker
whose parent is gone stops itself, so none is left behind.
"""

from __future__ import annotations

import ctypes
import fcntl
import gc
import logging
import multiprocessing
import os
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("report_search.web")
STOP_SECONDS = 10  # how long a stopping worker may finish its requests before it is killed
EARLY_DEATH = 5.0  # a worker dying this soon after its start, twice in a row, stops the server
WAIT_POLL = 0.1  # seconds between two looks for a worker that died


class ClientCounts:
    """Open connections per client address, over every worker process. Each worker writes only
    its own row (the addresses it holds connections from, and how many) in memory shared before
    the fork, and counts a new connection against every row. No lock is shared between the
    processes (a worker killed while holding one would stop every other from accepting): two
    workers accepting a client's last allowed connection at the same instant may both let it in."""

    WIDTH = 48  # bytes per address (an IPv6 address with a zone fits), NUL-padded

    def __init__(self, workers: int, slots: int) -> None:
        self.workers, self.slots = workers, slots
        self.keys = multiprocessing.RawArray(ctypes.c_char, workers * slots * self.WIDTH)
        self.counts = multiprocessing.RawArray(ctypes.c_uint16, workers * slots)
        self.lock = threading.Lock()  # this worker's row: its accepts and closes may come from several threads
        self.row = 0
        self.mine: dict[str, int] = {}  # this worker's addresses -> their slot in its row

    def use_row(self, row: int) -> None:
        """Become worker `row` (in the worker, after the fork): its row is emptied, since a
        worker started anew holds none of the connections its predecessor counted."""
        with self.lock:
            self.row, self.mine = row, {}
            first = row * self.slots
            ctypes.memset(ctypes.addressof(self.keys) + first * self.WIDTH, 0, self.slots * self.WIDTH)
            ctypes.memset(ctypes.addressof(self.counts) + first * 2, 0, self.slots * 2)

    def _key(self, client: str) -> bytes:
        return client.encode("ascii", "replace")[: self.WIDTH].ljust(self.WIDTH, b"\0")

    def _total(self, key: bytes) -> int:
        blob, total, at = self.keys.raw, 0, 0
        while (at := blob.find(key, at)) != -1:
            if at % self.WIDTH == 0:
                total += self.counts[at // self.WIDTH]
            at += 1
        return total

    def admit(self, client: str, limit: int | None) -> bool:
        """Count a new connection from `client` unless it already holds `limit` (None: no limit)."""
        key = self._key(client)
        with self.lock:
            if limit is not None and self._total(key) >= limit:
                return False
            slot = self.mine.get(client)
            if slot is None:
                used = set(self.mine.values())
                slot = next(s for s in range(self.row * self.slots, (self.row + 1) * self.slots) if s not in used)
                self.mine[client] = slot
                self.keys[slot * self.WIDTH : (slot + 1) * self.WIDTH] = key
            self.counts[slot] += 1
            return True

    def release(self, client: str) -> None:
        """A connection from `client` counted by `admit` is closed."""
        with self.lock:
            slot = self.mine[client]
            self.counts[slot] -= 1
            if not self.counts[slot]:
                del self.mine[client]
                self.keys[slot * self.WIDTH : (slot + 1) * self.WIDTH] = b"\0" * self.WIDTH


def own_file_offsets() -> None:
    """Give each file inherited from the parent its own offset (in a worker, after the fork).

    A forked process shares its parent's open files *with their read position*: two workers
    reading the index's segment (read, not memory-mapped: search/store.py) would move each
    other's position between a seek and a read and get the wrong bytes. Each such file is opened
    anew on the same descriptor number (dup2), at the same position, so the objects holding
    it go on unchanged. Only regular files opened for reading are reopened, and only when the
    path still names the same file."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            path = os.readlink(f"/proc/self/fd/{fd}")
            held = os.fstat(fd)
            if flags & os.O_ACCMODE != os.O_RDONLY or not stat.S_ISREG(held.st_mode):
                continue
            fresh = os.open(path, flags & (os.O_ACCMODE | os.O_NONBLOCK))
        except OSError:
            continue  # closed meanwhile (this very listing), or its file is gone
        try:
            now = os.fstat(fresh)
            if (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino):
                log.warning("file %s was replaced: this worker shares its read position", path)
                continue
            os.lseek(fresh, os.lseek(fd, 0, os.SEEK_CUR), os.SEEK_SET)
            os.dup2(fresh, fd, inheritable=os.get_inheritable(fd))
        finally:
            os.close(fresh)


def listening_socket(family: int, socktype: int, proto: int, address, backlog: int) -> socket.socket:
    """Bound and listening, as waitress binds its own (SO_REUSEADDR; IPv6 only on an IPv6 address)."""
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


class Workers:
    """The parent of `count` worker processes; `run()` forks them and supervises until stopped.
    `serve(row)` runs in a forked worker: it serves until SIGTERM and returns."""

    def __init__(self, count: int, sock: socket.socket, serve: Callable[[int], None]) -> None:
        self.count, self.sock, self.serve = count, sock, serve
        self.effective_port = sock.getsockname()[1]
        self.children: dict[int, int] = {}  # pid -> row
        self.started: dict[int, float] = {}  # row -> when its current worker started
        self.stopping = False
        self.failed = False  # a worker died at its start twice in a row

    def run(self) -> None:
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        gc.freeze()  # what the parent built stays shared: the collector never writes to it
        early: set[int] = set()
        try:
            for row in range(self.count):
                self._spawn(row)
            while self.children and not self.stopping:  # stopping: _reap waits, and kills after STOP_SECONDS
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if not pid:
                    time.sleep(WAIT_POLL)  # a signal (SIGTERM) is handled meanwhile
                    continue
                row = self.children.pop(pid, None)
                if row is None:
                    continue
                code = os.waitstatus_to_exitcode(status)
                if time.monotonic() - self.started[row] < EARLY_DEATH:
                    if row in early:
                        log.error("worker %d died at its start again (exit %d): stopping", row, code)
                        self.failed = True
                        self._stop()
                        continue
                    early.add(row)
                else:
                    early.discard(row)
                log.error("worker %d (pid %d) died (exit %d): starting it anew", row, pid, code)
                self._spawn(row)
        finally:
            self._stop()
            self._reap()
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.sock.close()
        if self.failed:
            raise SystemExit(1)

    def _spawn(self, row: int) -> None:
        if self.stopping:
            return
        parent, stops = os.getpid(), {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)  # until each side has its own handlers and knows the pid
        pid = os.fork()
        if pid:
            self.children[pid] = row
            self.started[row] = time.monotonic()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            return
        code = 1
        try:  # the worker: never returns into the parent's code
            for s in stops:
                signal.signal(s, _exit_quietly)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            own_file_offsets()
            threading.Thread(target=_orphan_watch, args=(parent,), name="orphan-watch", daemon=True).start()
            self.serve(row)
            code = 0
        except SystemExit:  # stopped before it served
            code = 0
        except BaseException:  # noqa: BLE001 — said, and the parent starts it anew
            log.exception("worker %d failed", row)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _stop(self, *_signal) -> None:
        """Stop every worker (SIGTERM: each finishes the requests it is serving)."""
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _reap(self) -> None:
        deadline = time.monotonic() + STOP_SECONDS
        while self.children:
            for pid in list(self.children):
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done = pid
                if done:
                    del self.children[pid]
            if self.children and time.monotonic() > deadline:
                for pid in self.children:
                    os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.02)


def _exit_quietly(*_signal) -> None:
    raise SystemExit(0)  # waitress's run() catches it and shuts its threads down


def _orphan_watch(parent: int) -> None:
    """A worker whose parent died (killed with SIGKILL, say) stops: none outlives its server."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
