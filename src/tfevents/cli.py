"""``tfevents`` / ``python -m tfevents``: demo, inspect, validate."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _validate(args: argparse.Namespace) -> int:
    from tfevents.validate import validate_logdir

    reports = validate_logdir(args.logdir)
    if not reports:
        print(f"no event files under {args.logdir}", file=sys.stderr)
        return 2
    corrupt = 0
    for report in reports:
        if report.error:
            corrupt += 1
            print(f"CORRUPT    {report.path}: {report.error}")
        elif report.truncated_bytes:
            print(f"TRUNCATED  {report.path}: {report.records} records, then a torn "
                  f"last record of {report.truncated_bytes} bytes (harmless)")
        elif args.verbose:
            print(f"ok         {report.path}: {report.records} records")
    print(f"{len(reports)} files, {sum(r.records for r in reports)} records, {corrupt} corrupt")
    return 1 if corrupt else 0


def _inspect(args: argparse.Namespace) -> int:
    from tfevents.reader import event_files, read_events

    runs = event_files(args.logdir)
    if not runs:
        print(f"no event files under {args.logdir}", file=sys.stderr)
        return 2
    for run, paths in runs.items():
        print(f"run {run}  ({len(paths)} file{'s' if len(paths) != 1 else ''})")
        tags: dict[str, list] = {}
        graphs = 0
        for path in paths:
            for event in read_events(path):
                graphs += event.graph_def is not None
                for value in event.values:
                    entry = tags.setdefault(value.tag, [value.kind, 0, event.step, event.step])
                    entry[1] += 1
                    entry[2] = min(entry[2], event.step)
                    entry[3] = max(entry[3], event.step)
        if graphs:
            print(f"  graph        {graphs} graph_def event{'s' if graphs != 1 else ''}")
        for tag, (kind, count, low, high) in sorted(tags.items()):
            print(f"  {kind:<12} {tag}  {count} values, steps {low}..{high}")
    return 0


def _demo(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from tfevents.demo import main as demo_main

    return demo_main(list(rest))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tfevents", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="train a small numpy MLP, log it, serve it in TensorBoard",
                        add_help=False)
    inspect = commands.add_parser("inspect", help="list runs, tags, kinds, counts and step ranges")
    inspect.add_argument("logdir")
    validate = commands.add_parser("validate", help="check every record's CRCs and every event")
    validate.add_argument("logdir")
    validate.add_argument("-v", "--verbose", action="store_true", help="list good files too")
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        return _demo(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return {"inspect": _inspect, "validate": _validate}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
