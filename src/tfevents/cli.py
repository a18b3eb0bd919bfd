"""``tfevents`` / ``python -m tfevents``: demo, inspect, validate, export.

    tfevents demo [--logdir DIR] [--steps N] [--no-serve] ...   the demo (see tfevents.demo)
    tfevents inspect LOGDIR [--json] [-v]                        runs, tags, kinds, counts, steps
    tfevents validate LOGDIR [-v]                                every CRC and every event
    tfevents export LOGDIR [--format csv|json|jsonl] [--kind K] [--layout nested|records]
                           [--run REGEX] [--tag REGEX] [-o FILE]

LOGDIR may be a log directory, a run directory or one event file. ``inspect``,
``validate`` and ``export`` draw a progress bar on stderr when stderr is a terminal
(``--progress`` forces it, ``--no-progress`` hides it).

Exit status: 0 on success; 1 when a file is corrupt (``validate``: a CRC mismatch or an
event that does not parse; ``inspect`` and ``export`` skip such a file with a warning on
stderr and go on); 2 for bad arguments or when there is no event file under LOGDIR.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

import numpy as np

EXPORT_KINDS = ("scalar", "histogram", "image", "audio", "text", "pr_curve", "tensor")
CSV_COLUMNS = {
    "scalar": ("run", "tag", "step", "wall_time", "value"),
    "histogram": ("run", "tag", "step", "wall_time", "left", "right", "count"),
    "text": ("run", "tag", "step", "wall_time", "text"),
}
PR_ROWS = ("tp", "fp", "tn", "fn", "precision", "recall")


# --- shared: finding files, progress, errors ----------------------------------------------------


def _no_files(logdir: str) -> int:
    print(f"no event files under {logdir}", file=sys.stderr)
    return 2


def _progress_enabled(args: argparse.Namespace) -> bool:
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty()


def _make_progress(args: argparse.Namespace, runs: dict[str, list[str]], label: str):  # type: ignore[no-untyped-def]
    from tfevents.progress import Progress

    sizes = [os.path.getsize(p) for paths in runs.values() for p in paths]
    return Progress(sum(sizes), files=len(sizes), label=label, enabled=_progress_enabled(args))


def _walk(
    runs: dict[str, list[str]],
    bar: Any,
    errors: list[tuple[str, str]],
    *,
    want: Callable[[str, str], bool] | None = None,
    decode: bool = True,
) -> Iterator[tuple[str, str, Any]]:
    """(run, path, event) for every event; a damaged file is reported and skipped."""
    from tfevents.reader import _read_file
    from tfevents.records.reader import RecordError
    from tfevents.wire.decoding import DecodeError

    for run, paths in runs.items():
        for path in paths:
            try:
                events = _read_file(path, run, want=want, decode=decode, salvage=True,
                                    progress=bar.advance_to)
                for event in events:
                    yield run, path, event
            except (RecordError, DecodeError, UnicodeDecodeError) as exc:
                errors.append((path, str(exc)))
                bar.write(f"warning: {path}: {exc}; read up to it, skipped the rest "
                          "(see: tfevents validate)")
            bar.file_done(os.path.getsize(path))


def _utc(wall_time: float) -> str:
    stamp = datetime.datetime.fromtimestamp(wall_time, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


# --- validate ---------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    from tfevents.reader import event_files
    from tfevents.validate import validate_logdir

    runs = event_files(args.logdir)
    if not runs:
        return _no_files(args.logdir)
    with _make_progress(args, runs, "validate") as bar:
        reports = validate_logdir(
            args.logdir, on_file=lambda path, report: bar.file_done(os.path.getsize(path))
        )
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


# --- inspect ----------------------------------------------------------------------------------------


def _summarise(
    args: argparse.Namespace, runs: dict[str, list[str]]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Per run: files, events, wall-time range, graphs, and per tag kind/count/steps."""
    summary: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for run, paths in runs.items():
        summary[run] = {
            "files": [{"path": p, "bytes": os.path.getsize(p), "events": 0} for p in paths],
            "events": 0, "first_wall_time": None, "last_wall_time": None,
            "graphs": 0, "tags": {},
        }
    file_index = {p: i for paths in runs.values() for i, p in enumerate(paths)}
    with _make_progress(args, runs, "inspect") as bar:
        for run, path, event in _walk(runs, bar, errors, decode=False):
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


def _inspect(args: argparse.Namespace) -> int:
    from tfevents.progress import human_bytes
    from tfevents.reader import event_files

    runs = event_files(args.logdir)
    if not runs:
        return _no_files(args.logdir)
    summary, errors = _summarise(args, runs)
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
    print(f"{args.logdir}: {len(summary)} run{'s' * (len(summary) != 1)}, "
          f"{files} file{'s' * (files != 1)}, {human_bytes(size)}")
    for run, entry in summary.items():
        count = len(entry["files"])
        run_bytes = sum(f["bytes"] for f in entry["files"])
        head = f"\nrun {run}  ({count} file{'s' * (count != 1)}, {human_bytes(run_bytes)}, {entry['events']} events"
        if entry["first_wall_time"] is not None:
            span = entry["last_wall_time"] - entry["first_wall_time"]
            head += f"; {_utc(entry['first_wall_time'])}, over {_duration(span)}"
        print(head + ")")
        if args.verbose:
            for f in entry["files"]:
                print(f"  file  {f['path']}  ({human_bytes(f['bytes'])}, {f['events']} events)")
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
        print(f"\n{len(errors)} damaged file{'s' * (len(errors) != 1)} (read up to the damage): "
              "see tfevents validate")
    return 1 if errors else 0


# --- export -----------------------------------------------------------------------------------------


def _json_float(x: float) -> float | str:
    """JSON has no NaN or infinities: those become the strings "NaN", "Infinity", "-Infinity"."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _json_array(array: np.ndarray) -> Any:
    """A numeric array as nested lists, with non-finite floats as strings."""
    if array.dtype.kind == "c":
        array = np.stack([array.real, array.imag], axis=-1)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        out = array.astype(object)
        flat = out.reshape(-1)
        for i, x in enumerate(flat):
            flat[i] = _json_float(float(x))
        return out.tolist()
    return array.tolist()


def _text_cells(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return np.vectorize(lambda b: b.decode("utf-8", "replace"), otypes=[object])(value).tolist() if value.size else []


def _json_value(kind: str, value: Any) -> Any:
    """The JSON form of one value of each exported kind (see ``--help`` of export)."""
    if kind == "scalar":
        return _json_float(value)
    if kind == "histogram":
        return _json_array(np.asarray(value, dtype=np.float64))
    if kind == "pr_curve":
        table = np.asarray(value, dtype=np.float64)
        return {name: _json_array(row) for name, row in zip(PR_ROWS, table)}
    if kind == "text":
        return _text_cells(value)
    if kind == "image":
        return [
            {"height": int(a.shape[-3 if a.ndim >= 3 else 0]), "width": int(a.shape[-2 if a.ndim >= 3 else 1]),
             "channels": int(a.shape[-1]) if a.ndim >= 3 else 1,
             **({"frames": int(a.shape[0])} if a.ndim == 4 else {})}
            for a in value
        ]
    if kind == "audio":
        return [_audio_summary(row[0], row[1]) for row in np.asarray(value, dtype=object).reshape(-1, 2)]
    if kind == "tensor":
        array = np.asarray(value)
        if array.dtype == object:
            values = np.vectorize(
                lambda b: b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b), otypes=[object]
            )(array).tolist() if array.size else []
            return {"dtype": "string", "shape": list(array.shape), "values": values}
        return {"dtype": str(array.dtype), "shape": list(array.shape), "values": _json_array(array)}
    raise AssertionError(kind)


def _audio_summary(clip: bytes, label: bytes) -> dict[str, Any]:
    from tfevents.reader import decode_wav

    out: dict[str, Any] = {"bytes": len(clip), "label": label.decode("utf-8", "replace")}
    try:
        samples, rate = decode_wav(clip)
    except Exception:  # not a PCM WAV clip: its size only
        return out
    out.update(sample_rate=rate, channels=int(samples.shape[1]), frames=int(samples.shape[0]))
    return out


def _parse_kinds(text: str, fmt: str) -> list[str]:
    kinds = list(EXPORT_KINDS) if text == "all" else [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in EXPORT_KINDS]
    if bad or not kinds:
        raise ValueError(f"--kind must be 'all' or a comma-separated list of {', '.join(EXPORT_KINDS)}; got {text!r}")
    if fmt == "csv" and (len(kinds) != 1 or kinds[0] not in CSV_COLUMNS):
        raise ValueError(
            f"CSV export takes one --kind of {', '.join(CSV_COLUMNS)} (got {text!r}); "
            "use --format json or jsonl for other kinds"
        )
    return kinds


def _csv_rows(kind: str, run: str, tag: str, step: int, wall: float, value: Any) -> Iterator[list[Any]]:
    head = [run, tag, step, repr(wall)]
    if kind == "scalar":
        yield [*head, repr(float(value))]
    elif kind == "histogram":
        for left, right, count in np.asarray(value, dtype=np.float64).tolist():
            yield [*head, repr(left), repr(right), repr(count)]
    else:  # text; a table as a JSON list of its rows
        cells = _text_cells(value)
        yield [*head, cells if isinstance(cells, str) else json.dumps(cells, ensure_ascii=False)]


def _write_nested(out: TextIO, nested: dict[str, dict[str, dict[str, Any]]]) -> None:
    """``{"runs": {run: {tag: series}}}``, one line per series (compact, yet greppable)."""

    def dumps(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)

    out.write('{"runs": {')
    for i, (run, tags) in enumerate(nested.items()):
        out.write(("," if i else "") + f"\n {dumps(run)}: {{")
        for j, (tag, series) in enumerate(tags.items()):
            out.write(("," if j else "") + f"\n  {dumps(tag)}: {dumps(series)}")
        out.write("\n }")
    out.write("\n}}\n" if nested else "}}\n")


def _export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from tfevents.reader import event_files

    try:
        kinds = _parse_kinds(args.kind, args.format)
        run_re = re.compile(args.run) if args.run else None
        tag_re = re.compile(args.tag) if args.tag else None
    except (ValueError, re.error) as exc:
        parser.error(str(exc))
    runs = event_files(args.logdir)
    if not runs:
        return _no_files(args.logdir)
    if run_re is not None:
        runs = {run: paths for run, paths in runs.items() if run_re.search(run)}
        if not runs:
            print(f"no run under {args.logdir} matches --run {args.run!r}", file=sys.stderr)
            return 2
    kind_set = set(kinds)

    def want(tag: str, kind: str) -> bool:
        return kind in kind_set and (tag_re is None or tag_re.search(tag) is not None)

    errors: list[tuple[str, str]] = []
    with contextlib.ExitStack() as stack:
        out: TextIO = sys.stdout
        if args.output not in (None, "-"):
            out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
        bar = stack.enter_context(_make_progress(args, runs, "export"))
        data = (
            (run, value, event)
            for run, _, event in _walk(runs, bar, errors, want=want)
            for value in event.values
        )
        if args.format == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CSV_COLUMNS[kinds[0]])
            for run, value, event in data:
                writer.writerows(_csv_rows(value.kind, run, value.tag, event.step, event.wall_time, value.value))
        elif args.format == "jsonl" or args.layout == "records":
            first = True
            if args.format == "json":
                out.write("[")
            for run, value, event in data:
                record = {
                    "run": run, "tag": value.tag, "step": event.step, "wall_time": event.wall_time,
                    "kind": value.kind, "value": _json_value(value.kind, value.value),
                }
                text = json.dumps(record, ensure_ascii=False, allow_nan=False)
                if args.format == "jsonl":
                    out.write(text + "\n")
                else:
                    out.write(("\n  " if first else ",\n  ") + text)
                    first = False
            if args.format == "json":
                out.write("\n]\n" if not first else "]\n")
        else:
            nested: dict[str, dict[str, dict[str, Any]]] = {}
            for run, value, event in data:
                series = nested.setdefault(run, {}).setdefault(
                    value.tag, {"kind": value.kind, "steps": [], "wall_times": [], "values": []}
                )
                series["steps"].append(event.step)
                series["wall_times"].append(event.wall_time)
                series["values"].append(_json_value(value.kind, value.value))
            _write_nested(out, nested)
        out.flush()
    return 1 if errors else 0


# --- demo and the parser --------------------------------------------------------------------------


def _demo(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from tfevents.demo import main as demo_main

    return demo_main(list(rest))


EXPORT_EPILOG = """\
CSV (one --kind; one header row, then one row per value):
  scalar     run,tag,step,wall_time,value
  histogram  run,tag,step,wall_time,left,right,count   (one row per bucket)
  text       run,tag,step,wall_time,text              (a table: a JSON list of its rows)
Numbers are written exactly (shortest round-trip form of the stored value; a float32
scalar 0.1 is 0.10000000149011612, as TensorBoard's own downloads show it).

JSON (--layout nested, the default):
  {"runs": {RUN: {TAG: {"kind": K, "steps": [...], "wall_times": [...], "values": [...]}}}}
JSON (--layout records) and JSON Lines (--format jsonl, one record per line):
  {"run": RUN, "tag": TAG, "step": N, "wall_time": T, "kind": K, "value": V}
Values: scalar a number; histogram [[left, right, count], ...]; pr_curve
{"tp","fp","tn","fn","precision","recall": [...]}; text a string (a table: a list of
rows); tensor {"dtype", "shape", "values"}; image and audio are summarised
([{"height","width","channels"}], [{"sample_rate","channels","frames","label","bytes"}]):
read pixels and samples with tfevents.reader. NaN and infinities are the strings "NaN",
"Infinity" and "-Infinity". Graphs and hparams are not exported.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfevents", description="Write, inspect, check and export TensorBoard event files.",
        epilog="LOGDIR: a log directory, a run directory or an event file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("demo", help="train a small numpy MLP, log it, serve it in TensorBoard",
                        add_help=False)

    def with_progress(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="progress bar on stderr (default: when stderr is a terminal)")

    inspect = commands.add_parser("inspect", help="list runs, tags, kinds, counts and step ranges",
                                  description="List the runs under LOGDIR and, per run, each tag's "
                                  "kind, number of values and step range.")
    inspect.add_argument("logdir", metavar="LOGDIR")
    inspect.add_argument("--json", action="store_true", help="print the summary as JSON")
    inspect.add_argument("-v", "--verbose", action="store_true", help="list each run's files too")
    with_progress(inspect)

    validate = commands.add_parser("validate", help="check every record's CRCs and every event",
                                   description="Check both CRCs of every record and parse every "
                                   "event. Exit 1 if a file is corrupt; a torn last record is harmless.")
    validate.add_argument("logdir", metavar="LOGDIR")
    validate.add_argument("-v", "--verbose", action="store_true", help="list good files too")
    with_progress(validate)

    export = commands.add_parser(
        "export", help="write values as CSV, JSON or JSON Lines",
        description="Write the values under LOGDIR (scalars by default) as CSV, JSON or JSON Lines.",
        epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("logdir", metavar="LOGDIR")
    export.add_argument("-f", "--format", choices=("csv", "json", "jsonl"), default="csv",
                        help="output format (default: %(default)s)")
    export.add_argument("-k", "--kind", default="scalar",
                        help="kinds to export: 'all' or a comma-separated list of "
                        f"{', '.join(EXPORT_KINDS)} (default: %(default)s; CSV: one of "
                        f"{', '.join(CSV_COLUMNS)})")
    export.add_argument("--layout", choices=("nested", "records"), default="nested",
                        help="JSON layout (default: %(default)s)")
    export.add_argument("--run", metavar="REGEX", help="only runs whose name matches (re.search)")
    export.add_argument("--tag", metavar="REGEX", help="only tags that match (re.search)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    with_progress(export)
    export.set_defaults(subparser=export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        return _demo(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "export":
            return _export(args, args.subparser)
        return {"inspect": _inspect, "validate": _validate}[args.command](args)
    except BrokenPipeError:  # the reader of stdout has gone (``| head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
