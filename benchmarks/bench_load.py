"""Load on the real server: `report-search serve` (waitress) on a loopback port, N concurrent
clients for T seconds, then the server's memory over many varied requests.

    python benchmarks/bench_load.py [--clients 50] [--seconds 60] [--plateau 50000]

Part 1 — each client keeps one HTTP/1.1 connection and sends, one after another, requests drawn
from a realistic mix: /api/search and /search with keywords, random substrings of the reports,
year/theme/district filters, sorts and pages; /healthz, in the same run, is the floor of server
and client alone. Prints per route: requests, errors, p50/p95/p99 ms, throughput, and the
server's RSS at start and end.

Part 2 — the RSS curve: --plateau requests, every one a different query (random substrings and
filter combinations), sampled every tenth of the way. The engine's caches are bounded by bytes,
so the curve must flatten.

Part 3 — the same curve under hostile input (--hostile requests, issue 18): odd unicode (zero
widths, combining marks, astral and private-use characters, traditional forms), broken percent-
escapes, long and operator-soup queries, facets repeated up to the cap and past it, on every
route (pages, JSON twins, export, compare, reader, paragraph, citations). It must flatten too:
at most 250 MB after 20,000 requests at 1x.

Only loopback; every loop is bounded by its count or its time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from bench_web import percentile  # the same folder: `python benchmarks/bench_load.py` puts it on the path
from report_search.index.corpus import load_corpus
from report_search.index.parse import parse_corpus

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ["科创板", "上海天文馆", "长三角 OR 一带一路", "张江", "零号湾", '"科技创新中心"', "科技金融 -保险", "人工智能",
            "院士", "区块链", "科普", "G60", "城", "科技", "众创空间", "大学科技园", "高企贷", "外资研发中心", "", "浦江创新论坛"]
YEARS, DISTRICTS = ["2017", "2019", "2020", "2021"], ["闵行", "浦东", "杨浦", "徐汇", "嘉定", "松江"]
THEMES = ["科技金融", "创新创业", "国际合作", "区域协同", "科学普及", "人才"]


class Mix:
    """Request parameters: keywords and random substrings of the reports, with filters."""

    texts: list[str] = []  # the reports' paragraphs, parsed once for all clients

    def __init__(self, seed: int) -> None:
        if not Mix.texts:
            Mix.texts = [p.text for p in parse_corpus(load_corpus())]
        self.rng = random.Random(seed)

    def substring(self) -> str:
        text = self.rng.choice(self.texts)
        length = self.rng.randint(2, 8)
        start = self.rng.randrange(max(1, len(text) - length))
        return text[start : start + length].replace('"', "").strip() or "科技"

    def params(self, fresh: bool = False) -> dict:
        rng = self.rng
        p: dict = {"q": self.substring() if fresh or rng.random() < 0.5 else rng.choice(KEYWORDS)}
        if rng.random() < 0.3:
            p["year"] = rng.sample(YEARS, rng.randint(1, 2))
        if rng.random() < 0.2:
            p["district"] = rng.choice(DISTRICTS)
        if rng.random() < 0.15:
            p["theme"] = rng.choice(THEMES)
        if rng.random() < 0.2:
            p["sort"] = rng.choice(["newest", "oldest", "order"])
        if rng.random() < 0.2:
            p["page"] = rng.choice(["2", "3"])
        return p


class Hostile:
    """Request paths (already percent-encoded, so a broken escape stays broken) a fuzzer sends."""

    ODD = ["\u200b", "\ufeff", "\u0301", "\U0001d54f", "\U0001f469\u200d\U0001f467", "\ue000", "\x00", "\u2028", "長三角", "ＡＩ", "ﬁ",
           "\"", "-", "OR", "AND", "NOT", ":", "year:", "section:", "theme:", "district:", "(", ")", "*", "?", "%", "\\", "<script>"]
    ROUTES = ["/search", "/api/search", "/compare", "/api/compare", "/export", "/p/2020-ch4-0177", "/api/paragraphs/2019-ch4-0005",
              "/r/2019-ch4", "/api/reports/2020-ch4", "/collection", "/api/citations", "/p/nope", "/r/nope"]

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self) -> str:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.35:
            return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 6)))
        if roll < 0.65:
            return "".join(rng.choice(self.ODD) for _ in range(rng.randint(1, 4)))
        if roll < 0.85:
            return "".join(chr(rng.choice([rng.randint(0x20, 0x2FFF), rng.randint(0xAC00, 0xD7A3), rng.randint(0x10000, 0x1FFFF)]))
                           for _ in range(rng.randint(1, 8)))
        return rng.choice(["科技", "创新", "OR", "-保险", '"科技"', "year:2020", "year:1999", "theme:科技金融", "district:閔行", "section:导语"])

    def query(self) -> str:
        rng = self.rng
        return " ".join(self.word() for _ in range(rng.randint(1, rng.choice([3, 12, 80]))))[: rng.choice([40, 200, 260])]

    def path(self) -> str:
        rng = self.rng
        route = rng.choice(self.ROUTES)
        parts = [f"q={quote(self.query())}"]
        if rng.random() < 0.25:
            parts.append(rng.choice(["q=%E7%A7", "q=%ZZ", "q=%", "within=%E7%A7%91%E6"]) + quote(self.word()))
        for facet in ("theme", "district", "year"):
            if rng.random() < 0.3:
                parts += [f"{facet}={quote(self.word())}" for _ in range(rng.randint(1, 30))]
        for name in ("within", "id"):
            if rng.random() < 0.2:
                parts += [f"{name}={quote(self.word())}" for _ in range(rng.randint(1, 10))]
        if rng.random() < 0.2:
            parts.append(f"page={rng.choice(['1', '7', '0', '-1', '99999', 'x'])}&per_page={rng.choice(['10', '100', '101'])}")
        if route == "/export":
            parts.append(f"format={rng.choice(['csv', 'jsonl', 'bibtex', 'ris', 'gbt', 'xml'])}")
        return f"{route}?{'&'.join(parts)}"


def _tree(pid: int) -> list[int]:
    """`pid` and its children (serve --workers forks them)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def rss_kib(pid: int) -> tuple[int, int, int]:
    """(RSS, peak RSS, PSS) in KiB, summed over the server's processes. The sum of RSS counts a
    page shared by the workers once per worker; PSS (proportional set size) shares it out, so
    its sum is the memory the processes take together."""
    rss = hwm = pss = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        hwm += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        pss += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))  # type: ignore[union-attr]
    return rss, hwm, pss


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server's processes so far."""
    ticks = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")


def start_server(threads: int | None, workers: int | None) -> tuple[subprocess.Popen, str, int]:
    more = [*(["--threads", str(threads)] if threads else []),  # not given: the server's defaults
            *(["--workers", str(workers)] if workers else [])]  # (and a main without --workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "report_search.web.cli", "serve", "--port", "0", *more],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
    )
    for line in server.stdout:  # type: ignore[union-attr]
        if m := re.search(r"serving on http://([\d.]+):(\d+)/", line):
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
            return server, m.group(1), int(m.group(2))
    raise SystemExit("report-search serve did not start")


class Client:
    """One keep-alive connection; reconnects when the server closes it. Client k connects from
    its own loopback address (127.0.0.k+2: all of 127/8 is loopback), as k people would, so the
    server's per-client connection cap (serve --client-limit) sees k clients, not one."""

    def __init__(self, host: str, port: int, k: int = 0) -> None:
        self.host, self.port = host, port
        self.source = (f"127.0.{k // 250}.{2 + k % 250}", 0) if host == "127.0.0.1" else None
        self.conn = self.connect()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=self.source)

    def get(self, path: str) -> int:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = self.connect()
                if attempt == 2:
                    raise
        return 0


def load(host: str, port: int, clients: int, seconds: float, seed: int) -> dict[str, dict]:
    routes = {"/api/search": [], "/search": [], "/healthz": []}  # type: dict[str, list[float]]
    errors = {route: 0 for route in routes}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(k: int) -> None:
        mix, client = Mix(seed + k), Client(host, port, k)
        while time.monotonic() < deadline:
            roll = mix.rng.random()
            route = "/healthz" if roll < 0.1 else "/api/search" if roll < 0.55 else "/search"
            path = route if route == "/healthz" else f"{route}?{urlencode(mix.params(), doseq=True)}"
            started = time.perf_counter()
            try:
                ok = client.get(path) == 200
            except Exception:  # noqa: BLE001 — counted, not raised: a load test reports its errors
                ok = False
            took = (time.perf_counter() - started) * 1000
            with lock:
                routes[route].append(took)
                errors[route] += not ok

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return {r: {"times": routes[r], "errors": errors[r]} for r in routes}


def plateau(host: str, port: int, pid: int, total: int, clients: int = 8, seed: int = 7,
            hostile: bool = False) -> list[tuple[int, tuple[int, int, int]]]:
    """`rss_kib` after every tenth of `total` varied requests (`hostile`: the Hostile mix)."""
    step = max(1, total // 10)
    curve = [(0, rss_kib(pid))]
    mix, fuzz = Mix(seed), Hostile(seed)
    for done in range(step, total + 1, step):
        paths = [fuzz.path() if hostile else f"/api/search?{urlencode(mix.params(fresh=True), doseq=True)}" for _ in range(step)]
        chunks = [paths[k::clients] for k in range(clients)]

        def run(chunk: list[str], k: int) -> None:
            client = Client(host, port, k)
            for path in chunk:
                try:
                    client.get(path)
                except Exception:  # noqa: BLE001 — a refused request still counts toward the curve
                    pass

        threads = [threading.Thread(target=run, args=(c, k)) for k, c in enumerate(chunks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        curve.append((done, rss_kib(pid)))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, help="server threads per worker (serve --threads; default: serve's)")
    parser.add_argument("--workers", type=int, help="server processes (serve --workers; default: serve's)")
    parser.add_argument("--plateau", type=int, default=50_000, help="varied requests for the RSS curve (0: skip)")
    parser.add_argument("--hostile", type=int, default=20_000, help="hostile requests for the second RSS curve (0: skip)")
    args = parser.parse_args()
    server, host, port = start_server(args.threads, args.workers)
    try:
        Mix(0)  # parse the corpus for the query mix before the clock starts
        Client(host, port).get("/api/search?q=%E7%A7%91%E6%8A%80")  # warm
        start, cpu = rss_kib(server.pid), cpu_seconds(server.pid)
        results = load(host, port, args.clients, args.seconds, seed=1)
        end, cpu = rss_kib(server.pid), cpu_seconds(server.pid) - cpu
        processes = len(_tree(server.pid))
        total = sum(len(r["times"]) for r in results.values())
        options = "".join(f" --{k} {v}" for k, v in (("threads", args.threads), ("workers", args.workers)) if v)
        print(f"{args.clients} clients × {args.seconds:.0f} s against report-search serve{options} "
              f"(loopback; {processes} server process{'es' if processes > 1 else ''})")
        print(f"{'route':<12} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'p50 ÷ healthz':>14}")
        floor = statistics.median(results["/healthz"]["times"]) if results["/healthz"]["times"] else float("nan")
        for route, r in results.items():
            times = r["times"]
            p50 = statistics.median(times) if times else float("nan")
            print(f"{route:<12} {len(times):>9} {r['errors']:>7} {p50:>8.1f} {percentile(times, 95):>8.1f} "
                  f"{percentile(times, 99):>8.1f} {len(times) / args.seconds:>7.1f} {p50 / floor:>14.2f}")
        print(f"{'all':<12} {total:>9} {sum(r['errors'] for r in results.values()):>7} {'':>8} {'':>8} {'':>8} {total / args.seconds:>7.1f}")
        print(f"server CPU, all its processes: {cpu:.1f} s, {1000 * cpu / max(1, total):.2f} ms per request")
        print(f"server RSS, all its processes: {start[0] / 1024:.1f} MiB at start, {end[0] / 1024:.1f} MiB at end "
              f"(peak {end[1] / 1024:.1f} MiB); PSS (shared pages counted once): {start[2] / 1024:.1f} -> {end[2] / 1024:.1f} MiB")
        if args.plateau:
            print(f"\nRSS over {args.plateau:,} varied /api/search requests (each a different query), 8 clients:")
            print(f"{'requests':>9} {'RSS MiB':>8} {'PSS MiB':>8}")
            for done, kib in plateau(host, port, server.pid, args.plateau):
                print(f"{done:>9,} {kib[0] / 1024:>8.1f} {kib[2] / 1024:>8.1f}")
        if args.hostile:
            print(f"\nRSS over {args.hostile:,} hostile requests (odd unicode, broken escapes, long and operator-soup queries, "
                  "repeated facets, every route), 8 clients:")
            print(f"{'requests':>9} {'RSS MiB':>8} {'PSS MiB':>8}")
            for done, kib in plateau(host, port, server.pid, args.hostile, hostile=True):
                print(f"{done:>9,} {kib[0] / 1024:>8.1f} {kib[2] / 1024:>8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
