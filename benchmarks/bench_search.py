"""Search benchmark: build time, index size and query latency at 1×, 10× and 100× the corpus.

    python benchmarks/bench_search.py                 # 1×, 10×, 100×
    python benchmarks/bench_search.py --scales 1 10   # quicker
    python benchmarks/bench_search.py --baseline benchmarks/results/FILE   # + ratios against a saved run

For each scale the corpus paragraphs are replicated (unique ids, same text) and indexed; then
~300 queries — realistic keywords and random substrings of the text (fixed seed) — run on a warm
engine, top 10 with facets and highlights, each query's first run timed (no result cache hits).
The same queries run as a brute-force scan of the folded paragraph texts in the same process
(matching only: no ranking, facets or snippets, query parsing not timed): the ratio column is
engine p50 / scan p50 (below 1 means the index is faster). Index size is shown against the
paragraph text (UTF-8, ×text) and against the report files it was parsed from (×files); RSS is
the process's peak resident memory after the scale has run.

Also in the same run, the naive Whoosh design: jieba's ChineseAnalyzer on the text and Whoosh's
default QueryParser, top 10 (no facets or snippets). It misses what jieba does not cut as a
word, so its recall is reported too: of all (query, paragraph) pairs the brute-force scan finds
over the text, the share it finds. `--baseline` reads a table this script printed before (for
the engine before a change, run on the same machine in the same session) and adds the ratio of
each scale's p50 to that run's.
"""

from __future__ import annotations

import argparse
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


from jieba.analyse import ChineseAnalyzer
from whoosh import fields as wf
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from report_search.index.normalize import fold
from report_search.index.build import build
from report_search.index.corpus import load_corpus
from report_search.index.parse import parse_corpus
from report_search.search.engine import Engine
from report_search.search.query import parse

KEYWORDS = [
    *"""科创板 上海天文馆 长三角 一带一路 张江 临港 零号湾 中以创新园 浦江创新论坛 科技金融 科技信贷 高企贷 科技小巨人
    众创空间 大学科技园 科普 科技节 外资研发中心 G60 区块链 人工智能 集成电路 生物医药 院士 人才 技术转移 创新券 孵化器
    国际合作 科技创新中心 全球创新网络 长三角科技创新共同体 东方美谷 北外滩 科学城 创新创业 双创 保险 投贷联动 上市 融资担保
    世界顶尖科学家论坛 科学之夜 少年爱迪生 未来说 黑洞 功能型平台 硬科技 R&D 虹口 闵行 浦东 宝山 嘉定 松江 青浦
    科创板上市企业""".split(),
    '"科技创新中心"',
    "长三角 OR 一带一路",
    "科技金融 -保险",
    "科创板 year:2020",
    "创新 district:闵行",
]


def queries(paragraphs, n_random: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = list(KEYWORDS)
    while len(out) < len(KEYWORDS) + n_random:
        text = rng.choice(paragraphs).text
        length = rng.randint(1, 10)
        if len(text) >= length:
            start = rng.randrange(len(text) - length + 1)
            piece = text[start : start + length].strip()
            if piece and '"' not in piece:
                out.append(f'"{piece}"')
    return out


def scan(folded: list[str], needles: list[str]) -> list[int]:
    """Brute force: the paragraphs whose folded text has every needle, narrowed needle by needle."""
    docs = range(len(folded))
    for needle in needles:
        docs = [d for d in docs if needle in folded[d]]
    return list(docs)


def naive(paragraphs, qs: list[str], expected: list[list[int]], folder: Path) -> dict:
    """The textbook Whoosh design: jieba's ChineseAnalyzer + the default QueryParser, timed over
    the same queries (top 10), and its recall against the brute-force sets."""
    schema = wf.Schema(n=wf.STORED, text=wf.TEXT(analyzer=ChineseAnalyzer()))
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=512)
    for d, p in enumerate(paragraphs):
        writer.add_document(n=d, text=p.text)
    writer.commit()
    parser = QueryParser("text", schema)
    times, found, wanted = [], 0, 0
    with ix.searcher() as searcher:
        for q, want in zip(qs, expected):
            t = time.perf_counter()
            searcher.search(parser.parse(q), limit=10)
            times.append((time.perf_counter() - t) * 1000)
            if want:
                got = {hit["n"] for hit in searcher.search(parser.parse(q), limit=None)}
                found += len(got & set(want))
                wanted += len(want)
    return {"p50": statistics.median(times), "p99": percentile(times, 99), "recall": found / max(1, wanted)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_scale(scale: int, base, corpus, qs: list[str], warmup: list[str], workdir: Path) -> dict:
    replicated = []
    for k in range(scale):
        for p in base:
            replicated.append(replace(p, id=p.id if k == 0 else f"{p.id}~{k}", order=len(replicated)))
    chars = sum(len(p.text) for p in replicated)
    text_bytes = sum(len(p.text.encode()) for p in replicated)
    corpus_bytes = scale * sum(r.path.stat().st_size for r in corpus.reports)
    location = workdir / f"x{scale}"
    started = time.perf_counter()
    path = build(location, corpus, paragraphs=replicated, progress=False)
    build_s = time.perf_counter() - started
    engine = Engine(path, corpus)
    for q in warmup:  # jieba, searcher and column warm-up; different queries from the timed ones
        engine.search(q)
    engine_ms, scan_ms = [], []
    for q in qs:
        t = time.perf_counter()
        engine.search(q)
        engine_ms.append((time.perf_counter() - t) * 1000)
    folded = [fold(p.text) for p in replicated]
    expected = []
    for q in qs:
        parsed = parse(q)
        needles = [part for clause in parsed.clauses for part in clause.parts]  # parsing not timed
        t = time.perf_counter()
        docs = scan(folded, needles)
        scan_ms.append((time.perf_counter() - t) * 1000)
        # recall is judged on plain AND queries (no OR, exclusion or filter to read differently)
        plain = len(parsed.groups) == len(parsed.clauses) and not parsed.excluded and not parsed.filters
        expected.append(docs if plain else [])
    textbook = naive(replicated, qs, expected, workdir / f"naive{scale}")
    return {
        "scale": scale,
        "paragraphs": len(replicated),
        "build_s": build_s,
        "chars_per_s": chars / build_s,
        "index_mb": size_of(path) / 2**20,
        "ratio_text": size_of(path) / text_bytes,
        "ratio_corpus": size_of(path) / corpus_bytes,
        "p50": statistics.median(engine_ms),
        "p95": percentile(engine_ms, 95),
        "p99": percentile(engine_ms, 99),
        "scan_p50": statistics.median(scan_ms),
        "scan_p99": percentile(scan_ms, 99),
        "naive": textbook,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def read_baseline(path: Path) -> dict[int, float]:
    """scale -> p50 ms from a table this script printed (its first rows)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split()
        if cells and cells[0].endswith("×") and cells[0][:-1].isdigit():
            out[int(cells[0][:-1])] = float(cells[7])
    return out


def cold_cli(index_dir: Path, runs: int = 5) -> float:
    """Median wall time of `report-search query` in a new process (the 1× index)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "report_search.web.cli", "query", "科创板", "--index", str(index_dir), "--no-build"],
            check=True,
            capture_output=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--random", type=int, default=240, help="random substring queries (default 240)")
    parser.add_argument("--baseline", type=Path, help="a table printed by an earlier run, for p50 ratios")
    args = parser.parse_args()
    before = read_baseline(args.baseline) if args.baseline else {}

    corpus = load_corpus()
    base = parse_corpus(corpus)
    qs = queries(base, args.random, seed=7)
    warmup = queries(base, 30, seed=99)[len(KEYWORDS) :]
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    print(f"{len(qs)} queries ({len(KEYWORDS)} keywords + {args.random} random substrings), top 10 with facets and highlights")
    header = (
        f"{'scale':>5} {'paras':>7} {'build s':>8} {'chars/s':>9} {'index MB':>9} {'×text':>6} {'×files':>6} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'scan p50':>9} {'scan p99':>9} {'p50 ratio':>9} "
        f"{'naive p50':>9} {'naive p99':>9} {'recall':>6} {'RSS MB':>7} {'vs before':>9}"
    )
    print(header)
    print("-" * len(header))
    try:
        for scale in args.scales:
            r = run_scale(scale, base, corpus, qs, warmup, workdir)
            vs = f"{r['p50'] / before[scale]:.2f}×" if scale in before else "–"
            print(
                f"{r['scale']:>4}× {r['paragraphs']:>7} {r['build_s']:>8.1f} {r['chars_per_s']:>9.0f} "
                f"{r['index_mb']:>9.1f} {r['ratio_text']:>6.1f} {r['ratio_corpus']:>6.1f} {r['p50']:>7.2f} {r['p95']:>7.2f} "
                f"{r['p99']:>7.2f} {r['scan_p50']:>9.2f} {r['scan_p99']:>9.2f} {r['p50'] / r['scan_p50']:>9.2f} "
                f"{r['naive']['p50']:>9.2f} {r['naive']['p99']:>9.2f} {r['naive']['recall']:>6.1%} {r['rss_mb']:>7.0f} "
                f"{vs:>9}",
                flush=True,
            )
        if 1 in args.scales:
            print(f"\ncold `report-search query` at 1× (new process, median of 5): {cold_cli(workdir / 'x1'):.2f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
