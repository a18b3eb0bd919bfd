"""Every benchmark in one invocation, and benchmarks/RESULTS.md from it.

    python benchmarks/run_all.py [--reps N] [--quick] [--write-results] [--skip PARTS]

Parts, in this order, each in this one process (the import and memory part starts fresh
interpreters of its own):

  scalars        bench_scalars.py: add_scalar (a) one tag, (b) 50 tags x 5,000 steps,
                 (c) a paced loop, and (d) the batch call add_scalar_array against the
                 buffered-write floor; tfevents' profile;
  summaries      bench_summaries.py: add_histogram, add_image (CHW float, HWC uint8),
                 add_pr_curve, add_text; tfevents' profiles;
  import_memory  bench_import_memory.py: `import tfevents` time (numpy's as the floor),
                 peak RSS over 100k-3M scalars, bytes on disk per scalar event;
  jax            bench_jax.py: jax.Arrays (still running, in a jitted train step, computed)
                 and torch CPU tensors logged without a sync, on CPU (needs jax);
  read           bench_read.py: read_scalars and read_values against tbparse and
                 EventAccumulator, on scalar files of 0.1 M to 10 M scalars from tfevents
                 and torch, histograms and PR curves;
  device         bench_device.py: training steps with 8 device-tensor scalars logged per
                 step. With CUDA it is measured (and benchmarks/results/device.md
                 rewritten); without, a CPU smoke run checks the code path and the last
                 recorded GPU figures, if any, are included as they were.

``--reps`` is passed to the scalar, summary, jax, read and device parts; ``--quick`` to all of them.
The report opens with every target of the performance issue, measured in this run, with the
previous RESULTS.md's figures beside it (the "before" of a change), and closes with where
tfevents' time goes (cProfile) per workload. The figures are also embedded in the file as
JSON for the next run's comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_device
import bench_import_memory
import bench_jax
import bench_read
import bench_scalars
import bench_summaries
from _harness import cli
from _harness.combined.allreport import AllReport
from _harness.combined.previous import load_previous
from _harness.combined.report import render
from _harness.device.suite import resolve_device
from _harness.machine import load_average, machine_info
from _harness.markdown import write_report
from _harness.paths import BENCH_DIR

RESULTS_PATH = os.path.join(BENCH_DIR, "RESULTS.md")
PARTS = ("scalars", "summaries", "import_memory", "jax", "read", "device")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions for the timed parts (their defaults otherwise)")
    parser.add_argument("--import-runs", type=int, default=None, help="fresh interpreters per import (default 9)")
    parser.add_argument("--quick", action="store_true", help="every part small: a smoke run")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the tests': --quick, read part tinier
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {','.join(PARTS)}")
    parser.add_argument("--device", default="auto", help="the device part's device: auto, cuda or cpu")
    parser.add_argument("--write-results", action="store_true", help="write the report to --results")
    parser.add_argument("--results", default=RESULTS_PATH, help="default benchmarks/RESULTS.md")
    parser.add_argument("--tmpdir", default=None)
    args = cli.parse(parser, argv)
    args.quick = args.quick or args.tiny
    args.skip_parts = {p.strip() for p in args.skip.split(",") if p.strip()}
    unknown = args.skip_parts - set(PARTS)
    if unknown:
        parser.error(f"--skip: unknown parts {sorted(unknown)}")
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be at least 1")
    return args


def _common(args: argparse.Namespace, reps_flag: str = "--reps") -> list[str]:
    out = ["--quick"] if args.quick else []
    if args.reps is not None:
        out += [reps_flag, str(args.reps)]
    if args.tmpdir:
        out += ["--tmpdir", args.tmpdir]
    return out


def run(args: argparse.Namespace) -> AllReport:
    """Every part not skipped, each through its own script's command line."""
    report = AllReport(args.argv, args.reps, args.quick, previous=load_previous(args.results))
    report.load_before = load_average()
    started = time.perf_counter()

    def part(name: str, body: Any) -> Any:
        if name in args.skip_parts:
            return None
        cli.log(f"=== {name} ===")
        t0, load0 = time.perf_counter(), load_average()
        result = body()
        report.part_wall_s[name] = time.perf_counter() - t0
        report.part_load[name] = (load0, load_average())
        cli.log(f"=== {name} took {report.part_wall_s[name]:.0f} s ===")
        return result

    report.scalars = part("scalars", lambda: bench_scalars.run(bench_scalars.parse_args(_common(args))))
    report.summaries = part("summaries", lambda: bench_summaries.run(bench_summaries.parse_args(_common(args))))
    import_argv = ["--quick"] if args.quick else []
    if args.import_runs is not None:
        import_argv += ["--runs", str(args.import_runs)]
    if args.tmpdir:
        import_argv += ["--tmpdir", args.tmpdir]
    report.imports = part(
        "import_memory", lambda: bench_import_memory.run(bench_import_memory.parse_args(import_argv))
    )

    def jax_values() -> Any:
        if importlib.util.find_spec("jax") is None:
            cli.log("jax is not installed: the jax part is left out")
            return None
        return bench_jax.run(bench_jax.parse_args(_common(args)))

    report.jax = part("jax", jax_values)
    read_argv = _common(args) + (["--tiny"] if args.tiny else [])
    report.read = part("read", lambda: bench_read.run(bench_read.parse_args(read_argv)))

    def device() -> Any:
        device_argv = ["--device", args.device, *_common(args)]
        dev_args = bench_device.parse_args(device_argv)
        resolved, _card = resolve_device(dev_args.device)
        if not resolved.startswith("cuda"):
            dev_args = bench_device.parse_args(["--device", "cpu", "--quick"] + (["--tmpdir", args.tmpdir] if args.tmpdir else []))
        return bench_device.run(dev_args)

    report.device = part("device", device)
    report.machine = machine_info()
    report.load_after = load_average()
    report.wall_s = time.perf_counter() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    if args.write_results and report.device is not None and report.device.on_gpu:
        write_report(bench_device.RESULTS_PATH, bench_device.render(report.device))
    return cli.finish(render(report), args.results if args.write_results else None)


if __name__ == "__main__":
    sys.exit(main())
