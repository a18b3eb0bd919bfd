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
      runs: for each step, every tag once;
  (c) the same loop paced like training: ``--paced-steps`` steps (default 200), each
      starting with a ``--pause-ms`` time.sleep (default 3 ms; the GIL is free, as while
      waiting on an accelerator). Reported as overhead over the no-op writer's run of the
      same repetition, in wall time and in CPU time of all the process's threads: back to
      back calls (a, b) let a batching writer amortise its per-batch costs, a paced loop
      does not.

  (d) the batch call ``add_scalar_array(tag, values, global_steps)`` with ``--array-sizes``
      values (default 200,000 and 1,000,000; value i * 0.5 at step i, as in (a)), constructor
      to closed file, against the buffered-write floor: a Python loop doing ``f.write`` of a
      40-byte record into a buffered file, open to close. Reported in events per second.

A no-op ``add_scalar`` is timed in the same rotation as the floor that the Python loop
itself costs. With ``--write-results`` the report (tables, machine, versions, and a
profile of where tfevents' time goes) is written to benchmarks/results/scalars.md;
``benchmarks/run_all.py`` runs this with every other benchmark and writes
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
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

import _harness as h

# benchmarks/RESULTS.md is run_all.py's; this script alone writes its own part here.
RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "scalars.md")


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
            crc="vectorised numpy for batches of scalars, the crc32c C package (when installed) for single records; the background thread writes, or the caller once it is 65,536 events behind",
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
    # > 0: a paced training loop, time.sleep(pause_s) before each step's calls.
    pause_s: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.tags) * self.steps

    @property
    def paced(self) -> bool:
        return self.pause_s > 0

    def drive(self, writer: Any) -> None:
        add = writer.add_scalar
        if len(self.tags) == 1 and not self.paced:
            tag = self.tags[0]
            for i in range(self.steps):
                add(tag, i * 0.5, i)
        elif not self.paced:
            indexed = list(enumerate(self.tags))
            for step in range(self.steps):
                base = step * 0.25
                for k, tag in indexed:
                    add(tag, base + k, step)
        else:
            indexed = list(enumerate(self.tags))
            pause, sleep = self.pause_s, time.sleep
            for step in range(self.steps):
                sleep(pause)
                base = step * 0.25
                for k, tag in indexed:
                    add(tag, base + k, step)

    def expected(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        steps = np.arange(self.steps, dtype=np.int64)
        if len(self.tags) == 1 and not self.paced:
            return {self.tags[0]: (steps, steps * 0.5)}
        return {tag: (steps, steps * 0.25 + k) for k, tag in enumerate(self.tags)}


def make_workloads(
    calls: int, tags: int, steps: int, paced_steps: int = 0, pause_ms: float = 3.0
) -> list[Workload]:
    tag_names = tuple(f"metrics/m{k:02d}" for k in range(tags))
    workloads = [
        Workload("a", f"(a) {calls:,} add_scalar calls, one tag", ("train/loss",), calls),
        Workload("b", f"(b) {tags} tags x {steps:,} steps = {tags * steps:,} calls", tag_names, steps),
    ]
    if paced_steps > 0:
        workloads.append(
            Workload(
                "c",
                f"(c) paced training loop: {paced_steps:,} steps, each a {pause_ms:g} ms "
                f"time.sleep (the GIL released, as while waiting on an accelerator) "
                f"then {tags} add_scalar calls",
                tag_names, paced_steps, pause_s=pause_ms / 1e3,
            )
        )
    return workloads


# --- one timed run -----------------------------------------------------------------------


@dataclass
class RunResult:
    total_s: float
    loop_s: float
    close_s: float
    cpu_s: float  # process CPU time, all threads, constructor to closed file
    events: int = 0
    bytes_on_disk: int = 0
    record_sizes: list[int] = field(default_factory=list)
    files: int = 0


def timed_run(spec: WriterSpec, workload: Workload, root: str, loader: str = "fast") -> RunResult:
    """Constructor + calls + close(), timed; then the files are read back and checked."""
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{workload.key}-", dir=root)
    gc.collect()
    wall_start = time.time()
    c0 = time.process_time()
    t0 = time.perf_counter()
    writer = spec.make(logdir)
    workload.drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2 = time.perf_counter()
    c1 = time.process_time()
    wall_end = time.time()
    del writer
    result = RunResult(total_s=t2 - t0, loop_s=t1 - t0, close_s=t2 - t1, cpu_s=c1 - c0)
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
    workload: str
    calls: int
    paused_s: float
    loop_s: float
    loop_cpu_s: float
    close_s: float
    close_cpu_s: float
    background_batches: int
    background_entries: int
    background_s: float
    background_cpu_s: float
    caller_writes: int
    caller_write_s: float
    caller_write_cpu_s: float
    caller_top: list[tuple[str, int, float, float]]
    background_top: list[tuple[str, int, float, float]]
    background_note: str

    @property
    def total_s(self) -> float:
        return self.loop_s + self.close_s


def _top(profile: Any, n: int) -> list[tuple[str, int, float, float]]:
    """Top ``n`` rows by own time of one profile or a list of them (merged)."""
    return h.top_functions(profile, n)


def profile_tfevents(workload: Workload, root: str, top: int = 10) -> Profile:
    """Two untimed tfevents runs of ``workload``.

    1. Clocks only: wall and thread-CPU time of the caller's loop and of close(), and of
       every ``Sink.write_pending`` call, split by thread (caller or background).
    2. cProfile, timed by each thread's CPU clock (so time a thread spends waiting for the
       GIL or a lock is not charged to whatever it was running): one profiler on the
       caller's thread, one switched on inside the background thread's write_pending.
    Both runs' files are read back and checked like the timed runs'.
    """
    from tfevents.sinks.base import Sink

    spec = next(s for s in all_writers() if s.key == "tfevents")
    original = Sink.write_pending
    main_thread = threading.get_ident()
    lock = threading.Lock()
    counts = {"bg_n": 0, "bg_entries": 0, "bg_s": 0.0, "bg_cpu": 0.0, "fg_n": 0, "fg_s": 0.0, "fg_cpu": 0.0}

    def clocked_write_pending(self: Any, from_background: bool = False) -> None:
        queued = len(self.queue)
        t, c = time.perf_counter(), time.thread_time()
        try:
            original(self, from_background)
        finally:
            dt, dc = time.perf_counter() - t, time.thread_time() - c
            side = "fg" if threading.get_ident() == main_thread else "bg"
            with lock:
                counts[f"{side}_n"] += 1
                counts[f"{side}_s"] += dt
                counts[f"{side}_cpu"] += dc
                if side == "bg":
                    counts["bg_entries"] += queued

    def checked(logdir: str, who: str, wall: tuple[float, float] | None = None) -> None:
        log = h.read_scalar_log(logdir)
        h.check_scalars(log, workload.expected(), who=who, wall_time_range=wall)
        shutil.rmtree(logdir, ignore_errors=True)

    # 1. clocks
    logdir = tempfile.mkdtemp(prefix="clocked-", dir=root)
    Sink.write_pending = clocked_write_pending  # type: ignore[method-assign]
    try:
        gc.collect()
        w0 = time.time()
        t0, c0 = time.perf_counter(), time.thread_time()
        writer = spec.make(logdir)
        workload.drive(writer)
        t1, c1 = time.perf_counter(), time.thread_time()
        writer.close()
        t2, c2 = time.perf_counter(), time.thread_time()
        w1 = time.time()
    finally:
        Sink.write_pending = original  # type: ignore[method-assign]
    del writer
    checked(logdir, "tfevents (clocked run)", (w0 - 1.0, w1 + 1.0))

    # 2. cProfile on both threads, by thread CPU time
    caller_profile = cProfile.Profile(time.thread_time)
    # one profiler per background call, merged afterwards: a profiler shared by calls that
    # overlap mixes their clocks and call stacks
    bg_profiles: list[cProfile.Profile] = []
    bg_failed: list[str] = []

    def profiled_write_pending(self: Any, from_background: bool = False) -> None:
        if threading.get_ident() == main_thread or bg_failed:
            return original(self, from_background)
        try:
            bg_profile = cProfile.Profile(time.thread_time)
            bg_profile.enable()
        except ValueError as exc:  # Python >= 3.12 allows one profiler per process
            bg_failed.append(str(exc))
            return original(self, from_background)
        try:
            return original(self, from_background)
        finally:
            bg_profile.disable()
            bg_profiles.append(bg_profile)

    logdir = tempfile.mkdtemp(prefix="profiled-", dir=root)
    Sink.write_pending = profiled_write_pending  # type: ignore[method-assign]
    try:
        gc.collect()
        caller_profile.enable()
        try:
            writer = spec.make(logdir)
            workload.drive(writer)
            writer.close()
        finally:
            caller_profile.disable()
    finally:
        Sink.write_pending = original  # type: ignore[method-assign]
    del writer
    checked(logdir, "tfevents (profiled run)")
    background_top = _top(bg_profiles, top) if bg_profiles else []
    if bg_failed:
        note = f"the background thread could not be profiled: {bg_failed[0]}"
    elif not background_top:
        note = "the background thread wrote nothing during the profiled run"
    else:
        note = ""
    return Profile(
        workload=workload.title,
        calls=workload.calls,
        paused_s=workload.pause_s * workload.steps,
        loop_s=t1 - t0,
        loop_cpu_s=c1 - c0,
        close_s=t2 - t1,
        close_cpu_s=c2 - c1,
        background_batches=counts["bg_n"],
        background_entries=counts["bg_entries"],
        background_s=counts["bg_s"],
        background_cpu_s=counts["bg_cpu"],
        caller_writes=counts["fg_n"],
        caller_write_s=counts["fg_s"],
        caller_write_cpu_s=counts["fg_cpu"],
        caller_top=_top(caller_profile, top),
        background_top=background_top,
        background_note=note,
    )


# --- (d) the batch call: add_scalar_array against the buffered-write floor -----------------

ARRAY_TAG = "train/loss"
FLOOR_RECORD = bytes(range(40))  # a 40-byte record, a little smaller than a scalar event's 50


@dataclass(frozen=True)
class ArrayEntrant:
    key: str
    label: str


ARRAY_ENTRANTS = (
    ArrayEntrant("tfevents", "tfevents add_scalar_array (one call)"),
    ArrayEntrant(
        "floor", "floor: Python loop of f.write(40-byte record) into a buffered file, open to close"
    ),
)


def array_inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The values and steps of workload (a): value i * 0.5 at step i."""
    steps = np.arange(n, dtype=np.int64)
    return steps * 0.5, steps


def array_timed_run(entrant: ArrayEntrant, n: int, root: str) -> RunResult:
    """tfevents: constructor + one add_scalar_array call + close(), then every event read
    back and checked. floor: open, n f.write calls of a 40-byte record, close; the file's
    size is checked."""
    logdir = tempfile.mkdtemp(prefix=f"array-{entrant.key}-", dir=root)
    values, steps = array_inputs(n)
    gc.collect()
    wall_start = time.time()
    c0, t0 = time.process_time(), time.perf_counter()
    if entrant.key == "tfevents":
        import tfevents

        writer = tfevents.SummaryWriter(logdir)
        writer.add_scalar_array(ARRAY_TAG, values, steps)
        t1 = time.perf_counter()
        writer.close()
    else:
        path = os.path.join(logdir, "floor.bin")
        record = FLOOR_RECORD
        with open(path, "wb") as f:
            write = f.write
            for _ in range(n):
                write(record)
            t1 = time.perf_counter()
    t2, c1 = time.perf_counter(), time.process_time()
    wall_end = time.time()
    result = RunResult(total_s=t2 - t0, loop_s=t1 - t0, close_s=t2 - t1, cpu_s=c1 - c0, events=n)
    if entrant.key == "tfevents":
        log = h.read_scalar_log(logdir)
        h.check_scalars(
            log, {ARRAY_TAG: (steps, values)}, who=entrant.label,
            wall_time_range=(wall_start - 1.0, wall_end + 1.0),
        )
        result.bytes_on_disk, result.files = log.bytes_on_disk, len(log.files)
        result.record_sizes = log.record_sizes
    else:
        size = os.path.getsize(path)
        if size != n * len(FLOOR_RECORD):
            raise h.BenchmarkError(f"floor wrote {size} bytes, expected {n * len(FLOOR_RECORD)}")
        result.bytes_on_disk, result.files = size, 1
    shutil.rmtree(logdir, ignore_errors=True)
    return result


def profile_array(n: int, root: str) -> h.RunProfile:
    import tfevents

    values, steps = array_inputs(n)
    logdir = tempfile.mkdtemp(prefix="array-profiled-", dir=root)

    def body() -> None:
        writer = tfevents.SummaryWriter(logdir)
        writer.add_scalar_array(ARRAY_TAG, values, steps)
        writer.close()

    gc.collect()
    profile = h.profile_tfevents_run(body)
    h.check_scalars(h.read_scalar_log(logdir), {ARRAY_TAG: (steps, values)}, who="tfevents (profiled)")
    shutil.rmtree(logdir, ignore_errors=True)
    return profile


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
    profiles: list[Profile]
    wall_s: float
    # (d): array_results[n][entrant key] -> one RunResult per repetition
    array_results: dict[int, dict[str, list[RunResult]]] = field(default_factory=dict)
    array_profiles: dict[int, h.RunProfile] = field(default_factory=dict)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5; 2 with --quick)")
    parser.add_argument("--calls", type=int, default=None, help="calls of workload (a) (default 200,000)")
    parser.add_argument("--tags", type=int, default=None, help="tags of workloads (b) and (c) (default 50)")
    parser.add_argument("--steps", type=int, default=None, help="steps of workload (b) (default 5,000)")
    parser.add_argument(
        "--paced-steps", type=int, default=None,
        help="steps of the paced workload (c) (default 200; 0 leaves it out)",
    )
    parser.add_argument(
        "--pause-ms", type=float, default=3.0, help="sleep before each step of workload (c) (default 3)"
    )
    parser.add_argument(
        "--array-sizes", default=None,
        help="values per add_scalar_array call in workload (d), comma-separated "
        "(default 200000,1000000; 2000 with --quick; 0 leaves it out)",
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--write-results", action="store_true", help="(re)write the results file")
    parser.add_argument("--results", default=RESULTS_PATH, help="the results file (default benchmarks/results/scalars.md)")
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
    if args.paced_steps is None:
        args.paced_steps = 20 if quick else 200
    if args.array_sizes is None:
        args.array_sizes = "2000" if quick else "200000,1000000"
    try:
        args.array_counts = [int(x) for x in args.array_sizes.split(",") if x.strip() and int(x) > 0]
    except ValueError:
        parser.error("--array-sizes must be comma-separated integers")
    for name in ("reps", "calls", "tags", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.paced_steps < 0 or not args.pause_ms > 0:
        parser.error("--paced-steps must be >= 0 and --pause-ms > 0")
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
    workloads = make_workloads(args.calls, args.tags, args.steps, args.paced_steps, args.pause_ms)
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
        machine = h.machine_info()  # after the imports: the source state that runs
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
        profiles = []
        if not args.no_profile and any(s.key == "tfevents" for s in writers):
            for workload in workloads:
                _log(f"profiling tfevents on workload ({workload.key}) ...")
                profiles.append(profile_tfevents(workload, root))
        array_results: dict[int, dict[str, list[RunResult]]] = {}
        array_profiles: dict[int, h.RunProfile] = {}
        if any(s.key == "tfevents" for s in writers):
            for n in args.array_counts:
                for entrant in ARRAY_ENTRANTS:  # warm-up, untimed, checked
                    array_timed_run(entrant, min(n, 1000), root)
                runs: dict[str, list[RunResult]] = {e.key: [] for e in ARRAY_ENTRANTS}
                for rep, order in h.rotations(ARRAY_ENTRANTS, args.reps):
                    for entrant in order:
                        r = array_timed_run(entrant, n, root)  # type: ignore[arg-type]
                        runs[entrant.key].append(r)  # type: ignore[attr-defined]
                        _log(
                            f"rep {rep + 1}/{args.reps} d {n:>9,} {entrant.key:>9}: "  # type: ignore[attr-defined]
                            f"{n / r.total_s / 1e6:6.2f} M events/s (close {r.close_s * 1e3:.1f} ms)"
                        )
                array_results[n] = runs
                if not args.no_profile:
                    _log(f"profiling tfevents add_scalar_array of {n:,} values ...")
                    array_profiles[n] = profile_array(n, root)
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
        profiles=profiles,
        wall_s=time.perf_counter() - started,
        array_results=array_results,
        array_profiles=array_profiles,
    )


# --- the report ----------------------------------------------------------------------------


def _per_call_us(runs: list[RunResult], attr: str, calls: int) -> h.Summary:
    return h.Summary.of([getattr(r, attr) / calls * 1e6 for r in runs])


def _overhead_us(runs: list[RunResult], floor: list[RunResult], attr: str, calls: int) -> h.Summary:
    """Per repetition: this writer's run minus the same repetition's no-op run, per call."""
    return h.Summary.of([(getattr(r, attr) - getattr(f, attr)) / calls * 1e6 for r, f in zip(runs, floor)])


def _file_columns(spec: WriterSpec, runs: list[RunResult]) -> list[str]:
    if not spec.writes_files:
        return ["—", "—", "—"]
    last = runs[-1]
    record = f"{int(np.median(last.record_sizes))}" if last.record_sizes else "n/a"
    return [f"{last.bytes_on_disk / last.events:.1f}", record, f"{last.events:,} x {len(runs)}"]


def _speedup_line(report: Report, medians: dict[str, float], what: str) -> str:
    base = medians.get("tfevents")
    peers = {k: v for k, v in medians.items() if k not in ("tfevents", "noop")}
    if not base or not peers:
        return ""
    best = min(peers, key=peers.__getitem__)
    best_label = next(s.label for s in report.writers if s.key == best)
    return (
        f"tfevents' speedup vs the best peer ({best_label}, {h.fmt_num(peers[best])} µs/call {what}): "
        f"**{peers[best] / base:.1f}x**."
    )


def workload_table(report: Report, workload: Workload) -> tuple[str, str]:
    if workload.paced:
        return _paced_table(report, workload)
    runs = report.results[workload.key]
    calls = workload.calls
    medians = {k: _per_call_us(v, "total_s", calls).median for k, v in runs.items()}
    base = medians.get("tfevents")
    rows = []
    for spec in report.writers:
        rs = runs[spec.key]
        total = _per_call_us(rs, "total_s", calls)
        loop = _per_call_us(rs, "loop_s", calls)
        cpu = _per_call_us(rs, "cpu_s", calls)
        close_ms = h.Summary.of([r.close_s * 1e3 for r in rs]).median
        ratio = f"{total.median / base:.1f}x" if base and spec.key != "noop" else "—"
        rows.append([
            spec.label,
            h.fmt_num(total.median),
            f"{h.fmt_num(total.low)}–{h.fmt_num(total.high)}",
            f"{h.fmt_num(total.q1)}–{h.fmt_num(total.q3)}",
            h.fmt_num(loop.median),
            h.fmt_num(close_ms),
            h.fmt_num(cpu.median),
            ratio,
            *_file_columns(spec, rs),
        ])
    table = h.markdown_table(
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
        close_ms = h.Summary.of([r.close_s * 1e3 for r in rs]).median
        if spec.key == "noop" or floor is None:
            total = h.Summary.of([r.total_s / workload.steps * 1e3 for r in rs])
            rows.append([
                spec.label, f"({h.fmt_num(total.median)} ms per step, sleep included)",
                f"{h.fmt_num(total.low)}–{h.fmt_num(total.high)} ms", "—", "—",
                h.fmt_num(close_ms), "—", *_file_columns(spec, rs),
            ])
            continue
        wall = _overhead_us(rs, floor, "total_s", calls)
        cpu = _overhead_us(rs, floor, "cpu_s", calls)
        medians[spec.key], cpu_medians[spec.key] = wall.median, cpu.median
        rows.append([spec.label, h.fmt_num(wall.median), f"{h.fmt_num(wall.low)}–{h.fmt_num(wall.high)}",
                     h.fmt_num(cpu.median), f"{h.fmt_num(cpu.low)}–{h.fmt_num(cpu.high)}",
                     h.fmt_num(close_ms), "", *_file_columns(spec, rs)])
    base, cpu_base = medians.get("tfevents"), cpu_medians.get("tfevents")
    for row, spec in zip(rows, report.writers):
        if spec.key in medians and base and cpu_base:
            row[6] = f"{medians[spec.key] / base:.1f}x / {cpu_medians[spec.key] / cpu_base:.1f}x"
        elif row[6] == "":
            row[6] = "—"
    table = h.markdown_table(
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


def profile_section(p: Profile) -> str:
    us = lambda seconds: seconds / p.calls * 1e6  # noqa: E731  (µs per call)
    mean_batch = p.background_entries / p.background_batches if p.background_batches else 0.0
    encode_cpu = p.background_cpu_s + p.caller_write_cpu_s
    waited = max(0.0, p.close_s - p.close_cpu_s)
    slept = f", {p.paused_s * 1e3:.0f} ms of it asleep in the loop's pauses" if p.paused_s else ""
    text = (
        "Measured on this run: one extra, untimed tfevents run of this workload with clocks, "
        "and one under cProfile timed by each thread's CPU clock (its overhead inflates its "
        "own figures, most of all those of functions called once per add_scalar). "
        f"Constructor to closed file took {p.total_s * 1e3:.0f} ms. The caller's loop "
        f"(constructor and {p.calls:,} add_scalar calls) took {p.loop_s * 1e3:.0f} ms{slept}, "
        f"and {p.loop_cpu_s * 1e3:.0f} ms of CPU on the caller's thread, "
        f"{us(p.loop_cpu_s):.2f} µs per call (the no-op rows above are the bare Python loop). "
        f"close() took {p.close_s * 1e3:.0f} ms, {p.close_cpu_s * 1e3:.0f} ms of it on the CPU "
        f"({p.caller_writes} write_pending call(s) on the caller's thread) and ~{waited * 1e3:.0f} ms "
        f"waiting for the background thread's batch in progress. "
        f"The shared background thread ran write_pending {p.background_batches} time(s), "
        f"{mean_batch:,.0f} events per batch on average, for {p.background_s * 1e3:.0f} ms of wall "
        f"time and {p.background_cpu_s * 1e3:.0f} ms of CPU. Encoding and writing thus cost "
        f"{us(encode_cpu):.2f} µs of CPU per event, against {us(p.loop_cpu_s):.2f} µs per call on "
        f"the caller's thread. "
    )
    if p.paused_s:
        text += (
            "Paced like this, each batch holds what was logged since the background thread's "
            "last wake (at 1,000 pending events or every flush_secs), so the encoder's fixed "
            "costs per batch and per (tag, step width) group weigh on the CPU per event; it "
            "shares the GIL with the caller."
        )
    elif encode_cpu > p.loop_cpu_s:
        text += (
            "Calling add_scalar as fast as Python can, the batch encoder's throughput, not "
            "add_scalar, sets the constructor-to-close time: the caller finishes its loop and "
            "then waits in close() for the encoding."
        )
    else:
        text += "The caller's own add_scalar calls are the larger share."

    def names(rows: list[tuple[str, int, float, float]]) -> str:
        return ", ".join(f"`{r[0]}` {r[2] * 1e3:.0f} ms" for r in rows[:4])

    if p.caller_top:
        text += f" Top CPU by own time on the caller's thread (cProfile): {names(p.caller_top)}."
    if p.background_top:
        text += f" On the background thread: {names(p.background_top)}."
    if p.background_note:
        text += f" ({p.background_note}.)"
    text += "\n"

    def block(title: str, rows: list[tuple[str, int, float, float]]) -> str:
        out = [title, "", "```", f"{'ncalls':>9} {'tottime ms':>11} {'cumtime ms':>11}  function"]
        out += [f"{n:>9} {tt * 1e3:>11.1f} {ct * 1e3:>11.1f}  {name}" for name, n, tt, ct in rows]
        out.append("```")
        return "\n".join(out)

    text += "\n" + block(
        "cProfile (thread CPU time), caller's thread: constructor, add_scalar loop, close():",
        p.caller_top,
    )
    if p.background_top:
        text += "\n\n" + block(
            "cProfile (thread CPU time), background thread: its write_pending calls:",
            p.background_top,
        )
    return text + "\n"


def render(report: Report, script: str = __file__) -> str:
    m = report.machine
    command = h.reproduce_command(report.argv, script)
    out = [
        "# add_scalar benchmark",
        "",
        "Generated by `benchmarks/bench_scalars.py` (part of `benchmarks/run_all.py`); do not edit by hand. Reproduce with:",
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
        f"- tfevents source: {m['source']}.",
        method_notes(report),
        "",
    ]
    out.append(render_body(report))
    return "\n".join(out)


def method_notes(report: Report) -> str:
    """The method and column bullets of the scalar report."""
    out = [
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
        "exactly the logged steps and values in call order. Workload (c) sleeps before each "
        "step and is reported as the overhead over the no-op writer's run of the same repetition.",
        "- Columns: *median µs/call* is the whole run (constructor + calls + close) divided by "
        "the number of calls; *min–max* and *IQR* are over the repetitions; *caller loop* is the "
        "constructor plus the calls, without close(); *÷ tfevents* is the writer's median over "
        "tfevents'; *bytes/event* is the files' total size over the number of scalar events; "
        "*record bytes* is the median TFRecord size, framing included; *CPU µs/call* is the "
        "process's CPU time (all threads: the caller's and any background writer's) over the calls.",
    ]
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


def render_profiles(report: Report, heading: str = "###") -> str:
    out: list[str] = []
    for profile in report.profiles:
        out += [f"{heading} {profile.workload}", "", profile_section(profile)]
    for n, p in report.array_profiles.items():
        out += [
            f"{heading} (d) add_scalar_array, {n:,} values in one call",
            "",
            f"One extra untimed run under cProfile (thread CPU time): {p.wall_s * 1e3:.0f} ms wall, "
            f"{p.caller_cpu_s * 1e3:.0f} ms of CPU on the caller's thread.",
            "",
            h.profile_block("Caller's thread (constructor, the call, close), top by own time:", p.caller_top),
            "",
        ]
        if p.background_top:
            out += [h.profile_block("Background thread (its write_pending calls):", p.background_top[:8]), ""]
        if p.note:
            out += [f"({p.note}.)", ""]
    return "\n".join(out)


def render_raw(report: Report) -> str:
    out: list[str] = []
    for workload in report.workloads:
        runs = report.results[workload.key]
        floor = runs.get("noop")
        paced = workload.paced and floor is not None
        out.append(f"- {workload.title}" + (" (wall overhead over the same repetition's no-op run):" if paced else ":"))
        for spec in report.writers:
            if paced and spec.key == "noop":
                continue
            if paced:
                values = [(r.total_s - f.total_s) / workload.calls * 1e6 for r, f in zip(runs[spec.key], floor)]
            else:
                values = [r.total_s / workload.calls * 1e6 for r in runs[spec.key]]
            out.append(f"  - {spec.label}: " + ", ".join(h.fmt_num(v) for v in values))
    for n, runs in report.array_results.items():
        out.append(f"- (d) add_scalar_array, {n:,} values (M events/s):")
        for entrant in ARRAY_ENTRANTS:
            out.append(
                f"  - {entrant.label}: " + ", ".join(f"{n / r.total_s / 1e6:.2f}" for r in runs[entrant.key])
            )
    out.append("")
    return "\n".join(out)


def render_body(report: Report) -> str:
    out = [render_tables(report)]
    if report.profiles or report.array_profiles:
        out += ["## Where tfevents' time goes (measured on this run)", "", render_profiles(report)]
    out += ["## Raw samples (µs per call, constructor to closed file, in repetition order)", "", render_raw(report)]
    return "\n".join(out)


# --- verdicts against the targets ------------------------------------------------------

SCALAR_TARGETS = {"a": 50.0, "b": 50.0}  # x the best peer, constructor to closed file
ARRAY_TARGET_EVENTS_PER_S = 5e6
ARRAY_TARGET_FLOOR_RATIO = 3.0  # at most this many times the buffered-write floor's time


@dataclass
class ScalarVerdict:
    key: str
    title: str
    tfevents_us: float
    best_peer: str
    best_peer_us: float
    target: float

    @property
    def ratio(self) -> float:
        return self.best_peer_us / self.tfevents_us

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def scalar_verdicts(report: Report) -> list[ScalarVerdict]:
    out = []
    for workload in report.workloads:
        if workload.key not in SCALAR_TARGETS:
            continue
        runs = report.results[workload.key]
        if "tfevents" not in runs:
            continue
        medians = {k: _per_call_us(v, "total_s", workload.calls).median for k, v in runs.items() if k != "noop"}
        best = h.best_peer(medians)
        if best is None:
            continue
        label = next(s.label for s in report.writers if s.key == best[0])
        out.append(ScalarVerdict(
            workload.key, workload.title, medians["tfevents"], label, best[1], SCALAR_TARGETS[workload.key]
        ))
    return out


@dataclass
class ArrayVerdict:
    n: int
    events_per_s: float
    floor_events_per_s: float
    best_peer: str  # from workload (a), per add_scalar call
    best_peer_us: float

    @property
    def floor_ratio(self) -> float:
        """tfevents' time over the floor's (target: at most ARRAY_TARGET_FLOOR_RATIO)."""
        return self.floor_events_per_s / self.events_per_s

    @property
    def peer_ratio(self) -> float:
        return self.best_peer_us * self.events_per_s / 1e6 if self.best_peer_us == self.best_peer_us else float("nan")

    @property
    def met(self) -> bool:
        return self.events_per_s >= ARRAY_TARGET_EVENTS_PER_S and self.floor_ratio <= ARRAY_TARGET_FLOOR_RATIO


def array_verdicts(report: Report) -> list[ArrayVerdict]:
    peer_label, peer_us = "", float("nan")
    a = next((w for w in report.workloads if w.key == "a"), None)
    if a is not None:
        medians = {k: _per_call_us(v, "total_s", a.calls).median for k, v in report.results["a"].items()}
        best = h.best_peer(medians, exclude=("tfevents", "noop"))
        if best is not None:
            peer_label = next(s.label for s in report.writers if s.key == best[0])
            peer_us = best[1]
    out = []
    for n, runs in report.array_results.items():
        eps = h.Summary.of([n / r.total_s for r in runs["tfevents"]]).median
        floor = h.Summary.of([n / r.total_s for r in runs["floor"]]).median
        out.append(ArrayVerdict(n, eps, floor, peer_label, peer_us))
    return out


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
            eps = h.Summary.of([n / r.total_s for r in rs])
            us = h.Summary.of([r.total_s / n * 1e6 for r in rs])
            close_ms = h.Summary.of([r.close_s * 1e3 for r in rs]).median
            last = rs[-1]
            rows.append([
                f"{n:,}", entrant.label, f"{eps.median / 1e6:.2f}", f"{eps.low / 1e6:.2f}–{eps.high / 1e6:.2f}",
                f"{us.median:.3f}", h.fmt_num(close_ms), f"{last.bytes_on_disk / n:.1f}", f"{n:,} x {len(rs)}",
            ])
    out.append(h.markdown_table(
        ["values", "writer", "median M events/s", "min–max", "µs/event", "close() ms", "bytes/event", "events checked"],
        rows, align="rlrrrrrr",
    ))
    out.append("")
    for n, v in verdicts.items():
        peer = (
            f"; vs the best peer's add_scalar loop in (a) ({v.best_peer}, {h.fmt_num(v.best_peer_us)} µs/event): "
            f"**{v.peer_ratio:.0f}x**" if v.best_peer else ""
        )
        out.append(
            f"- {n:,} values: **{v.events_per_s / 1e6:.2f} M events/s** (target ≥ "
            f"{ARRAY_TARGET_EVENTS_PER_S / 1e6:g} M), **{v.floor_ratio:.2f}x** the floor's time (target ≤ "
            f"{ARRAY_TARGET_FLOOR_RATIO:g}x){peer}: **{'met' if v.met else 'MISSED'}**."
        )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = render(report)
    print(text)
    if args.write_results:
        h.write_report(args.results, text)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
