"""The `report-search` command line: look at the parse, build the index, query, serve."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence

from index.corpus import CorpusError, load_corpus
from index.paragraph import Paragraph
from index.parse import parse_corpus, unmapped_sections


class UsageError(Exception):
    """A bad argument value: printed as `report-search: error: …`, exit status 2."""


def _paragraphs() -> list[Paragraph]:
    corpus = load_corpus()
    paragraphs = parse_corpus(corpus)
    for year, section in unmapped_sections(corpus, paragraphs):
        print(f"warning: {year} section {section!r} has no row in themes.toml", file=sys.stderr)
    return paragraphs


def cmd_paragraphs(args: argparse.Namespace) -> int:
    paragraphs = _paragraphs()
    if args.year is not None:
        years = sorted({p.year for p in paragraphs})
        if args.year not in years:
            raise UsageError(f"no report for year {args.year}; the corpus has {', '.join(map(str, years))}")
        paragraphs = [p for p in paragraphs if p.year == args.year]
    if args.section is not None:
        wanted = args.section.strip()
        chosen = [p for p in paragraphs if p.section.split(" ")[0] == wanted or (wanted and wanted in p.section)]
        if not chosen:
            names = sorted({p.section for p in paragraphs if p.section})
            raise UsageError(f"no section matches {wanted!r}; sections: {' | '.join(names)}")
        paragraphs = chosen
    for p in paragraphs:
        if args.json:
            print(json.dumps(p.to_json(), ensure_ascii=False))
        else:
            print(_describe(p))
    return 0


def _describe(p: Paragraph) -> str:
    facts = [
        f"{p.id}  {p.year} {p.section or '（导语）'}  第{p.number}段  [{p.kind}]",
        f"  heading: {p.heading or '—'}",
        f"  themes: {'、'.join(p.themes) or '—'}   districts: {'、'.join(p.districts) or '—'}",
        f"  source: {p.file} lines {p.line_start}–{p.line_end}",
    ]
    body = textwrap.fill(p.text, width=60, initial_indent="  ", subsequent_indent="  ")
    return "\n".join([*facts, body, ""])


def cmd_corpus(args: argparse.Namespace) -> int:
    paragraphs = _paragraphs()
    corpus = load_corpus()
    print(f"{'file':<28}{'year':>6}{'paragraphs':>12}{'with district':>15}  kinds")
    for report in corpus.reports:
        mine = [p for p in paragraphs if p.file == report.file]
        kinds = Counter(p.kind for p in mine)
        print(
            f"{report.file:<28}{report.year:>6}{len(mine):>12}{sum(bool(p.districts) for p in mine):>15}  "
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        )
    print(f"{'total':<28}{'':>6}{len(paragraphs):>12}{sum(bool(p.districts) for p in paragraphs):>15}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="report-search", description="上海科技进步报告 full-text search")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("paragraphs", help="print the parsed paragraph records")
    p.add_argument("--year", type=int, help="only this edition year, e.g. 2020")
    p.add_argument("--section", help="only this section: its number (4.4) or part of its title")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_paragraphs)

    p = sub.add_parser("corpus", help="summarise the parsed corpus per file")
    p.set_defaults(func=cmd_corpus)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        parser.exit(2, f"report-search: error: {exc}\n")
    except CorpusError as exc:
        parser.exit(1, f"report-search: corpus error: {exc}\n")
    except BrokenPipeError:  # `report-search paragraphs | head`
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
