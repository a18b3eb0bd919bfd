"""A backlog larger than the free space: the whole records that fit are written, the rest
is kept in order, the failure is reported once, and the rest is written (once) when
space returns.

The disk is made small with ``RLIMIT_FSIZE`` in a child interpreter (SIGXFSZ ignored, so
a write past the limit stores what fits and then fails with EFBIG, as a full disk fails
with ENOSPC): that needs neither root nor a mount. The scenario is the one reported:
45 scalars and 45 incompressible images (about 1.2 MB) queued, 1.1 MB of room.
"""

from __future__ import annotations

import json
import os
from typing import Any

from _reliability_helpers import assert_valid, run_python, summary_values

SCENARIO = """
import errno, json, os, resource, signal, sys
import numpy as np
import tfevents

logdir, mode = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
w = tfevents.SummaryWriter(logdir, flush_secs=1e6, max_queue=10**9)
path = w.event_file_path
rng = np.random.default_rng(3)
for step in range(45):
    w.add_scalar("loss", step * 0.1, step)
    w.add_image("noise", rng.integers(0, 256, (3, 90, 100), dtype=np.uint8), step)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 1_100_000, hard))
errors = []
for attempt in range(3):  # flush keeps failing while the disk is full ...
    try:
        w.flush()
    except tfevents.WriteFailedError as exc:
        errors.append(exc.errno)
size_when_full = os.path.getsize(path)
report = {"path": path, "errors": errors, "size_when_full": size_when_full}
if mode == "resume":  # ... and space returns
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    w.add_scalar("loss", 99.0, 99)
    w.close()
print(json.dumps(report), flush=True)
# mode "exit": the interpreter exits with the disk still full (the exit hook reports)
"""


def run(logdir: Any, mode: str) -> dict[str, Any]:
    result = run_python(SCENARIO, str(logdir), mode)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    report["stderr"] = result.stderr
    return report


def values(path: str) -> list[tuple[str, int]]:
    return [(tag, step) for tag, step, _ in summary_values(path)]


LOGGED = [(tag, step) for step in range(45) for tag in ("loss", "noise")]


def test_what_fits_is_written_and_the_rest_when_space_returns(tmp_path: Any) -> None:
    report = run(tmp_path, "resume")
    assert report["errors"] and set(report["errors"]) == {27}  # EFBIG: the limit was hit
    path = report["path"]
    assert os.path.getsize(path) > report["size_when_full"]
    assert values(path) == [*LOGGED, ("loss", 99)]  # in order, none lost, none twice
    assert_valid(tmp_path)


def test_a_full_disk_at_exit_keeps_what_fits_and_says_so_once(tmp_path: Any) -> None:
    report = run(tmp_path, "exit")
    path = report["path"]
    written = values(path)
    # Most of the backlog fitted: every whole record that did is in the file, in order
    # (before, the write was all or nothing, and the file kept only its header).
    assert written == LOGGED[: len(written)]
    assert len(written) >= 70, len(written)
    assert os.path.getsize(path) == report["size_when_full"]  # the flushes wrote it all
    assert_valid(tmp_path)
    lines = [line for line in report["stderr"].splitlines() if line.startswith("tfevents:")]
    assert len(lines) == 1, report["stderr"]
    assert path in lines[0] and "File too large" in lines[0], lines[0]
    assert "bytes of events were not written" in lines[0], lines[0]
