"""Crash safety: a writer SIGKILLed at a random moment loses nothing it had flushed, and
leaves no damage but, at worst, a torn last record.

Each trial is a child interpreter that logs scalars and images (one ordered sequence
of calls, known to the parent) and calls ``flush()`` now and then; after each flush
returns it prints, on a pipe, how many calls, scalars and images it had made. The
parent SIGKILLs it at a seeded random moment (after a random number of flush reports,
plus a random delay), with the child logging, writing in the background or flushing.
Trial modes:

* ``default``: ``SummaryWriter()`` as users make it (``flush_secs`` 2 s);
* ``busy``: ``flush_secs=0.01``, so the background thread writes all the time;
* ``fsync``: ``SummaryWriter(fsync=True)``: every write is followed by ``fsync``;
* ``flush_fsync``: the default writer, with ``flush(fsync=True)``.

After every trial, the run's one event file must be a prefix of the calls, in call
order, that holds at least every call made before the last reported flush; the only
damage allowed is a torn last record (``validate`` reports TRUNCATED, never CORRUPT).
A SIGKILL never tears one ``write()`` of a batch to a local file in practice, so a few
runs are also copied with their last record cut (as a machine crash or a network
filesystem can leave them), to check that a torn tail costs that record and nothing
more, in the reader, the validator and both TensorBoard loaders.
Then one TensorBoard server per loader, over a logdir holding every trial's run,
must show exactly what tfevents' reader read, for every run.

Durability and the default: ``fsync`` is off by default. Data is in the file (the
operating system's page cache) when ``flush()`` returns, so it survives the process
being killed (which is what these trials check) but not the machine losing power or
crashing before the kernel writes it back. ``SummaryWriter(fsync=True)`` makes every
write durable (``fsync`` after each one); ``flush(fsync=True)`` does it once, on
demand. ``test_fsync_calls`` checks that the ``fsync`` calls happen where promised.
"""

from __future__ import annotations

import math
import os
import select
import signal
import subprocess
import time
from typing import Any

import numpy as np
import pytest

import tfevents
from _reliability_helpers import (
    NEVER,
    PYTHON,
    FaultyOs,
    event_files_under,
    record_offsets,
    summary_values,
    validate_cli,
)
from tensorboard_server import TensorBoardServer
from tfevents.sinks import local as event_file_module
from tfevents.validate import validate_file

TRIALS = 24
TORN_COPIES = 3
MODES = ["default", "busy", "fsync", "flush_fsync"]
SEED = 20240611
MAX_CALLS = 200_000  # the child never gets this far before it is killed
CHILD_TIMEOUT = 60.0

# The child's calls, computed the same way by the parent (see ``calls``).
CHILD = r"""
import sys
import numpy as np
import tfevents

logdir, seed, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(seed)
options = {"busy": {"flush_secs": 0.01}, "fsync": {"fsync": True}}.get(mode, {})
w = tfevents.SummaryWriter(logdir, **options)

def scalar(i):
    return (i * 7919 % 1000) / 8.0 - 60.0   # exact in float32

def image(i):
    side = 8 + (i % 5) * 16                   # noise: PNGs of about 0.2-15 kB
    return np.random.default_rng(i).integers(0, 256, (side, side, 3), dtype=np.uint8)

calls = scalars = images = 0
print("READY", flush=True)
for i in range(MAX_CALLS):
    w.add_scalar("loss", scalar(i), i)
    calls += 1
    scalars += 1
    if i % 3 == 0:
        w.add_image("img", image(i), i, dataformats="HWC")
        calls += 1
        images += 1
    if rng.random() < 0.15:
        w.flush(fsync=True if mode == "flush_fsync" else None)
        print("FLUSHED", calls, scalars, images, flush=True)
""".replace("MAX_CALLS", str(MAX_CALLS))


def scalar(i: int) -> float:
    return (i * 7919 % 1000) / 8.0 - 60.0


def image(i: int) -> np.ndarray:
    side = 8 + (i % 5) * 16
    return np.random.default_rng(i).integers(0, 256, (side, side, 3), dtype=np.uint8)


def calls(count: int) -> list[tuple[str, int]]:
    """The child's first ``count`` calls, as (tag, step)."""
    out: list[tuple[str, int]] = []
    i = 0
    while len(out) < count:
        out.append(("loss", i))
        if i % 3 == 0:
            out.append(("img", i))
        i += 1
    return out[:count]


def run_trial(logdir: str, trial: int, rng: np.random.Generator) -> dict[str, Any]:
    """Starts a child, SIGKILLs it at a random moment, returns what it had reported."""
    mode = MODES[trial % len(MODES)]
    flushes_before_kill = int(rng.integers(0, 12))
    delay = float(rng.uniform(0.0, 0.03))
    run_dir = os.path.join(logdir, f"trial_{trial:02d}_{mode}")
    proc = subprocess.Popen(
        [PYTHON, "-c", CHILD, run_dir, str(SEED + trial), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported = (0, 0, 0)
    lines = []
    try:
        deadline = time.monotonic() + CHILD_TIMEOUT
        seen_flushes = 0
        ready = False
        while not ready or seen_flushes < flushes_before_kill:
            left = deadline - time.monotonic()
            assert left > 0, f"trial {trial}: the child made no progress: {lines}"
            readable, _, _ = select.select([proc.stdout], [], [], left)
            if not readable:
                continue
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"trial {trial}: the child ended early: {proc.stderr.read()}"  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("READY"):
                ready = True
            elif line.startswith("FLUSHED"):
                seen_flushes += 1
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=CHILD_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=CHILD_TIMEOUT)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)
    # Reports still in the pipe were printed before the kill: those flushes returned too.
    # A line the kill cut short (no newline) was not fully printed: its flush may not
    # have returned, and it holds fewer than three numbers.
    for line in lines + rest.splitlines(keepends=True):
        fields = line.split()
        if line.endswith("\n") and fields[:1] == ["FLUSHED"] and len(fields) == 4:
            reported = max(reported, tuple(int(n) for n in fields[1:]))
    return {"trial": trial, "mode": mode, "run": os.path.basename(run_dir), "dir": run_dir,
            "flushed_calls": reported[0], "flushed_loss": reported[1], "flushed_img": reported[2]}


def check_trial_file(result: dict[str, Any]) -> dict[str, Any]:
    """The run's file is a prefix of the calls holding every flushed one; returns what
    our reader read: scalar points and image steps."""
    files = event_files_under(result["dir"])
    assert len(files) == 1, files
    path = files[0]
    report = validate_file(path)
    assert report.ok, f"{result}: {report}"  # never CORRUPT; a torn tail is allowed
    values = summary_values(path)
    logged = [(tag, step) for tag, step, _ in values]
    assert logged == calls(len(logged)), f"{result}: not a prefix of the calls, in order"
    assert len(logged) >= result["flushed_calls"], (
        f"{result}: {result['flushed_calls']} calls were flushed before the kill, "
        f"only {len(logged)} are in the file"
    )
    for tag in ("loss", "img"):
        assert sum(t == tag for t, _ in logged) >= result[f"flushed_{tag}"], (result, tag)
    for tag, step, value in values:
        if tag == "loss":
            assert value == scalar(step), (result, step)
        else:
            assert len(value) == 1 and np.array_equal(value[0], image(step)), (result, step)
    return {
        "scalars": [(step, value) for tag, step, value in values if tag == "loss"],
        "images": [step for tag, step, _ in values if tag == "img"],
        "truncated": report.truncated_bytes,
        "records": report.records,
    }


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    logdir = str(tmp_path_factory.mktemp("crash"))
    rng = np.random.default_rng(SEED)
    results = []
    for trial in range(TRIALS):
        result = run_trial(logdir, trial, rng)
        result.update(check_trial_file(result))
        results.append(result)
    # A SIGKILL usually lands between write() calls, but one can stop a large write()
    # part-way (the kernel copies it page by page: seen once, a file cut at 126 x 4096
    # bytes), as can a machine crash or a network filesystem. A few whole runs are copied
    # with their last record cut, to check that a torn tail costs that record and nothing
    # more, in the reader, the validator and TensorBoard.
    candidates = [r for r in results if r["records"] >= 3 and r["truncated"] == 0]
    for source in rng.choice(candidates, size=TORN_COPIES, replace=False):
        results.append(torn_copy(logdir, source, rng))
    return {"logdir": logdir, "results": results}


def torn_copy(logdir: str, source: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    (path,) = event_files_under(source["dir"])
    with open(path, "rb") as f:
        data = f.read()
    records, end = record_offsets(data)
    assert end == len(data)
    start, length = records[-1]
    cut = start + int(rng.integers(1, 12 + length + 4))  # inside the header, data or CRC
    run = source["run"] + "_torn"
    os.makedirs(os.path.join(logdir, run))
    with open(os.path.join(logdir, run, os.path.basename(path)), "wb") as f:
        f.write(data[:cut])
    result = {"trial": source["trial"], "mode": source["mode"], "run": run,
              "dir": os.path.join(logdir, run), "flushed_calls": 0, "flushed_loss": 0,
              "flushed_img": 0}
    result.update(check_trial_file(result))
    assert result["truncated"] == cut - start
    assert result["records"] == source["records"] - 1
    # One record per call: the torn copy lost exactly the last call.
    assert len(result["scalars"]) + len(result["images"]) == (
        len(source["scalars"]) + len(source["images"]) - 1
    ), source["run"]
    return result


def test_every_flushed_event_survives_sigkill(trials: dict[str, Any]) -> None:
    results = trials["results"]
    assert len(results) == TRIALS + TORN_COPIES
    # The trials did what they are for: kills after many flushes, in every mode.
    assert {r["mode"] for r in results} == set(MODES)
    assert sum(r["flushed_calls"] > 0 for r in results) >= TRIALS // 2
    assert all(r["records"] >= 1 for r in results)  # the file_version header at least


def test_validate_cli_reports_no_corruption_after_kills(trials: dict[str, Any]) -> None:
    result = validate_cli(trials["logdir"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CORRUPT" not in result.stdout
    truncated = [r for r in trials["results"] if r["truncated"]]
    assert len(truncated) >= TORN_COPIES
    lines = [line for line in result.stdout.splitlines() if line.startswith("TRUNCATED")]
    assert len(lines) == len(truncated)
    for r in truncated:
        assert any(r["run"] in line and f"torn last record of {r['truncated']} bytes" in line
                   for line in lines), (r, lines)
    total = sum(r["records"] for r in trials["results"])
    assert result.stdout.splitlines()[-1] == f"{TRIALS + TORN_COPIES} files, {total} records, 0 corrupt"


# Keep every point: by default TensorBoard samples 1000 scalars and 10 images. (Not "=0",
# which the loaders read as "all" but the plugins' request-time downsampling as "none":
# both then answer an empty list.)
TENSORBOARD_ARGS = ["--samples_per_plugin=scalars=100000,images=100000"]


@pytest.fixture(scope="module")
def tb_logdir(trials: dict[str, Any]) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(trials["logdir"])


@pytest.mark.server
def test_tensorboard_shows_every_flushed_event(tb: TensorBoardServer, trials: dict[str, Any]) -> None:
    results = trials["results"]
    runs = [r["run"] for r in results]
    tb.wait_for(lambda: set(tb.get_json("/data/runs")) == set(runs), what="all runs")

    def scalars_loaded() -> Any:
        answer = tb.post_form("/data/plugin/scalars/scalars_multirun", {"tag": "loss", "runs": runs})
        return answer if all(
            [p[1] for p in answer.get(r["run"], [])] == [s for s, _ in r["scalars"]] for r in results
        ) else None

    answer = tb.wait_for(scalars_loaded, what="every run's scalars")
    for r in results:
        points = answer.get(r["run"], [])
        assert [(p[1], p[2]) for p in points] == r["scalars"], r["run"]
        assert all(math.isfinite(p[0]) for p in points)

    def images_loaded() -> Any:
        shown = {}
        for r in results:
            if r["images"]:
                shown[r["run"]] = tb.get_json(
                    "/data/plugin/images/images", run=r["run"], tag="img", sample=0
                )
                if [e["step"] for e in shown[r["run"]]] != r["images"]:
                    return None
        return shown

    shown = tb.wait_for(images_loaded, what="every run's images")
    for r in results:
        if not r["images"]:
            continue
        last = shown[r["run"]][-1]
        png = tb.get_bytes("/data/plugin/images/individualImage?" + last["query"])
        import io

        from PIL import Image

        with Image.open(io.BytesIO(png)) as picture:
            assert np.array_equal(np.asarray(picture), image(last["step"])), r["run"]


def test_fsync_calls(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``fsync`` happens where promised: never by default, after every write with
    ``fsync=True``, and once, after the data, with ``flush(fsync=True)``."""
    fake = FaultyOs()
    monkeypatch.setattr(event_file_module, "os", fake)

    w = tfevents.SummaryWriter(tmp_path / "default", flush_secs=NEVER)
    fd = w._run.queue.storage._fd
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert fake.fsyncs == 0
    w.add_scalar("x", 2.0, 1)
    w.flush(fsync=True)
    mine = [call for call in fake.calls if call[1] == fd]
    assert mine[-2:] == [("write", fd), ("fsync", fd)]
    w.close()
    assert fake.fsyncs == 1

    fake.calls.clear()
    w = tfevents.SummaryWriter(tmp_path / "always", flush_secs=NEVER, fsync=True)
    fd = w._run.queue.storage._fd
    for step in range(3):
        w.add_scalar("x", float(step), step)
        w.flush(fsync=False)  # the writer's own fsync=True still syncs each write
    w.close()
    mine = [call for call in fake.calls if call[1] == fd]
    writes = [i for i, call in enumerate(mine) if call[0] == "write"]
    assert len(writes) == 4  # the header, then one per flush
    for i in writes:
        assert mine[i + 1] == ("fsync", fd), mine
    for name in ("default", "always"):
        (path,) = event_files_under(tmp_path / name)
        assert [(s, v) for _, s, v in summary_values(path)] == (
            [(0, 1.0), (1, 2.0)] if name == "default" else [(0, 0.0), (1, 1.0), (2, 2.0)]
        )
