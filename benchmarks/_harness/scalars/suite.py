"""The whole scalar benchmark: every writer on every workload, round-robin, then
tfevents' profiles; the figures as a ``Report``."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field

from ..cli import log
from ..machine import load_average, machine_info
from ..profiling import RunProfile
from ..stats import rotations
from ..timing import RunResult
from ..writers import WriterSpec, select_writers
from .array import ARRAY_ENTRANTS, array_timed_run, profile_array
from .profile import Profile, profile_tfevents
from .runs import timed_run
from .workloads import Workload, make_workloads


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
    array_profiles: dict[int, RunProfile] = field(default_factory=dict)


def run(args: argparse.Namespace) -> Report:
    """Runs what ``args`` (bench_scalars.py's command line) asks for."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    writers = select_writers(args.writers)
    workloads = make_workloads(args.calls, args.tags, args.steps, args.paced_steps, args.pause_ms)
    load_before = load_average()
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
        machine = machine_info()  # after the imports: the source state that runs
        for rep, order in rotations(writers, args.reps):
            for workload in workloads:
                for spec in order:
                    r = timed_run(spec, workload, root, loader=args.loader)
                    results[workload.key][spec.key].append(r)
                    log(
                        f"rep {rep + 1}/{args.reps} {workload.key} {spec.key:>12}: "
                        f"{r.total_s / workload.calls * 1e6:8.2f} us/call "
                        f"(loop {r.loop_s:.3f} s, close {r.close_s * 1e3:.1f} ms, {r.events} events)"
                    )
        profiles = []
        if not args.no_profile and any(s.key == "tfevents" for s in writers):
            for workload in workloads:
                log(f"profiling tfevents on workload ({workload.key}) ...")
                profiles.append(profile_tfevents(workload, root))
        array_results: dict[int, dict[str, list[RunResult]]] = {}
        array_profiles: dict[int, RunProfile] = {}
        if any(s.key == "tfevents" for s in writers):
            for n in args.array_counts:
                array_results[n] = _array_runs(n, args.reps, root)
                if not args.no_profile:
                    log(f"profiling tfevents add_scalar_array of {n:,} values ...")
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
        load_after=load_average(),
        profiles=profiles,
        wall_s=time.perf_counter() - started,
        array_results=array_results,
        array_profiles=array_profiles,
    )


def _array_runs(n: int, reps: int, root: str) -> dict[str, list[RunResult]]:
    """Workload (d) for ``n`` values: a checked warm-up, then ``reps`` round-robin runs."""
    for entrant in ARRAY_ENTRANTS:  # warm-up, untimed, checked
        array_timed_run(entrant, min(n, 1000), root)
    runs: dict[str, list[RunResult]] = {e.key: [] for e in ARRAY_ENTRANTS}
    for rep, order in rotations(ARRAY_ENTRANTS, reps):
        for entrant in order:
            r = array_timed_run(entrant, n, root)
            runs[entrant.key].append(r)
            log(
                f"rep {rep + 1}/{reps} d {n:>9,} {entrant.key:>9}: "
                f"{n / r.total_s / 1e6:6.2f} M events/s (close {r.close_s * 1e3:.1f} ms)"
            )
    return runs
