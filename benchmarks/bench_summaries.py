"""add_histogram, add_image, add_pr_curve and add_text: tfevents against tensorboardX and
torch.utils.tensorboard (and tensorboard.summary.Writer where it has the method), in one
process, on the same inputs.

    python benchmarks/bench_summaries.py [--reps N] [--quick] [--only KEYS] [--results PATH]

Workloads (per run: constructor, ``calls`` calls with steps 0, 1, ..., close()):
  histogram  add_histogram of 1,000,000 float32 standard normals, bins='tensorflow' (default);
  image_chw  add_image of a 3x256x256 float32 CHW image in [0, 1] (default dataformats);
  image_hwc  add_image of a 512x512x3 uint8 HWC image (dataformats='HWC');
  pr_curve   add_pr_curve of 100,000 labels and float32 predictions, 127 thresholds;
  text       add_text of a ~90-character markdown string (a different one per call).

The images are a smooth synthetic picture with a little noise (neither flat nor pure
noise, which PNG would make unrealistically cheap or dear). Every repetition runs every
writer once per workload, in round-robin order; a run is timed from the constructor to the
end of ``close()``. Afterwards each run's event files are read back (every CRC checked,
every event parsed) and the run fails unless every call's value is there, in step order,
and right: the histogram's non-empty buckets equal numpy's counts over TensorFlow's
default edges (total, min and max too), the PNG decodes to exactly the pixels the writer's
documented conversion gives (and writers differ by at most one level: tfevents rounds,
torch and tensorboardX truncate), the PR curve's counts, precision and recall equal an
independent computation, and the text is the string logged.

A "floor" row per workload (where one is defined) times the bare numpy/Pillow work the
summary cannot avoid, on the same input and call count, without constructor or files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.paths import results_path
from _harness.summaries.calls import DRIVERS
from _harness.summaries.report import render
from _harness.summaries.suite import run
from _harness.summaries.workloads import DEFAULT_CALLS, QUICK_CALLS

RESULTS_PATH = results_path("summaries.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="few calls per run: a smoke run")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {','.join(DRIVERS)}")
    parser.add_argument(
        "--calls", default="",
        help="per-workload calls, e.g. histogram=10,text=10000 (defaults: "
        + ", ".join(f"{k}={v}" for k, v in DEFAULT_CALLS.items()) + ")",
    )
    parser.add_argument("--writers", default="", help="comma-separated subset of: tfevents,tensorboardX,torch,tb_writer")
    parser.add_argument("--no-floor", action="store_true", help="leave out the floor rows")
    parser.add_argument("--no-profile", action="store_true", help="skip the tfevents profiles")
    parser.add_argument("--results", default=None, help=f"write the markdown here (e.g. {os.path.relpath(RESULTS_PATH)})")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = cli.parse(parser, argv)
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    calls = dict(QUICK_CALLS if args.quick else DEFAULT_CALLS)
    for item in filter(None, (s.strip() for s in args.calls.split(","))):
        name, _, count = item.partition("=")
        if name not in calls or not count.isdigit() or int(count) < 1:
            parser.error(f"--calls: bad item {item!r}")
        calls[name] = int(count)
    args.call_counts = calls
    args.only_keys = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(args.only_keys) - set(DRIVERS)
    if unknown:
        parser.error(f"--only: unknown workloads {sorted(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.finish(render(run(args)), args.results)


if __name__ == "__main__":
    sys.exit(main())
