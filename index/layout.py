"""The layout thresholds of the parse: every number it reads a page by, in one place.

They were read off the five bundled files (the examples name file and line). A report whose
extraction differs overrides any of them in its manifest entry, `[report.layout]`
(`heading_max = 32`); `index/corpus.py` checks the names and types. The parse receives the
report's Layout and passes it down to each step: there is no module-level setting to change.

Not here, because they spell the reports' notation rather than their layout: the counts inside
the patterns of `index/parse.py` (a month or day of one or two digits, section numbers 4.4, a
page number of at most three digits, a bold lead-in sentence of 2-30 characters, box-number
rows of at most 8 characters), markdown heading levels (# chapter, ## section), and in
`index/clean.py` the four characters either side of a line break that jieba is asked about and
the double width of Chinese characters on the page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """How a report's extraction sets its text; the defaults fit all five bundled files."""

    # -- page furniture (parse.read_lines)
    page_number_reach: int = 2  # a page number stands at most this many lines from its running header (2019 l.84 over l.86)

    # -- headings (parse._heading_text, _is_heading, _split_leading_heading, assign_roles)
    heading_max: int = 30  # a sub-heading or section title is at most this many characters (2017 l.966: 29)
    heading_digits: int = 2  # a title holds at most this many digits outside years and quotes; more is a statistic (2019 l.1046)
    two_line_heading: int = 14  # a heading set on two lines has a first line shorter than this, not a full line (2017 l.154 推动金融创新 | 筹建张江银行)
    vertical_max: int = 2  # text set vertically has lines of at most this many characters (2020 l.451-453 仪器 | 共享 | 服务); also in clean._glue
    lead_min: int = 20  # a title glued above prose: the prose line is at least this long … (2017 l.686-687)
    lead_ratio: float = 1.6  # … and at least this many times the title's length

    # -- letter spacing (clean.letter_spaced and its callers)
    spaced_tokens: int = 4  # a line of at least this many tokens can be letter-spaced (2017 l.368-375 打 造 一 批 高); fewer is a few words
    letter_max: int = 2  # a "letter" of a letter-spaced line: a token of at most this many characters, a character with its punctuation (端 化 、集 群)
    collapse_share: float = 0.6  # clean.collapse_spacing drops every space of a cleaned line with this share of letters (2019 l.299 5 7 . 5 4 %)
    wrap_spaced_share: float = 0.75  # parse.join_lines runs a full line on mid-word when it or the next raw line has this share (2017 l.368-375); apart from collapse_share as it judges a break between lines, not the spaces in one (the bundled files parse alike for either from 0.5 to 0.75)
    partly_spaced_min: int = 2  # a line with this many lone Chinese characters is partly letter-spaced: its other gaps are spacing too (2019 l.765)
    caption_min: int = 6  # a lone title of at least this many lone Chinese characters, and nothing else, is a photo caption (2019 l.1127 上 海 天 文 馆 …)

    # -- wrapped lines (parse.wrap_width, join_lines, _runs_on, join_continuations; clean.join_pieces)
    column_quantile: float = 0.9  # a file's column is measured at this quantile of its line lengths …
    column_skip: int = 3  # … leaving out lines of at most this many characters (page numbers, box numbers: 2019 l.444 02)
    column_max: int = 60  # a file whose measure is at most this is set at a column width (2017, 2019) …
    column_wrap: int = 15  # … and wraps any line this long; other files, one line per paragraph (2020, 2021) …
    line_wrap: int = 60  # … wrap only lines this long
    wrap_ratio: float = 0.75  # a line this wide relative to the widest of its block (or the wrapped line above) is a full line of the column (2017 l.32-36)
    full_ratio: float = 0.9  # a last line this wide relative to its block's widest was cut mid-sentence, so titles placed after it may be skipped (2019 l.1088-1100)
    piece_wrap: int = 15  # clean._glue: a piece this long is a wrapped line, glued on without a space; unlike column_wrap it holds in every file, for pieces already known to be one paragraph
    wrap_gap: int = 1  # blank lines extraction puts between two lines of one paragraph or entry (2017 l.84-86 行国家科技成 | 果转移转化示)
    tail_max: int = 3  # a title-like piece this short after a paragraph cut mid-sentence is its tail (去处。)
    max_interposed: int = 3  # headings, captions or box numbers placed inside one paragraph, at most (2019 l.1092, 1094)

    # -- runs of short blocks (parse._short, group_short_runs, group_numbered_diagrams, group_entries, mark_labels)
    short_max: int = 26  # a "short" block: a word of a map, figure or label run
    min_run: int = 3  # short blocks in a row that make a label run (a figure or word list)
    figure_min: int = 20  # a label run this long, mostly words without figures, is a map or word cloud (2017 l.213-293) …
    figure_digits: float = 0.25  # … when fewer than this share of its labels hold a number
    diagram_rows: int = 2  # rows of box numbers that number a diagram's labels, at least (2017 l.326-353: 1 | 2 3 | 5 | 4)
    wide_gap: int = 3  # blank lines that part the entries of a list set as a table (2021 l.39-150, 院士: name | institution)
    entry_max: int = 50  # an entry's piece is at most this long
    entry_pieces: int = 2  # an entry has at least this many pieces (2021 l.43-46 李 骏 | 复旦大学 | (数学物理学部))
    label_words: int = 3  # a district label line names at most this many places (2019 l.129 浦东   张江)

    # -- timelines (parse.mark_timeline, group_short_runs, _timeline_items)
    min_timeline: int = 3  # dated lines in a row that make a timeline (2019's introduction)
    run_dates: int = 2  # a run of short blocks with at least this many starting on a date is a timeline (2017's introduction: 5月20—27日，| …)
    event_gap: int = 2  # in such a run, a gap of at least this many blank lines starts a new event …
    event_end_ratio: float = 0.5  # … as does a piece after one narrower than this share of the run's widest (an event's last line)


DEFAULT_LAYOUT = Layout()
