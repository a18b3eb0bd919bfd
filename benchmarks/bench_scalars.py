"""add_scalar throughput: tfevents against tensorboardX, torch.utils.tensorboard and
tensorboard.summary.Writer, in one process.

    python benchmarks/bench_scalars.py [--reps N] [--calls N] [--quick] [--write-results]

Each repetition runs every writer once per workload, in round-robin order (repetition r
starts with writer r mod k), so slow drifts of a shared, noisy machine spread over all
writers. A run is timed from the constructor to the end of ``close()``: everything is on
disk when the clock stops. Each run writes into a fresh temporary directory; after the
clock stops, every event file is read back (every TFRecord CRC checked, every event
parsed) and the run fails loudly unless each tag holds exactly the logged steps and
values, in call order.

Workloads:
  (a) ``--calls`` add_scalar calls (default 200,000) on one tag, Python float value, int step;
  (b) ``--tags`` tags x ``--steps`` steps (default 50 x 5,000), the loop a training script
      runs: for each step, every tag once;
  (c) the same loop paced like training: ``--paced-steps`` steps (default 200), each
      starting with a ``--pause-ms`` time.sleep (default 3 ms; the GIL is free, as while
      waiting on an accelerator). Reported as overhead over the no-op writer's run of the
      same repetition, in wall time and in CPU time of all the process's threads: back to
      back calls (a, b) let a batching writer amortise its per-batch costs, a paced loop
      does not.

  (d) the batch call ``add_scalar_array(tag, values, global_steps)`` with ``--array-sizes``
      values (default 200,000 and 1,000,000; value i * 0.5 at step i, as in (a)), constructor
      to closed file, against the buffered-write floor: a Python loop doing ``f.write`` of a
      40-byte record into a buffered file, open to close. Reported in events per second.

A no-op ``add_scalar`` is timed in the same rotation as the floor that the Python loop
itself costs. With ``--write-results`` the report (tables, machine, versions, and a
profile of where tfevents' time goes) is written to benchmarks/results/scalars.md;
``benchmarks/run_all.py`` runs this with every other benchmark and writes
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.paths import results_path
from _harness.scalars.report import render
from _harness.scalars.suite import run

# benchmarks/RESULTS.md is run_all.py's; this script alone writes its own part here.
RESULTS_PATH = results_path("scalars.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5; 2 with --quick)")
    parser.add_argument("--calls", type=int, default=None, help="calls of workload (a) (default 200,000)")
    parser.add_argument("--tags", type=int, default=None, help="tags of workloads (b) and (c) (default 50)")
    parser.add_argument("--steps", type=int, default=None, help="steps of workload (b) (default 5,000)")
    parser.add_argument(
        "--paced-steps", type=int, default=None,
        help="steps of the paced workload (c) (default 200; 0 leaves it out)",
    )
    parser.add_argument(
        "--pause-ms", type=float, default=3.0, help="sleep before each step of workload (c) (default 3)"
    )
    parser.add_argument(
        "--array-sizes", default=None,
        help="values per add_scalar_array call in workload (d), comma-separated "
        "(default 200000,1000000; 2000 with --quick; 0 leaves it out)",
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--write-results", action="store_true", help="(re)write the results file")
    parser.add_argument("--results", default=RESULTS_PATH, help="the results file (default benchmarks/results/scalars.md)")
    parser.add_argument(
        "--writers", default="",
        help="comma-separated subset of: tfevents,tensorboardX,torch,tb_writer,noop",
    )
    parser.add_argument(
        "--loader", choices=("fast", "tensorboard"), default="fast",
        help="how files are read back: own CRC-checked reader (fast) or tensorboard's EventFileLoader",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the tfevents profile")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = cli.parse(parser, argv)
    quick = args.quick
    defaults = {  # (default, with --quick)
        "reps": (5, 2), "calls": (200_000, 2_000), "tags": (50, 5), "steps": (5_000, 200),
        "paced_steps": (200, 20), "array_sizes": ("200000,1000000", "2000"),
    }
    for name, (full, small) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    try:
        args.array_counts = [int(x) for x in args.array_sizes.split(",") if x.strip() and int(x) > 0]
    except ValueError:
        parser.error("--array-sizes must be comma-separated integers")
    for name in ("reps", "calls", "tags", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.paced_steps < 0 or not args.pause_ms > 0:
        parser.error("--paced-steps must be >= 0 and --pause-ms > 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.finish(render(run(args)), args.results if args.write_results else None)


if __name__ == "__main__":
    sys.exit(main())
