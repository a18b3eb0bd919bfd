"""``tfevents export LOGDIR``: values as CSV, JSON, JSON Lines, or a Parquet dataset.

Scalars (the default ``--kind``) are read as columns over whole files
(``tfevents.reader.scalars``), and written per run, then per tag (sorted), in logged
order; other kinds are walked event by event, in file order.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import sys
from typing import Any, TextIO

from tfevents.cli.common import add_source, make_progress, no_files, open_source, walk
from tfevents.cli.parquet import PARQUET_KINDS
from tfevents.cli.scalars import export_scalars
from tfevents.cli.values import csv_rows, json_value, write_nested
from tfevents.errors import ArgumentError

EXPORT_KINDS = ("scalar", "histogram", "image", "audio", "text", "pr_curve", "tensor")
CSV_COLUMNS = {
    "scalar": ("run", "tag", "step", "wall_time", "value"),
    "histogram": ("run", "tag", "step", "wall_time", "left", "right", "count"),
    "text": ("run", "tag", "step", "wall_time", "text"),
}


EXPORT_EPILOG = """\
CSV (one --kind; one header row, then one row per value):
  scalar     run,tag,step,wall_time,value
  histogram  run,tag,step,wall_time,left,right,count   (one row per bucket)
  text       run,tag,step,wall_time,text              (a table: a JSON list of its rows)
Numbers are written exactly (shortest round-trip form of the stored value; a float32
scalar 0.1 is 0.10000000149011612, as TensorBoard's own downloads show it).

Parquet (--format parquet; needs pyarrow; -o names a directory; kinds: scalar, histogram,
pr_curve, text, hparams, or all): a dataset per kind, partitioned by run
(OUT/KIND/run=NAME/part-N.parquet), for DuckDB, Polars or Spark to query directly:
  scalar     tag, step, wall_time, value
  histogram  tag, step, wall_time, left_edges, right_edges, counts  (lists: an item per bucket)
  pr_curve   tag, step, wall_time, thresholds, tp, fp, tn, fn, precision, recall  (lists)
  text       tag, step, wall_time, text
  hparams    group_name, start_time, and a column per hyperparameter (a row per session;
             read with union_by_name = true where sessions differ in hyperparameters)
Run again with the same options on the same OUT, it reads only what the event files
gained since (OUT/_tfevents_export.json keeps how far each file was read) and adds new
part files: DuckDB:  SELECT * FROM read_parquet('OUT/scalar/*/*.parquet', hive_partitioning = true)

JSON (--layout nested, the default):
  {"runs": {RUN: {TAG: {"kind": K, "steps": [...], "wall_times": [...], "values": [...]}}}}
JSON (--layout records) and JSON Lines (--format jsonl, one record per line):
  {"run": RUN, "tag": TAG, "step": N, "wall_time": T, "kind": K, "value": V}
Values: scalar a number; histogram [[left, right, count], ...]; pr_curve
{"tp","fp","tn","fn","precision","recall": [...]}; text a string (a table: a list of
rows); tensor {"dtype", "shape", "values"}; image and audio are summarised
([{"height","width","channels"}], [{"sample_rate","channels","frames","label","bytes"}]):
read pixels and samples with tfevents.reader. NaN and infinities are the strings "NaN",
"Infinity" and "-Infinity". Graphs are not exported; hparams only to Parquet.

LOGDIR may be an fsspec URL (s3://, gs://, az://, memory://): --storage-options passes
fsspec's options (credentials, endpoint_url) as JSON.
"""




def add_parser(commands: argparse._SubParsersAction, with_progress) -> None:  # type: ignore[type-arg, no-untyped-def]
    export = commands.add_parser(
        "export", help="write values as CSV, JSON, JSON Lines or Parquet",
        description="Write the values under LOGDIR (scalars by default) as CSV, JSON, JSON Lines "
        "or a Parquet dataset.",
        epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source(export)
    export.add_argument("-f", "--format", choices=("csv", "json", "jsonl", "parquet"), default="csv",
                        help="output format (default: %(default)s)")
    export.add_argument("-k", "--kind", default="scalar",
                        help="kinds to export: 'all' or a comma-separated list of "
                        f"{', '.join(EXPORT_KINDS)} (default: %(default)s; CSV: one of "
                        f"{', '.join(CSV_COLUMNS)}; Parquet: {', '.join(PARQUET_KINDS)})")
    export.add_argument("--layout", choices=("nested", "records"), default="nested",
                        help="JSON layout (default: %(default)s)")
    export.add_argument("--run", metavar="REGEX", help="only runs whose name matches (re.search)")
    export.add_argument("--tag", metavar="REGEX", help="only tags that match (re.search)")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (default: stdout; Parquet: a directory, required)")
    # (gone: a process pool on one machine; kept for scripts, with a note. Reading past
    # one machine: tfevents.reader.dask.read_dask_scalars.)
    export.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    with_progress(export)
    export.set_defaults(subparser=export)


def parse_kinds(text: str, fmt: str) -> list[str]:
    known = PARQUET_KINDS if fmt == "parquet" else EXPORT_KINDS
    kinds = list(known) if text == "all" else [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in known]
    if bad or not kinds:
        raise ArgumentError(f"--kind must be 'all' or a comma-separated list of {', '.join(known)}"
                         f"{' for Parquet' if fmt == 'parquet' else ''}; got {text!r}")
    if fmt == "csv" and (len(kinds) != 1 or kinds[0] not in CSV_COLUMNS):
        raise ArgumentError(
            f"CSV export takes one --kind of {', '.join(CSV_COLUMNS)} (got {text!r}); "
            "use --format json or jsonl for other kinds"
        )
    return kinds


def run_export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        kinds = parse_kinds(args.kind, args.format)
        run_re = re.compile(args.run) if args.run else None
        tag_re = re.compile(args.tag) if args.tag else None
    except (ValueError, re.error) as exc:
        parser.error(str(exc))
    if args.workers is not None:
        print("note: --workers is gone (it had no effect on a shared machine, and remote files are "
              "fetched many at once anyway); to read past one machine, see tfevents.reader.dask",
              file=sys.stderr)
    store, runs = open_source(args)
    if not runs:
        return no_files(args.logdir)
    if run_re is not None:
        runs = {run: paths for run, paths in runs.items() if run_re.search(run)}
        if not runs:
            print(f"no run under {args.logdir} matches --run {args.run!r}", file=sys.stderr)
            return 2
    if args.format == "parquet":
        from tfevents.cli.parquet import export_parquet

        return export_parquet(args, store, runs, kinds, tag_re)
    if kinds == ["scalar"]:
        return export_scalars(args, store, runs, tag_re)
    kind_set = set(kinds)

    def want(tag: str, kind: str) -> bool:
        return kind in kind_set and (tag_re is None or tag_re.search(tag) is not None)

    errors: list[tuple[str, str]] = []
    with contextlib.ExitStack() as stack:
        out: TextIO = sys.stdout
        if args.output not in (None, "-"):
            out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
        bar = stack.enter_context(make_progress(args, store, runs, "export"))
        data = (
            (run, value, event)
            for run, _, event in walk(store, runs, bar, errors, want=want)
            for value in event.values
        )
        if args.format == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CSV_COLUMNS[kinds[0]])
            for run, value, event in data:
                writer.writerows(csv_rows(value.kind, run, value.tag, event.step, event.wall_time, value.value))
        elif args.format == "jsonl" or args.layout == "records":
            first = True
            if args.format == "json":
                out.write("[")
            for run, value, event in data:
                record = {
                    "run": run, "tag": value.tag, "step": event.step, "wall_time": event.wall_time,
                    "kind": value.kind, "value": json_value(value.kind, value.value),
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
                series["values"].append(json_value(value.kind, value.value))
            write_nested(out, nested)
        out.flush()
    return 1 if errors else 0
