"""Reading event files back: tfevents.reader against tbparse and TensorBoard's
EventAccumulator, on files from tfevents and from torch.utils.tensorboard.

    python benchmarks/bench_read.py [--reps N] [--quick] [--write-results] [--tmpdir DIR]

Files: 20 tags of scalars (0.1 M to 10 M scalars) written by tfevents' ``add_scalar_array``
(tag by tag), and by tfevents' and torch's ``add_scalar`` in a training loop's order (every
tag once per step); histograms (tfevents' tensor form, its ``legacy_forms=True`` and
torch's HistogramProto) and PR curves. Readers: ``read_scalars`` / ``read_values``
(tfevents, every CRC checked), tbparse's ``SummaryReader``, and EventAccumulator. Before
timing, every reader's values are checked equal to what was written. tbparse and
EventAccumulator read ~0.1 M scalars a second, so they run on scalar files of up to
``--peer-max`` scalars only.

``--write-results`` writes benchmarks/results/read.md; ``targets(report)`` gives its
target rows as strings. run_all.py runs it as its ``read`` part and puts the same targets
(``_harness.read.verdicts.target_list``) in RESULTS.md's table.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.paths import results_path
from _harness.read.report import render
from _harness.read.suite import Report, run
from _harness.read.verdicts import targets

__all__ = ["RESULTS_PATH", "Report", "main", "parse_args", "render", "run", "targets"]

RESULTS_PATH = results_path("read.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="0.1 M and 1 M scalar files, few histograms")
    parser.add_argument("--peer-max", type=int, default=200_000,
                        help="largest scalar file tbparse and EventAccumulator read (default %(default)s)")
    parser.add_argument("--max-scalars", type=int, default=10_000_000,
                        help="leave out scalar files larger than this (default %(default)s)")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the tests' sizes
    parser.add_argument("--write-results", action="store_true", help=f"write {os.path.relpath(RESULTS_PATH)}")
    parser.add_argument("--results", default=RESULTS_PATH, help="where --write-results writes")
    parser.add_argument("--tmpdir", default=None, help="where the files are written")
    args = cli.parse(parser, argv)
    if args.reps is None:
        args.reps = 1 if args.quick or args.tiny else 3
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.finish(render(run(args)), args.results if args.write_results else None)


if __name__ == "__main__":
    sys.exit(main())
