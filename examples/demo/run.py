#!/usr/bin/env python3
"""The demo's command line: train, log, say what was replaced, then serve (or say how).

    python examples/demo/run.py [--logdir runs/demo] [--steps 500] [--seed 0]
                                [--no-serve] [--host 127.0.0.1] [--port 6006]

``./scripts/demo.sh`` sets up ``.venv`` and runs this with it. See training.py for the
story the two runs tell.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time

from runconfig import DEFAULT_LOGDIR, DEFAULT_STEPS, LEARNING_RATES
from serving import ServeError, serve, tensorboard_command
from training import ForeignRunError, earlier_run, run_dirs, train_runs


def _int_in(text: str, low: int, high: int | None, what: str) -> int:
    """Parses an option's integer, with a message that names what was expected."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _steps(text: str) -> int:
    return _int_in(text, 1, None, "a positive integer")


def _port(text: str) -> int:
    return _int_in(text, 0, 65535, "a port number 0-65535")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="examples/demo/run.py",
        description="Train a small numpy MLP at learning rates "
        f"{' and '.join(f'{lr:g}' for lr in LEARNING_RATES)}, log it with tfevents, "
        "and show it in TensorBoard. A rerun replaces the demo's earlier runs.",
    )
    parser.add_argument("--logdir", default=DEFAULT_LOGDIR,
                        help="where the runs are written (default: %(default)s)")
    parser.add_argument("--steps", type=_steps, default=DEFAULT_STEPS,
                        help="training steps per run (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="data and init seed (default: 0)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address TensorBoard listens on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=6006,
                        help="TensorBoard's port (default: %(default)s)")
    parser.add_argument("--no-serve", action="store_true",
                        help="only write the logs and say how to view them")
    return parser


def _when(wall_time: float) -> str:
    moment = datetime.datetime.fromtimestamp(wall_time, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        earlier = [(d, earlier_run(d)) for d in run_dirs(args.logdir)]
    except ForeignRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for run_dir, written in earlier:
        if written is not None:
            print(f"Replacing the demo's earlier run {run_dir} (written {_when(written)}): "
                  "its event files are deleted")
    started = time.perf_counter()
    results = train_runs(args.logdir, steps=args.steps, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"Trained and logged {len(results)} runs of {args.steps} steps in {elapsed:.1f} s:")
    for r in results:
        print(f"  {r.run_dir}: train loss {r.train.loss:.3f}, acc {r.train.accuracy:.1%} | "
              f"val loss {r.val.loss:.3f}, acc {r.val.accuracy:.1%}")
    command = tensorboard_command(args.logdir)
    if args.no_serve:
        print(f"Logs are in {args.logdir}\nView them with: {command}")
        return 0
    try:
        serve(args.logdir, args.host, args.port)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"The logs stay in {args.logdir}; view them again with: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
