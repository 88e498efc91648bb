"""Theme assignment measured against records labelled by reading them (issue 17, point 3).

    python benchmarks/themes.py                  # per-theme precision / recall, before and after
    python benchmarks/themes.py --before REV     # "before" = the themes REV's parse assigns
    python benchmarks/themes.py --draw           # the record ids the sample's seeds draw

The sample is tests/data/themes_sample.toml: 12 records per edition year (random.Random(17)),
then 4 more per year (random.Random(18)), then 4 more (random.Random(19)), then up to 4 per year
among the records not yet labelled that hold a basic-research cue (BASIC, random.Random(20)),
each labelled with the themes it is about and a quote saying so. Its "tune" half (32 of the
first 64, 7 of the fourth draw's 13) was used to choose the cue words in corpus/themes.toml; the
"test" half (the rest) was not used for tuning, and is what the figures are reported on.
The first three draws were made on an earlier parse: records split or merged since then make
--draw name some other ids for them; the sample keeps the records labelled.
"Before" is the section-based assignment of main before issue 17 (REV, default 9997d18),
read by running that revision's parse in a temporary worktree; "after" is this checkout's.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "themes_sample.toml"
# A record holding one of these is about basic research or may be: the fourth draw's pool.
BASIC = ("基础研究", "重大科技基础设施", "科学发现", "国家实验室", "原始创新", "原创", "大科学", "科学装置", "光源", "前沿科学", "实验室")
BEFORE = "9997d18"  # main before issue 17: themes by section, keywords and mixed-section cues


def sample() -> list[dict]:
    return tomllib.loads(SAMPLE.read_text(encoding="utf-8"))["record"]


def draw() -> list[str]:
    """The ids the sample's seeds draw from this checkout's parse (the labels were made on these)."""
    from report_search.index.normalize import compact
    from report_search.index.parse import parse_corpus

    paragraphs = parse_corpus()
    years = sorted({p.year for p in paragraphs})
    first, rng = [], random.Random(17)
    for year in years:
        first += [p.id for p in rng.sample([p for p in paragraphs if p.year == year], 12)]
    drawn = first
    for seed in (18, 19):
        rng = random.Random(seed)
        for year in years:
            drawn = drawn + [p.id for p in rng.sample([p for p in paragraphs if p.year == year and p.id not in drawn], 4)]
    rng = random.Random(20)  # issue 17 review: basic research, which the draws above hardly met
    taken = set(drawn) | {r["id"] for r in sample()}
    for year in years:
        held = [p for p in paragraphs if p.year == year and p.id not in taken and any(w in compact(p.text) for w in BASIC)]
        drawn = drawn + [p.id for p in rng.sample(held, min(4, len(held)))]  # all of them where fewer
    return drawn


def assigned() -> dict[str, list[str]]:
    """Every record's themes as the importable parse assigns them."""
    from report_search.index.parse import parse_corpus

    return {p.id: list(p.themes) for p in parse_corpus()}


def before(rev: str) -> dict[str, list[str]]:
    """The themes `rev`'s code and tables assign, from a temporary worktree of it."""
    work = Path(tempfile.mkdtemp(prefix="themes-"))
    tree = work / "tree"
    try:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        shim = work / "code" / "report_search"
        shim.mkdir(parents=True)
        for name in ("index", "search", "web", "corpus"):
            (shim / name).symlink_to(tree / name)
        done = subprocess.run([sys.executable, __file__, "--worker"], env={"PYTHONPATH": str(shim.parent), "PATH": ""},
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"parsing {rev} failed:\n{done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def scores(records: list[dict], got: dict[str, list[str]], theme: str) -> tuple[int, int, int]:
    """(true positives, assigned, labelled) of one theme over the records."""
    tp = sum(theme in r["labels"] and theme in got.get(r["id"], []) for r in records)
    return tp, sum(theme in got.get(r["id"], []) for r in records), sum(theme in r["labels"] for r in records)


def ratio(a: int, b: int) -> str:
    return f"{a / b:5.2f}" if b else "    –"


def report(records: list[dict], sides: dict[str, dict[str, list[str]]], themes: list[str]) -> None:
    print(f"{'theme':8}{'n':>4}  " + "  ".join(f"{name:>6} P {name:>6} R" for name in sides))
    totals = {name: [0, 0, 0] for name in sides}
    for theme in themes:
        cells = []
        for name, got in sides.items():
            tp, assigned_n, labelled = scores(records, got, theme)
            totals[name] = [a + b for a, b in zip(totals[name], (tp, assigned_n, labelled))]
            cells.append(f"{ratio(tp, assigned_n):>8} {ratio(tp, labelled):>8}")
        print(f"{theme:8}{scores(records, {}, theme)[2]:>4}  " + "  ".join(cells))
    print(f"{'all':8}{'':>4}  " + "  ".join(f"{ratio(t[0], t[1]):>8} {ratio(t[0], t[2]):>8}" for t in totals.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help=f"the revision measured as before (default {BEFORE})")
    parser.add_argument("--draw", action="store_true", help="print the ids the seeds draw and whether the sample holds them")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(assigned(), ensure_ascii=False))
        return
    records = sample()
    if args.draw:
        drawn, held = draw(), [r["id"] for r in records]
        print(" ".join(drawn))
        print("the sample holds exactly these" if drawn == held else f"differs: {sorted(set(drawn) ^ set(held))}")
        return
    from report_search.index.corpus import load_corpus

    themes = list(load_corpus().themes)
    sides = {"before": before(args.before), "after": assigned()}
    missing = [r["id"] for r in records if any(r["id"] not in got for got in sides.values())]
    if missing:
        print(f"not parsed on both sides (counted as no theme): {missing}")
    for half in ("tune", "test"):
        chosen = [r for r in records if r["half"] == half]
        print(f"\n{half} half ({len(chosen)} records; n = records labelled with the theme)")
        report(chosen, sides, themes)


if __name__ == "__main__":
    main()
