"""Framework values logged without a sync (#14), on CPU: jax.Arrays and torch tensors.

    python benchmarks/bench_jax.py [--reps N] [--quick] [--write-results]

Parts, in this one process, each repeated ``--reps`` times with its variants in
round-robin order (after an untimed warm-up of each):

  (a) add_scalar of a jax.Array whose computation (a matmul loop of a few hundred ms) is
      still running: the add_scalar call's time against the computation's (dispatch to
      ready). The value is read back after close() and checked.
  (b) a jitted train step of a few ms (an MLP's forward, backward and SGD update, on CPU)
      returning 8 scalar metrics, 8 add_scalar calls per step, against the same loop
      without logging. The clock runs from the writer's constructor to the end of close()
      and the last step's result being ready. Reference: torch.utils.tensorboard and
      tensorboardX, given float(x) as their users must (torch's writer refuses a
      jax.Array): a sync per value.
  (c) a tiny jitted step (~20 µs) logging one scalar per step, against not logging, and
      against float(loss) per step (a sync per step: pipelining lost): does logging keep
      JAX's asynchronous dispatch?
  (d) a computed (ready) 0-d jax.Array: add_scalar's cost per call against float(x),
      each on fresh arrays (float() caches its host copy): the call alone, and the whole
      run with close() (the background read included).
  (e) torch: add_scalar of a CPU 0-d tensor against an np.float32, for tfevents and, for
      reference, torch.utils.tensorboard and tensorboardX (constructor to closed file).

Every event file is read back with tfevents.reader and its values checked. No figure is
asserted anywhere. ``benchmarks/run_all.py`` runs it as its ``jax`` part (its targets and
tables in RESULTS.md); ``--write-results`` here writes benchmarks/results/jax.md alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.jax.calls import part_d, part_e
from _harness.jax.common import Dirs
from _harness.jax.report import render_body, verdicts, versions
from _harness.jax.steps import part_a, part_b, part_c
from _harness.machine import load_average, machine_info
from _harness.markdown import markdown_table, report_head
from _harness.paths import results_path

RESULTS_PATH = results_path("jax.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--write-results", action="store_true", help="write benchmarks/results/jax.md")
    parser.add_argument("--results", default=RESULTS_PATH)
    parser.add_argument("--tmpdir", default=None)
    args = cli.parse(parser, argv)
    args.reps = args.reps or (1 if args.quick else 3)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    dirs = Dirs(args.tmpdir)
    report: dict[str, Any] = {"argv": args.argv, "reps": args.reps, "quick": args.quick,
                              "load_before": load_average()}
    started = time.perf_counter()
    try:
        for key, part in (("a", part_a), ("b", part_b), ("c", part_c), ("d", part_d), ("e", part_e)):
            t0 = time.perf_counter()
            cli.log(f"=== ({key}) ===")
            report[key] = part(args, dirs)
            cli.log(f"=== ({key}) took {time.perf_counter() - t0:.0f} s ===")
    finally:
        shutil.rmtree(dirs.root, ignore_errors=True)
    report["wall_s"] = time.perf_counter() - started
    report["load_after"] = load_average()
    report["machine"] = machine_info()
    return report


def render(report: dict[str, Any]) -> str:
    """This part alone, as a file of its own."""
    m = report["machine"]
    rows = [[v.what, v.target, v.measured, "met" if v.met else "**MISSED**"] for v in verdicts(report)]
    lines = [
        *report_head("tfevents: JAX and torch values logged without a sync (`bench_jax.py`)",
                     report["argv"], __file__),
        f"- Date: {m['date']}; the whole run took {report['wall_s']:.0f} s; {report['reps']} "
        f"repetitions{' (--quick)' if report['quick'] else ''}, variants in round-robin order.",
        f"- Machine: {m['cpu']}, {m['cores']}; {m['os']}. Load average {report['load_before']} at the "
        f"start, {report['load_after']} at the end.",
        f"- {m['python']}, numpy {m['numpy']}, {versions()}, torch {m['torch']}, tensorboardX "
        f"{m['tensorboardX']}; tfevents source: {m['source']}.",
        "- All on CPU (JAX's CPU backend, with its asynchronous dispatch); every event file read back "
        "and every value checked.",
        "",
        "## Targets",
        "",
        markdown_table(["workload", "target", "this run", "verdict"], rows, "llll"),
        "",
        render_body(report, heading="##"),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    return cli.finish(render(report), args.results if args.write_results else None)


if __name__ == "__main__":
    sys.exit(main())
