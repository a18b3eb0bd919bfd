"""Every target of the performance issue, as measured in one run of every part."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..import_memory.verdicts import FLAT_MB_PER_MILLION, IMPORT_TARGET_MS
from ..import_memory.verdicts import verdicts as import_verdicts
from ..jax.report import verdicts as jax_verdicts
from ..markdown import fmt_num
from ..read.verdicts import target_list as read_targets
from ..scalars.verdicts import (
    ARRAY_TARGET_EVENTS_PER_S,
    ARRAY_TARGET_FLOOR_RATIO,
    array_verdicts,
    scalar_verdicts,
)
from ..stats import Summary
from ..summaries.verdicts import verdicts as summary_verdicts
from .allreport import AllReport


@dataclass
class Target:
    key: str
    what: str
    target: str
    measured: str
    value: float  # the figure compared with the previous run
    unit: str
    met: bool | None
    higher_is_better: bool = True


def targets(report: AllReport) -> list[Target]:
    out: list[Target] = []
    if report.scalars is not None:
        for v in scalar_verdicts(report.scalars):
            out.append(Target(
                f"scalar_{v.key}", v.title + ", constructor to closed file", f"≥ {v.target:g}x the best peer",
                f"{fmt_num(v.tfevents_us)} µs/call vs {fmt_num(v.best_peer_us)} ({v.best_peer}): **{v.ratio:.1f}x**",
                v.ratio, "x", v.met,
            ))
        for a in array_verdicts(report.scalars):
            out.append(Target(
                f"array_{a.n}", f"add_scalar_array, one tag, {a.n:,} values in one call",
                f"≥ {ARRAY_TARGET_EVENTS_PER_S / 1e6:g} M events/s and ≤ "
                f"{ARRAY_TARGET_FLOOR_RATIO:g}x the buffered-write floor's time",
                f"**{a.events_per_s / 1e6:.2f} M events/s**, {a.floor_ratio:.2f}x the floor "
                f"({a.floor_events_per_s / 1e6:.1f} M/s)"
                + (f"; {a.peer_ratio:.0f}x the best peer's add_scalar loop" if a.best_peer else ""),
                a.events_per_s / 1e6, "M events/s", a.met,
            ))
    if report.summaries is not None:
        for sv in summary_verdicts(report.summaries):
            out.append(Target(
                sv.workload, sv.title,
                f"≥ {sv.target:g}x the best peer",
                f"{fmt_num(sv.tfevents)} {sv.unit}/call vs {fmt_num(sv.best_peer_value)} ({sv.best_peer}): **{sv.ratio:.2f}x**"
                + ("" if sv.tensor_forms is None else
                   f"; tensor forms (legacy_forms=False) {fmt_num(sv.tensor_forms)} {sv.unit}/call, "
                   f"{sv.best_peer_value / sv.tensor_forms:.2f}x"),
                sv.ratio, "x", sv.met,
            ))
    if report.imports is not None:
        iv = import_verdicts(report.imports)
        out.append(Target(
            "import", "`import tfevents` in a fresh interpreter (median)",
            f"< {IMPORT_TARGET_MS:g} ms, no ML framework imported",
            f"**{iv.import_ms:.1f} ms** (numpy alone {iv.numpy_ms:.1f} ms); frameworks imported: "
            f"{', '.join(iv.frameworks) or 'none'}",
            iv.import_ms, "ms", iv.import_met, higher_is_better=False,
        ))
        if iv.bytes_met is not None:
            out.append(Target(
                "bytes_per_event", f"bytes on disk per scalar event ({report.imports.bytes_count:,} events, one tag)",
                "no more than the peers",
                f"**{iv.tfevents_bytes_per_event:.4f}** vs {iv.best_peer_bytes_per_event:.4f} ({iv.best_peer_bytes_label}) "
                f"per event after the tag's first; whole file {iv.tfevents_file_bytes:,} vs {iv.best_peer_file_bytes:,} B",
                iv.tfevents_bytes_per_event or 0.0, "B", iv.bytes_met, higher_is_better=False,
            ))
        if iv.rss_met is not None and iv.rss_span:
            out.append(Target(
                "rss_growth", f"peak RSS growth, {iv.rss_span[0]:,} → {iv.rss_span[1]:,} scalars",
                f"flat (< {FLAT_MB_PER_MILLION:g} MB per million events)",
                f"**{iv.rss_growth_mb_per_million:.2f} MB per million**",
                iv.rss_growth_mb_per_million or 0.0, "MB/M", iv.rss_met, higher_is_better=False,
            ))
    if report.jax is not None:
        for jv in jax_verdicts(report.jax):
            out.append(Target(jv.key, jv.what, jv.target, jv.measured, jv.value, jv.unit, jv.met,
                              jv.higher_is_better))
    if report.read is not None:
        for rt in read_targets(report.read):
            if not rt.key:  # "not measured in this run": the read section itself says so
                continue
            out.append(Target(rt.key, rt.workload, rt.target, rt.measured,
                              rt.value, rt.unit, rt.met, rt.higher_is_better))
    if report.device is not None and report.device.on_gpu:
        for spec in report.device.models:
            runs = report.device.results[spec.key]
            med = {v: Summary.of([r.total_s / spec.steps * 1e3 for r in rs]).median for v, rs in runs.items()}
            over = {v: med[v] - med["none"] for v in med}
            best = min(over[v] for v in ("torch", "tensorboardX"))
            out.append(Target(
                f"device_{spec.key}", f"{spec.key}: logging overhead per step on {report.device.card}",
                "(no numeric target; reported)",
                f"tfevents **{over['tfevents'] * 1e3:+.0f} µs/step**, best peer {best * 1e3:+.0f} µs/step",
                over["tfevents"] * 1e3, "µs/step", None, higher_is_better=False,
            ))
    return out


def figures_json(report: AllReport) -> dict[str, Any]:
    return {
        "date": report.machine.get("date", ""),
        "source": report.machine.get("source", ""),
        "metrics": {t.key: {"value": t.value, "unit": t.unit} for t in targets(report)},
    }


def fmt_value(value: float, unit: str) -> str:
    return f"{value:.2f}{unit}" if unit == "x" else f"{fmt_num(value)} {unit}"
