"""A clean install, as a new user makes it: `pip install .` (not editable) into a fresh virtual
environment, then the commands from another folder. Slow (a minute: pip builds a wheel and
installs the dependencies, from its cache when it has them); CI runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from serving import serving

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", ".venv", "venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")


def install(tmp: Path) -> tuple[Path, dict[str, str], Path]:
    """(venv folder, environment for its commands, tmp) with report-search installed from a copy of this checkout."""
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=SKIP)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # this pip installs into the new environment (--python); --no-compile: no .pyc for the
    # dependencies (numpy, jieba …): what is tested is that it runs, not how fast it starts
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-compile",
                          "--disable-pip-version-check", str(source)], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_SEARCH_")}
    env.update(HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "data"))
    shutil.rmtree(source)  # the installed package must not need its source
    return venv, env, tmp


@pytest.fixture(scope="module")
def installed(early_install):
    """The clean install, which conftest.py started in the background when this module's tests
    were collected (pip takes ~10 s, mostly waiting: it overlaps the tests before these)."""
    return early_install.result()


def test_nothing_generic_at_the_top_of_site_packages(installed):
    venv, env, _ = installed
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    assert not {"index", "search", "web", "corpus"} & {p.name for p in site.iterdir()}
    assert (site / "report_search" / "corpus" / "manifest.toml").is_file()
    for generic in ("index", "search", "web"):
        probe = subprocess.run([str(venv / "bin" / "python"), "-c", f"import {generic}"], capture_output=True, text=True, cwd=installed[2], env=env)
        assert probe.returncode != 0, f"`import {generic}` works: a generic top-level module was installed"


def test_query_and_serve_work_from_any_folder(installed):
    venv, env, tmp = installed
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    cli = str(venv / "bin" / "report-search")
    result = subprocess.run([cli, "query", "张江"], capture_output=True, text=True, encoding="utf-8", cwd=elsewhere, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert re.search(r"共 \d+ 条", result.stdout) and "张江" in result.stdout
    # the per-user data folder (XDG), not the current folder or site-packages
    assert (tmp / "data" / "report-search" / "index" / "current" / "meta.json").is_file()
    assert not list(elsewhere.iterdir())
    assert "corpus/2020-ch4.txt" in subprocess.run([cli, "paragraphs", "--year", "2020"], capture_output=True, text=True,
                                                   encoding="utf-8", cwd=elsewhere, env=env, timeout=120).stdout

    with serving([], command=[cli], cwd=elsewhere, env=env) as (url, _):
        with urllib.request.urlopen(url + "/api/search?q=%E5%BC%A0%E6%B1%9F", timeout=10) as response:  # 张江
            assert json.loads(response.read())["total"] > 0
        with urllib.request.urlopen(url + "/search?q=%E5%BC%A0%E6%B1%9F", timeout=10) as response:
            assert "<mark>张江</mark>" in response.read().decode("utf-8")


def test_another_corpus_folder_is_used_when_named(installed, corpus):
    venv, env, tmp = installed
    mine = tmp / "my-corpus"
    shutil.copytree(corpus.root, mine)
    cli = str(venv / "bin" / "report-search")
    by_option = subprocess.run([cli, "corpus", "--corpus", str(mine)], capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert by_option.returncode == 0 and "my-corpus/2020-ch4.txt" in by_option.stdout
    by_env = subprocess.run([cli, "corpus"], capture_output=True, text=True, encoding="utf-8", env={**env, "REPORT_SEARCH_CORPUS": str(mine)}, timeout=120)
    assert "my-corpus/2020-ch4.txt" in by_env.stdout
    missing = subprocess.run([cli, "corpus", "--corpus", str(tmp / "nowhere")], capture_output=True, text=True, encoding="utf-8", env=env, timeout=60)
    assert missing.returncode == 2 and "is not a folder" in missing.stderr and "Traceback" not in missing.stderr
