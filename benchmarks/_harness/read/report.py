"""bench_read.py's Markdown: a "##" section (the combined RESULTS.md embeds it as is)."""

from __future__ import annotations

import statistics

from ..markdown import fmt_num, markdown_table, reproduce_command
from ..paths import script as script_path
from .files import BUCKETS, THRESHOLDS, label
from .suite import Report, Row
from .verdicts import rate, ratio, target_list

SCRIPT = script_path("bench_read.py")
PEERS = ("tbparse", "EventAccumulator")
KIND_TITLES = {
    "scalar": "Scalars",
    "histogram": f"Histograms ({BUCKETS} buckets each)",
    "pr_curve": f"PR curves ({THRESHOLDS} thresholds each)",
}

METHOD = (
    "Each file is written once, then every reader's output is checked against what was "
    "written (tags, every step once, every value exactly), untimed; then the readers run "
    "`--reps` times in turn (round-robin), and the median is kept. Figures are CPU seconds "
    "of this process (`time.process_time`: the machine is shared). tfevents checks both "
    "CRCs of every record. Peak memory is tracemalloc's peak during one `read_scalars` with "
    "its CRC tables not cached (the file itself is memory-mapped, not counted); decoded = "
    "steps int64 + values float64 + wall times float64. Scalar files: 20 tags, written "
    "tag by tag by `add_scalar_array`, or every tag once per step by `add_scalar` (the "
    "training loop's layout). Histograms are written by `add_histogram_raw`, PR curves by "
    "`add_pr_curve_raw`, so that the expected values are known exactly."
)


def _cell(row: Row, reader: str) -> str:
    samples = row.cpu_s.get(reader)
    if not samples:
        return "—"
    return fmt_num(statistics.median(samples))


def _ratio(row: Row, peer: str) -> str:
    r = ratio(row, peer)
    return "—" if r is None else f"{r:.0f}x"


def kind_table(report: Report, kind: str) -> str:
    rows = [r for r in report.rows if r.spec.kind == kind]
    unit = "scalars" if kind == "scalar" else "values"
    headers = ["file from", unit, "file MB", "tfevents CPU s", f"tfevents M {unit}/s" if kind == "scalar"
               else f"tfevents {unit}/s", "tbparse CPU s", "EventAccumulator CPU s", "x tbparse",
               "x EventAccumulator"]
    if kind == "scalar":
        headers.append("tfevents peak MB (decoded MB)")
    body = []
    for row in rows:
        speed = rate(row)
        cells = [label(row.spec.source), f"{row.spec.count:,}", f"{row.file_bytes / 1e6:.1f}",
                 _cell(row, "tfevents"), f"{speed / 1e6:.2f}" if kind == "scalar" else f"{speed:,.0f}",
                 *(_cell(row, p) for p in PEERS), *(_ratio(row, p) for p in PEERS)]
        if kind == "scalar":
            peak = "—" if row.peak_bytes is None else f"{row.peak_bytes / 1e6:.0f}"
            cells.append(f"{peak} ({row.decoded_bytes / 1e6:.0f})")
        body.append(cells)
    return markdown_table(headers, body)


def _notes(report: Report, kind: str) -> list[str]:
    """What each reader's timed call was (on which files), and why any was left out."""
    rows = [r for r in report.rows if r.spec.kind == kind]
    calls: dict[str, dict[str, list[str]]] = {}
    notes: dict[str, list[str]] = {}
    for row in rows:
        source = label(row.spec.source)
        for reader, call in row.calls.items():
            sources = calls.setdefault(reader, {}).setdefault(call, [])
            if source not in sources:
                sources.append(source)
        for reader, note in row.notes.items():
            line = f"{reader} on {source} ({row.spec.count:,}): {note}"
            notes.setdefault(line, [])
    out = []
    for reader, by_call in calls.items():
        timed = "; ".join(f"`{call}`" + ("" if len(by_call) == 1 else f" ({', '.join(srcs)})")
                          for call, srcs in by_call.items())
        out.append(f"- {reader}: {timed}")
    checked = sum(sum(r.checked.values()) for r in rows)
    return out + [f"- {line}" for line in notes] + [f"- {checked:,} values checked equal to what was written."]


def render(report: Report, heading: str = "##") -> str:
    """The section: heading, command, machine, targets, then one table per kind."""
    m = report.machine
    out = [
        f"{heading} Reading back (`bench_read.py`)", "",
        "Reproduce with:", "", "```", reproduce_command(report.argv, SCRIPT), "```", "",
        f"- Date: {m.get('date', '')}; machine: {m.get('cpu', '')}, {m.get('cores', '')}; "
        f"{m.get('os', '')}, {m.get('python', '')}; numpy {m.get('numpy', '')}, torch "
        f"{m.get('torch', '')}, tensorboard {m.get('tensorboard', '')}, tbparse "
        f"{_tbparse_version()}; tfevents {m.get('tfevents', '')} ({m.get('source', '')}).",
        f"- {report.reps} repetition(s); tbparse and EventAccumulator on scalar files of up to "
        f"{report.peer_max:,} scalars; the run took {report.wall_s:.0f} s; load average "
        f"{report.load_before} at the start, {report.load_after} at the end.",
        f"- {METHOD}", "",
        f"{heading}# Targets (issue #16)", "",
        markdown_table(["workload", "target", "this run", "verdict"],
                       [list(t.cells()) for t in target_list(report)], align="llrl"), "",
    ]
    for kind, title in KIND_TITLES.items():
        if any(r.spec.kind == kind for r in report.rows):
            out += [f"{heading}# {title}", "", kind_table(report, kind), "", *_notes(report, kind), ""]
    return "\n".join(out)


def _tbparse_version() -> str:
    from ..machine import package_version

    return package_version("tbparse")
