"""Where tfevents' add_scalar time goes: two extra, untimed runs of a workload, one with
clocks around every ``write_pending`` call, one under cProfile."""

from __future__ import annotations

import gc
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..profiling import (
    ProfileRows,
    WritePending,
    profile_writer_run,
    queued,
    wrapped_write_pending,
)
from ..scalarlog import check_scalars, read_scalar_log
from ..writers import all_writers
from .workloads import Workload


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
    caller_top: ProfileRows
    background_top: ProfileRows
    background_note: str

    @property
    def total_s(self) -> float:
        return self.loop_s + self.close_s


def profile_tfevents(workload: Workload, root: str, top: int = 10) -> Profile:
    """Two untimed tfevents runs of ``workload``.

    1. Clocks only: wall and thread-CPU time of the caller's loop and of close(), and of
       every ``write_pending`` call, split by thread (caller or background).
    2. cProfile, timed by each thread's CPU clock (so time a thread spends waiting for the
       GIL or a lock is not charged to whatever it was running): one profiler on the
       caller's thread, one switched on inside the background thread's write_pending.
    Both runs' files are read back and checked like the timed runs'.
    """
    spec = next(s for s in all_writers() if s.key == "tfevents")
    main_thread = threading.get_ident()
    lock = threading.Lock()
    counts: dict[str, Any] = {"bg_n": 0, "bg_entries": 0, "bg_s": 0.0, "bg_cpu": 0.0, "fg_n": 0, "fg_s": 0.0, "fg_cpu": 0.0}

    def clocked(original: WritePending) -> WritePending:
        def clocked_write_pending(self: Any, from_background: bool = False, **options: Any) -> None:
            waiting = queued(self)
            t, c = time.perf_counter(), time.thread_time()
            try:
                original(self, from_background, **options)
            finally:
                dt, dc = time.perf_counter() - t, time.thread_time() - c
                side = "fg" if threading.get_ident() == main_thread else "bg"
                with lock:
                    counts[f"{side}_n"] += 1
                    counts[f"{side}_s"] += dt
                    counts[f"{side}_cpu"] += dc
                    if side == "bg":
                        counts["bg_entries"] += waiting

        return clocked_write_pending

    def checked(logdir: str, who: str, wall: tuple[float, float] | None = None) -> None:
        log = read_scalar_log(logdir)
        check_scalars(log, workload.expected(), who=who, wall_time_range=wall)
        shutil.rmtree(logdir, ignore_errors=True)

    # 1. clocks
    logdir = tempfile.mkdtemp(prefix="clocked-", dir=root)
    with wrapped_write_pending(clocked):
        gc.collect()
        w0 = time.time()
        t0, c0 = time.perf_counter(), time.thread_time()
        writer = spec.make(logdir)
        workload.drive(writer)
        t1, c1 = time.perf_counter(), time.thread_time()
        writer.close()
        t2, c2 = time.perf_counter(), time.thread_time()
        w1 = time.time()
    del writer
    checked(logdir, "tfevents (clocked run)", (w0 - 1.0, w1 + 1.0))

    # 2. cProfile on both threads, by thread CPU time
    logdir = tempfile.mkdtemp(prefix="profiled-", dir=root)
    profiled = profile_writer_run(spec.make, workload.drive, logdir, top)
    checked(logdir, "tfevents (profiled run)")
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
        caller_top=profiled.caller_top,
        background_top=profiled.background_top,
        background_note=profiled.note,
    )
