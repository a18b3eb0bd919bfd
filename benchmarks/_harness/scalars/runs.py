"""One timed add_scalar run, read back and checked after the clock stops."""

from __future__ import annotations

import shutil
import tempfile

from ..errors import BenchmarkError
from ..scalarlog import check_scalars, read_scalar_log
from ..timing import RunResult, timed_writer_run
from ..writers import WriterSpec
from .workloads import Workload


def timed_run(spec: WriterSpec, workload: Workload, root: str, loader: str = "fast") -> RunResult:
    """Constructor + calls + close(), timed; then the files are read back and checked."""
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{workload.key}-", dir=root)
    result, wall_range = timed_writer_run(spec.make, workload.drive, logdir)
    if spec.writes_files:
        log = read_scalar_log(logdir, loader=loader)
        check_scalars(log, workload.expected(), who=spec.label, wall_time_range=wall_range)
        result.events = log.scalar_events
        result.bytes_on_disk = log.bytes_on_disk
        result.record_sizes = log.record_sizes
        result.files = len(log.files)
        if result.events != workload.calls:  # check_scalars already guarantees this
            raise BenchmarkError(f"{spec.label}: {result.events} events for {workload.calls} calls")
    else:
        result.events = workload.calls
    shutil.rmtree(logdir, ignore_errors=True)
    return result
