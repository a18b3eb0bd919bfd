"""Exporting scalars fast as CSV or JSON: whole files read as columns, written a series
at a time (bound by formatting numbers as text: ``repr``, the shortest exact form)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import re
import sys
import warnings
from typing import Any, TextIO

from tfevents.cli.common import damage_warning, make_progress
from tfevents.cli.values import json_float, write_nested


def read_run_columns(
    store: Any, paths: list[str], tag_pattern: str | None, on_file: Any = None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One run's series ({tag: ScalarSeries}, tags sorted) and its damaged files."""
    from tfevents.errors import DamagedFileWarning
    from tfevents.reader.scalars import merge_files, read_file_scalars

    tag_re = re.compile(tag_pattern) if tag_pattern else None
    want = None if tag_re is None else (lambda tag: tag_re.search(tag) is not None)
    files, errors = [], []
    for path, data in store.fetch(paths):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DamagedFileWarning)
            result = read_file_scalars(path, want, data)
        files.append(result.series)
        if result.damage is not None:
            errors.append((path, str(result.damage)))
        if on_file is not None:
            on_file(path, result)
    series = merge_files(files)
    return dict(sorted(series.items())), errors


def export_scalars(
    args: argparse.Namespace, store: Any, runs: dict[str, list[str]], tag_re: re.Pattern[str] | None
) -> int:
    pattern = tag_re.pattern if tag_re is not None else None
    errors: list[tuple[str, str]] = []
    results: dict[str, dict[str, Any]] = {}
    with make_progress(args, store, runs, "export") as bar:
        for name, paths in runs.items():
            series, bad = read_run_columns(
                store, paths, pattern, lambda path, _: bar.file_done(store.size(path))
            )
            results[name] = series
            errors += bad
        for path, error in errors:
            bar.write(damage_warning(path, error))
    with contextlib.ExitStack() as stack:
        out: TextIO = sys.stdout
        if args.output not in (None, "-"):
            out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
        if args.format == "csv":
            _write_csv(out, results)
        elif args.format == "jsonl" or args.layout == "records":
            _write_records(out, results, args.format == "json")
        else:
            _write_nested(out, results)
        out.flush()
    return 1 if errors else 0


def _quoted(text: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([text])
    return buffer.getvalue()


def _write_csv(out: TextIO, results: dict[str, dict[str, Any]]) -> None:
    out.write("run,tag,step,wall_time,value\n")
    for run, tags in results.items():
        for tag, series in tags.items():
            head = f"{_quoted(run)},{_quoted(tag)},"
            rows = zip(series.steps.tolist(), series.wall_times.tolist(), series.values.tolist())
            out.write("".join([f"{head}{s},{w!r},{v!r}\n" for s, w, v in rows]))


def _write_records(out: TextIO, results: dict[str, dict[str, Any]], as_array: bool) -> None:
    first = True
    if as_array:
        out.write("[")
    for run, tags in results.items():
        for tag, series in tags.items():
            for s, w, v in zip(series.steps.tolist(), series.wall_times.tolist(), series.values.tolist()):
                record = {"run": run, "tag": tag, "step": s, "wall_time": w, "kind": "scalar",
                          "value": json_float(v)}
                text = json.dumps(record, ensure_ascii=False, allow_nan=False)
                if not as_array:
                    out.write(text + "\n")
                else:
                    out.write(("\n  " if first else ",\n  ") + text)
                    first = False
    if as_array:
        out.write("\n]\n" if not first else "]\n")


def _write_nested(out: TextIO, results: dict[str, dict[str, Any]]) -> None:

    nested = {
        run: {
            tag: {"kind": "scalar", "steps": series.steps.tolist(),
                  "wall_times": series.wall_times.tolist(),
                  "values": [json_float(v) for v in series.values.tolist()]}
            for tag, series in tags.items()
        }
        for run, tags in results.items() if tags
    }
    write_nested(out, nested)
