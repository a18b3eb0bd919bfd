"""Scalars as a pandas DataFrame, in tbparse's forms, so that tbparse users can switch.

``read_dataframe(path)`` has the columns of ``tbparse.SummaryReader(path).scalars``
(``step``, ``tag``, ``value``; ``extra_columns`` adds ``wall_time`` and ``dir_name``, the
run's directory relative to ``path``, ``""`` for ``path`` itself), sorted as tbparse
sorts them (by ``dir_name``, ``tag``, ``step``). ``pivot=True`` gives tbparse's wide
form: one row per run and step, one column per tag (several values of one tag at one
step become a list, as tbparse merges them).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from tfevents.errors import ArgumentError

__all__ = ["read_dataframe"]

_EXTRA = ("wall_time", "dir_name")


def read_dataframe(
    path: str | os.PathLike[str],
    kind: str = "scalar",
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    pivot: bool = False,
    extra_columns: Collection[str] | None = None,
    workers: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Any:
    """A ``pandas.DataFrame`` of the scalars under ``path``, with tbparse's columns.

    Long form (default): ``step``, ``tag``, ``value``, then ``wall_time`` and ``dir_name``
    (the run, ``""`` for ``path`` itself) when named in ``extra_columns``; rows sorted by
    run, tag and step, as ``tbparse.SummaryReader(path, extra_columns=...).scalars``.
    ``pivot=True``: one column per tag, one row per run and step. ``run`` and ``tag``
    keep only those names (exact), chosen before any file is read; ``workers=N`` reads
    runs in N processes; ``storage_options`` are fsspec's, for a URL. pandas is imported
    only by this call. Two runs on one plot::

        import matplotlib.pyplot as plt
        from tfevents.reader import read_dataframe

        df = read_dataframe("runs/demo", tag="loss/train", extra_columns={"dir_name"})
        for run, rows in df.groupby("dir_name"):
            plt.plot(rows["step"], rows["value"], label=run)
        plt.legend(); plt.xlabel("step"); plt.ylabel("loss/train"); plt.show()
    """
    if kind != "scalar":
        raise ArgumentError(f"kind must be 'scalar' (read other kinds with read_values); got {kind!r}")
    extra = set(extra_columns or ())
    if not extra.issubset(_EXTRA):
        raise ArgumentError(f"extra_columns must be a subset of {set(_EXTRA)}; got {sorted(extra)}")
    import pandas as pd  # type: ignore[import-untyped]

    from tfevents.reader.api import read_scalars

    runs = read_scalars(path, run=run, tag=tag, workers=workers, storage_options=storage_options)
    names, tags, steps, values, walls = [], [], [], [], []
    for run_name in sorted(runs, key=lambda r: "" if r == "." else r):
        for tag_name in sorted(runs[run_name]):
            series = runs[run_name][tag_name]
            order = np.argsort(series.steps, kind="stable")  # tbparse sorts by step
            names.append(np.full(order.size, "" if run_name == "." else run_name, dtype=object))
            tags.append(np.full(order.size, tag_name, dtype=object))
            steps.append(series.steps[order])
            values.append(series.values[order])
            walls.append(series.wall_times[order])
    def joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    columns: dict[str, Any] = {"step": joined(steps, np.int64), "tag": joined(tags, object),
                               "value": joined(values, np.float64)}
    if "wall_time" in extra:
        columns["wall_time"] = joined(walls, np.float64)
    if "dir_name" in extra:
        columns["dir_name"] = joined(names, object)
    frame = pd.DataFrame(columns)
    keys = (["dir_name"] if "dir_name" in extra else []) + ([] if pivot else ["tag"]) + ["step"]
    frame = frame.sort_values(keys, ignore_index=True, kind="stable")  # tbparse's order
    if not pivot or frame.empty:
        return frame
    return _pivot(pd, frame, keys)


def _merge(cells: Any) -> Any:
    """tbparse's rule for several values in one cell: NaN ignored, the others a list."""
    if len(cells) == 1:
        return cells.iloc[0]
    kept = [x for x in cells if not (np.isscalar(x) and pd_isnull(x))]
    if not kept:
        return float("nan")
    return kept[0] if len(kept) == 1 else kept


def pd_isnull(x: Any) -> bool:
    return isinstance(x, float) and x != x


def _pivot(pd: Any, frame: Any, keys: list[str]) -> Any:
    """tbparse's wide form: a column per tag, rows merged by run and step."""
    tags = sorted(set(frame["tag"]))
    if not frame.duplicated([*keys, "tag"]).any() and "wall_time" not in frame:
        wide = frame.pivot(index=keys, columns="tag", values="value").reset_index()
        wide.columns.name = None
    else:
        sparse = frame.drop(columns=["tag", "value"])
        for tag_name in tags:
            sparse[tag_name] = frame["value"].where(frame["tag"] == tag_name)
        wide = sparse.groupby(keys, sort=False).aggregate(_merge).reset_index()
    order = ["step", *tags] + [c for c in ("wall_time", "dir_name") if c in wide.columns]
    return wide[order]
