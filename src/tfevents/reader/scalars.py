"""Scalar series of whole files, decoded as columns: ``read_scalars`` and friends.

Per file: the records are found and their length CRCs checked (``scanning``), the usual
scalar events are read as columns with their data CRCs (``columns``), and the few other
records (metadata, TensorFlow's tensor scalars, other kinds) go through the general
parse, in file order, with their CRCs checked in numpy batches. A file damaged in the
middle is read up to the damage, with a ``DamagedFileWarning`` naming the file and the
offset; a torn last record (a writer still at work) ends the file quietly.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Collection

import numpy as np

from tfevents.errors import CorruptRecordError, DamagedFileWarning, DecodeError, ReadError
from tfevents.reader.columns import decode_scalar_columns
from tfevents.reader.decoding import parse_event
from tfevents.reader.files import damage_message
from tfevents.reader.scanning import data_crc_damage, open_buffer, scan_records
from tfevents.reader.types import FileState, ScalarSeries

__all__ = ["FileScalars", "merge_files", "read_file_scalars", "read_run"]

Columns = tuple[np.ndarray, np.ndarray, np.ndarray]  # steps, wall_times, values


class FileScalars:
    """The scalars of one file, by tag, and what ended the file."""

    def __init__(self, series: dict[str, Columns], records: int, damage: ReadError | None) -> None:
        self.series = series
        self.records = records  # whole, valid records read (before any damage)
        self.damage = damage


def read_file_scalars(path: str, want_tag: Callable[[str], bool] | None = None) -> FileScalars:
    """Every scalar of one file, in file order per tag, up to any damage."""
    data = open_buffer(path)
    size = len(data)
    buffer = np.frombuffer(data, dtype=np.uint8) if size else np.zeros(0, np.uint8)
    records = scan_records(data)
    offsets, lengths = records.offsets, records.lengths
    columns = decode_scalar_columns(buffer, offsets, lengths)
    rest = np.flatnonzero(~columns.handled)
    stop = int(offsets.size)
    damage: ReadError | None = records.damage
    bad = data_crc_damage(data, offsets[rest], lengths[rest])
    first_bad = min(i for i in (columns.bad_crc, None if bad is None else int(rest[bad])) if i is not None) \
        if (columns.bad_crc is not None or bad is not None) else None
    if first_bad is not None:
        stop = first_bad
        damage = CorruptRecordError("data CRC mismatch", int(offsets[first_bad]) - 12)
    slow: dict[str, list[tuple[int, int, float, float]]] = {}
    state = FileState()
    view = memoryview(data)

    def want(tag: str, kind: str) -> bool:
        return kind == "scalar" and (want_tag is None or want_tag(tag))

    for index in rest[: np.searchsorted(rest, stop)].tolist():
        offset, length = int(offsets[index]), int(lengths[index])
        try:
            event = parse_event(bytes(view[offset : offset + length]), state, want=want)
        except (DecodeError, UnicodeDecodeError) as exc:
            stop = index
            damage = DecodeError(f"record {index} at byte {offset - 12} does not parse: {exc}")
            break
        for value in event.values:
            slow.setdefault(value.tag, []).append((index, event.step, event.wall_time, value.value))
    pieces = columns.pieces
    del records, offsets, lengths, columns, rest, buffer  # before the series are joined
    for tag, points in slow.items():
        index, steps, walls, values = zip(*points)
        pieces.setdefault(tag, []).append((
            np.array(index, dtype=np.int64), np.array(steps, dtype=np.int64),
            np.array(walls, dtype=np.float64), np.array(values, dtype=np.float64),
        ))
    series: dict[str, Columns] = {}
    for tag, parts in pieces.items():
        if want_tag is not None and not want_tag(tag):
            continue
        merged = _in_file_order(parts, stop)
        if merged is not None:
            series[tag] = merged
    if damage is not None:
        warnings.warn(damage_message(path, damage, stop), DamagedFileWarning, stacklevel=3)
    return FileScalars(series, stop, damage)


def _in_file_order(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], stop: int
) -> Columns | None:
    """One tag's pieces joined in record order, records from ``stop`` on dropped."""
    parts = sorted(parts, key=lambda p: int(p[0][0]))
    if parts and int(parts[-1][0][-1]) >= stop:
        parts = [tuple(c[: np.searchsorted(p[0], stop)] for c in p) for p in parts]  # type: ignore[misc]
        parts = [p for p in parts if p[0].size]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0][1], parts[0][2], parts[0][3]
    if all(int(a[0][-1]) < int(b[0][0]) for a, b in itertools.pairwise(parts)):
        steps, walls, values = (np.concatenate([p[k] for p in parts]) for k in (1, 2, 3))
        return steps, walls, values
    order = np.argsort(np.concatenate([p[0] for p in parts]), kind="stable")
    steps, walls, values = (np.concatenate([p[k] for p in parts])[order] for k in (1, 2, 3))
    return steps, walls, values


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


def read_run(paths: list[str], want_tag: Callable[[str], bool] | None = None) -> dict[str, ScalarSeries]:
    """The scalar series of a run's files (in order), by tag."""
    return merge_files([read_file_scalars(path, want_tag).series for path in paths])


def _read_run_job(job: tuple[list[str], Collection[str] | None]) -> dict[str, ScalarSeries]:
    paths, tags = job
    chosen = None if tags is None else set(tags)
    return read_run(paths, None if chosen is None else chosen.__contains__)
