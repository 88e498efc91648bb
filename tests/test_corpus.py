"""Manifest and data tables: verified on load, with errors a person can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from report_search.index.corpus import CorpusError, load_corpus
from report_search.index.taxonomy import districts_named, label_districts
from editions import add_report


@pytest.fixture()
def corpus_copy(tmp_path: Path, corpus) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(corpus.root, target)
    return target


def test_manifest_describes_every_report(corpus):
    by_file = {r.path.name: r for r in corpus.reports}
    assert set(by_file) == {"2017-ch4.txt", "2019-ch4.txt", "2020-ch4.txt", "2020-overview.txt", "2021-ch4.txt"}
    assert by_file["2020-ch4.txt"].title == "2020上海科技进步报告"
    assert by_file["2020-overview.txt"].year == 2020
    assert by_file["2017-ch4.txt"].chapter == "第4部分"  # one style across editions, though 2017-ch4.txt line 2 says 第四部分 (issue 9, point 12)
    assert {r.chapter for r in corpus.reports} == {"第4部分", "综述"}
    assert all(r.publisher == "上海市科学技术委员会" for r in corpus.reports)
    assert all(r.file.startswith("corpus/") for r in corpus.reports)


def test_changed_file_is_named_in_the_error(corpus_copy: Path):
    with (corpus_copy / "2019-ch4.txt").open("a", encoding="utf-8") as fh:
        fh.write("多出来的一行\n")
    with pytest.raises(CorpusError, match=r"2019-ch4\.txt has changed"):
        load_corpus(corpus_copy)


def test_missing_file_and_bad_tables_are_clear_errors(corpus_copy: Path):
    (corpus_copy / "2021-ch4.txt").unlink()
    with pytest.raises(CorpusError, match=r"names 2021-ch4\.txt, but .* does not exist"):
        load_corpus(corpus_copy)


def test_unknown_theme_in_table_is_rejected(corpus_copy: Path):
    themes = corpus_copy / "themes.toml"
    themes.write_text(themes.read_text(encoding="utf-8").replace('themes = ["承载区"]', 'themes = ["不存在"]', 1), encoding="utf-8")
    with pytest.raises(CorpusError, match="unknown theme"):
        load_corpus(corpus_copy)


def test_malformed_toml_is_reported(corpus_copy: Path):
    (corpus_copy / "districts.toml").write_text("[[district]\nname = ", encoding="utf-8")
    with pytest.raises(CorpusError, match="districts.toml is not valid TOML"):
        load_corpus(corpus_copy)


def test_new_report_needs_only_a_file_and_a_manifest_entry(corpus_copy: Path):
    text = "4\n\n新的部分标题\n\n4.1 测试小节\n\n这是一个位于闵行区的测试段落，用来检查新报告可以直接加入。\n"
    add_report(corpus_copy, text, "新的部分标题")
    from report_search.index.parse import parse_corpus

    new = [p for p in parse_corpus(load_corpus(corpus_copy)) if p.year == 2022]
    assert [(p.section, p.districts, p.line_start) for p in new] == [("4.1 测试小节", ("闵行区",), 7)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("黄浦江畔的滨江空间", []),
        ("黄浦区与黄浦江", ["黄浦区"]),
        ("浦江创新论坛在上海举行", []),
        ("中以(上海)创新园", ["普陀区"]),
        ("中以（上海）创新园", ["普陀区"]),
        ("闵行零号湾与张江科学城", ["闵行区", "浦东新区"]),
        ("临港嘉定科技城", ["嘉定区"]),
        ("长三角打造成为太平洋西岸创新创业新地标", []),
        # 张江示范区 is the city-wide zone (一区二十二园); 张江 as a place is in 浦东新区
        ("张江国家自主创新示范区全力推动园区经济转型升级", []),
        ("张江示范区科创板上市企业50家", []),
        ("完成张江高新区新一轮空间范围调整", []),
        ("《上海张江高新技术产业开发区“十四五”规划》", []),
        ("围绕张江科学城更高品质建设", ["浦东新区"]),
        ("张江高科技园区", ["浦东新区"]),
        ("原张江高新区核心园规划范围", ["浦东新区"]),
        ("张江示范区与张江科学城", ["浦东新区"]),
    ],
)
def test_districts_named(corpus, text, expected):
    assert districts_named(text, corpus) == expected


def test_the_city_wide_zhangjiang_zone_is_not_pudong(find):
    """Read from the reports: 2017 lines 97–100 and 113–114 speak of 张江示范区 as a whole (its
    revenue, its integrated-circuit output): no district. 2017 lines 213–293 (the 张江科学城 map,
    康桥) and 2021 line 342 (张江科学城更高品质建设) are places in 浦东新区."""
    assert find(2017, "张江示范区经济持续向好").districts == ()
    assert find(2017, "张江示范区的集成电路技术和产品").districts == ()
    assert "浦东新区" in find(2017, "张江科学城建设规划范围").districts
    assert "浦东新区" in find(2021, "围绕张江科学城更高品质建设").districts


def test_label_lines(corpus):
    assert label_districts("浦东   张江", corpus) == ["浦东新区"]
    assert label_districts("青浦", corpus) == ["青浦区"]
    assert label_districts("东方美谷", corpus, areas=False) is None
    assert label_districts("杨浦", corpus, areas=False) == ["杨浦区"]
    assert label_districts("青浦区金泽镇", corpus) is None
