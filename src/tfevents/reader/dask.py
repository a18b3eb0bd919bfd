"""Event files as a Dask DataFrame: one partition per event file, read by the workers.

    from dask.distributed import Client
    from tfevents.reader.dask import read_dask

    client = Client("scheduler:8786")                       # any dask.distributed cluster
    frame = read_dask("s3://bucket/sweep", storage_options={...})   # lazy: files listed only
    frame.groupby(["run", "tag"]).value.last().compute()

The client lists the log directory once; each partition is one event file, and the
worker that computes it fetches and decodes that file itself (``read_columns``: every
CRC checked, scalars, histograms and PR curves as columns), so a sweep of thousands of
runs is read by the whole cluster and never passes through the client. Columns:

    scalar      run, tag, step, wall_time, value
    histogram   run, tag, step, wall_time, left_edges, right_edges, counts  (lists, Arrow)
    pr_curve    run, tag, step, wall_time, tp, fp, tn, fn, precision, recall  (lists)

Needs ``dask[dataframe]`` (and ``distributed`` for a cluster): ``pip install
'tfevents[dask]'``. Dask and pandas are imported only by ``read_dask`` and its partitions.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection, Mapping
from typing import Any

from tfevents.errors import ArgumentError
from tfevents.reader.discovery import runs_of, selector

__all__ = ["read_dask"]

_LISTS = {"histogram": ("left_edges", "right_edges", "counts"),
          "pr_curve": ("tp", "fp", "tn", "fn", "precision", "recall")}


def read_dask(
    path: str | os.PathLike[str],
    kind: str = "scalar",
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Any:
    """A ``dask.dataframe.DataFrame`` of ``kind`` ("scalar", "histogram" or "pr_curve")
    under ``path`` (a local path every worker sees, or an fsspec URL; ``storage_options``
    travel to the workers), one partition per event file, rows in file order.
    ``run``/``tag`` keep exact names (runs chosen here, tags by each worker)."""
    if kind not in ("scalar", *_LISTS):
        raise ArgumentError(f"kind must be 'scalar', 'histogram' or 'pr_curve', got {kind!r}")
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("read_dask needs dask: pip install 'tfevents[dask]'") from exc
    want_run = selector(run, "run")
    selector(tag, "tag")  # (checked here, applied by the workers)
    tags = None if tag is None else sorted({tag} if isinstance(tag, str) else set(tag))
    store, runs = runs_of(path, storage_options)
    files = [(name, file_path) for name, paths in runs.items() if want_run is None or want_run(name)
             for file_path in paths]
    options = None if storage_options is None else dict(storage_options)
    return dd.from_map(read_partition, files, root=store.root, kind=kind, tags=tags,
                       storage_options=options, meta=_frame(kind, "", {}), enforce_metadata=False)


def read_partition(
    item: tuple[str, str], root: str, kind: str, tags: list[str] | None,
    storage_options: dict[str, Any] | None,
) -> Any:
    """One event file as a pandas DataFrame (run on a worker)."""
    from tfevents.errors import DamagedFileWarning
    from tfevents.reader.filecolumns import read_columns
    from tfevents.reader.files import damage_message
    from tfevents.reader.storage import open_store

    run, file_path = item
    ((_, data),) = open_store(root, storage_options).fetch([file_path])
    read = read_columns(data, (kind,), None if tags is None else set(tags).__contains__)
    if read.damage is not None:
        warnings.warn(damage_message(file_path, read.damage, read.records), DamagedFileWarning, stacklevel=2)
    found = read.scalars if kind == "scalar" else read.arrays.get(kind, {})
    return _frame(kind, run, found)


def _frame(kind: str, run: str, found: Mapping[str, Any]) -> Any:
    """The partition's frame (an empty one of the right dtypes as ``meta``)."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]

    names = list(found)
    counts = [len(found[t][0]) if kind == "scalar" else found[t][0].size for t in names]
    total = sum(counts)
    tag_column = pd.Categorical.from_codes(np.repeat(np.arange(len(names)), counts), categories=names) \
        if names else pd.Categorical([], categories=[])
    columns: dict[str, Any] = {
        "run": pd.Series([run] * total, dtype="string"),
        "tag": pd.Series(tag_column).astype("string"),
    }

    def joined(k: int, dtype: Any) -> Any:
        return np.concatenate([found[t][k] for t in names]) if names else np.zeros(0, dtype)

    if kind == "scalar":
        columns.update(step=joined(0, np.int64), wall_time=joined(1, np.float64), value=joined(2, np.float64))
        return pd.DataFrame(columns)
    import pyarrow as pa  # type: ignore[import-untyped]

    columns.update(step=joined(1, np.int64), wall_time=joined(2, np.float64))
    sizes = joined(3, np.int64)
    offsets = np.zeros(sizes.size + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    width = len(_LISTS[kind])
    rows = np.concatenate([found[t][4].reshape(-1, width) for t in names]) if names else np.zeros((0, width))
    list_type = pd.ArrowDtype(pa.list_(pa.float64()))
    for k, name in enumerate(_LISTS[kind]):
        array = pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.ascontiguousarray(rows[:, k], np.float64)))
        columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), dtype=list_type)
    return pd.DataFrame(columns)
