"""The `report-search` command line: look at the parse, build the index, query, serve."""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from report_search.index.build import build, default_location, read_meta, run_hint, status, verify
from report_search.index.errors import IndexDamaged, IndexFault
from report_search.index.corpus import CORPUS_ENV, CorpusError, load_corpus
from report_search.index.paragraph import Paragraph
from report_search.search.citation import Citer, path_link
from report_search.search.engine import open_engine
from report_search.search.export import FORMATS, export
from report_search.search.store import CACHE_BYTES
from report_search.search.facets import Filters
from report_search.search.params import DEFAULT_SORT, FACETS, MAX_PER_PAGE, PER_PAGE, SORTS, BadInput
from report_search.search.request import SearchRequest

from .public import PUBLIC_URL_ENV, netloc, own_hosts, public_url, public_url_from_env, trusted_proxy

CONNECTION_LIMIT = 500  # serve: waitress's 100 let 100 idle sockets lock everyone out
CHANNEL_TIMEOUT = 20  # serve: seconds an idle connection is kept (waitress: 120)
WORKERS = 2  # serve: processes; one Python process uses one core at a time (benchmarks/results/load-issue16-session3.txt)
THREADS = 4  # serve: threads per worker process (8 in all, as one process had before --workers)
CLIENT_LIMIT = 20  # serve: open connections from one address (a browser opens about 6)


INDEX_HELP = "index location (default: $REPORT_SEARCH_INDEX, var/index in a checkout, else the per-user data folder)"


class UsageError(Exception):
    """A bad argument value: printed as `report-search: error: …`, exit status 2."""


def _paragraphs() -> list[Paragraph]:
    from report_search.index.parse import parse_corpus, unmapped_sections  # the parse: not for query or serve

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
        f"{p.id}  {p.year} {p.section or '（导语）'}  {p.designation}" + (f"  [{p.kind_label}]" if p.numbered else ""),
        f"  heading: {p.heading or '—'}",
        f"  themes: {'、'.join(p.themes) or '—'}   districts: {'、'.join(p.districts) or '—'}   fields: {'、'.join(p.fields) or '—'}",
        f"  source: {p.file} lines {p.line_start}–{p.line_end}" + (f" (not lines {', '.join(map(str, p.skipped))})" if p.skipped else ""),
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


def cmd_check_parse(args: argparse.Namespace) -> int:
    """Records that look wrong (index/suspicious.py); silent when there are none unexplained."""
    from report_search.index.parse import parse_corpus
    from report_search.index.suspicious import CHECKS, check_parse

    corpus = load_corpus()
    unexplained, explained = check_parse(corpus, parse_corpus(corpus))
    for finding in unexplained + (explained if args.all else []):
        print(finding.line())
    if args.all or args.counts:
        print(f"{len(unexplained)} unexplained, {len(explained)} explained in manifest.toml")
        for check, meaning in CHECKS.items():
            n = sum(f.check == check for f in unexplained + explained)
            print(f"  {check:<20}{n:>4}  {meaning}")
    return 1 if unexplained else 0


def _index_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _location(args: argparse.Namespace) -> Path:
    return Path(args.index).resolve() if args.index else default_location()


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    path = build(_location(args), progress=None if not args.quiet else False)
    meta = read_meta(path)
    print(
        f"built {meta['paragraphs']} paragraphs in {time.perf_counter() - started:.1f} s: "
        f"{path} ({_index_size(path) / 1024:.0f} KiB)"
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """The index at a location: fresh, stale, missing or damaged (checksums verified)."""
    location = _location(args)
    state = status(location, load_corpus())
    if state.state == "fresh" and state.path:
        verify(state.path, location, checksums=True)  # IndexDamaged → one line, exit 2
    if state.state == "damaged":
        raise IndexDamaged(state.problem)
    if state.state == "missing":
        print(f"no index at {location}; {run_hint(location)}")
        return 1
    meta = state.meta
    print(
        f"{state.state}: build {state.path.name} at {location}, {meta.get('paragraphs')} paragraphs, "  # type: ignore[union-attr]
        f"built {meta.get('built_at')}" + ("" if state.state == "fresh" else f"; corpus, tables or code changed: {run_hint(location)}")
    )
    return 0 if state.state == "fresh" else 1


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _terminal(snippet_html: str, tty: bool) -> str:
    """A snippet for the terminal: marks in bold yellow on a terminal, 【…】 in a pipe."""
    on, off = ("\033[1;33m", "\033[0m") if tty else ("【", "】")
    return html.unescape(_MARK.sub(lambda m: on + m.group(1) + off, snippet_html))


def cmd_query(args: argparse.Namespace) -> int:
    request = SearchRequest.from_strings(  # bad input is said before any index work
        args.text, **{f.name: getattr(args, f.name) or () for f in FACETS}, sort=args.sort, page=args.page, per_page=args.per_page
    )
    link = _permalink()  # a bad REPORT_SEARCH_PUBLIC_URL is said before any index work too
    engine = open_engine(_location(args), rebuild=not args.no_build)
    cite = Citer(engine.corpus.reports, link)
    if args.format:  # the whole result set, not one page
        chosen = export(engine, request, args.format, cite)
        sys.stdout.buffer.write(chosen.body)
        for note in chosen.notes:
            print(f"report-search: 注意：{note}", file=sys.stderr)
        if chosen.truncated:
            print(f"report-search: {chosen.total} hits, exported the first {chosen.count}", file=sys.stderr)
        return 0
    results = engine.search(request)
    if args.json:
        print(json.dumps(results.to_json(cite), ensure_ascii=False, indent=1))
        return 0
    tty = sys.stdout.isatty()
    print(f"共 {results.total} 条 · 第 {results.page}/{results.pages} 页 · {results.took_ms:.1f} ms")
    if results.parsed.terms or results.filters != Filters():
        chosen = [f"{f.name}: {'、'.join(map(f.word, v))}" for f in FACETS if (v := results.filters.selected(f.name))]
        print("查询理解为：" + "；".join(filter(None, [results.parsed.describe(), *chosen])))
    for note in results.notes:
        print(f"注意：{note}")
    if results.suggestions:
        print("您是不是要找：" + " · ".join(f"{s['query']}（{s['total']} 条）" for s in results.suggestions))
    for i, hit in enumerate(results.hits, start=(results.page - 1) * results.per_page + 1):
        p = hit.paragraph
        where = " · ".join(filter(None, [str(p.year), p.section, "、".join(p.districts)]))
        print(f"\n{i}. [{p.id}] {where}")
        print(textwrap.fill(_terminal(hit.snippet_html, tty), width=70, initial_indent="   ", subsequent_indent="   "))
        print(f"   {cite(p).plain()}")
    return 0


def _permalink() -> Callable[[str], str]:
    """Permalinks as the deployed site writes them when $REPORT_SEARCH_PUBLIC_URL names it, else
    the bare path /p/<id> (and citations in GB/T 7714's print form, [R])."""
    public = _checked(public_url_from_env)
    return (lambda pid: public.rstrip("/") + path_link(pid)) if public else path_link


def _checked(read: Callable[..., Any], *args: Any) -> Any:
    """`read(*args)`, its ValueError said as a usage error (one line, exit 2)."""
    try:
        return read(*args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from .app import create_app  # Flask only for this command: keeps `query` quick to start

    from .server import create  # waitress, likewise

    address, proxy = _address_config(args)  # a bad public address or proxy is said before any index work
    forked = args.workers > 1 and not args.debug  # each worker watches the index itself (web/workers.py)
    app = create_app({"INDEX": _location(args), "REBUILD": not args.no_build, "WATCH": not forked, "WARM": True,
                      "CACHE_BYTES": CACHE_BYTES // (args.workers if forked else 1), **address})  # one budget for all workers
    if args.debug:
        print(f"Report Search (Flask debug server): http://{netloc(args.host, args.port)}/", flush=True)
        app.run(host=args.host, port=args.port, debug=True, use_reloader=False)
        return 0
    try:
        server = create(app, args.host, args.port, args.threads, args.connection_limit, args.channel_timeout, args.client_limit,
                        public_url=address["PUBLIC_URL"], trusted_proxy=proxy, workers=args.workers)
    except OSError as exc:
        raise UsageError(f"cannot listen on {netloc(args.host, args.port)}: {exc.strerror or exc}") from None
    public = f"; public address {address['PUBLIC_URL']}" if address["PUBLIC_URL"] else ""
    print(f"Report Search is serving on http://{netloc(args.host, server.effective_port)}/ (Ctrl+C to stop){public}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="report-search", description="上海科技进步报告 full-text search")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=_folder, help=f"corpus folder (default: ${CORPUS_ENV} or the bundled corpus)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("paragraphs", parents=[common], help="print the parsed paragraph records")
    p.add_argument("--year", type=int, help="only this edition year, e.g. 2020")
    p.add_argument("--section", help="only this section: its number (4.4) or part of its title")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_paragraphs)

    p = sub.add_parser("corpus", parents=[common], help="summarise the parsed corpus per file")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("check-parse", parents=[common], help="list parsed records that look wrong (nothing when all is well)")
    p.add_argument("--all", action="store_true", help="also list the findings the manifest explains, and the counts")
    p.add_argument("--counts", action="store_true", help="print the count per check")
    p.set_defaults(func=cmd_check_parse)

    p = sub.add_parser("build", parents=[common], help="build the search index (atomically replaces the old one)")
    p.add_argument("--index", help=INDEX_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("status", parents=[common], help="say whether the index is fresh, stale, missing or damaged (checksums verified)")
    p.add_argument("--index", help=INDEX_HELP)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("query", parents=[common], help="search from the terminal")
    p.add_argument("text", help='the query, e.g. 科创板 or "科技创新中心" -保险 year:2020')
    for facet in FACETS:
        p.add_argument(f"--{facet.name}", action="append", help=f"{facet.description} Repeat for several.")
    p.add_argument("--sort", choices=list(SORTS), default=DEFAULT_SORT)
    p.add_argument("--page", default="", help="page number, from 1")
    p.add_argument("--per-page", default="", help=f"hits per page, 1–{MAX_PER_PAGE} (default {PER_PAGE})")
    p.add_argument("--json", action="store_true", help="the web API's JSON")
    p.add_argument("--format", choices=list(FORMATS), help="export the WHOLE result set (not one page) as CSV, JSONL, BibTeX, RIS or GB/T 7714 text")
    p.add_argument("--index", help=INDEX_HELP)
    p.add_argument("--no-build", action="store_true", help="fail instead of building a missing or stale index")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("serve", parents=[common], help="serve the web app (waitress), building the index first if needed")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=5000, help="0 picks a free port")
    p.add_argument("--threads", type=_positive, default=THREADS, help=f"threads per worker process (default {THREADS})")
    p.add_argument("--workers", type=_positive, default=WORKERS,
                   help=f"processes serving from the one socket, each with its own threads (default {WORKERS})")
    p.add_argument("--connection-limit", type=_positive, default=CONNECTION_LIMIT,
                   help=f"open connections accepted at once (default {CONNECTION_LIMIT})")
    p.add_argument("--channel-timeout", type=_positive, default=CHANNEL_TIMEOUT,
                   help=f"seconds an idle connection is kept open (default {CHANNEL_TIMEOUT})")
    p.add_argument("--client-limit", type=_positive, default=CLIENT_LIMIT,
                   help=f"open connections accepted from one address (default {CLIENT_LIMIT}; the trusted proxy is exempt)")
    p.add_argument("--index", help=INDEX_HELP)
    p.add_argument("--no-build", action="store_true", help="fail instead of building a missing or stale index")
    p.add_argument("--debug", action="store_true", help="Flask's debug server instead of waitress")
    # where the site is reached from outside (web/public.py)
    p.add_argument("--public-url",
                   help=f"the site's public address, e.g. https://reports.example.org/search/: every permalink and citation "
                        f"uses it, and the app answers under its path (default: ${PUBLIC_URL_ENV})")
    p.add_argument("--trusted-proxy", metavar="ADDRESS",
                   help="the reverse proxy's IP address, or * (waitress's trusted_proxy): only its X-Forwarded-Proto/Host/Port/Prefix are honoured")
    p.add_argument("--allowed-host", action="append", metavar="HOST",
                   help="a host requests may carry: a name as in Flask's TRUSTED_HOSTS (.example.org for its subdomains) or an "
                        "IP address, IPv6 too; repeat for several. Default: the public address alone decides citations; "
                        "without one, loopback and this machine's names")
    p.set_defaults(func=cmd_serve)
    return parser


def _address_config(args: argparse.Namespace) -> tuple[dict, str | None]:
    """The app's PUBLIC_URL (--public-url, else $REPORT_SEARCH_PUBLIC_URL by the reader `query`
    uses too) and ALLOWED_HOSTS (the hosts given, else with a public address any: it alone
    reaches a citation; else this server's own names); and waitress's trusted proxy."""
    public = _checked(public_url, args.public_url) if args.public_url is not None else _checked(public_url_from_env)
    hosts = args.allowed_host or (None if public else own_hosts(args.host))
    proxy = _checked(trusted_proxy, args.trusted_proxy) if args.trusted_proxy is not None else None
    return {"PUBLIC_URL": public, "ALLOWED_HOSTS": hosts}, proxy


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, not {text!r}")
    return int(text)


def _folder(text: str) -> Path:
    path = Path(text).expanduser().resolve()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return path


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0–65535, not {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.corpus:
        os.environ[CORPUS_ENV] = str(args.corpus)  # read by everything that loads the corpus
    try:
        return args.func(args)
    except (UsageError, BadInput) as exc:
        parser.exit(2, f"report-search: error: {exc}\n")
    except IndexFault as exc:
        parser.exit(2, f"report-search: {exc}\n")
    except CorpusError as exc:
        parser.exit(1, f"report-search: corpus error: {exc}\n")
    except BrokenPipeError:  # `report-search paragraphs | head`: stop quietly (Python docs' recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # e.g. --index pointing at a file, or a full disk
        parser.exit(1, f"report-search: {exc.strerror or exc}: {exc.filename or ''}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
