"""The summary benchmark's Markdown report: a table per workload, the verdicts, and
where tfevents' time goes."""

from __future__ import annotations

from ..machine import package_version
from ..markdown import fmt_num, markdown_table, report_head, spread
from ..paths import script as script_path
from ..profiling import run_profile_lines
from ..stats import Summary
from .suite import FLOOR_KEY, Report
from .verdicts import per_call, verdicts
from .workloads import METHOD, SummaryWorkload

SCRIPT = script_path("bench_summaries.py")


def workload_section(report: Report, workload: SummaryWorkload) -> str:
    runs = report.results[workload.key]
    u = workload.unit
    medians = {k: per_call(v, workload).median for k, v in runs.items()}
    base = medians.get("tfevents")
    rows = []
    specs = list(report.writers[workload.key])
    for spec in specs:
        rs = runs[spec.key]
        total, loop, cpu = per_call(rs, workload), per_call(rs, workload, "loop_s"), per_call(rs, workload, "cpu_s")
        close_ms = Summary.of([r.close_s * 1e3 for r in rs]).median
        rows.append([
            spec.label, fmt_num(total.median), *spread(total), fmt_num(loop.median), fmt_num(close_ms),
            fmt_num(cpu.median), f"{total.median / base:.2f}x" if base else "—",
            f"{rs[-1].bytes_on_disk / max(1, rs[-1].events):,.0f}", f"{rs[-1].events:,} x {len(rs)}",
        ])
    if FLOOR_KEY in runs:
        rs = runs[FLOOR_KEY]
        total, cpu = per_call(rs, workload), per_call(rs, workload, "cpu_s")
        rows.append([
            f"floor: {workload.floor_label}", fmt_num(total.median), *spread(total), "—", "—", fmt_num(cpu.median), f"{total.median / base:.2f}x" if base else "—", "—", "—",
        ])
    table = markdown_table(
        ["writer", f"median {u}/call", "min–max", "IQR", f"caller loop {u}/call", "close() ms",
         f"CPU {u}/call (all threads)", "÷ tfevents", "bytes/event on disk", "events checked"],
        rows,
    )
    text = [f"### {workload.title}", "", table, ""]
    verdict = next((v for v in verdicts(report) if v.workload == workload.key), None)
    if verdict:
        text.append(
            f"tfevents vs the best peer ({verdict.best_peer}, {fmt_num(verdict.best_peer_value)} {u}/call): "
            f"**{verdict.ratio:.2f}x**; target ≥ {verdict.target:g}x: **{'met' if verdict.met else 'MISSED'}**."
        )
        if FLOOR_KEY in runs and base:
            floor = medians[FLOOR_KEY]
            text[-1] += (
                f" The floor ({workload.floor_label}) alone takes {floor / base:.0%} of tfevents' "
                f"time per call; reaching the target needs tfevents at "
                f"{fmt_num(verdict.best_peer_value / verdict.target)} {u}/call, "
                f"{verdict.best_peer_value / verdict.target / floor:.2f}x the floor."
            )
        text.append("")
    if report.missing.get(workload.key):
        text += [f"Not run (no `{METHOD[workload.key]}` method): {', '.join(report.missing[workload.key])}.", ""]
    return "\n".join(text)


def profile_section(report: Report, workload: SummaryWorkload) -> str:
    p = report.profiles.get(workload.key)
    if p is None:
        return ""
    out = [f"#### tfevents, {workload.title}", ""]
    out += run_profile_lines(p, "; profiling inflates per-call overheads", "calls")
    return "\n".join(out) + "\n"


METHOD_NOTES = (
    "- Method: each run is a writer's constructor, the calls (steps 0, 1, ...) and `close()`, "
    "timed together, so everything is on disk when the clock stops; default constructor "
    "arguments; the same input objects (numpy arrays, made once) for every writer; "
    "round-robin order over repetitions (repetition r starts with writer r mod k); one "
    "untimed, checked warm-up run per writer and workload first. After each run its files are "
    "read back and checked (histogram buckets, total, min and max against numpy; decoded PNG "
    "pixels against the writer's conversion; PR-curve counts, precision and recall against an "
    "independent computation; text strings).\n"
    "- Forms written: tfevents writes torch's forms by default (HistogramProto, Summary.Image, "
    "text under `tag/text_summary`) and, in its `legacy_forms=False` row, TensorBoard's tensor "
    "forms (`[k, 3]` float64 histograms, `[w, h, png]` string tensors); both PNG at zlib level 1 "
    "with float pixels rounded (`rint(x * 255)`); tensorboardX and torch write PNG at Pillow's "
    "default level 6 with float pixels truncated (`uint8(x * 255)`), so float images differ by "
    "at most one level. The verdicts compare tfevents' default row with the best peer. bytes/event is the files' size over the events "
    "(PNG size dominates images)."
)


def render_body(report: Report, heading: str = "##") -> str:
    out = [METHOD_NOTES, ""]
    for workload in report.workloads:
        out.append(workload_section(report, workload).replace("### ", heading + "# ", 1))
    return "\n".join(out)


def render_profiles(report: Report) -> str:
    return "\n".join(s for s in (profile_section(report, w) for w in report.workloads) if s)


def render(report: Report, script: str = SCRIPT) -> str:
    m = report.machine
    out = [
        *report_head("Summary benchmarks: histogram, image, PR curve, text", report.argv, script),
        f"- Date: {m['date']}; {report.reps} repetition(s); the run took {report.wall_s:.0f} s.",
        f"- Machine: {m['cpu']}, {m['cores']}; load average {report.load_before} at the start, "
        f"{report.load_after} at the end.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']} ({m['source']}), "
        f"tensorboardX {m['tensorboardX']}, torch {m['torch']}, tensorboard {m['tensorboard']}, "
        f"Pillow {package_version('Pillow')}.",
        render_body(report),
        "## Where tfevents' time goes",
        "",
        render_profiles(report),
    ]
    return "\n".join(out)
