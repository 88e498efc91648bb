"""Starting `report-search serve` as a user does, on a free loopback port (for the tests that
talk to the real waitress server)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


@contextmanager
def serving(args: Sequence[str], command: Sequence[str] = (sys.executable, "-m", "report_search.web.cli"),
            output: list[str] | None = None, **popen) -> Iterator[tuple[str, int]]:
    """Run `<command> serve --port 0 <args>`; yields (base URL without the final slash, port).
    What the server prints (its log) after it started is appended to `output`, line by line."""
    proc = subprocess.Popen([*command, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", **popen)
    url, before = None, []
    for line in proc.stdout:  # type: ignore[union-attr]
        if m := re.search(r"serving on (http://\S+?)/? ", line):
            url = m.group(1)
            break
        before.append(line)
    if url is None:
        proc.kill()
        before.append(proc.stdout.read()); proc.wait()  # type: ignore[union-attr]
        pytest.fail(f"report-search serve did not start (exit {proc.returncode}): " + "".join(before))
    lines = output if output is not None else []

    def read_on() -> None:  # also keeps a chatty server from blocking on a full pipe
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)

    reader = threading.Thread(target=read_on, daemon=True)
    reader.start()
    try:
        yield url, int(url.rsplit(":", 1)[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)


def wait_until(condition, timeout: float, every: float = 0.05) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds have passed; its last value."""
    deadline = time.monotonic() + timeout
    while not (done := condition()) and time.monotonic() < deadline:
        time.sleep(every)
    return bool(done)
