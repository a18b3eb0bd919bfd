"""The device benchmark's Markdown report."""

from __future__ import annotations

from ..markdown import markdown_table, report_head
from ..paths import script as script_path
from ..stats import Summary
from .models import ModelSpec
from .suite import Report
from .training import VARIANT_LABELS, VARIANTS

SCRIPT = script_path("bench_device.py")


def model_table(report: Report, spec: ModelSpec) -> str:
    runs = report.results[spec.key]
    per_step = {v: Summary.of([r.total_s / spec.steps * 1e3 for r in rs]) for v, rs in runs.items()}
    base = per_step["none"].median
    overhead = {v: s.median - base for v, s in per_step.items()}
    rows = []
    for v in VARIANTS:
        s = per_step[v]
        over = overhead[v]
        ratio = (
            f"{over / overhead['tfevents']:.1f}x" if v not in ("none", "tfevents") and overhead["tfevents"] > 0 else "—"
        )
        rows.append([
            VARIANT_LABELS[v], f"{s.median:.3f}", f"{s.low:.3f}–{s.high:.3f}",
            "—" if v == "none" else f"{over * 1e3:+.0f}", "—" if v == "none" else f"{over / base:+.1%}",
            ratio, f"{runs[v][-1].events:,} x {len(runs[v])}" if v != "none" else "—",
        ])
    return markdown_table(
        ["variant", "median ms/step", "min–max", "overhead µs/step", "overhead %", "overhead ÷ tfevents'", "events checked"],
        rows,
    )


def render_body(report: Report, heading: str = "##") -> str:
    import torch

    out = [
        f"- Device: **{report.card}** ({report.device}); torch {torch.__version__}"
        + (f", CUDA {torch.version.cuda}" if report.on_gpu else "")
        + f"; {report.reps} repetition(s), round-robin; the run took {report.wall_s:.0f} s; load average "
        f"{report.load_before} at the start, {report.load_after} at the end.",
        "- Each run: synchronize, clock on, writer constructor, the steps, `close()`, synchronize, "
        "clock off. 8 scalars per step, each a 0-d device tensor, `add_scalar(tag, tensor, step)`. "
        "Overhead = the variant's median minus no logging's. Every logged value was read back "
        "and compared with a device-side copy of the metrics.",
        "",
    ]
    for spec in report.models:
        out += [f"{heading} {spec.title}, {spec.steps} steps per run", "", model_table(report, spec), ""]
    return "\n".join(out)


def render(report: Report, script: str = SCRIPT) -> str:
    return "\n".join([
        *report_head(
            "Device benchmark: training steps with 8 device-tensor scalars logged per step",
            report.argv, script,
        ),
        f"- Date: {report.machine.get('date', '')}; machine: {report.machine.get('cpu', '')}, "
        f"{report.machine.get('cores', '')}; tfevents {report.machine.get('tfevents', '')} "
        f"({report.machine.get('source', '')}).",
        render_body(report),
    ])
