"""Adding a report to a copy of the corpus folder, as README's "Adding a report" says: the
text file and its [[report]] entry (sha256 included) — nothing else."""

from __future__ import annotations

import hashlib
from pathlib import Path


def add_report(folder: Path, text: str, chapter_title: str, layout: str = "", file: str = "2022-ch4.txt", year: int = 2022) -> None:
    """Write `file` and append its manifest entry (with `layout`, a [report.layout] line, if given)."""
    (folder / file).write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    with (folder / "manifest.toml").open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[[report]]\nfile = "{file}"\nyear = {year}\ntitle = "{year}上海科技进步报告"\n'
            f'chapter = "第4部分"\nchapter_title = "{chapter_title}"\npublished = "[{year + 1}?]"\nsha256 = "{digest}"\n'
            + (f"\n  [report.layout]\n  {layout}\n" if layout else "")
        )
