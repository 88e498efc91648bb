"""Search benchmark: this checkout against another revision and a brute-force scan, in one run.

    python benchmarks/bench_search.py --against main            # 1×, 10×, 100×
    python benchmarks/bench_search.py --against main --scales 1 10
    python benchmarks/bench_search.py --scales 1                # this checkout and the scan only

For each scale the corpus paragraphs are replicated (unique ids, same text). Each side (this
checkout; `--against REV`, checked out into a temporary worktree and imported from there)
builds its own index in a process of its own (build seconds, index size), then a second process
opens it and times every query, after a warm-up on other queries: the search as /api/search
computes it — top 10 with facets, highlighted snippets and 相关词 (key terms) — its first run
(nothing of it cached yet) and the median of 3 more. The query set is the benchmark's keywords
plus random substrings of the text (1–8 characters, fixed seed), each typed as is AND quoted,
reported per class (1 char, 2, 3–4, 5–8, keyword). The scan is the floor a search engine must
beat: every needle `in` every folded text, the first 10 in document order (no ranking, facets
or titles), timed in the same process after the engine's figures are taken. Also: what
did-you-mean adds when it runs (an unquoted query with three or fewer results), the process's
peak RSS after 1,000 more varied searches (before the scan's texts are loaded), and the cold
start of `report-search query` (a new process, median of 7). Both sides get the same queries,
warm-up and varied searches, made by this process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = """科创板 上海天文馆 长三角 一带一路 张江 临港 零号湾 中以创新园 浦江创新论坛 科技金融 科技小巨人
    众创空间 人工智能 集成电路 生物医药 院士 技术转移 创新券 孵化器 科技创新中心""".split()
CLASSES = ("1 char", "2 chars", "3–4", "5–8", "keyword")


def query_set(texts: list[str], n_random: int, seed: int) -> list[tuple[str, str]]:
    """(class, text) pairs: the keywords and random substrings of the paragraphs."""
    rng = random.Random(seed)
    out = [("keyword", k) for k in KEYWORDS]
    while len(out) < len(KEYWORDS) + n_random:
        text = rng.choice(texts)
        n = rng.randint(1, 8)
        if len(text) >= n:
            start = rng.randrange(len(text) - n + 1)
            piece = text[start : start + n]
            if piece == piece.strip() and '"' not in piece and not piece.startswith("-") and ":" not in piece:
                out.append((CLASSES[0] if n == 1 else CLASSES[1] if n == 2 else CLASSES[2] if n <= 4 else CLASSES[3], piece))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def replicated(scale: int):
    from report_search.index.corpus import load_corpus
    from report_search.index.parse import parse_corpus

    corpus = load_corpus()
    base = parse_corpus(corpus)
    out = []
    for k in range(scale):
        for p in base:
            out.append(replace(p, id=p.id if k == 0 else f"{p.id}~{k}", order=len(out)))
    return corpus, out


# -- the two worker processes of one side at one scale ----------------------------------------

def work_build(scale: int, location: Path) -> dict:
    from report_search.index.build import build

    corpus, paragraphs = replicated(scale)
    started = time.perf_counter()
    path = build(location, corpus, paragraphs=paragraphs, progress=False)
    return {"build_s": time.perf_counter() - started, "index_mb": sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20,
            "path": str(path), "paragraphs": len(paragraphs)}


def work_query(path: Path, plan: dict, scan: bool) -> dict:
    from report_search.index.corpus import load_corpus
    from report_search.search.engine import Engine
    from report_search.search.request import SearchRequest

    corpus = load_corpus()
    started = time.perf_counter()
    engine = Engine(path, corpus)
    open_s = time.perf_counter() - started

    def api_search(text: str, **kw):  # what /api/search computes
        results = engine.search(SearchRequest(text), **kw)
        engine.key_terms(results)
        return results

    for q in plan["warmup"]:
        api_search(q)
    out: dict = {"open_s": open_s, "engine": {}, "first": {}, "scan": {}, "suggest_ms": []}
    for form in ("typed", "quoted"):
        for cls, q in plan["queries"]:
            text = f'"{q}"' if form == "quoted" else q
            runs = []
            for _ in range(4):
                t = time.perf_counter()
                results = api_search(text)
                runs.append((time.perf_counter() - t) * 1000)
            out["first"].setdefault(form, []).append((cls, runs[0]))
            out["engine"].setdefault(form, []).append((cls, statistics.median(runs[1:])))
            if form == "typed" and results.total <= 3:  # did-you-mean ran: what it added
                t = time.perf_counter()
                api_search(text, suggestions=False)
                out["suggest_ms"].append(statistics.median(runs[1:]) - (time.perf_counter() - t) * 1000)
    for q in plan["varied"]:  # does memory level off?
        engine.search(SearchRequest(q))
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if scan:  # this side only (the other revision may have no normalize module), after its RSS
        from report_search.index.normalize import fold

        folded = [fold(p.text) for p in replicated(int(plan["scale"]))[1]]
        for cls, q in plan["queries"]:
            needle, runs = fold(q), []
            for _ in range(3):
                t = time.perf_counter()
                [d for d, f in enumerate(folded) if needle in f][:10]
                runs.append((time.perf_counter() - t) * 1000)
            out["scan"].setdefault("quoted", []).append((cls, statistics.median(runs)))
    return out


# -- the orchestrating process ------------------------------------------------------------------

def side_env(code: Path | None) -> dict:
    """The environment a worker imports a side's code in: this checkout's as installed, or the
    other revision's through a folder mapping report_search.* onto its worktree."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def run_worker(env: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"worker {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_start(env: dict, location: Path, text: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "report_search.web.cli", "query", text, "--index", str(location), "--no-build"],
                       env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def checkout(rev: str, workdir: Path) -> Path:
    """`rev` in a detached worktree, and a folder whose report_search.* are its index/, search/ …"""
    tree = workdir / "against"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
    shim = workdir / "against-code" / "report_search"
    shim.mkdir(parents=True)
    for name in ("index", "search", "web", "corpus"):
        (shim / name).symlink_to(tree / name)
    return shim.parent


def discard(workdir: Path, against: bool) -> None:
    """Remove the temporary folder, and the other revision's worktree in it."""
    if against:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(workdir / "against")], capture_output=True)
    shutil.rmtree(workdir, ignore_errors=True)


def row(label: str, samples: list[tuple[str, float]]) -> str:
    ms = [m for _, m in samples]
    by_class = []
    for cls in CLASSES:
        mine = [m for c, m in samples if c == cls]
        by_class.append(f"{statistics.median(mine):>6.2f}/{percentile(mine, 99):>6.2f}" if mine else f"{'–':>13}")
    return f"  {label:<22}{statistics.median(ms):>7.2f}{percentile(ms, 95):>7.2f}{percentile(ms, 99):>7.2f}  " + "  ".join(by_class)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--against", help="a git revision to time beside this checkout (e.g. main)")
    parser.add_argument("--random", type=int, default=180, help="random substring queries (default 180)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "build":
            result = work_build(int(rest[0]), Path(rest[1]))
        else:
            result = work_query(Path(rest[0]), json.loads(Path(rest[1]).read_text()), rest[2] == "scan")
        print(json.dumps(result))
        return

    from report_search.index.corpus import load_corpus
    from report_search.index.parse import parse_corpus

    texts = [p.text for p in parse_corpus(load_corpus())]
    queries = query_set(texts, args.random, seed=7)
    rng = random.Random(5)
    varied = []
    for _ in range(1000):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 6))
        varied.append(text[start : start + rng.randint(1, 6)].replace('"', ""))
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    sides = {"this": side_env(None)}
    try:
        if args.against:
            sides[args.against] = side_env(checkout(args.against, workdir))
        counts = {cls: sum(c == cls for c, _ in queries) for cls in CLASSES}
        print(f"{len(queries)} queries, each typed and quoted ({', '.join(f'{c}: {n}' for c, n in counts.items())}); "
              "top 10 with facets, snippets and 相关词 (key terms); each query: its first run, then the median of 3 more; times in ms")
        print(f"  {'':<22}{'p50':>7}{'p95':>7}{'p99':>7}  " + "  ".join(f"{c + ' p50/p99':>13}" for c in CLASSES))
        for scale in args.scales:
            figures = {}
            plan = {"queries": queries, "warmup": [q for _, q in query_set(texts, 30, seed=99)[len(KEYWORDS):]], "varied": varied, "scale": scale}
            (workdir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False))
            for name, env in sides.items():
                built = run_worker(env, "build", str(scale), str(workdir / f"{name}-x{scale}"))
                queried = run_worker(env, "query", built["path"], str(workdir / "plan.json"), "scan" if name == "this" else "no")
                cold = {form: cold_start(env, workdir / f"{name}-x{scale}", text) for form, text in (("quoted", '"科创板"'), ("typed", "科创板"))}
                figures[name] = (built, queried, cold)
            print(f"\n{scale}× ({figures['this'][0]['paragraphs']:,} paragraphs)")
            for name, (built, queried, cold) in figures.items():
                for form in ("quoted", "typed"):
                    print(row(f"{name}, {form}", queried["engine"][form]))
                    print(row(f"  first run", queried["first"][form]))
            print(row("brute-force scan", figures["this"][1]["scan"]["quoted"]))
            for name, (built, queried, cold) in figures.items():
                added = queried["suggest_ms"]
                print(f"  {name}: build {built['build_s']:.1f} s, index {built['index_mb']:.1f} MB, open {queried['open_s']:.2f} s, "
                      f"RSS after 1,000 more searches {queried['rss_mb']:.0f} MB, cold `report-search query` quoted "
                      f"{cold['quoted']:.2f} s / typed {cold['typed']:.2f} s, did-you-mean adds p50 "
                      f"{statistics.median(added) if added else 0:.2f} / p95 {percentile(added, 95) if added else 0:.2f} ms ({len(added)} queries)")
            if args.against:
                for kind in ("engine", "first"):
                    mine, theirs = figures["this"][1][kind], figures[args.against][1][kind]
                    for form in ("quoted", "typed"):
                        a, b = [m for _, m in mine[form]], [m for _, m in theirs[form]]
                        print(f"  this / {args.against}, {form}{', first run' if kind == 'first' else ''}: "
                              f"p50 {statistics.median(a) / statistics.median(b):.2f}×, p99 {percentile(a, 99) / percentile(b, 99):.2f}×")
            scan = [m for _, m in figures["this"][1]["scan"]["quoted"]]
            quoted = [m for _, m in figures["this"][1]["engine"]["quoted"]]
            print(f"  this quoted / scan: p50 {statistics.median(quoted) / statistics.median(scan):.2f}×, p99 {percentile(quoted, 99) / percentile(scan, 99):.2f}×")
            sys.stdout.flush()
    finally:
        discard(workdir, bool(args.against))


if __name__ == "__main__":
    main()
