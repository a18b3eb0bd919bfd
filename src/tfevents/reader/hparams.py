"""The HParams dashboard's table, from event files: ``read_hparams``.

TensorBoard's rules (``tensorboard/plugins/hparams/backend_context.py``), kept here:

* A **session** is a run with a ``_hparams_/session_start_info`` value; its group is the
  start info's ``group_name``, else the run's name.
* The **columns**: the first run (in name order) with an ``_hparams_/experiment`` value
  declares the hyperparameters and metrics. Without one, the hyperparameters are those
  of every session's start info, and the metrics every scalar tag of a session's run or
  of its sub-runs (the metric's group: the sub-run's path below the session, "" for the
  session's own run).
* A metric's **value** in a session is the last scalar logged under its tag in the
  session's run (or sub-run ``group``).

Files from tfevents, torch (``add_hparams``' sub-run), tensorboardX, Lightning's
TensorBoardLogger, Keras' ``hp.KerasCallback`` and TensorFlow's ``hp.hparams`` all read
the same way. pandas is imported only by ``read_hparams``.
"""

from __future__ import annotations

import os
import posixpath
import struct
from collections.abc import Mapping
from typing import Any

from tfevents.errors import DecodeError
from tfevents.reader.discovery import runs_of
from tfevents.reader.filecolumns import read_columns
from tfevents.wire.decoding import fields

__all__ = ["decode_plugin_data", "read_hparams", "session_table"]

EXPERIMENT = "_hparams_/experiment"
SESSION_START = "_hparams_/session_start_info"
SESSION_END = "_hparams_/session_end_info"
STATUSES = {0: "STATUS_UNKNOWN", 1: "STATUS_SUCCESS", 2: "STATUS_FAILURE", 3: "STATUS_RUNNING"}


def _text(raw: Any) -> str:
    return bytes(raw).decode("utf-8", "replace")


def _double(raw: Any) -> float:
    return float(struct.unpack("<d", raw)[0])


def protobuf_value(data: bytes) -> Any:
    """A ``google.protobuf.Value`` as Python: None, float, str, bool, dict or list."""
    out: Any = None
    for number, _, raw in fields(data):
        if number == 1:
            out = None
        elif number == 2:
            out = _double(raw)
        elif number == 3:
            out = _text(raw)
        elif number == 4:
            out = bool(raw)
        elif number == 5:  # Struct: map<string, Value> fields = 1
            out = {}
            for n, _, entry in fields(raw):  # type: ignore[arg-type]
                if n == 1:
                    parts = {k: v for k, _, v in fields(entry)}  # type: ignore[arg-type]
                    out[_text(parts.get(1, b""))] = protobuf_value(parts.get(2, b""))  # type: ignore[arg-type]
        elif number == 6:  # ListValue: repeated Value values = 1
            out = [protobuf_value(v) for n, _, v in fields(raw) if n == 1]  # type: ignore[arg-type]
    return out


def decode_plugin_data(content: bytes) -> tuple[str, dict[str, Any]]:
    """An ``HParamsPluginData``: ("experiment", {"hparams": [names], "metrics": [(group,
    tag)]}), ("session_start", {"hparams": {name: value}, "group_name", "start_time"}),
    ("session_end", {"status", "end_time"}), or ("", {}) for anything else."""
    try:
        for number, _, raw in fields(content):
            if number == 2:
                return "experiment", _experiment(raw)  # type: ignore[arg-type]
            if number == 3:
                return "session_start", _session_start(raw)  # type: ignore[arg-type]
            if number == 4:
                return "session_end", _session_end(raw)  # type: ignore[arg-type]
    except (DecodeError, struct.error) as exc:
        raise DecodeError(f"HParamsPluginData does not parse: {exc}") from None
    return "", {}


def _experiment(data: bytes) -> dict[str, Any]:
    hparams, metrics = [], []
    for number, _, raw in fields(data):
        if number == 4:  # HParamInfo: name = 1
            hparams.append(next((_text(v) for n, _, v in fields(raw) if n == 1), ""))  # type: ignore[arg-type]
        elif number == 5:  # MetricInfo: name = 1 (MetricName{group = 1, tag = 2})
            name = next((v for n, _, v in fields(raw) if n == 1), b"")  # type: ignore[arg-type]
            parts = {n: _text(v) for n, _, v in fields(name)}  # type: ignore[arg-type]
            metrics.append((parts.get(1, ""), parts.get(2, "")))
    return {"hparams": hparams, "metrics": metrics}


def _session_start(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"hparams": {}, "group_name": "", "start_time": None}
    for number, _, raw in fields(data):
        if number == 1:  # map entry: key = 1, value = 2
            entry = {n: v for n, _, v in fields(raw)}  # type: ignore[arg-type]
            out["hparams"][_text(entry.get(1, b""))] = protobuf_value(entry.get(2, b""))  # type: ignore[arg-type]
        elif number == 4:
            out["group_name"] = _text(raw)
        elif number == 5:
            out["start_time"] = _double(raw)
    return out


def _session_end(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"status": STATUSES[0], "end_time": None}
    for number, _, raw in fields(data):
        if number == 1:
            out["status"] = STATUSES.get(raw if isinstance(raw, int) else -1, STATUSES[0])
        elif number == 2:
            out["end_time"] = _double(raw)
    return out


def metric_column(group: str, tag: str) -> str:
    """A metric's column: its tag, or ``group/tag`` for a metric of a sub-run."""
    return f"{group}/{tag}" if group else tag


def session_table(
    contents: Mapping[str, Mapping[str, bytes]], last_scalars: Mapping[str, Mapping[str, float]]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """The table from each run's hparams contents ``{run: {tag: content}}`` (each tag's
    first) and last scalars ``{run: {tag: value}}``: hyperparameter columns, metric
    columns, and a row per session (``run``, ``group``, ``status``, then the values)."""
    decoded = {run: {tag: decode_plugin_data(c)[1] for tag, c in tags.items()}
               for run, tags in sorted(contents.items())}
    sessions = [run for run, tags in decoded.items() if SESSION_START in tags]
    experiment = next((tags[EXPERIMENT] for tags in decoded.values() if EXPERIMENT in tags), None)
    if experiment is not None:
        hparams: list[str] = list(experiment["hparams"])
        metrics: list[tuple[str, str]] = list(experiment["metrics"])
    else:
        seen: dict[str, set[str]] = {}
        for run in sessions:
            for name, value in decoded[run][SESSION_START]["hparams"].items():
                seen.setdefault(name, set()).add(repr(value))
        # TensorBoard's order of inferred columns: those whose values differ, then by name
        hparams = sorted(seen, key=lambda name: (len(seen[name]) < 2, name))
        found: set[tuple[str, str]] = set()
        for run, tags in last_scalars.items():
            session = _longest_parent(set(sessions), run)
            if session is not None:
                group = "" if run == session else posixpath.relpath(run, session)
                found.update((tag, group) for tag in tags)
        metrics = [(group, tag) for tag, group in sorted(found)]
    rows = []
    for run in sessions:
        start = decoded[run][SESSION_START]
        end = decoded[run].get(SESSION_END, {})
        row: dict[str, Any] = {"run": run, "group": start["group_name"] or run,
                               "status": end.get("status", STATUSES[0])}
        row.update((name, start["hparams"].get(name)) for name in hparams)
        for group, tag in metrics:
            where = posixpath.join(run, group) if group else run
            row[metric_column(group, tag)] = last_scalars.get(where, {}).get(tag, float("nan"))
        rows.append(row)
    return hparams, [metric_column(g, t) for g, t in metrics], rows


def _longest_parent(sessions: set[str], run: str) -> str | None:
    while run not in sessions:
        if not run or run == ".":
            return None
        run = posixpath.dirname(run)
    return run


def read_hparams(path: str | os.PathLike[str], *, storage_options: Mapping[str, Any] | None = None) -> Any:
    """The HParams dashboard's table under ``path`` as a pandas DataFrame.

    One row per session (a run with hyperparameters, in name order), indexed by run:
    columns ``group`` and ``status`` (``STATUS_SUCCESS``, ... as TensorBoard names them),
    then a column per hyperparameter (its value in that session: a number, string or
    bool; None where the session has none), then one per metric (the last value of its
    tag in the session's run, or in its sub-run ``group`` for a column named
    ``group/tag``; NaN where none was logged). ``df.attrs["hparams"]`` and
    ``df.attrs["metrics"]`` list the columns of each. Needs pandas (``tfevents[read]``).
    """
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("read_hparams needs pandas: pip install 'tfevents[read]'") from exc
    store, runs = runs_of(path, storage_options)
    owner = {p: name for name, paths in runs.items() for p in paths}
    contents: dict[str, dict[str, bytes]] = {}
    last: dict[str, dict[str, float]] = {}
    for file_path, data in store.fetch(list(owner)):
        run = owner[file_path]
        read = read_columns(data, ("scalar", "hparams"))
        for tag, (_, _, values) in read.scalars.items():
            last.setdefault(run, {})[tag] = float(values[-1])
        for tag, _, _, kind, value, _ in read.others:
            if kind == "hparams" and value:
                contents.setdefault(run, {}).setdefault(tag, value)
    hparams, metrics, rows = session_table(contents, last)
    frame = pd.DataFrame(rows, columns=["run", "group", "status", *hparams, *metrics]).set_index("run")
    frame.attrs["hparams"], frame.attrs["metrics"] = hparams, metrics
    return frame
