"""Scalar series of whole files, decoded as columns: ``read_scalars`` and friends.

Per file, ``filecolumns.read_columns`` reads the scalars as columns (every CRC checked).
A file damaged in the middle is read up to the damage, with a ``DamagedFileWarning``
naming the file and the offset; a torn last record (a writer still at work) ends the
file quietly. A run's files are fetched through its store (local, or an fsspec URL:
many objects at once).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np

from tfevents.errors import DamagedFileWarning, ReadError
from tfevents.reader.filecolumns import read_columns
from tfevents.reader.files import damage_message
from tfevents.reader.scanning import open_buffer
from tfevents.reader.storage import Store, open_store
from tfevents.reader.types import ScalarSeries

__all__ = ["FileScalars", "merge_files", "read_file_scalars", "read_run"]

Columns = tuple[np.ndarray, np.ndarray, np.ndarray]  # steps, wall_times, values


class FileScalars:
    """The scalars of one file, by tag, and what ended the file."""

    def __init__(self, series: dict[str, Columns], records: int, damage: ReadError | None) -> None:
        self.series = series
        self.records = records  # whole, valid records read (before any damage)
        self.damage = damage


def read_file_scalars(
    path: str, want_tag: Callable[[str], bool] | None = None, data: Any = None
) -> FileScalars:
    """Every scalar of one file (``data``: its bytes, if already fetched), in file order
    per tag, up to any damage (with a ``DamagedFileWarning``)."""
    if data is None:
        data = open_buffer(path)
    read = read_columns(data, ("scalar",), want_tag)
    if read.damage is not None:
        warnings.warn(damage_message(path, read.damage, read.records), DamagedFileWarning, stacklevel=3)
    return FileScalars(read.scalars, read.records, read.damage)


def merge_files(per_file: list[dict[str, Columns]]) -> dict[str, ScalarSeries]:
    """The series of a run's files (in order) joined, by tag."""
    tags: dict[str, list[Columns]] = {}
    for series in per_file:
        for tag, columns in series.items():
            tags.setdefault(tag, []).append(columns)
    out = {}
    for tag, parts in tags.items():
        if len(parts) == 1:
            steps, walls, values = parts[0]
        else:
            steps, walls, values = (np.concatenate([p[k] for p in parts]) for k in range(3))
        out[tag] = ScalarSeries(steps, values, walls)
    return out


def read_run(
    paths: list[str], want_tag: Callable[[str], bool] | None = None, store: Store | None = None
) -> dict[str, ScalarSeries]:
    """The scalar series of a run's files (in order), by tag; ``store`` fetches them."""
    if store is None:
        return merge_files([read_file_scalars(path, want_tag).series for path in paths])
    return merge_files([read_file_scalars(path, want_tag, data).series for path, data in store.fetch(paths)])


def _read_run_job(
    job: tuple[str, Mapping[str, Any] | None, list[str], Collection[str] | None],
) -> dict[str, ScalarSeries]:
    """``read_run`` in a worker process: its own store of the same root."""
    root, options, paths, tags = job
    chosen = None if tags is None else set(tags)
    return read_run(paths, None if chosen is None else chosen.__contains__, open_store(root, options))
