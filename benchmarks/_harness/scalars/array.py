"""Workload (d): the batch call add_scalar_array against the buffered-write floor, a
Python loop writing 40-byte records into a buffered file."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import BenchmarkError
from ..profiling import RunProfile, profile_writer_run
from ..scalarlog import check_scalars, read_scalar_log
from ..timing import RunResult

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
        log = read_scalar_log(logdir)
        check_scalars(
            log, {ARRAY_TAG: (steps, values)}, who=entrant.label,
            wall_time_range=(wall_start - 1.0, wall_end + 1.0),
        )
        result.bytes_on_disk, result.files = log.bytes_on_disk, len(log.files)
        result.record_sizes = log.record_sizes
    else:
        size = os.path.getsize(path)
        if size != n * len(FLOOR_RECORD):
            raise BenchmarkError(f"floor wrote {size} bytes, expected {n * len(FLOOR_RECORD)}")
        result.bytes_on_disk, result.files = size, 1
    shutil.rmtree(logdir, ignore_errors=True)
    return result


def profile_array(n: int, root: str) -> RunProfile:
    import tfevents

    values, steps = array_inputs(n)
    logdir = tempfile.mkdtemp(prefix="array-profiled-", dir=root)

    def one_call(writer: Any) -> None:
        writer.add_scalar_array(ARRAY_TAG, values, steps)

    profile = profile_writer_run(tfevents.SummaryWriter, one_call, logdir)
    check_scalars(read_scalar_log(logdir), {ARRAY_TAG: (steps, values)}, who="tfevents (profiled)")
    shutil.rmtree(logdir, ignore_errors=True)
    return profile
