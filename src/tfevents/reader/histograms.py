"""Histograms and PR curves of whole runs as columns: ``read_histograms``, ``read_pr_curves``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection, Mapping
from typing import Any

from tfevents.errors import ArgumentError, DamagedFileWarning
from tfevents.reader.discovery import runs_of, selector
from tfevents.reader.filecolumns import read_columns
from tfevents.reader.files import damage_message
from tfevents.reader.series import ArraySeries, Piece, series_from_pieces

__all__ = ["read_arrays", "read_histograms", "read_pr_curves"]


def read_arrays(
    path: str | os.PathLike[str],
    kind: str,
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, ArraySeries]]:
    """``{run: {tag: ArraySeries}}`` of ``kind`` ("histogram" or "pr_curve") under ``path``.

    Runs and files as ``read_scalars`` finds them (``run``/``tag`` keep exact names, chosen
    before anything is decoded; a URL's objects are fetched many at once). A file damaged
    in the middle is read up to the damage, with a ``DamagedFileWarning``."""
    if kind not in ("histogram", "pr_curve"):
        raise ArgumentError(f"kind must be 'histogram' or 'pr_curve', got {kind!r}")
    want_run, want_tag = selector(run, "run"), selector(tag, "tag")
    store, runs = runs_of(path, storage_options)
    if want_run is not None:
        runs = {name: paths for name, paths in runs.items() if want_run(name)}
    owner = {p: name for name, paths in runs.items() for p in paths}
    pieces: dict[str, dict[str, list[Piece]]] = {name: {} for name in runs}
    for file_path, data in store.fetch(list(owner)):
        read = read_columns(data, (kind,), want_tag)
        if read.damage is not None:
            warnings.warn(damage_message(file_path, read.damage, read.records), DamagedFileWarning,
                          stacklevel=3)
        for tag_name, piece in read.arrays.get(kind, {}).items():
            pieces[owner[file_path]].setdefault(tag_name, []).append(piece)
    return {
        name: {t: series_from_pieces(kind, parts) for t, parts in sorted(tags.items())}
        for name, tags in pieces.items() if tags
    }


def read_histograms(
    path: str | os.PathLike[str],
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, ArraySeries]]:
    """Every histogram under ``path`` as columns: ``{run: {tag: ArraySeries}}``, each value
    ``[k, 3]`` rows of ``[left, right, count]`` (legacy ``HistogramProto`` values of
    torch and tensorboardX converted as TensorBoard converts them), all of a series in
    one ``rows`` array with ``offsets`` (an Arrow list column's layout)."""
    return read_arrays(path, "histogram", run=run, tag=tag, storage_options=storage_options)


def read_pr_curves(
    path: str | os.PathLike[str],
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, ArraySeries]]:
    """Every PR curve under ``path`` as columns: ``{run: {tag: ArraySeries}}``, one row
    per threshold of ``[tp, fp, tn, fn, precision, recall]`` (``series[i]`` gives
    ``read_values``' ``[6, num_thresholds]``)."""
    return read_arrays(path, "pr_curve", run=run, tag=tag, storage_options=storage_options)
