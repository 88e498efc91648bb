"""A report's manifest entry overrides the parse's layout thresholds (`[report.layout]`, issue 15
point 2): a new edition whose layout differs is a data change, and a misspelt override is an
error, not a silent default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from report_search.index.corpus import CorpusError, load_corpus
from report_search.index.layout import Layout
from report_search.index.parse import parse_corpus
from editions import add_report

# A synthetic 2022 edition whose sub-headings run to 32 characters, two more than any of the
# bundled reports' (heading_max = 30). Line numbers as cited: 1 chapter number, 3 chapter title,
# 5 section, 7 and 11 sub-headings, 9 and 13 their paragraphs.
EDITION = """4

科技创新测试篇

4.1 科技金融

科技金融服务体系持续完善，多层次资本市场支持科技创新企业发展壮大

全年新增科创板上市企业多家，募集资金规模位居全国前列，科技信贷余额稳步增长。

长三角科技创新共同体建设全面提速，区域协同创新网络进一步健全完善

三省一市共建共享重大科技基础设施，联合攻关项目顺利推进。
"""
TITLE_1 = "科技金融服务体系持续完善，多层次资本市场支持科技创新企业发展壮大"
TEXT_1 = "全年新增科创板上市企业多家，募集资金规模位居全国前列，科技信贷余额稳步增长。"
TITLE_2 = "长三角科技创新共同体建设全面提速，区域协同创新网络进一步健全完善"
TEXT_2 = "三省一市共建共享重大科技基础设施，联合攻关项目顺利推进。"


def _corpus_with_edition(tmp_path: Path, source: Path, layout: str = "") -> Path:
    """A copy of the corpus folder with the 2022 edition added: its file, its manifest entry
    (with `layout`, a [report.layout] table, if given) and its section's themes row."""
    copy = tmp_path / "corpus"
    shutil.copytree(source, copy)
    add_report(copy, EDITION, "科技创新测试篇", layout)
    with (copy / "themes.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[section]]\nyear = 2022\nsection = "4.1 科技金融"\nthemes = ["科技金融"]\n')
    return copy


def _records(root: Path) -> list[tuple]:
    return [
        (p.id, p.kind, p.section, p.heading, p.text, p.line_start, p.line_end, p.skipped, p.themes)
        for p in parse_corpus(load_corpus(root))
        if p.year == 2022
    ]


def test_an_edition_with_longer_sub_headings_parses_right_only_with_its_override(tmp_path, corpus):
    fixed = _records(_corpus_with_edition(tmp_path / "with", corpus.root, "heading_max = 32"))
    assert fixed == [
        ("2022-ch4-0009", "prose", "4.1 科技金融", TITLE_1, TEXT_1, 9, 9, (), ("科技金融",)),
        ("2022-ch4-0013", "prose", "4.1 科技金融", TITLE_2, TEXT_2, 13, 13, (), ("区域协同",)),
    ]  # its sub-heading's 长三角 says what it is about, not the section it sits in (themes.toml)
    # With the defaults the titles are too long to be titles: each reads as a wrapped line of
    # prose cut mid-sentence and runs on into the paragraph under it.
    default = _records(_corpus_with_edition(tmp_path / "without", corpus.root))
    assert default == [
        ("2022-ch4-0007", "prose", "4.1 科技金融", "", TITLE_1 + TEXT_1, 7, 9, (), ("科技金融",)),
        ("2022-ch4-0011", "prose", "4.1 科技金融", "", TITLE_2 + TEXT_2, 11, 13, (), ("区域协同",)),
    ]


def test_the_override_reaches_the_report_and_leaves_the_others_alone(tmp_path, corpus):
    loaded = load_corpus(_corpus_with_edition(tmp_path, corpus.root, "heading_max = 32\n  figure_digits = 1"))
    layouts = {r.path.name: r.layout for r in loaded.reports}
    assert layouts.pop("2022-ch4.txt") == Layout(heading_max=32, figure_digits=1.0)
    assert set(layouts.values()) == {Layout()}


@pytest.mark.parametrize(
    "table, message",
    [
        ("heading_maxx = 32", r"^manifest\.toml: the entry of 2022-ch4\.txt: \[report\.layout\] has no field 'heading_maxx'; did you mean 'heading_max'\?$"),
        ("no_such_threshold = 1", r"^manifest\.toml: the entry of 2022-ch4\.txt: \[report\.layout\] has no field 'no_such_threshold'; the fields are Layout's"),
        ('heading_max = "32"', r"^manifest\.toml: the entry of 2022-ch4\.txt: \[report\.layout\]: heading_max must be a whole number, not '32'$"),
        ("heading_max = 32.5", r"heading_max must be a whole number, not 32\.5$"),
        ("heading_max = true", r"heading_max must be a whole number, not True$"),
        ('wrap_ratio = "0.8"', r"\[report\.layout\]: wrap_ratio must be a number, not '0\.8'$"),
    ],
)
def test_a_bad_override_is_a_one_line_error_naming_file_and_field(tmp_path, corpus, table, message):
    root = _corpus_with_edition(tmp_path, corpus.root, table)
    with pytest.raises(CorpusError, match=message) as caught:
        load_corpus(root)
    assert "\n" not in str(caught.value)


def test_a_layout_that_is_not_a_table_is_an_error(tmp_path, corpus):
    root = _corpus_with_edition(tmp_path, corpus.root)
    manifest = root / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "layout = 32\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"2022-ch4\.txt: \[report\.layout\] must be a table"):
        load_corpus(root)
