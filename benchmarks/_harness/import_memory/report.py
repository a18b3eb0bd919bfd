"""The import and memory benchmark's Markdown report."""

from __future__ import annotations

from ..markdown import fmt_num, markdown_table, report_head
from ..paths import script as script_path
from ..stats import Summary
from .imports import FRAMEWORKS, framework_modules, top_level
from .suite import Report
from .verdicts import FLAT_MB_PER_MILLION, IMPORT_TARGET_MS, label, verdicts

SCRIPT = script_path("bench_import_memory.py")


def import_section(report: Report, heading: str = "##") -> str:
    rows = []
    for r in report.imports.values():
        s = Summary.of([x * 1e3 for x in r.import_s])
        p = Summary.of([x * 1e3 for x in r.process_s])
        frameworks = framework_modules(r.modules)
        rows.append([
            f"`{r.target.statement}`", fmt_num(s.median), f"{fmt_num(s.low)}–{fmt_num(s.high)}",
            fmt_num(p.median), f"{len(r.modules):,}", ", ".join(frameworks) if frameworks else "none",
        ])
    v = verdicts(report)
    base = report.imports["numpy"].modules
    extra = sorted(top_level(report.imports["tfevents"].modules) - top_level(base))
    out = [
        f"{heading} Import time",
        "",
        f"Fresh interpreters (`python -c`, from an empty directory), {report.runs} timed runs each "
        "after a warm-up, round-robin, tfevents' .pyc files compiled first (as `pip install` does; "
        "this environment sets PYTHONDONTWRITEBYTECODE, so an editable install never writes them); "
        "*import ms* is `time.perf_counter()` around the statement "
        "inside the child; *process ms* is the child's whole life seen from the parent "
        "(interpreter start and exit included).",
        "",
        markdown_table(
            ["statement", "import ms (median)", "min–max", "process ms (median)", "modules loaded", "ML frameworks among them"],
            rows,
        ),
        "",
        f"`import tfevents`: **{v.import_ms:.1f} ms** (target < {IMPORT_TARGET_MS:g} ms), of which numpy's own "
        f"import is {v.numpy_ms:.1f} ms in the same setup; tfevents' own share ≈ {v.import_ms - v.numpy_ms:.1f} ms. "
        f"Framework modules imported: {', '.join(v.frameworks) if v.frameworks else 'none'} "
        f"(checked: {', '.join(FRAMEWORKS)}). Top-level modules it adds to numpy's: {', '.join(extra)}. "
        f"**{'met' if v.import_met else 'MISSED'}**.",
        "",
    ]
    if report.breakdown:
        total = next((r[2] for r in report.breakdown if r[0] == "tfevents"), 0)
        own = sum(r[1] for r in report.breakdown if r[0].startswith("tfevents"))
        not_numpy = sum(
            r[1] for r in report.breakdown if not r[0].startswith("numpy") and not r[0].startswith("tfevents")
        )
        numpy_self = sum(r[1] for r in report.breakdown if r[0].startswith("numpy"))
        top = sorted(report.breakdown, key=lambda r: r[1], reverse=True)[:15]
        out += [
            f"One `-X importtime` run of `import tfevents` (its own overhead inflates the figures): "
            f"{total / 1e3:.1f} ms cumulative; by own time, numpy's modules {numpy_self / 1e3:.1f} ms, "
            f"tfevents' modules {own / 1e3:.1f} ms, other modules (standard library) {not_numpy / 1e3:.1f} ms. "
            "Top modules by own time:",
            "",
            "```",
            f"{'self ms':>8} {'cumul. ms':>9}  module",
            *[f"{r[1] / 1e3:>8.2f} {r[2] / 1e3:>9.2f}  {'  ' * r[3]}{r[0]}" for r in top],
            "```",
            "",
        ]
    return "\n".join(out)


def memory_section(report: Report, heading: str = "##") -> str:
    v = verdicts(report)
    zero = {r.writer: r.peak_mb for r in report.rss if r.n == 0}
    rows = []
    for r in report.rss:
        rows.append([
            label(r.writer), f"{r.n:,}", f"{r.peak_mb:.1f}", "—" if r.hwm_mb is None else f"{r.hwm_mb:.1f}",
            f"{r.peak_before_mb:.1f}",
            f"{r.peak_mb - r.peak_before_mb:+.1f}",
            f"{r.peak_mb - zero[r.writer]:+.1f}" if r.writer in zero else "—",
            f"{r.bytes_on_disk:,}", f"{r.bytes_on_disk / r.n:.4f}" if r.n else "—",
            f"{r.steady_bytes:.4f}" if r.steady_bytes is not None else "—",
            fmt_num(r.seconds), r.checked,
        ])
    out = [
        f"{heading} Peak memory and bytes on disk, add_scalar to one tag",
        "",
        "One fresh interpreter per row: import, constructor, n `add_scalar(\"train/loss\", i * 0.5, i)` "
        "calls, `close()`; the peak resident set size (`ru_maxrss`) at the end and before the loop, "
        "and the kernel's `VmHWM` (the same peak, per address space) as a cross-check. The "
        "children are started through a forking shell: on Linux `ru_maxrss` would otherwise "
        "start at the size of the process that spawned them. Each row's event file was read "
        "back and checked.",
        "",
        markdown_table(
            ["writer", "scalars", "peak RSS MB (ru_maxrss)", "VmHWM MB", "peak before the loop MB", "growth in the run MB",
             "vs the 0-scalar run MB", "file bytes", "file bytes / n", "bytes per event after the first",
             "seconds (loop + close)", "checked"],
            rows,
        ),
        "",
    ]
    if v.rss_growth_mb_per_million is not None and v.rss_span:
        out.append(
            f"tfevents' peak RSS grows by **{v.rss_growth_mb_per_million:.2f} MB per million events** "
            f"from {v.rss_span[0]:,} to {v.rss_span[1]:,} scalars (flat: < {FLAT_MB_PER_MILLION:g} MB "
            f"per million): **{'met' if v.rss_met else 'MISSED'}**."
        )
    if v.bytes_met is not None:
        extra = ""
        if v.tfevents_file_bytes is not None and v.best_peer_file_bytes is not None:
            diff = v.tfevents_file_bytes - v.best_peer_file_bytes
            extra = (
                f" Whole file: tfevents {v.tfevents_file_bytes:,} B, {v.best_peer_bytes_label} "
                f"{v.best_peer_file_bytes:,} B ({diff:+,} B: the file_version header record and the "
                "tag's first event, which carries its metadata, are per-file costs)."
            )
        out.append(
            f"Bytes per scalar event at {report.bytes_count:,} events (every event after the tag's "
            f"first, framing included): tfevents **{v.tfevents_bytes_per_event:.4f}**, the best peer "
            f"({v.best_peer_bytes_label}) {v.best_peer_bytes_per_event:.4f}: "
            f"**{'met' if v.bytes_met else 'MISSED'}** (target: no more than the peers).{extra}"
        )
    return "\n".join(out) + "\n"


def render(report: Report, script: str = SCRIPT) -> str:
    m = report.machine
    return "\n".join([
        *report_head("Import time, peak memory, bytes per event", report.argv, script),
        f"- Date: {m['date']}; the run took {report.wall_s:.0f} s. Machine: {m['cpu']}, {m['cores']}; "
        f"load average {report.load_before} at the start, {report.load_after} at the end.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']} ({m['source']}).",
        "",
        import_section(report),
        memory_section(report),
    ])
