"""``tfevents export --format parquet``: one Parquet dataset per kind, kept in sync.

    OUT/<kind>/run=<run, URL-quoted>/part-<NNNNN>.parquet     (kind: scalar, histogram,
                                                               pr_curve, text, hparams)
    OUT/_tfevents_export.json                                  what was read of each file

Hive-style, so that DuckDB (``read_parquet('OUT/scalar/*/*.parquet', hive_partitioning =
true)``), Polars or Spark read a sweep as one table per kind (columns: ``cli/tables.py``).

Run again on the same OUT after the logs grew, the export reads only what was added:
the state file keeps, for each event file, the byte offset where its whole records end
and its tags' plugins there; a file that grew is read from that offset (a range request
for an object), a new file whole, and an export's new values go to new part files
(``part-<export number>``). The state is replaced (atomically) only after every part
of an export is written, and a part that no state names (an export that died midway)
is removed before the next one: each value lands in the dataset exactly once. The
options (LOGDIR, kinds, --run, --tag) must stay the same for one OUT.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import urllib.parse
from typing import Any

from tfevents.cli.common import damage_warning, make_progress

PARQUET_KINDS = ("scalar", "histogram", "pr_curve", "text", "hparams")
STATE = "_tfevents_export.json"
_VERSION = 1


class StateError(ValueError):
    """OUT cannot be appended to with these options."""


def load_state(out: str, options: dict[str, Any]) -> dict[str, Any]:
    """The state kept in OUT, or a fresh one; the options must be the state's."""
    path = os.path.join(out, STATE)
    if not os.path.exists(path):
        if os.path.isdir(out) and os.listdir(out):
            raise StateError(f"{out} is not empty and holds no {STATE}: give a new or empty directory")
        return {"version": _VERSION, "options": options, "exports": 0, "parts": [], "files": {}}
    with open(path, encoding="utf-8") as f:
        state: dict[str, Any] = json.load(f)
    if state.get("version") != _VERSION:
        raise StateError(f"{path}: unknown version {state.get('version')!r}")
    if state["options"] != options:
        raise StateError(f"{out} was exported with {state['options']}; these options are {options}: "
                         "use the same ones, or a new directory")
    return state


def remove_orphans(out: str, state: dict[str, Any]) -> None:
    """Parts no state names: written by an export that did not finish."""
    kept = set(state["parts"])
    for path in glob.glob(os.path.join(glob.escape(out), "*", "run=*", "part-*.parquet")):
        if os.path.relpath(path, out).replace(os.sep, "/") not in kept:
            os.remove(path)


def save_state(out: str, state: dict[str, Any]) -> None:
    path = os.path.join(out, STATE)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(temporary, path)


def export_parquet(
    args: argparse.Namespace, store: Any, runs: dict[str, list[str]], kinds: list[str],
    tag_re: re.Pattern[str] | None,
) -> int:
    if args.output in (None, "-"):
        print("--format parquet needs -o DIRECTORY", file=sys.stderr)
        return 2
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        print("--format parquet needs pyarrow: pip install 'tfevents[parquet]'", file=sys.stderr)
        return 2
    from tfevents.cli.tables import RunTables
    from tfevents.reader.filecolumns import read_columns

    out = args.output
    options = {"logdir": args.logdir, "kinds": sorted(kinds), "run": args.run, "tag": args.tag}
    try:
        state = load_state(out, options)
    except StateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    remove_orphans(out, state)
    number = state["exports"] + 1
    files: dict[str, Any] = state["files"]
    errors: list[tuple[str, str]] = []

    def want_tag(tag: str) -> bool:
        return tag_re is None or tag.startswith("_hparams_/") or tag_re.search(tag) is not None

    with make_progress(args, store, runs, "export") as bar:
        for run, paths in runs.items():
            starts = [int(files.get(p, {}).get("offset", 0)) for p in paths]
            sizes = [store.size(p) for p in paths]
            pending = []
            for path, start, size in zip(paths, starts, sizes):
                if size < start:
                    errors.append((path, f"now {size} bytes, shorter than the {start} already exported"))
                elif size > start:
                    pending.append((path, start))
                else:
                    bar.file_done(size)
            tables = RunTables()
            for (path, start), (_, data) in zip(pending, store.fetch(*zip(*pending)) if pending else ()):
                entry = files.get(path, {})
                read = read_columns(data, kinds, want_tag, entry.get("plugins"))
                tables.add(read)
                files[path] = {"offset": start + read.end, "plugins": read.plugins}
                if read.damage is not None:
                    errors.append((path, str(read.damage)))
                bar.file_done(store.size(path))
            for kind, table in tables.tables().items():
                part = f"{kind}/run={urllib.parse.quote(run, safe='')}/part-{number:05d}.parquet"
                os.makedirs(os.path.dirname(os.path.join(out, part)), exist_ok=True)
                pq.write_table(table, os.path.join(out, part), compression="snappy",
                               use_dictionary=["tag"] if "tag" in table.column_names else False)
                state["parts"].append(part)
        for path, error in errors:
            bar.write(damage_warning(path, error))
    state["exports"] = number
    save_state(out, state)
    return 1 if errors else 0
