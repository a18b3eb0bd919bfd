"""One writer run timed from its constructor to the end of ``close()``, so every event is
on disk when the clock stops."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


def timed_writer_run(
    make: Callable[[str], Any], drive: Callable[[Any], None], logdir: str
) -> tuple[RunResult, tuple[float, float]]:
    """``make(logdir)``, ``drive(writer)``, ``close()``, timed; the result (events and
    files not yet filled in) and the wall-clock range, a second either side, that every
    event's wall time must fall in."""
    gc.collect()
    wall_start = time.time()
    c0 = time.process_time()
    t0 = time.perf_counter()
    writer = make(logdir)
    drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2 = time.perf_counter()
    c1 = time.process_time()
    wall_end = time.time()
    del writer
    result = RunResult(total_s=t2 - t0, loop_s=t1 - t0, close_s=t2 - t1, cpu_s=c1 - c0)
    return result, (wall_start - 1.0, wall_end + 1.0)
