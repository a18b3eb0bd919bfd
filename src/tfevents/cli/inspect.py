"""``tfevents inspect LOGDIR``: runs, files, and per tag its kind, count and step range."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tfevents.cli.common import (
    add_source,
    duration,
    make_progress,
    no_files,
    open_source,
    plural,
    utc,
    walk,
)


def add_parser(commands: argparse._SubParsersAction, with_progress) -> None:  # type: ignore[type-arg, no-untyped-def]
    inspect = commands.add_parser("inspect", help="list runs, tags, kinds, counts and step ranges",
                                  description="List the runs under LOGDIR and, per run, each tag's "
                                  "kind, number of values and step range.")
    add_source(inspect)
    inspect.add_argument("--json", action="store_true", help="print the summary as JSON")
    inspect.add_argument("-v", "--verbose", action="store_true", help="list each run's files too")
    with_progress(inspect)


def _summarise(
    args: argparse.Namespace, store: Any, runs: dict[str, list[str]]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Per run: files, events, wall-time range, graphs, and per tag kind/count/steps."""
    summary: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for run, paths in runs.items():
        summary[run] = {
            "files": [{"path": p, "bytes": store.size(p), "events": 0} for p in paths],
            "events": 0, "first_wall_time": None, "last_wall_time": None,
            "graphs": 0, "tags": {},
        }
    file_index = {p: i for paths in runs.values() for i, p in enumerate(paths)}
    with make_progress(args, store, runs, "inspect") as bar:
        for run, path, event in walk(store, runs, bar, errors, decode=False):
            entry = summary[run]
            entry["events"] += 1
            entry["files"][file_index[path]]["events"] += 1
            if event.values:  # the time span of what was logged (not of file headers)
                first, last = entry["first_wall_time"], entry["last_wall_time"]
                entry["first_wall_time"] = event.wall_time if first is None else min(first, event.wall_time)
                entry["last_wall_time"] = event.wall_time if last is None else max(last, event.wall_time)
            if event.graph_def is not None:
                entry["graphs"] += 1
            for value in event.values:
                tag = entry["tags"].get(value.tag)
                if tag is None:
                    entry["tags"][value.tag] = {
                        "kind": value.kind, "plugin": value.plugin, "count": 1,
                        "first_step": event.step, "last_step": event.step,
                    }
                else:
                    tag["count"] += 1
                    tag["first_step"] = min(tag["first_step"], event.step)
                    tag["last_step"] = max(tag["last_step"], event.step)
    return summary, errors


def _kind_order(kind: str) -> int:
    from tfevents.reader import KINDS

    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def _steps(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}..{high}"


def run(args: argparse.Namespace) -> int:
    from tfevents.progress import human_bytes

    store, runs = open_source(args)
    if not runs:
        return no_files(args.logdir)
    summary, errors = _summarise(args, store, runs)
    if args.json:
        for entry in summary.values():
            entry["tags"] = dict(sorted(entry["tags"].items(), key=lambda kv: (_kind_order(kv[1]["kind"]), kv[0])))
        document = {
            "logdir": args.logdir,
            "runs": summary,
            "errors": [{"path": p, "error": e} for p, e in errors],
        }
        print(json.dumps(document, indent=2))
        return 1 if errors else 0
    files = sum(len(e["files"]) for e in summary.values())
    size = sum(f["bytes"] for e in summary.values() for f in e["files"])
    print(f"{args.logdir}: {plural(len(summary), 'run')}, {plural(files, 'file')}, {human_bytes(size)}")
    for run, entry in summary.items():
        count = len(entry["files"])
        run_bytes = sum(f["bytes"] for f in entry["files"])
        head = f"\nrun {run}  ({plural(count, 'file')}, {human_bytes(run_bytes)}, {plural(entry['events'], 'event')}"
        if entry["first_wall_time"] is not None:
            span = entry["last_wall_time"] - entry["first_wall_time"]
            head += f"; {utc(entry['first_wall_time'])}, over {duration(span)}"
        print(head + ")")
        if args.verbose:
            for f in entry["files"]:
                print(f"  file  {f['path']}  ({human_bytes(f['bytes'])}, {plural(f['events'], 'event')})")
        rows = [
            (info["kind"], tag, str(info["count"]), _steps(info["first_step"], info["last_step"]))
            for tag, info in sorted(entry["tags"].items(), key=lambda kv: (_kind_order(kv[1]["kind"]), kv[0]))
        ]
        if entry["graphs"]:
            rows.append(("graph", "(graph_def)", str(entry["graphs"]), ""))
        if not rows:
            print("  (no summaries)")
            continue
        header = ("kind", "tag", "count", "steps")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}".rstrip())
    if errors:
        print(f"\n{plural(len(errors), 'damaged file')} (read up to the damage): "
              "see tfevents validate")
    return 1 if errors else 0
