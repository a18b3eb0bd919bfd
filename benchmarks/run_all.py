"""Every benchmark in one invocation, and benchmarks/RESULTS.md from it.

    python benchmarks/run_all.py [--reps N] [--quick] [--write-results] [--skip PARTS]

Parts, in this order, each in this one process (the import and memory part starts fresh
interpreters of its own):

  scalars        bench_scalars.py: add_scalar (a) one tag, (b) 50 tags x 5,000 steps,
                 (c) a paced loop, and (d) the batch call add_scalar_array against the
                 buffered-write floor; tfevents' profile;
  summaries      bench_summaries.py: add_histogram, add_image (CHW float, HWC uint8),
                 add_pr_curve, add_text; tfevents' profiles;
  import_memory  bench_import_memory.py: `import tfevents` time (numpy's as the floor),
                 peak RSS over 100k-3M scalars, bytes on disk per scalar event;
  device         bench_device.py: training steps with 8 device-tensor scalars logged per
                 step. With CUDA it is measured (and benchmarks/results/device.md
                 rewritten); without, a CPU smoke run checks the code path and the last
                 recorded GPU figures, if any, are included as they were.

``--reps`` is passed to the scalar, summary and device parts; ``--quick`` to all of them.
The report opens with every target of the performance issue, measured in this run, with the
previous RESULTS.md's figures beside it (the "before" of a change), and closes with where
tfevents' time goes (cProfile) per workload. The figures are also embedded in the file as
JSON for the next run's comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h
import bench_device
import bench_import_memory
import bench_scalars
import bench_summaries

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
RESULTS_PATH = os.path.join(BENCH_DIR, "RESULTS.md")
PARTS = ("scalars", "summaries", "import_memory", "device")
JSON_MARK = "<!-- results-json: "


@dataclass
class AllReport:
    argv: list[str]
    reps: int | None
    quick: bool
    scalars: Any = None
    summaries: Any = None
    imports: Any = None
    device: Any = None
    part_wall_s: dict[str, float] = field(default_factory=dict)
    part_load: dict[str, tuple[str, str]] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    wall_s: float = 0.0
    previous: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=None, help="repetitions for the timed parts (their defaults otherwise)")
    parser.add_argument("--import-runs", type=int, default=None, help="fresh interpreters per import (default 9)")
    parser.add_argument("--quick", action="store_true", help="every part small: a smoke run")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {','.join(PARTS)}")
    parser.add_argument("--device", default="auto", help="the device part's device: auto, cuda or cpu")
    parser.add_argument("--write-results", action="store_true", help="write the report to --results")
    parser.add_argument("--results", default=RESULTS_PATH, help="default benchmarks/RESULTS.md")
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.skip_parts = {p.strip() for p in args.skip.split(",") if p.strip()}
    unknown = args.skip_parts - set(PARTS)
    if unknown:
        parser.error(f"--skip: unknown parts {sorted(unknown)}")
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be at least 1")
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _common(args: argparse.Namespace, reps_flag: str = "--reps") -> list[str]:
    out = ["--quick"] if args.quick else []
    if args.reps is not None:
        out += [reps_flag, str(args.reps)]
    if args.tmpdir:
        out += ["--tmpdir", args.tmpdir]
    return out


def run(args: argparse.Namespace) -> AllReport:
    report = AllReport(args.argv, args.reps, args.quick, previous=load_previous(args.results))
    report.load_before = h.load_average()
    started = time.perf_counter()

    def part(name: str, body: Any) -> Any:
        if name in args.skip_parts:
            return None
        _log(f"=== {name} ===")
        t0, load0 = time.perf_counter(), h.load_average()
        result = body()
        report.part_wall_s[name] = time.perf_counter() - t0
        report.part_load[name] = (load0, h.load_average())
        _log(f"=== {name} took {report.part_wall_s[name]:.0f} s ===")
        return result

    report.scalars = part("scalars", lambda: bench_scalars.run(bench_scalars.parse_args(_common(args))))
    report.summaries = part("summaries", lambda: bench_summaries.run(bench_summaries.parse_args(_common(args))))
    import_argv = ["--quick"] if args.quick else []
    if args.import_runs is not None:
        import_argv += ["--runs", str(args.import_runs)]
    if args.tmpdir:
        import_argv += ["--tmpdir", args.tmpdir]
    report.imports = part(
        "import_memory", lambda: bench_import_memory.run(bench_import_memory.parse_args(import_argv))
    )

    def device() -> Any:
        device_argv = ["--device", args.device, *_common(args)]
        dev_args = bench_device.parse_args(device_argv)
        resolved, _card = bench_device.resolve_device(dev_args.device)
        if not resolved.startswith("cuda"):
            dev_args = bench_device.parse_args(["--device", "cpu", "--quick"] + (["--tmpdir", args.tmpdir] if args.tmpdir else []))
        return bench_device.run(dev_args)

    report.device = part("device", device)
    report.machine = h.machine_info()
    report.load_after = h.load_average()
    report.wall_s = time.perf_counter() - started
    return report


# --- figures and targets ---------------------------------------------------------------------


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
        for v in bench_scalars.scalar_verdicts(report.scalars):
            out.append(Target(
                f"scalar_{v.key}", v.title + ", constructor to closed file", f"≥ {v.target:g}x the best peer",
                f"{h.fmt_num(v.tfevents_us)} µs/call vs {h.fmt_num(v.best_peer_us)} ({v.best_peer}): **{v.ratio:.1f}x**",
                v.ratio, "x", v.met,
            ))
        for a in bench_scalars.array_verdicts(report.scalars):
            out.append(Target(
                f"array_{a.n}", f"add_scalar_array, one tag, {a.n:,} values in one call",
                f"≥ {bench_scalars.ARRAY_TARGET_EVENTS_PER_S / 1e6:g} M events/s and ≤ "
                f"{bench_scalars.ARRAY_TARGET_FLOOR_RATIO:g}x the buffered-write floor's time",
                f"**{a.events_per_s / 1e6:.2f} M events/s**, {a.floor_ratio:.2f}x the floor "
                f"({a.floor_events_per_s / 1e6:.1f} M/s)"
                + (f"; {a.peer_ratio:.0f}x the best peer's add_scalar loop" if a.best_peer else ""),
                a.events_per_s / 1e6, "M events/s", a.met,
            ))
    if report.summaries is not None:
        for v in bench_summaries.verdicts(report.summaries):
            out.append(Target(
                v.workload, v.title,
                f"≥ {v.target:g}x the best peer",
                f"{h.fmt_num(v.tfevents)} {v.unit}/call vs {h.fmt_num(v.best_peer_value)} ({v.best_peer}): **{v.ratio:.2f}x**",
                v.ratio, "x", v.met,
            ))
    if report.imports is not None:
        iv = bench_import_memory.verdicts(report.imports)
        out.append(Target(
            "import", "`import tfevents` in a fresh interpreter (median)",
            f"< {bench_import_memory.IMPORT_TARGET_MS:g} ms, no ML framework imported",
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
                f"flat (< {bench_import_memory.FLAT_MB_PER_MILLION:g} MB per million events)",
                f"**{iv.rss_growth_mb_per_million:.2f} MB per million**",
                iv.rss_growth_mb_per_million or 0.0, "MB/M", iv.rss_met, higher_is_better=False,
            ))
    if report.device is not None and report.device.on_gpu:
        for spec in report.device.models:
            runs = report.device.results[spec.key]
            med = {v: h.Summary.of([r.total_s / spec.steps * 1e3 for r in rs]).median for v, rs in runs.items()}
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


def load_previous(path: str) -> dict[str, Any]:
    """The previous report's figures: its embedded JSON, or (for the scalar-only report
    that bench_scalars.py used to write) its two speedup lines."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    if JSON_MARK in text:
        blob = text.split(JSON_MARK, 1)[1].split(" -->", 1)[0]
        try:
            return json.loads(blob)
        except json.JSONDecodeError:
            return {}
    speedups = re.findall(r"tfevents' speedup vs the best peer \(.*?\): \*\*([\d.]+)x\*\*", text)
    date = re.search(r"- Date: ([^;]+);", text)
    source = re.search(r"- tfevents source: (.+?)\.\n", text)
    metrics = {}
    for key, value in zip(("scalar_a", "scalar_b"), speedups):
        metrics[key] = {"value": float(value), "unit": "x"}
    if not metrics:
        return {}
    return {
        "date": date.group(1) if date else "unknown",
        "source": source.group(1) if source else "unknown",
        "metrics": metrics,
    }


def _fmt_value(value: float, unit: str) -> str:
    return f"{value:.2f}{unit}" if unit == "x" else f"{h.fmt_num(value)} {unit}"


def targets_section(report: AllReport) -> str:
    prev = report.previous.get("metrics", {})
    rows = []
    for t in targets(report):
        verdict = "—" if t.met is None else ("met" if t.met else "**MISSED**")
        before = prev.get(t.key)
        rows.append([t.what, t.target, t.measured, verdict, _fmt_value(before["value"], before["unit"]) if before else "—"])
    out = [
        h.markdown_table(["workload", "target", "this run", "verdict", "previous run"], rows, align="lllll"),
        "",
    ]
    if report.previous:
        out.append(
            f"*Previous run*: the figures of the RESULTS.md this run replaced ({report.previous.get('date', '?')}, "
            f"tfevents source {report.previous.get('source', '?')}); a different load on a shared machine moves "
            "them too, so read ratios, not absolute times."
        )
        out.append("")
    return "\n".join(out)


def before_after_section(report: AllReport) -> str:
    prev = report.previous.get("metrics", {})
    if not prev:
        return "No previous RESULTS.md figures to compare with.\n"
    lines = []
    for t in targets(report):
        before = prev.get(t.key)
        if not before:
            continue
        change = t.value / before["value"] if before["value"] else float("nan")
        better = (change > 1) == t.higher_is_better
        lines.append(
            f"- {t.what}: {_fmt_value(before['value'], before['unit'])} → {_fmt_value(t.value, t.unit)} "
            f"({change:.2f}x, {'better' if better else 'worse' if change != 1 else 'same'})"
        )
    return "\n".join(lines) + "\n"


# --- the report --------------------------------------------------------------------------------


def _demote(markdown: str, levels: int = 1) -> str:
    """Pushes markdown headings down ``levels`` levels (outside code blocks)."""
    out, in_code = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def render(report: AllReport, script: str = __file__) -> str:
    m = report.machine
    command = h.reproduce_command(report.argv, script)
    parts = ", ".join(
        f"{name} {report.part_wall_s[name]:.0f} s (load {report.part_load[name][0]} → {report.part_load[name][1]})"
        for name in report.part_wall_s
    )
    out = [
        "# tfevents benchmarks",
        "",
        "Generated by `benchmarks/run_all.py`; do not edit by hand. Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        f"- Date: {m['date']}; the whole run took {report.wall_s:.0f} s ({parts}).",
        f"- Machine: {m['cpu']}, {m['cores']}; {m['os']}. Load average (1/5/15 min) {report.load_before} "
        f"at the start, {report.load_after} at the end: a shared machine, so absolute times are noisy; "
        "the ratios, measured in the same run with writers alternating, are the figures to read.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']}, tensorboardX {m['tensorboardX']}, "
        f"crc32c {m['crc32c']}, torch {m['torch']}, tensorboard {m['tensorboard']}, protobuf {m['protobuf']}, "
        f"Pillow {h.package_version('Pillow')}.",
        f"- tfevents source: {m['source']}.",
        "",
        "## Targets",
        "",
        targets_section(report),
    ]
    if report.scalars is not None:
        out += [
            "## add_scalar and add_scalar_array (`bench_scalars.py`)",
            "",
            bench_scalars.method_notes(report.scalars),
            f"- Repetitions: {report.scalars.reps}.",
            "",
            bench_scalars.render_tables(report.scalars, heading="###"),
        ]
    if report.summaries is not None:
        out += [
            "## Histograms, images, PR curves, text (`bench_summaries.py`)",
            "",
            f"- Repetitions: {report.summaries.reps}.",
            bench_summaries.render_body(report.summaries, heading="##"),
        ]
    if report.imports is not None:
        out += [
            bench_import_memory.import_section(report.imports, heading="##"),
            bench_import_memory.memory_section(report.imports, heading="##"),
        ]
    if report.device is not None:
        out += ["## Training steps with device-tensor scalars (`bench_device.py`)", ""]
        if report.device.on_gpu:
            out += [bench_device.render_body(report.device, heading="###")]
        else:
            checked = sum(r.events for rs in report.device.results.values() for v, runs in rs.items() for r in runs)
            out += [
                f"No GPU in this run: a CPU smoke run ({', '.join(s.key for s in report.device.models)}, "
                f"{checked:,} logged values read back and checked) passed; its step times are not recorded.",
                "",
            ]
            recorded = os.path.join(BENCH_DIR, "results", "device.md")
            if os.path.exists(recorded):
                with open(recorded, encoding="utf-8") as f:
                    out += [
                        "The last recorded GPU run (`benchmarks/results/device.md`, written by "
                        "`bench_device.py --write-results` on a GPU), as it was:",
                        "",
                        _demote(f.read(), 2),
                        "",
                    ]
            else:
                out += [
                    "No GPU figures have been recorded yet: run `python benchmarks/bench_device.py "
                    "--write-results` on a machine with CUDA (it writes `benchmarks/results/device.md`, "
                    "which this report then includes).",
                    "",
                ]
    out += ["## What the time goes to", "", "### Before → after (previous RESULTS.md → this run)", "", before_after_section(report)]
    if report.scalars is not None and (report.scalars.profiles or report.scalars.array_profiles):
        out += ["### add_scalar and add_scalar_array (tfevents, measured on this run)", "", bench_scalars.render_profiles(report.scalars, heading="####")]
    if report.summaries is not None and report.summaries.profiles:
        out += ["### Summaries (tfevents, measured on this run)", "", bench_summaries.render_profiles(report.summaries)]
    if report.imports is not None:
        out += ["### Import", "", "See the `-X importtime` breakdown under *Import time* above.", ""]
    if report.scalars is not None:
        out += ["## Raw samples of the scalar workloads", "", bench_scalars.render_raw(report.scalars)]
    out += [f"{JSON_MARK}{json.dumps(figures_json(report))} -->", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    if args.write_results and report.device is not None and report.device.on_gpu:
        os.makedirs(os.path.dirname(bench_device.RESULTS_PATH), exist_ok=True)
        with open(bench_device.RESULTS_PATH, "w", encoding="utf-8") as f:
            f.write(bench_device.render(report.device))
    text = render(report)
    print(text)
    if args.write_results:
        h.write_report(args.results, text)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
