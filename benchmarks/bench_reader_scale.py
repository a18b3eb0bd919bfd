"""Reading at scale: histograms and PR curves as columns, and a sweep of many runs from
local disk and from an S3 server (moto's, in its own process), against tbparse and
TensorBoard's EventAccumulator / EventMultiplexer, all timed in this one run.

    .venv/bin/python benchmarks/bench_reader_scale.py            # 20,000 histograms, 1,000 x 1,000 sweep
    .venv/bin/python benchmarks/bench_reader_scale.py --quick    # small sizes (a test runs it)

Figures are CPU seconds of this process (``time.process_time``: the machine may be shared,
and wall time there counts other programs' turns too), the best of --reps turns with
the readers taking turns; from S3, wall seconds of one turn (the server is another
process). Compare the ratios, measured side by side. "before" is the
reader's general path (``read_values``), today's way to read histograms and PR curves.
Every reader's count of values is checked equal before anything is timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import tfevents
from tfevents.reader import read_histograms, read_pr_curves, read_scalars, read_values

EDGES = np.linspace(-3, 3, 31)


def write_histograms(path: str, count: int, form: str) -> None:
    rng = np.random.default_rng(0)
    if form == "torch":
        from torch.utils.tensorboard import SummaryWriter as Writer
        writer: Any = Writer(path)
    else:
        writer = tfevents.SummaryWriter(path, legacy_forms=form == "legacy")
    for step in range(count):
        counts = rng.integers(0, 100, 30).astype(float)
        writer.add_histogram_raw(f"h{step % 20}", -3, 3, counts.sum(), 1.0, 2.0, EDGES[1:].tolist(),
                                 counts.tolist(), step)
    writer.close()


def write_pr_curves(path: str, count: int) -> None:
    rng = np.random.default_rng(1)
    with tfevents.SummaryWriter(path) as writer:
        for step in range(count):
            tp = np.sort(rng.integers(0, 100, 127))[::-1].astype(float)
            fp = np.sort(rng.integers(0, 100, 127))[::-1].astype(float)
            writer.add_pr_curve_raw(f"pr{step % 5}", tp, fp, 100 - tp, 100 - fp, tp / (tp + fp + 1),
                                    tp / 100, step, num_thresholds=127)


def write_sweep(root: str, runs: int, scalars: int) -> None:
    steps = np.arange(scalars)
    for run in range(runs):
        with tfevents.SummaryWriter(os.path.join(root, f"run_{run:04d}")) as writer:
            writer.add_scalar_array("loss", np.linspace(1, 0, scalars) + run, steps)


def tbparse(path: str, what: str) -> int:
    from tbparse import SummaryReader

    return len(getattr(SummaryReader(path), what))


def accumulator(path: str, what: str) -> int:
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    multiplexer = EventMultiplexer(size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    multiplexer.AddRunsFromDirectory(path).Reload()
    total = 0
    for run, tags in multiplexer.Runs().items():
        for tag in tags.get(what, []):
            total += len(getattr(multiplexer, what.capitalize())(run, tag))
    return total


def count(result: Any) -> int:
    if isinstance(result, int):
        return result
    return sum(len(s) for tags in result.values() for s in tags.values())


def race(readers: dict[str, Callable[[], Any]], reps: int, clock: Callable[[], float] = time.process_time,
         ) -> dict[str, float]:
    """Best seconds (``clock``'s) of each reader in ``reps`` turns (the readers taking
    turns); the counts of values of the first turn checked equal."""
    best = dict.fromkeys(readers, float("inf"))
    counts: dict[str, int] = {}
    for turn in range(reps):
        for name, read in readers.items():
            start = clock()
            result = read()
            best[name] = min(best[name], clock() - start)
            if not turn:
                counts[name] = count(result)
    assert len(set(counts.values())) == 1, counts
    best["values"] = next(iter(counts.values()))
    return best


def moto_server(tmp: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(os.path.join(tmp, "moto.log"), "wb")  # noqa: SIM115 (the server's, kept open)
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return server, endpoint
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("moto did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--reps", type=int, default=None, help="turns per reader (default 3; --quick 1)")
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    histograms, curves, (runs, scalars) = (200, 50, (5, 100)) if args.quick else (20_000, 2_000, (1000, 1000))
    tmp = tempfile.mkdtemp(prefix="bench_reader_scale_")
    rows: list[tuple[str, dict[str, float]]] = []
    # (first: TensorBoard's S3 file system reads S3_ENDPOINT when it is imported)
    server, endpoint = moto_server(tmp)
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="us-east-1", S3_ENDPOINT=endpoint)
    try:
        for form in ("tensor", "legacy", "torch"):
            path = os.path.join(tmp, f"hist_{form}")
            write_histograms(path, histograms, form)
            what = "tensors" if form == "tensor" else "histograms"
            rows.append((f"{histograms:,} histograms of 30 buckets ({form} form)", race({
                "tfevents": lambda p=path: read_histograms(p),
                "before": lambda p=path: len(list(read_values(p, kind="histogram"))),
                "tbparse": lambda p=path, w=what: tbparse(p, w),
                "EventAccumulator": lambda p=path, w=what: accumulator(p, w),
            }, reps)))
        path = os.path.join(tmp, "pr")
        write_pr_curves(path, curves)
        rows.append((f"{curves:,} PR curves of 127 thresholds", race({
            "tfevents": lambda: read_pr_curves(path),
            "before": lambda: len(list(read_values(path, kind="pr_curve"))),
            "tbparse": lambda: tbparse(path, "tensors"),
            "EventAccumulator": lambda: accumulator(path, "tensors"),
        }, reps)))
        sweep = os.path.join(tmp, "sweep")
        write_sweep(sweep, runs, scalars)
        label = f"sweep of {runs:,} runs x {scalars:,} scalars"
        rows.append((f"{label}, local disk", race({
            "tfevents": lambda: read_scalars(sweep),
            "tbparse": lambda: tbparse(sweep, "scalars"),
            "EventAccumulator": lambda: accumulator(sweep, "scalars"),
        }, reps)))
        import boto3
        import fsspec

        options = {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
        fsspec.filesystem("s3", **options).put(sweep, "bench/sweep", recursive=True)
        url = "s3://bench/sweep"
        rows.append((f"{label}, S3 server (wall s)", race({
            "tfevents": lambda: read_scalars(url, storage_options=options),
            "EventAccumulator": lambda: accumulator(url, "scalars"),
        }, 1, time.perf_counter)))  # (wall time; one turn: TensorBoard's S3 reader takes minutes)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(report(rows, argv))
    return 0


def report(rows: list[tuple[str, dict[str, float]]], argv: list[str] | None) -> str:
    peers = ("before", "tbparse", "EventAccumulator")
    lines = ["| workload | values | tfevents s | values/s | " + " | ".join(f"{p} s" for p in peers)
             + " | " + " | ".join(f"x {p}" for p in peers) + " |",
             "| :--- | ---: | ---: | ---: |" + " ---: |" * (2 * len(peers))]
    for name, times in rows:
        ours = times["tfevents"]
        seconds = [f"{times[p]:.3f}" if p in times else "—" for p in peers]
        ratios = [_ratio(times[p] / ours) if p in times else "—" for p in peers]
        lines.append(f"| {name} | {int(times['values']):,} | {ours:.3f} | {times['values'] / ours:,.0f} | "
                     + " | ".join(seconds) + " | " + " | ".join(ratios) + " |")
    command = " ".join(["benchmarks/bench_reader_scale.py", *(argv if argv is not None else sys.argv[1:])])
    return "\n".join([*lines, "", f"Reproduce: `.venv/bin/python {command}`"])


def _ratio(x: float) -> str:
    return f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


if __name__ == "__main__":
    sys.exit(main())
