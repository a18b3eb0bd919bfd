"""add_scalar throughput: tfevents against tensorboardX, torch.utils.tensorboard and
tensorboard.summary.Writer, in one process.

    python benchmarks/bench_scalars.py [--reps N] [--calls N] [--quick] [--write-results]

Each repetition runs every writer once per workload, in round-robin order (repetition r
starts with writer r mod k), so slow drifts of a shared, noisy machine spread over all
writers. A run is timed from the constructor to the end of ``close()``: everything is on
disk when the clock stops. Each run writes into a fresh temporary directory; after the
clock stops, every event file is read back (every TFRecord CRC checked, every event
parsed) and the run fails loudly unless each tag holds exactly the logged steps and
values, in call order.

Workloads:
  (a) ``--calls`` add_scalar calls (default 200,000) on one tag, Python float value, int step;
  (b) ``--tags`` tags x ``--steps`` steps (default 50 x 5,000), the loop a training script
      runs: for each step, every tag once.

A no-op ``add_scalar`` is timed in the same rotation as the floor that the Python loop
itself costs. With ``--write-results`` the report (tables, machine, versions, and a
profile of where tfevents' time goes) is written to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h  # noqa: E402

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


# --- the writers -------------------------------------------------------------------------


class _NoOpWriter:
    """The loop floor: an add_scalar that does nothing."""

    def __init__(self, logdir: str) -> None:
        self.logdir = logdir

    def add_scalar(self, tag: str, value: Any, step: Any = None) -> None:
        pass

    def close(self) -> None:
        pass


def _tfevents(logdir: str) -> Any:
    import tfevents

    return tfevents.SummaryWriter(logdir)


def _tensorboardx(logdir: str) -> Any:
    import tensorboardX

    return tensorboardX.SummaryWriter(logdir=logdir)


def _torch(logdir: str) -> Any:
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=logdir)


def _tb_writer(logdir: str) -> Any:
    from tensorboard.summary import Writer

    return Writer(logdir)


@dataclass(frozen=True)
class WriterSpec:
    key: str
    label: str
    make: Callable[[str], Any]
    writes_files: bool = True
    crc: str = ""


def tensorboardx_crc() -> str:
    """Which CRC32C tensorboardX uses; the benchmark is unfair to it without the C package."""
    import tensorboardX.crc32c as tbx_crc

    try:
        import crc32c as c_pkg
    except ImportError:
        c_pkg = None
    if c_pkg is not None and tbx_crc.crc32c is c_pkg.crc32c:
        return f"crc32c C package {h.package_version('crc32c')}"
    return "pure Python (crc32c package missing)"


def all_writers() -> list[WriterSpec]:
    return [
        WriterSpec(
            "tfevents", f"tfevents {h.package_version('tfevents')}", _tfevents,
            crc="vectorised numpy, off the caller's thread",
        ),
        WriterSpec(
            "tensorboardX", f"tensorboardX {h.package_version('tensorboardX')}", _tensorboardx,
            crc=tensorboardx_crc(),
        ),
        WriterSpec(
            "torch", f"torch.utils.tensorboard (torch {h.package_version('torch')})", _torch,
            crc="pure Python (tensorboard's tensorflow_stub)",
        ),
        WriterSpec(
            "tb_writer", f"tensorboard.summary.Writer (tensorboard {h.package_version('tensorboard')})",
            _tb_writer, crc="pure Python (tensorboard's tensorflow_stub)",
        ),
        WriterSpec("noop", "no-op add_scalar (loop floor)", _NoOpWriter, writes_files=False),
    ]


# --- the workloads -----------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    tags: tuple[str, ...]
    steps: int

    @property
    def calls(self) -> int:
        return len(self.tags) * self.steps

    def drive(self, writer: Any) -> None:
        add = writer.add_scalar
        if len(self.tags) == 1:
            tag = self.tags[0]
            for i in range(self.steps):
                add(tag, i * 0.5, i)
        else:
            indexed = list(enumerate(self.tags))
            for step in range(self.steps):
                base = step * 0.25
                for k, tag in indexed:
                    add(tag, base + k, step)

    def expected(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        steps = np.arange(self.steps, dtype=np.int64)
        if len(self.tags) == 1:
            return {self.tags[0]: (steps, steps * 0.5)}
        return {tag: (steps, steps * 0.25 + k) for k, tag in enumerate(self.tags)}


def make_workloads(calls: int, tags: int, steps: int) -> list[Workload]:
    return [
        Workload("a", f"(a) {calls:,} add_scalar calls, one tag", ("train/loss",), calls),
        Workload(
            "b",
            f"(b) {tags} tags x {steps:,} steps = {tags * steps:,} calls",
            tuple(f"metrics/m{k:02d}" for k in range(tags)),
            steps,
        ),
    ]


# --- one timed run -----------------------------------------------------------------------


@dataclass
class RunResult:
    total_s: float
    loop_s: float
    close_s: float
    events: int = 0
    bytes_on_disk: int = 0
    record_sizes: list[int] = field(default_factory=list)
    files: int = 0


def timed_run(spec: WriterSpec, workload: Workload, root: str, loader: str = "fast") -> RunResult:
    """Constructor + calls + close(), timed; then the files are read back and checked."""
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{workload.key}-", dir=root)
    gc.collect()
    wall_start = time.time()
    t0 = time.perf_counter()
    writer = spec.make(logdir)
    workload.drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2 = time.perf_counter()
    wall_end = time.time()
    del writer
    result = RunResult(total_s=t2 - t0, loop_s=t1 - t0, close_s=t2 - t1)
    if spec.writes_files:
        log = h.read_scalar_log(logdir, loader=loader)
        h.check_scalars(
            log, workload.expected(), who=spec.label,
            wall_time_range=(wall_start - 1.0, wall_end + 1.0),
        )
        result.events = log.scalar_events
        result.bytes_on_disk = log.bytes_on_disk
        result.record_sizes = log.record_sizes
        result.files = len(log.files)
        if result.events != workload.calls:  # check_scalars already guarantees this
            raise h.BenchmarkError(f"{spec.label}: {result.events} events for {workload.calls} calls")
    else:
        result.events = workload.calls
    shutil.rmtree(logdir, ignore_errors=True)
    return result


# --- where tfevents' time goes -------------------------------------------------------------


@dataclass
class Profile:
    calls: int
    total_s: float
    loop_s: float
    close_s: float
    background_batches: int
    background_s: float
    background_entries: int
    caller_writes: int
    caller_write_s: float
    caller_top: list[tuple[str, int, float, float]]
    background_top: list[tuple[str, int, float, float]]
    background_note: str


def _short(filename: str) -> str:
    for marker in ("site-packages" + os.sep, os.sep + "src" + os.sep, os.sep + "lib" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def _top(stats: pstats.Stats, n: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{func}" if filename == "~" else f"{_short(filename)}:{line}({func})"
        rows.append((where, ncalls, tottime, cumtime))
    rows.sort(key=lambda r: r[2], reverse=True)
    return rows[:n]


def profile_tfevents(workload: Workload, root: str, top: int = 8) -> Profile:
    """Two untimed tfevents runs of ``workload``: one instrumented with clocks (the split
    between the caller's loop, close() and the background thread), one under cProfile
    (the caller's thread, and the background thread's write_pending calls)."""
    from tfevents.sinks.base import Sink

    original = Sink.write_pending
    main_thread = threading.get_ident()
    lock = threading.Lock()
    counters = {"bg_batches": 0, "bg_s": 0.0, "bg_entries": 0, "fg_writes": 0, "fg_s": 0.0}

    def timed_write_pending(self: Any, from_background: bool = False) -> None:
        queued = len(self.scalars) + len(self.values)
        t = time.perf_counter()
        try:
            original(self, from_background)
        finally:
            dt = time.perf_counter() - t
            with lock:
                if threading.get_ident() == main_thread:
                    counters["fg_writes"] += 1
                    counters["fg_s"] += dt
                else:
                    counters["bg_batches"] += 1
                    counters["bg_s"] += dt
                    counters["bg_entries"] += queued

    spec = all_writers()[0]
    Sink.write_pending = timed_write_pending  # type: ignore[method-assign]
    try:
        result = timed_run(spec, workload, root)
    finally:
        Sink.write_pending = original  # type: ignore[method-assign]

    # cProfile run: the caller's thread, and (a Profile enabled inside the background
    # thread's write_pending calls) the background thread.
    bg_profile = cProfile.Profile()
    bg_note = ""
    bg_failed: list[str] = []

    def profiled_write_pending(self: Any, from_background: bool = False) -> None:
        if threading.get_ident() == main_thread or bg_failed:
            return original(self, from_background)
        try:
            bg_profile.enable()
        except ValueError as exc:  # one profiler per process (Python >= 3.12)
            bg_failed.append(str(exc))
            return original(self, from_background)
        try:
            return original(self, from_background)
        finally:
            bg_profile.disable()

    caller_profile = cProfile.Profile()
    logdir = tempfile.mkdtemp(prefix="profile-", dir=root)
    Sink.write_pending = profiled_write_pending  # type: ignore[method-assign]
    try:
        gc.collect()
        caller_profile.enable()
        writer = spec.make(logdir)
        workload.drive(writer)
        writer.close()
        caller_profile.disable()
    finally:
        Sink.write_pending = original  # type: ignore[method-assign]
    log = h.read_scalar_log(logdir)
    h.check_scalars(log, workload.expected(), who="tfevents (profiled run)")
    shutil.rmtree(logdir, ignore_errors=True)
    caller_top = _top(pstats.Stats(caller_profile), top)
    try:
        background_top = _top(pstats.Stats(bg_profile), top)
    except TypeError:  # no data collected
        background_top = []
    if bg_failed:
        bg_note = f"background thread not profiled: {bg_failed[0]}"
    elif not background_top:
        bg_note = "the background thread wrote nothing during this run"

    return Profile(
        calls=workload.calls,
        total_s=result.total_s,
        loop_s=result.loop_s,
        close_s=result.close_s,
        background_batches=counters["bg_batches"],
        background_s=counters["bg_s"],
        background_entries=counters["bg_entries"],
        caller_writes=counters["fg_writes"],
        caller_write_s=counters["fg_s"],
        caller_top=caller_top,
        background_top=background_top,
        background_note=bg_note,
    )


# --- the benchmark -----------------------------------------------------------------------


@dataclass
class Report:
    argv: list[str]
    reps: int
    workloads: list[Workload]
    writers: list[WriterSpec]
    # results[workload.key][writer.key] -> one RunResult per repetition
    results: dict[str, dict[str, list[RunResult]]]
    machine: dict[str, str]
    load_before: str
    load_after: str
    profile: Profile | None
    wall_s: float


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5; 2 with --quick)")
    parser.add_argument("--calls", type=int, default=None, help="calls of workload (a) (default 200,000)")
    parser.add_argument("--tags", type=int, default=None, help="tags of workload (b) (default 50)")
    parser.add_argument("--steps", type=int, default=None, help="steps of workload (b) (default 5,000)")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--write-results", action="store_true", help="(re)write the results file")
    parser.add_argument("--results", default=RESULTS_PATH, help="the results file (default benchmarks/RESULTS.md)")
    parser.add_argument(
        "--writers", default="",
        help="comma-separated subset of: tfevents,tensorboardX,torch,tb_writer,noop",
    )
    parser.add_argument(
        "--loader", choices=("fast", "tensorboard"), default="fast",
        help="how files are read back: own CRC-checked reader (fast) or tensorboard's EventFileLoader",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the tfevents profile")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = parser.parse_args(list(argv) if argv is not None else None)
    quick = args.quick
    if args.reps is None:
        args.reps = 2 if quick else 5
    if args.calls is None:
        args.calls = 2_000 if quick else 200_000
    if args.tags is None:
        args.tags = 5 if quick else 50
    if args.steps is None:
        args.steps = 200 if quick else 5_000
    for name in ("reps", "calls", "tags", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> Report:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    writers = all_writers()
    if args.writers:
        wanted = [w.strip() for w in args.writers.split(",") if w.strip()]
        unknown = set(wanted) - {w.key for w in writers}
        if unknown:
            raise SystemExit(f"unknown writers: {sorted(unknown)}")
        writers = [w for w in writers if w.key in wanted]
    for spec in writers:
        if spec.key == "tensorboardX" and not spec.crc.startswith("crc32c C package"):
            raise h.BenchmarkError(
                "tensorboardX is not using the crc32c C package (pip install crc32c): "
                "its numbers would be unfairly slow"
            )
    workloads = make_workloads(args.calls, args.tags, args.steps)
    machine = h.machine_info()
    load_before = h.load_average()
    results: dict[str, dict[str, list[RunResult]]] = {
        w.key: {s.key: [] for s in writers} for w in workloads
    }
    started = time.perf_counter()
    root = tempfile.mkdtemp(prefix="tfevents-bench-", dir=args.tmpdir)
    try:
        # Warm-up (untimed, checked): imports and first-call costs stay out of the numbers.
        warm = Workload("warm-up", "warm-up", ("warmup/x", "warmup/y"), min(500, args.calls))
        for spec in writers:
            timed_run(spec, warm, root, loader=args.loader)
        for rep in range(args.reps):
            shift = rep % len(writers)
            order = writers[shift:] + writers[:shift]
            for workload in workloads:
                for spec in order:
                    r = timed_run(spec, workload, root, loader=args.loader)
                    results[workload.key][spec.key].append(r)
                    _log(
                        f"rep {rep + 1}/{args.reps} {workload.key} {spec.key:>12}: "
                        f"{r.total_s / workload.calls * 1e6:8.2f} us/call "
                        f"(loop {r.loop_s:.3f} s, close {r.close_s * 1e3:.1f} ms, {r.events} events)"
                    )
        profile = None
        if not args.no_profile and any(s.key == "tfevents" for s in writers):
            _log("profiling tfevents on workload (a) ...")
            profile = profile_tfevents(workloads[0], root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Report(
        argv=args.argv,
        reps=args.reps,
        workloads=workloads,
        writers=writers,
        results=results,
        machine=machine,
        load_before=load_before,
        load_after=h.load_average(),
        profile=profile,
        wall_s=time.perf_counter() - started,
    )


# --- the report ----------------------------------------------------------------------------


def _per_call_us(runs: list[RunResult], attr: str, calls: int) -> h.Summary:
    return h.Summary.of([getattr(r, attr) / calls * 1e6 for r in runs])


def workload_table(report: Report, workload: Workload) -> tuple[str, str]:
    runs = report.results[workload.key]
    medians = {k: _per_call_us(v, "total_s", workload.calls).median for k, v in runs.items()}
    base = medians.get("tfevents")
    rows = []
    for spec in report.writers:
        rs = runs[spec.key]
        total = _per_call_us(rs, "total_s", workload.calls)
        loop = _per_call_us(rs, "loop_s", workload.calls)
        close_ms = h.Summary.of([r.close_s * 1e3 for r in rs]).median
        if spec.writes_files:
            events = rs[-1].events
            per_event = f"{rs[-1].bytes_on_disk / events:.1f}"
            record = f"{int(np.median(rs[-1].record_sizes))}" if rs[-1].record_sizes else "n/a"
            checked = f"{events:,} x {len(rs)}"
        else:
            per_event = record = checked = "—"
        ratio = f"{total.median / base:.1f}x" if base else "—"
        rows.append([
            spec.label,
            h.fmt_num(total.median),
            f"{h.fmt_num(total.low)}–{h.fmt_num(total.high)}",
            f"{h.fmt_num(total.q1)}–{h.fmt_num(total.q3)}",
            h.fmt_num(loop.median),
            h.fmt_num(close_ms),
            ratio,
            per_event,
            record,
            checked,
        ])
    table = h.markdown_table(
        [
            "writer", "median µs/call", "min–max", "IQR", "caller loop µs/call",
            "close() ms", "÷ tfevents", "bytes/event on disk", "record bytes", "events checked",
        ],
        rows,
        align="lrrrrrrrrr",
    )
    peers = {k: v for k, v in medians.items() if k not in ("tfevents", "noop")}
    if base and peers:
        best = min(peers, key=peers.__getitem__)
        best_label = next(s.label for s in report.writers if s.key == best)
        summary = (
            f"tfevents' speedup vs the best peer ({best_label}, {h.fmt_num(peers[best])} µs/call): "
            f"**{peers[best] / base:.1f}x**."
        )
    else:
        summary = ""
    return table, summary


def profile_section(p: Profile) -> str:
    per_call = p.loop_s / p.calls * 1e6
    mean_batch = p.background_entries / p.background_batches if p.background_batches else 0.0
    lines = [
        f"Measured on this run, from one extra (untimed) tfevents run of workload (a) with "
        f"{p.calls:,} calls, instrumented with clocks, and one more under cProfile (whose "
        f"overhead inflates its own figures). Of {p.total_s * 1e3:.0f} ms from constructor to "
        f"closed file, {p.loop_s * 1e3:.0f} ms ({p.loop_s / p.total_s:.0%}) were the caller's "
        f"add_scalar loop, {per_call:.2f} µs per call including the loop itself (the no-op "
        f"row above is that floor), and {p.close_s * 1e3:.0f} ms ({p.close_s / p.total_s:.0%}) "
        f"were close(), which encodes and writes whatever the background thread had not yet "
        f"taken ({p.caller_writes} write_pending call(s) on the caller's thread, "
        f"{p.caller_write_s * 1e3:.0f} ms). Meanwhile the shared background thread ran "
        f"write_pending {p.background_batches} times, {mean_batch:,.0f} events per batch on "
        f"average, {p.background_s * 1e3:.0f} ms in all; it shares the GIL with the caller, so "
        f"its Python-level work (draining the deque, zip, building arrays) slows the loop, "
        f"while numpy's inner loops and the write() can overlap it on the second core."
    ]
    if p.caller_top:
        names = ", ".join(f"`{r[0]}` {r[2] * 1e3:.0f} ms" for r in p.caller_top[:4])
        lines.append(f" Top own time on the caller's thread (cProfile): {names}.")
    if p.background_top:
        names = ", ".join(f"`{r[0]}` {r[2] * 1e3:.0f} ms" for r in p.background_top[:4])
        lines.append(f" On the background thread: {names}.")
    if p.background_note:
        lines.append(f" ({p.background_note}.)")
    text = "".join(lines) + "\n"

    def block(title: str, rows: list[tuple[str, int, float, float]]) -> str:
        out = [f"{title}", "", "```", f"{'ncalls':>9} {'tottime ms':>11} {'cumtime ms':>11}  function"]
        out += [f"{n:>9} {tt * 1e3:>11.1f} {ct * 1e3:>11.1f}  {name}" for name, n, tt, ct in rows]
        out.append("```")
        return "\n".join(out)

    text += "\n" + block("cProfile, caller's thread (constructor, add_scalar loop, close), by own time:", p.caller_top)
    if p.background_top:
        text += "\n\n" + block("cProfile, background thread (write_pending calls), by own time:", p.background_top)
    return text + "\n"


def render(report: Report, script: str = __file__) -> str:
    m = report.machine
    command = h.reproduce_command(report.argv, script)
    out = [
        "# add_scalar benchmark",
        "",
        "Generated by `benchmarks/bench_scalars.py`; do not edit by hand. Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        f"- Date: {m['date']}; the whole run took {report.wall_s:.0f} s.",
        f"- Machine: {m['cpu']}, {m['cores']}; {m['os']}. Load average (1/5/15 min) "
        f"{report.load_before} at the start, {report.load_after} at the end: a shared machine, "
        "so absolute numbers are noisy; ratios from the same run are the thing to read.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']}, tensorboardX {m['tensorboardX']}, "
        f"crc32c {m['crc32c']}, torch {m['torch']}, tensorboard {m['tensorboard']}, protobuf {m['protobuf']}.",
        "- CRC32C used by each writer: "
        + "; ".join(f"{s.label}: {s.crc}" for s in report.writers if s.crc)
        + ".",
        f"- Method: {report.reps} repetitions; in each, every writer runs every workload once, "
        "in round-robin order (repetition r starts with writer r mod k) in one process, "
        "after one untimed warm-up run per writer. Time is from the writer's constructor to the "
        "end of `close()`, so every event is on disk; each run writes into a fresh temporary "
        "directory. Default constructor arguments for every writer; a Python float value and "
        "an int step per call. After the clock stops, every event file is read back (every "
        "TFRecord's CRC checked, every event parsed) and the run fails unless each tag holds "
        "exactly the logged steps and values in call order.",
        "- Columns: *median µs/call* is the whole run (constructor + calls + close) divided by "
        "the number of calls; *min–max* and *IQR* are over the repetitions; *caller loop* is the "
        "constructor plus the calls, without close(); *÷ tfevents* is the writer's median over "
        "tfevents'; *bytes/event* is the files' total size over the number of scalar events; "
        "*record bytes* is the median TFRecord size, framing included.",
        "",
    ]
    for workload in report.workloads:
        table, summary = workload_table(report, workload)
        out += [f"## {workload.title}", "", table, ""]
        if summary:
            out += [summary, ""]
    if report.profile is not None:
        out += ["## Where tfevents' time goes (measured on this run)", "", profile_section(report.profile)]
    out += ["## Raw samples (µs per call, whole run, in repetition order)", ""]
    for workload in report.workloads:
        out.append(f"- {workload.title}:")
        for spec in report.writers:
            samples = ", ".join(
                h.fmt_num(r.total_s / workload.calls * 1e6) for r in report.results[workload.key][spec.key]
            )
            out.append(f"  - {spec.label}: {samples}")
    out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = render(report)
    print(text)
    if args.write_results:
        with open(args.results, "w", encoding="utf-8") as f:
            f.write(text)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
