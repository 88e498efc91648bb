"""Starting `report-search serve` as a user does, on a free loopback port (for the tests that
talk to the real waitress server)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


@contextmanager
def serving(args: Sequence[str], command: Sequence[str] = (sys.executable, "-m", "report_search.web.cli"), **popen) -> Iterator[tuple[str, int]]:
    """Run `<command> serve --port 0 <args>`; yields (base URL without the final slash, port)."""
    proc = subprocess.Popen([*command, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", **popen)
    url = None
    for line in proc.stdout:  # type: ignore[union-attr]
        if m := re.search(r"serving on (http://\S+?)/? ", line):
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail("report-search serve did not start: " + proc.stdout.read())  # type: ignore[union-attr]
    try:
        yield url, int(url.rsplit(":", 1)[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
