"""Arrow tables of each exported kind, from what ``read_columns`` read of a run's files.

Columns (the run is the dataset's partition):

    scalar     tag, step, wall_time, value
    histogram  tag, step, wall_time, left_edges, right_edges, counts  (list<double> each)
    pr_curve   tag, step, wall_time, thresholds, tp, fp, tn, fn, precision, recall  (lists)
    text       tag, step, wall_time, text       (a table: the JSON list of its rows; a
                                                 one-cell table, torch's form, its text)
    hparams    group_name, start_time, then a column per hyperparameter (one row)

Tags are dictionary-encoded; numbers are stored as read (float64; steps int64).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from tfevents.reader.filecolumns import FileColumns
from tfevents.reader.series import Piece

__all__ = ["RunTables"]

PR_COLUMNS = ("tp", "fp", "tn", "fn", "precision", "recall")


class RunTables:
    """Collects one run's new values, file by file, then makes a table per kind."""

    def __init__(self) -> None:
        self.scalars: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        self.arrays: dict[str, list[tuple[str, Piece]]] = {"histogram": [], "pr_curve": []}
        self.texts: list[tuple[str, int, float, str]] = []
        self.sessions: list[dict[str, Any]] = []

    def add(self, read: FileColumns) -> None:
        from tfevents.cli.values import text_cells
        from tfevents.reader.hparams import SESSION_START, decode_plugin_data

        for tag, (steps, walls, values) in read.scalars.items():
            self.scalars.append((tag, steps, walls, values))
        for kind, tags in read.arrays.items():
            self.arrays[kind].extend(tags.items())
        for tag, step, wall, kind, value, _ in read.others:
            if kind == "text":  # (torch's one-cell table [1] as its text)
                cells = text_cells(value if isinstance(value, str) or value.size != 1 else value.reshape(()))
                text = cells if isinstance(cells, str) else json.dumps(cells, ensure_ascii=False)
                self.texts.append((tag, step, wall, text))
            elif kind == "hparams" and tag == SESSION_START and value:
                self.sessions.append(decode_plugin_data(value)[1])

    def tables(self) -> dict[str, Any]:
        """``{kind: pyarrow.Table}`` of the kinds that have rows."""
        out = {}
        if self.scalars:
            out["scalar"] = _scalar_table(self.scalars)
        for kind, pieces in self.arrays.items():
            if pieces:
                out[kind] = _array_table(kind, pieces)
        if self.texts:
            out["text"] = _text_table(self.texts)
        if self.sessions:
            out["hparams"] = _hparams_table(self.sessions)
        return out


def _tags(names: list[str], counts: list[int]) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    unique = list(dict.fromkeys(names))
    code = {name: k for k, name in enumerate(unique)}
    codes = np.repeat(np.array([code[n] for n in names], dtype=np.int32), counts)
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(unique, pa.string()))


def _scalar_table(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> Any:
    import pyarrow as pa

    return pa.table({
        "tag": _tags([p[0] for p in parts], [p[1].size for p in parts]),
        "step": pa.array(np.concatenate([p[1] for p in parts])),
        "wall_time": pa.array(np.concatenate([p[2] for p in parts])),
        "value": pa.array(np.concatenate([p[3] for p in parts])),
    })


def _array_table(kind: str, pieces: list[tuple[str, Piece]]) -> Any:
    import pyarrow as pa

    sizes = np.concatenate([p[3] for _, p in pieces])
    offsets = np.zeros(sizes.size + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    width = 3 if kind == "histogram" else 6
    rows = np.concatenate([p[4].reshape(-1, width) for _, p in pieces]).astype(np.float64, copy=False)
    offsets_array = pa.array(offsets)

    def lists(values: np.ndarray) -> Any:
        return pa.ListArray.from_arrays(offsets_array, pa.array(np.ascontiguousarray(values)))

    columns: dict[str, Any] = {
        "tag": _tags([t for t, _ in pieces], [p[0].size for _, p in pieces]),
        "step": pa.array(np.concatenate([p[1] for _, p in pieces])),
        "wall_time": pa.array(np.concatenate([p[2] for _, p in pieces])),
    }
    if kind == "histogram":
        columns.update(left_edges=lists(rows[:, 0]), right_edges=lists(rows[:, 1]), counts=lists(rows[:, 2]))
    else:  # TensorBoard's thresholds: linspace(0, 1, num_thresholds)
        position = np.arange(rows.shape[0]) - np.repeat(offsets[:-1], sizes)
        span = np.repeat(np.maximum(sizes - 1, 1), sizes)
        thresholds = position * (1.0 / span)  # (np.linspace's own arithmetic, to the bit)
        thresholds[position == span] = 1.0
        columns["thresholds"] = lists(thresholds)
        columns.update((name, lists(rows[:, k])) for k, name in enumerate(PR_COLUMNS))
    return pa.table(columns)


def _text_table(texts: list[tuple[str, int, float, str]]) -> Any:
    import pyarrow as pa

    tags, steps, walls, values = zip(*texts)
    return pa.table({
        "tag": _tags(list(tags), [1] * len(tags)),
        "step": pa.array(np.array(steps, dtype=np.int64)),
        "wall_time": pa.array(np.array(walls, dtype=np.float64)),
        "text": pa.array(list(values), pa.string()),
    })


def _hparams_table(sessions: list[dict[str, Any]]) -> Any:
    """A row per session start (one, as a rule): its hyperparameters as typed columns
    (numbers double, strings, bools; lists and structs as JSON text)."""
    import pyarrow as pa

    names = list(dict.fromkeys(n for s in sessions for n in s["hparams"]))
    columns: dict[str, Any] = {
        "group_name": pa.array([s["group_name"] for s in sessions], pa.string()),
        "start_time": pa.array([s["start_time"] for s in sessions], pa.float64()),
    }
    for name in names:
        cells = [s["hparams"].get(name) for s in sessions]
        cells = [json.dumps(c) if isinstance(c, (list, dict)) else c for c in cells]
        columns[name if name not in columns else f"hparam_{name}"] = pa.array(cells)
    return pa.table(columns)
