"""Request latency of the real server: `report-search serve` (waitress) on a loopback port.

    python benchmarks/bench_web.py [--requests 200]

Times N requests each to /api/search and /search (a fixed mix of queries, filters and pages,
one connection per request, one client), after a short warm-up, and prints p50/p95/p99.
/healthz, measured in the same run, shows the floor of server and client alone.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["科创板", "上海天文馆", "长三角 OR 一带一路", "张江", "零号湾", '"科技创新中心"', "科技金融 -保险", "人工智能",
           "院士", "区块链", "科普", "G60", "城", "科技", "众创空间", "大学科技园", "高企贷", "外资研发中心", "", "浦江创新论坛"]


def params(rng: random.Random) -> dict:
    p: dict = {"q": rng.choice(QUERIES)}
    if rng.random() < 0.3:
        p["year"] = rng.choice(["2017", "2019", "2020", "2021"])
    if rng.random() < 0.2:
        p["district"] = rng.choice(["闵行", "浦东", "杨浦", "徐汇"])
    if rng.random() < 0.2:
        p["page"] = rng.choice(["2", "3"])
    return p


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "report_search.web.cli", "serve", "--port", "0"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
    )
    try:
        base = None
        for line in server.stdout:  # type: ignore[union-attr]
            m = re.search(r"serving on (http://\S+)/", line)
            if m:
                base = m.group(1)
                break
        if base is None:
            sys.exit("the server did not start")
        rng = random.Random(11)
        for _ in range(20):  # warm-up
            timed(f"{base}/api/search?{urlencode(params(rng), doseq=True)}")
        rows = []
        for name, path in (("/healthz", "/healthz"), ("/api/search", "/api/search"), ("/search", "/search")):
            rng = random.Random(42)  # the same request mix for both search routes
            times = [
                timed(base + (path if path == "/healthz" else f"{path}?{urlencode(params(rng), doseq=True)}"))
                for _ in range(args.requests)
            ]
            rows.append((name, statistics.median(times), percentile(times, 95), percentile(times, 99), max(times)))
        print(f"{args.requests} requests per route, one at a time, over loopback to report-search serve (waitress)")
        print(f"{'route':<14}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}")
        for name, p50, p95, p99, top in rows:
            print(f"{name:<14}{p50:>8.2f}{p95:>8.2f}{p99:>8.2f}{top:>8.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
