"""The whole summary benchmark: every writer that has the method, and the floor, on
every workload, round-robin, then tfevents' profiles; the figures as a ``Report``."""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any

from ..cli import log
from ..machine import load_average, machine_info
from ..profiling import RunProfile, profile_writer_run
from ..records import read_events
from ..stats import rotations
from ..timing import RunResult, timed_writer_run
from ..writers import WriterSpec, select_writers
from .workloads import SummaryWorkload, make_workloads, writers_for

FLOOR_KEY = "floor"


def timed_run(spec: WriterSpec, workload: SummaryWorkload, root: str) -> RunResult:
    """Constructor + calls + close(), timed; then the files are read back and checked."""
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{workload.key}-", dir=root)
    result, _wall_range = timed_writer_run(spec.make, workload.drive, logdir)
    events, _files, size = read_events(logdir)
    workload.check(spec.label, not spec.key.startswith("tfevents"), events)
    shutil.rmtree(logdir, ignore_errors=True)
    result.bytes_on_disk, result.events = size, len(events)
    return result


def floor_run(workload: SummaryWorkload) -> RunResult:
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    workload.floor()
    t1, c1 = time.perf_counter(), time.process_time()
    return RunResult(total_s=t1 - t0, loop_s=t1 - t0, close_s=0.0, cpu_s=c1 - c0, events=workload.calls)


@dataclass
class Report:
    argv: list[str]
    reps: int
    workloads: list[SummaryWorkload]
    writers: dict[str, list[WriterSpec]]  # per workload
    missing: dict[str, list[str]]  # per workload: peers without the method
    results: dict[str, dict[str, list[RunResult]]]
    profiles: dict[str, RunProfile]
    machine: dict[str, str]
    load_before: str
    load_after: str
    wall_s: float


def run(args: argparse.Namespace) -> Report:
    """Runs what ``args`` (bench_summaries.py's command line) asks for."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    started = time.perf_counter()
    load_before = load_average()
    all_specs = select_writers(args.writers, noop=False)
    workloads = make_workloads(args.call_counts, args.only_keys)
    per_workload = {w.key: writers_for(w, all_specs) for w in workloads}
    missing = {
        w.key: [s.label for s in all_specs if s not in per_workload[w.key]] for w in workloads
    }
    results: dict[str, dict[str, list[RunResult]]] = {}
    profiles: dict[str, RunProfile] = {}
    root = tempfile.mkdtemp(prefix="tfevents-bench-summaries-", dir=args.tmpdir)
    try:
        # Warm-up (untimed, checked): imports (Pillow too), first-call costs.
        for workload in workloads:
            small = replace(workload, calls=min(2, workload.calls))
            for spec in per_workload[workload.key]:
                timed_run(spec, small, root)
            if workload.floor_label and not args.no_floor:
                floor_run(small)
        machine = machine_info()
        for workload in workloads:
            specs = per_workload[workload.key]
            results[workload.key] = _rounds(workload, specs, args.reps, root, not args.no_floor)
            tfevents = next((s for s in specs if s.key == "tfevents"), None)
            if not args.no_profile and tfevents is not None:
                profiles[workload.key] = _profile(tfevents, workload, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Report(
        argv=args.argv, reps=args.reps, workloads=workloads, writers=per_workload,
        missing=missing, results=results, profiles=profiles, machine=machine,
        load_before=load_before, load_after=load_average(),
        wall_s=time.perf_counter() - started,
    )


def _rounds(
    workload: SummaryWorkload, specs: list[WriterSpec], reps: int, root: str, floor: bool
) -> dict[str, list[RunResult]]:
    """``reps`` round-robin repetitions of the workload by every writer (and the floor)."""
    entrants: list[Any] = list(specs)
    if workload.floor_label and floor:
        entrants.append(FLOOR_KEY)
    runs: dict[str, list[RunResult]] = {(e if isinstance(e, str) else e.key): [] for e in entrants}
    for rep, order in rotations(entrants, reps):
        for entrant in order:
            if isinstance(entrant, str):
                r = floor_run(workload)
                key = FLOOR_KEY
            else:
                r = timed_run(entrant, workload, root)
                key = entrant.key
            runs[key].append(r)
            log(
                f"rep {rep + 1}/{reps} {workload.key:>9} {key:>12}: "
                f"{r.total_s / workload.calls * workload.scale:9.3f} {workload.unit}/call "
                f"(close {r.close_s * 1e3:.1f} ms)"
            )
    return runs


def _profile(spec: WriterSpec, workload: SummaryWorkload, root: str) -> RunProfile:
    """One extra, untimed tfevents run under cProfile, its files checked like the others'."""
    logdir = tempfile.mkdtemp(prefix="profiled-", dir=root)
    profile = profile_writer_run(spec.make, workload.drive, logdir)
    events, _, _ = read_events(logdir)
    workload.check("tfevents (profiled run)", False, events)
    shutil.rmtree(logdir, ignore_errors=True)
    return profile
