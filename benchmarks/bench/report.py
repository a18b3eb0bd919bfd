"""The Markdown of the reports, the machine they ran on, and RESULTS.md: the targets with the previous
run's figures beside them (from the JSON the previous file embeds), the sections, the changes."""

import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.internal import api_implementation

from .runner import REPO_ROOT, Summary, version

JSON_MARK = "<!-- results-json: "


def fmt(x: float) -> str:
    """Three significant figures, no scientific notation for benchmark-sized numbers."""
    return "0" if x == 0 else f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def spread(s: Summary) -> list[str]:
    """A summary's min–max and IQR cells."""
    return [f"{fmt(s.low)}–{fmt(s.high)}", f"{fmt(s.q1)}–{fmt(s.q3)}"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub table; ``align`` holds 'l' or 'r' per column (default: l, then r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else ":---" for a in align]
    return "\n".join("| " + " | ".join(row) + " |" for row in [headers, rule, *rows])


def verdict(met: bool | None, missed: str = "**MISSED**") -> str:
    return "—" if met is None else "met" if met else missed


def runs_table(runs: dict[str, list[Any]], calls: int, scale: float, unit: str, name: Callable[[str], str], ratio: str,
               files: Callable[[str, list[Any]], list[str]], more: Sequence[str] = ()) -> str:
    """Timed writer runs per entrant: per call, spread, the caller's loop, close(), CPU, against tfevents', then ``files``'
    columns (bytes per event, ``more``, events checked). A floor row has no loop or close; a no-op one no ratio."""
    per_call = lambda rs, attr: Summary.of([getattr(r, attr) / calls * scale for r in rs])  # noqa: E731
    base = per_call(runs["tfevents"], "total_s").median
    rows = [[name(k), fmt(s.median), *spread(s), *(["—", "—"] if k == "floor" else [fmt(per_call(rs, "loop_s").median),
             fmt(Summary.of([r.close_s * 1e3 for r in rs]).median)]), fmt(per_call(rs, "cpu_s").median),
             "—" if k == "noop" else f"{s.median / base:{ratio}}x", *files(k, rs)] for k, rs in runs.items() for s in [per_call(rs, "total_s")]]
    return table(["writer", f"median {unit}/call", "min–max", "IQR", f"caller loop {unit}/call", "close() ms", f"CPU {unit}/call (all threads)",
                  "÷ tfevents", "bytes/event on disk", *more, "events checked"], rows)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "n/a"


def git_state() -> str:
    """The commit the run measured, and whether src/ had uncommitted changes (their diff's hash)."""
    try:
        run = lambda *a: subprocess.run(["git", *a], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=10).stdout  # noqa: E731
        head, dirty, diff = run("rev-parse", "--short", "HEAD").strip(), run("status", "--porcelain", "--", "src"), run("diff", "HEAD", "--", "src")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return (f"commit {head}, src clean" if not dirty else f"commit {head} plus uncommitted changes to {len(dirty.splitlines())} file(s) "
            f"under src (sha256 of `git diff HEAD -- src`: {hashlib.sha256(diff.encode()).hexdigest()[:10]})")


def machine_info() -> dict[str, str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.lower().startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine() or "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cores": f"{os.cpu_count()} logical ({usable} usable by this process)", "os": f"{platform.system()} {platform.release()}",
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            **{name: version(name) for name in ("numpy", "tfevents", "tensorboardX", "crc32c", "torch", "tensorboard", "Pillow")},
            "protobuf": f"{version('protobuf')} ({api_implementation.Type()})", "source": git_state()}


@dataclass
class Target:
    """A target as measured: a row of the Targets table, and a figure the next run compares with, by ``key``."""

    key: str
    what: str
    target: str
    measured: str
    value: float
    unit: str
    met: bool | None  # None: no numeric target
    higher_is_better: bool = True


def fmt_value(value: float, unit: str) -> str:
    return f"{value:.2f}{unit}" if unit == "x" else f"{fmt(value)} {unit}"


def load_previous(path: str) -> dict[str, Any]:
    """The figures a previous RESULTS.md embeds (date, source, metrics by key); {} if none."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return dict(json.loads(text.split(JSON_MARK, 1)[1].split(" -->", 1)[0])) if JSON_MARK in text else {}
    except (OSError, json.JSONDecodeError):
        return {}


def demote(markdown: str, levels: int) -> str:
    """Pushes headings down ``levels`` levels, outside code blocks."""
    out, code = [], False
    for line in markdown.splitlines():
        code ^= line.startswith("```")
        out.append("#" * levels + line if not code and line.startswith("#") else line)
    return "\n".join(out)


def render(run: dict[str, Any]) -> str:
    """RESULTS.md of ``run``: argv, results (part name -> (module, result)), wall_s and load per part, machine, previous."""
    m, results, previous = run["machine"], run["results"], run["previous"]
    prev = previous.get("metrics", {})
    targets = [t for module, result in results.values() for t in module.targets(result)]
    parts = ", ".join(f"{name} {wall:.0f} s (load {a} → {b})" for name, (wall, a, b) in run["parts"].items())
    python = os.path.relpath(sys.executable, REPO_ROOT)  # the command that reproduces the run
    out = [
        "# tfevents benchmarks", "", "Generated by `benchmarks/run_all.py`; do not edit by hand. Reproduce with:", "",
        "```", " ".join(["python" if python.startswith("..") else python, "benchmarks/run_all.py", *run["argv"]]), "```", "",
        f"- Date: {m['date']}; the whole run took {run['wall_s']:.0f} s ({parts}).",
        f"- Machine: {m['cpu']}, {m['cores']}; {m['os']}. Load average (1/5/15 min) {run['load'][0]} at the start, {run['load'][1]} at the end: a "
        f"shared machine, so absolute times are noisy; the ratios, measured in the same run with writers alternating, are the figures to read.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']}, tensorboardX {m['tensorboardX']}, crc32c {m['crc32c']}, torch {m['torch']}, "
        f"tensorboard {m['tensorboard']}, protobuf {m['protobuf']}, Pillow {m['Pillow']}.",
        f"- tfevents source: {m['source']}.", "", "## Targets", "",
        table(["workload", "target", "this run", "verdict", "previous run"], [[t.what, t.target, t.measured, verdict(t.met), fmt_value(
            prev[t.key]["value"], prev[t.key]["unit"]) if t.key in prev else "—"] for t in targets], "lllll"), "",
    ]
    if previous:
        out += [f"*Previous run*: the figures of the RESULTS.md this run replaced ({previous.get('date', '?')}, tfevents source "
                f"{previous.get('source', '?')}); a different load on a shared machine moves them too, so read ratios, not absolute times.", ""]
    out += [module.section(result) for module, result in results.values()]
    out += ["## What the time goes to", "", "### Before → after (previous RESULTS.md → this run)", ""]
    changes = [f"- {t.what}: {fmt_value(before, prev[t.key]['unit'])} → {fmt_value(t.value, t.unit)} ({change:.2f}x, "
               f"{'better' if (change > 1) == t.higher_is_better else 'worse' if change != 1 else 'same'})"
               for t in targets if t.key in prev for before in [prev[t.key]["value"]] for change in [t.value / before if before else float("nan")]]
    out += ["\n".join(changes) if changes else "No previous RESULTS.md figures to compare with.", ""]
    out += [module.raw(result) for module, result in results.values() if hasattr(module, "raw")]
    figures = {"date": m["date"], "source": m["source"], "metrics": {t.key: {"value": t.value, "unit": t.unit} for t in targets}}
    return "\n".join([*out, f"{JSON_MARK}{json.dumps(figures)} -->", ""])
