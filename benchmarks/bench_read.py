"""Reading scalars back: tfevents.reader against tbparse and TensorBoard's EventAccumulator.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_read.py            # 0.1 M .. 10 M scalars
    PYTHONPATH=src .venv/bin/python benchmarks/bench_read.py --quick    # 0.1 M and 1 M only

Files: T tags x S steps written by tfevents' ``add_scalar_array`` and by
``torch.utils.tensorboard`` (``add_scalar`` in the loop a training script runs: every tag
once per step). Each reader runs on the same file, ``--reps`` times in turn (median
kept): ``read_scalars(path)`` (tfevents, every CRC checked in numpy), tbparse's
``SummaryReader(path).scalars``, and ``EventAccumulator(path, size_guidance={"scalars":
0}).Reload()`` then ``Scalars(tag)`` for every tag. tbparse and EventAccumulator read
~0.1 M scalars a second, so they run on the small files only (``--peer-max``, default
200,000 scalars); the ratio columns compare readers on the same file. Before timing, every
reader's values, steps and wall times are checked equal to what was written.

Figures are CPU seconds of this process (``time.process_time``: the machine is shared)
and scalars per CPU second. "peak MB" is tracemalloc's peak during ``read_scalars``
(the file itself is memory-mapped, not counted), against the decoded arrays' size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))


def write_tfevents(directory: str, tags: int, steps: int) -> None:
    import tfevents

    with tfevents.SummaryWriter(directory) as w:
        for t in range(tags):
            w.add_scalar_array(f"metric/tag_{t}", expected_values(t, steps), walltimes=1.7e9)


def write_torch(directory: str, tags: int, steps: int) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(directory, max_queue=10_000)
    values = [expected_values(t, steps).tolist() for t in range(tags)]
    for s in range(steps):
        for t in range(tags):
            w.add_scalar(f"metric/tag_{t}", values[t][s], s, walltime=1.7e9)
    w.close()


def expected_values(tag: int, steps: int) -> np.ndarray:
    return (np.arange(steps, dtype=np.float32) * np.float32(0.5) + np.float32(tag)).astype(np.float64)


def read_tfevents(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from tfevents.reader import read_scalars

    (series,) = read_scalars(path).values()
    return {tag: (s.steps, s.values) for tag, s in series.items()}


def read_tbparse(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from tbparse import SummaryReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = SummaryReader(path).scalars
    return {tag: (g["step"].to_numpy(), g["value"].to_numpy()) for tag, g in frame.groupby("tag")}


def read_accumulator(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(path, size_guidance={"scalars": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["scalars"]:
        events = acc.Scalars(tag)
        out[tag] = (np.array([e.step for e in events]), np.array([e.value for e in events]))
    return out


READERS: dict[str, Callable[[str], dict[str, tuple[np.ndarray, np.ndarray]]]] = {
    "tfevents": read_tfevents, "tbparse": read_tbparse, "EventAccumulator": read_accumulator,
}


def check(result: dict[str, tuple[np.ndarray, np.ndarray]], tags: int, steps: int, name: str) -> None:
    assert sorted(result) == sorted(f"metric/tag_{t}" for t in range(tags)), name
    for t in range(tags):
        got_steps, got_values = result[f"metric/tag_{t}"]
        order = np.argsort(got_steps, kind="stable")
        assert np.array_equal(got_steps[order], np.arange(steps)), name
        assert np.array_equal(got_values[order], expected_values(t, steps)), name


def cpu_time(function: Callable[[], Any]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def peak_memory(path: str) -> float:
    from tfevents.reader import read_scalars

    tracemalloc.start()
    read_scalars(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="0.1 M and 1 M scalars only")
    parser.add_argument("--peer-max", type=int, default=200_000,
                        help="largest file tbparse and EventAccumulator read (default %(default)s)")
    args = parser.parse_args(argv)
    sizes = [(20, 5_000), (20, 50_000)] + ([] if args.quick else [(20, 500_000)])
    torch_sizes = [(10, 10_000), (10, 20_000)] + ([] if args.quick else [(10, 100_000)])
    root = tempfile.mkdtemp(prefix="bench_read_")
    rows = []
    try:
        for writer, shapes, write in (("tfevents", sizes, write_tfevents), ("torch", torch_sizes, write_torch)):
            for tags, steps in shapes:
                path = os.path.join(root, f"{writer.replace('tfevents', 'ours')}_{tags}x{steps}")  # ("tfevents" in a directory name makes EventAccumulator take it for a file)
                start = time.perf_counter()
                write(path, tags, steps)
                print(f"wrote {writer} {tags}x{steps} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
                count = tags * steps
                names = [n for n in READERS if n == "tfevents" or count <= args.peer_max]
                for name in names:
                    check(READERS[name](path), tags, steps, name)
                times: dict[str, list[float]] = {n: [] for n in names}
                for rep in range(args.reps):
                    for name in names[rep % len(names):] + names[: rep % len(names)]:
                        times[name].append(cpu_time(lambda name=name, path=path: READERS[name](path)))
                medians = {n: statistics.median(t) for n, t in times.items()}
                decoded = count * 24 / 1e6
                rows.append((writer, count, os.path.getsize(next(
                    os.path.join(path, f) for f in os.listdir(path))) / 1e6, medians,
                    peak_memory(path), decoded))
                shutil.rmtree(path)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("| file from | scalars | file MB | tfevents s | tfevents M/s | tbparse s | EventAccumulator s "
          "| x tbparse | x EventAccumulator | tfevents peak MB (decoded MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for writer, count, size, medians, peak, decoded in rows:
        ours = medians["tfevents"]
        cells = [writer, f"{count:,}", f"{size:.1f}", f"{ours:.3f}", f"{count / ours / 1e6:.1f}"]
        for peer in ("tbparse", "EventAccumulator"):
            cells.append(f"{medians[peer]:.2f}" if peer in medians else "-")
        for peer in ("tbparse", "EventAccumulator"):
            cells.append(f"{medians[peer] / ours:.0f}x" if peer in medians else "-")
        cells.append(f"{peak:.0f} ({decoded:.0f})")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
