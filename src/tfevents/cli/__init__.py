"""``tfevents`` / ``python -m tfevents``: inspect, validate, export.

    tfevents inspect LOGDIR [--json] [-v]                        runs, tags, kinds, counts, steps
    tfevents validate LOGDIR [-v]                                every CRC and every event
    tfevents export LOGDIR [--format csv|json|jsonl|parquet] [--kind K] [--layout nested|records]
                           [--run REGEX] [--tag REGEX] [-o FILE]

LOGDIR may be a log directory, a run directory or one event file, local or an fsspec URL
(s3://, gs://, az://, memory://; ``--storage-options JSON`` gives fsspec's options).
``export -f parquet -o OUT`` run again on the same OUT appends only what is new. ``inspect``,
``validate`` and ``export`` draw a progress bar on stderr when stderr is a terminal
(``--progress`` forces it, ``--no-progress`` hides it). (The demo is not a command: run
``./scripts/demo.sh`` from a checkout.)

Exit status: 0 on success; 1 when a file is corrupt (``validate``: a CRC mismatch or an
event that does not parse; ``inspect`` and ``export`` read such a file up to the damage,
warn on stderr and go on); 2 for bad arguments or when there is no event file under LOGDIR.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tfevents.cli import export, inspect, validate

__all__ = ["build_parser", "main"]


def _with_progress(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when stderr is a terminal)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfevents", description="Inspect, check and export TensorBoard event files.",
        epilog="LOGDIR: a log directory, a run directory or an event file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect.add_parser(commands, _with_progress)
    validate.add_parser(commands, _with_progress)
    export.add_parser(commands, _with_progress)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            return export.run_export(args, args.subparser)
        return {"inspect": inspect.run, "validate": validate.run}[args.command](args)
    except BrokenPipeError:  # the reader of stdout has gone (``| head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
