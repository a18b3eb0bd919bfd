"""Training-step time with 8 scalars logged per step as device tensors: no logging vs
torch.utils.tensorboard vs tensorboardX vs tfevents, on a GPU when there is one.

    python benchmarks/bench_device.py [--device auto|cuda|cpu] [--reps N] [--quick] [--write-results]

Models, in plain torch: a ResNet-18-like CNN (BasicBlocks [2, 2, 2, 2], widths 64-512, on
3x32x32 inputs, 10 classes) and an MLP of 8 Linear(1024, 1024) + ReLU layers. Each step:
zero_grad, forward, cross-entropy, backward, SGD step, then 8 metrics computed on the
device as 0-d tensors (loss, accuracy, logit mean/std/max, last layer's weight and grad
norms, a running mean of the loss), stacked into a device buffer in every variant (so the
variants differ only by the logging), and ``add_scalar(f"train/{name}", tensor, step)`` for
each of the 8 in the logging variants. torch.utils.tensorboard and tensorboardX turn each
tensor into a number at once (a device sync per call); tfevents keeps it on the device
and copies them to the host in one batch per write.

A run is: synchronize, start the clock, construct the writer, ``--steps`` training steps,
``close()``, synchronize, stop the clock; reported per step. Variants run in round-robin
order over ``--reps`` repetitions, after untimed warm-up steps. After each run the event
file is read back and every value compared with the device buffer's copy.

On CPU (``--device cpu``, or no CUDA) it is a smoke run for CI: small shapes, and
``--write-results`` records nothing, since CPU step times say nothing about device syncs.
With CUDA it prints the card's name and ``--write-results`` writes
benchmarks/results/device.md, which benchmarks/run_all.py includes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.device.report import render
from _harness.device.suite import run
from _harness.paths import results_path

RESULTS_PATH = results_path("device.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--device", default="auto", help="auto (cuda when available), cuda, cuda:N or cpu")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5 on a GPU, 1 on CPU or with --quick)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per run (default 100 ResNet / 300 MLP; 3 on CPU)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed warm-up steps per model (default 20; 1 on CPU)")
    parser.add_argument("--quick", action="store_true", help="small shapes and counts: a smoke run")
    parser.add_argument("--only", default="", help="comma-separated subset of: resnet18,mlp")
    parser.add_argument("--write-results", action="store_true", help="write benchmarks/results/device.md (GPU runs only)")
    parser.add_argument("--results", default=RESULTS_PATH, help="where --write-results writes")
    parser.add_argument("--tmpdir", default=None)
    return cli.parse(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    code = cli.finish(render(report), args.results if args.write_results and report.on_gpu else None)
    if args.write_results and not report.on_gpu:
        cli.log("no GPU: nothing recorded (--write-results records GPU runs only)")
    return code


if __name__ == "__main__":
    sys.exit(main())
