"""Build benchmark: this checkout against another revision, in one run.

    python benchmarks/bench_build.py --against main                      # 1×, 10×: median of 3
    python benchmarks/bench_build.py --against main --scales 100 --runs 1

Each build is bench_search's `work_build` (the corpus paragraphs replicated N times, unique ids,
then `index.build.build`) in a process of its own; the two sides take turns, so a machine busy
with something else slows both alike. Prints each side's build seconds (median, and every run),
the ratio, the index size and the worker process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_search
from bench_search import ROOT, checkout, discard, side_env


def run_build(env: dict, scale: int, location: Path) -> dict:
    """bench_search's build worker, with its peak RSS (of the process that writes the index)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, bench_search.__file__, "--worker", "build", str(scale), str(location)],
                                 env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise SystemExit(f"build worker failed:\n{err.read()[-3000:]}")
        return json.loads(out.read().strip().splitlines()[-1]) | {"rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--against", help="a git revision to time beside this checkout (e.g. main)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-build-"))
    sides = {"this": side_env(None)}
    try:
        if args.against:
            sides[args.against] = side_env(checkout(args.against, workdir))
        print(f"{'':<8}{'side':<10}{'median s':>9}  {'runs s':<24}{'index MB':>9}{'peak RSS MB':>12}")
        for scale in args.scales:
            times: dict[str, list[float]] = {name: [] for name in sides}
            sizes: dict[str, float] = {}
            rss: dict[str, float] = {}
            for run in range(args.runs):
                for name, env in sides.items():
                    location = workdir / f"{name}-x{scale}-{run}"
                    built = run_build(env, scale, location)
                    times[name].append(built["build_s"])
                    sizes[name], rss[name] = built["index_mb"], max(rss.get(name, 0), built["rss_mb"])
                    shutil.rmtree(location, ignore_errors=True)
            for name in sides:
                runs = " ".join(f"{t:.2f}" for t in times[name])
                print(f"{f'{scale}×':<8}{name:<10}{statistics.median(times[name]):>9.2f}  {runs:<24}{sizes[name]:>9.1f}{rss[name]:>12.0f}")
            if args.against:
                ratio = statistics.median(times["this"]) / statistics.median(times[args.against])
                print(f"{f'{scale}×':<8}this / {args.against}: {ratio:.2f}×")
            sys.stdout.flush()
    finally:
        discard(workdir, bool(args.against))


if __name__ == "__main__":
    main()
