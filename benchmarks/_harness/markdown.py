"""The Markdown the reports are made of: the heading with the command that reproduces a
run, tables, numbers, and writing the file."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .paths import REPO_ROOT
from .stats import Summary


def reproduce_command(argv: Sequence[str], script: str) -> str:
    """The command line that reproduces this run, relative to the repository root."""
    exe = sys.executable
    rel = os.path.relpath(exe, REPO_ROOT)
    python = rel if not rel.startswith("..") else "python"
    script_rel = os.path.relpath(os.path.abspath(script), REPO_ROOT)
    return " ".join([python, script_rel, *argv])


def report_head(title: str, argv: Sequence[str], script: str, intro: str = "Reproduce with:") -> list[str]:
    """A report's first lines: its title, ``intro`` and the command that reproduces it."""
    return [f"# {title}", "", intro, "", "```", reproduce_command(argv, script), "```", ""]


def write_report(path: str, text: str) -> None:
    """Writes a Markdown report, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub markdown table; ``align`` holds one of 'l'/'r' per column (default: l then r)."""
    if not align:
        align = "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else ":---" for a in align]
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def fmt_num(x: float, digits: int = 3) -> str:
    """Three significant figures, no scientific notation for benchmark-sized numbers."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.{digits}f}"


def spread(s: Summary) -> list[str]:
    """A summary's min–max and IQR table cells."""
    return [f"{fmt_num(s.low)}–{fmt_num(s.high)}", f"{fmt_num(s.q1)}–{fmt_num(s.q3)}"]
