"""The scalar report's tables: one per workload, (c) as overhead over the no-op run, and
(d) against the buffered-write floor."""

from __future__ import annotations

import numpy as np

from ..markdown import fmt_num, markdown_table, spread
from ..stats import Summary
from ..timing import RunResult
from ..writers import WriterSpec
from .array import ARRAY_ENTRANTS
from .suite import Report
from .verdicts import (
    ARRAY_TARGET_EVENTS_PER_S,
    ARRAY_TARGET_FLOOR_RATIO,
    array_verdicts,
    label_of,
    per_call_us,
)
from .workloads import Workload


def _overhead_us(runs: list[RunResult], floor: list[RunResult], attr: str, calls: int) -> Summary:
    """Per repetition: this writer's run minus the same repetition's no-op run, per call."""
    return Summary.of([(getattr(r, attr) - getattr(f, attr)) / calls * 1e6 for r, f in zip(runs, floor)])


def _file_columns(spec: WriterSpec, runs: list[RunResult]) -> list[str]:
    if not spec.writes_files:
        return ["—", "—", "—"]
    last = runs[-1]
    record = f"{int(np.median(last.record_sizes))}" if last.record_sizes else "n/a"
    return [f"{last.bytes_on_disk / last.events:.1f}", record, f"{last.events:,} x {len(runs)}"]


def _close_ms(runs: list[RunResult]) -> float:
    return Summary.of([r.close_s * 1e3 for r in runs]).median


def _speedup_line(report: Report, medians: dict[str, float], what: str) -> str:
    base = medians.get("tfevents")
    peers = {k: v for k, v in medians.items() if k not in ("tfevents", "noop")}
    if not base or not peers:
        return ""
    best = min(peers, key=peers.__getitem__)
    return (
        f"tfevents' speedup vs the best peer ({label_of(report, best)}, {fmt_num(peers[best])} µs/call {what}): "
        f"**{peers[best] / base:.1f}x**."
    )


def workload_table(report: Report, workload: Workload) -> tuple[str, str]:
    """The workload's table and the line under it."""
    if workload.paced:
        return _paced_table(report, workload)
    runs = report.results[workload.key]
    calls = workload.calls
    medians = {k: per_call_us(v, "total_s", calls).median for k, v in runs.items()}
    base = medians.get("tfevents")
    rows = []
    for spec in report.writers:
        rs = runs[spec.key]
        total = per_call_us(rs, "total_s", calls)
        loop = per_call_us(rs, "loop_s", calls)
        cpu = per_call_us(rs, "cpu_s", calls)
        ratio = f"{total.median / base:.1f}x" if base and spec.key != "noop" else "—"
        rows.append([
            spec.label, fmt_num(total.median), *spread(total), fmt_num(loop.median),
            fmt_num(_close_ms(rs)), fmt_num(cpu.median), ratio, *_file_columns(spec, rs),
        ])
    table = markdown_table(
        [
            "writer", "median µs/call", "min–max", "IQR", "caller loop µs/call", "close() ms",
            "CPU µs/call (all threads)", "÷ tfevents", "bytes/event on disk", "record bytes",
            "events checked",
        ],
        rows,
    )
    return table, _speedup_line(report, medians, "whole run")


def _paced_table(report: Report, workload: Workload) -> tuple[str, str]:
    runs = report.results[workload.key]
    calls = workload.calls
    floor = runs.get("noop")
    rows = []
    medians: dict[str, float] = {}
    cpu_medians: dict[str, float] = {}
    for spec in report.writers:
        rs = runs[spec.key]
        close_ms = _close_ms(rs)
        if spec.key == "noop" or floor is None:
            total = Summary.of([r.total_s / workload.steps * 1e3 for r in rs])
            rows.append([
                spec.label, f"({fmt_num(total.median)} ms per step, sleep included)",
                f"{fmt_num(total.low)}–{fmt_num(total.high)} ms", "—", "—",
                fmt_num(close_ms), "—", *_file_columns(spec, rs),
            ])
            continue
        wall = _overhead_us(rs, floor, "total_s", calls)
        cpu = _overhead_us(rs, floor, "cpu_s", calls)
        medians[spec.key], cpu_medians[spec.key] = wall.median, cpu.median
        rows.append([spec.label, fmt_num(wall.median), spread(wall)[0],
                     fmt_num(cpu.median), spread(cpu)[0],
                     fmt_num(close_ms), "", *_file_columns(spec, rs)])
    base, cpu_base = medians.get("tfevents"), cpu_medians.get("tfevents")
    for row, spec in zip(rows, report.writers):
        if spec.key in medians and base and cpu_base:
            row[6] = f"{medians[spec.key] / base:.1f}x / {cpu_medians[spec.key] / cpu_base:.1f}x"
        elif row[6] == "":
            row[6] = "—"
    table = markdown_table(
        [
            "writer", "median overhead µs/call (wall)", "min–max", "median overhead µs/call "
            "(CPU, all threads)", "min–max", "close() ms", "÷ tfevents (wall / CPU)",
            "bytes/event on disk", "record bytes", "events checked",
        ],
        rows,
    )
    note = (
        "Overhead is a run's time (constructor to closed file) minus the same repetition's "
        "no-op run, per call: what logging adds to a training loop, on the caller's clock "
        "(wall) and in CPU spent by all of the process's threads (CPU)."
    )
    line = _speedup_line(report, medians, "wall overhead")
    if cpu_base and len(cpu_medians) > 1:
        best_cpu = min((v for k, v in cpu_medians.items() if k != "tfevents"), default=None)
        if best_cpu is not None:
            line += f" In CPU: {best_cpu / cpu_base:.1f}x (below 1 means tfevents spends more CPU)."
    return table, note + "\n\n" + line


def array_section(report: Report, heading: str = "##") -> str:
    sizes = ", ".join(f"{n:,}" for n in report.array_results)
    out = [
        f"{heading} (d) add_scalar_array: one tag, {sizes} values in one call",
        "",
        "Constructor + one `add_scalar_array(tag, values, global_steps)` call + `close()` (value "
        "i * 0.5 at step i, as in (a)), every event read back and checked; against the floor of "
        "a Python loop writing 40-byte records with `f.write` into a buffered file (open to "
        "close). Peers have no batch call: their cost per event is their per-call median in (a).",
        "",
    ]
    rows = []
    verdicts = {v.n: v for v in array_verdicts(report)}
    for n, runs in report.array_results.items():
        for entrant in ARRAY_ENTRANTS:
            rs = runs[entrant.key]
            eps = Summary.of([n / r.total_s for r in rs])
            us = Summary.of([r.total_s / n * 1e6 for r in rs])
            last = rs[-1]
            rows.append([
                f"{n:,}", entrant.label, f"{eps.median / 1e6:.2f}", f"{eps.low / 1e6:.2f}–{eps.high / 1e6:.2f}",
                f"{us.median:.3f}", fmt_num(_close_ms(rs)), f"{last.bytes_on_disk / n:.1f}", f"{n:,} x {len(rs)}",
            ])
    out.append(markdown_table(
        ["values", "writer", "median M events/s", "min–max", "µs/event", "close() ms", "bytes/event", "events checked"],
        rows, align="rlrrrrrr",
    ))
    out.append("")
    for n, v in verdicts.items():
        peer = (
            f"; vs the best peer's add_scalar loop in (a) ({v.best_peer}, {fmt_num(v.best_peer_us)} µs/event): "
            f"**{v.peer_ratio:.0f}x**" if v.best_peer else ""
        )
        out.append(
            f"- {n:,} values: **{v.events_per_s / 1e6:.2f} M events/s** (target ≥ "
            f"{ARRAY_TARGET_EVENTS_PER_S / 1e6:g} M), **{v.floor_ratio:.2f}x** the floor's time (target ≤ "
            f"{ARRAY_TARGET_FLOOR_RATIO:g}x){peer}: **{'met' if v.met else 'MISSED'}**."
        )
    return "\n".join(out)


def render_tables(report: Report, heading: str = "##") -> str:
    """The workload tables, (d) included."""
    out: list[str] = []
    for workload in report.workloads:
        table, summary = workload_table(report, workload)
        out += [f"{heading} {workload.title}", "", table, ""]
        if summary:
            out += [summary, ""]
    if report.array_results:
        out += [array_section(report, heading), ""]
    return "\n".join(out)
