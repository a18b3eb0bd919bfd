"""Peak resident memory of a fresh interpreter that logs n scalars, and the bytes its
event file takes per event; the file is read back and checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from ..errors import BenchmarkError
from ..records import event_files, read_records
from ..scalarlog import check_scalars, read_scalar_log
from .children import child_env, clean_launch

_RSS_CHILD = r"""
import os, resource, sys, time
key, n, logdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if key == "tfevents":
    import tfevents
    make = lambda: tfevents.SummaryWriter(logdir)
elif key == "tensorboardX":
    import tensorboardX
    make = lambda: tensorboardX.SummaryWriter(logdir=logdir)
elif key == "torch":
    from torch.utils.tensorboard import SummaryWriter
    make = lambda: SummaryWriter(log_dir=logdir)
elif key == "tb_writer":
    from tensorboard.summary import Writer
    make = lambda: Writer(logdir)
else:
    raise SystemExit("unknown writer " + key)
writer = make()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
add = writer.add_scalar
for i in range(n):
    add("train/loss", i * 0.5, i)
writer.close()
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = None
try:
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
import json
print(json.dumps({"peak_kb": peak, "peak_before_kb": peak_before, "hwm_kb": hwm, "seconds": t1 - t0}))
"""


@dataclass
class RssResult:
    writer: str
    n: int
    peak_mb: float
    peak_before_mb: float
    hwm_mb: float | None
    seconds: float
    bytes_on_disk: int
    checked: str
    steady_bytes: float | None = None  # per event, after the header and the tag's first event


def rss_once(writer: str, n: int, root: str) -> RssResult:
    logdir = tempfile.mkdtemp(prefix=f"rss-{writer}-{n}-", dir=root)
    proc = subprocess.run(
        clean_launch([sys.executable, "-c", _RSS_CHILD, writer, str(n), logdir]),
        cwd=root, env=child_env(), capture_output=True, text=True, timeout=1800,
    )
    if proc.returncode != 0:
        raise BenchmarkError(f"{writer} with {n} scalars failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"{writer}: no event file for {n} scalars")
    size = sum(os.path.getsize(p) for p in files)
    steady = None
    if n <= 1_000_000:
        steps = np.arange(n, dtype=np.int64)
        log = read_scalar_log(logdir)
        if n >= 2 and len(log.files) == 1:
            # every event after the tag's first (which may carry the tag's metadata)
            steady = sum(log.record_sizes[2:]) / (n - 1)
        if n:
            check_scalars(log, {"train/loss": (steps, steps * 0.5)}, who=f"{writer} ({n} scalars)")
        elif log.scalar_events:
            raise BenchmarkError(f"{writer}: events in a run that logged none")
        checked = "steps and values"
    else:
        records = sum(1 for p in files for _ in read_records(p))
        if records != n + len(files):
            raise BenchmarkError(f"{writer} LOST EVENTS: {records - len(files)} records for {n} scalars")
        checked = "record count and CRCs"
    shutil.rmtree(logdir, ignore_errors=True)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    unit = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    hwm = out["hwm_kb"] / 1024 if out.get("hwm_kb") else None
    return RssResult(
        writer, n, out["peak_kb"] * unit, out["peak_before_kb"] * unit, hwm, out["seconds"], size, checked,
        steady,
    )
