"""One event file's values of the chosen kinds, decoded as columns wherever they can be.

Per file: the records are found and their length CRCs checked (``scanning``); the usual
scalar events are read as columns (``columns``), array values (histograms, PR curves,
TensorFlow's tensor scalars) as columns of their layouts (``arrays``); the few other
records (each tag's first, which carries its metadata; text; hparams; odd forms) go
through the general parse in file order, their CRCs checked in numpy batches. The
general parse also says which plugin each tag belongs to from which record on, which
gives the kinds of the array values read as columns.

A file damaged in the middle is read up to the damage (``damage`` says where); a torn
last record (a writer at work) ends it quietly, and ``end`` says where the whole records
end, so that a later read can go on from there (with ``plugins``, the tags' plugins).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfevents.errors import CorruptRecordError, DecodeError, ReadError
from tfevents.reader.arrays import ArrayGroup, decode_array_columns
from tfevents.reader.columns import decode_scalar_columns
from tfevents.reader.decoding import parse_event
from tfevents.reader.scanning import data_crc_damage, scan_records
from tfevents.reader.series import ROW_WIDTH, Piece, join_pieces, value_rows
from tfevents.reader.types import FileState
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE

__all__ = ["COLUMN_KINDS", "FileColumns", "Other", "read_columns"]

COLUMN_KINDS = ("scalar", "histogram", "pr_curve")
_PLUGIN_KIND = {"scalars": "scalar", "histograms": "histogram", "pr_curves": "pr_curve"}
Columns = tuple[np.ndarray, np.ndarray, np.ndarray]  # steps, wall_times, values
Other = tuple[str, int, float, str, Any, str]  # tag, step, wall_time, kind, value, plugin


@dataclass
class FileColumns:
    """What ``read_columns`` read of one file (or of its bytes from an offset on)."""

    scalars: dict[str, Columns] = field(default_factory=dict)  # tag -> steps, walls, values
    arrays: dict[str, dict[str, Piece]] = field(default_factory=dict)  # kind -> tag -> piece (series.py)
    others: list[Other] = field(default_factory=list)  # other kinds, in file order
    records: int = 0  # whole, valid records read (before any damage)
    end: int = 0  # bytes of the data covered by those records
    damage: ReadError | None = None
    plugins: dict[str, str] = field(default_factory=dict)  # tag -> plugin, at the end


def read_columns(
    data: Any,
    kinds: Collection[str],
    want_tag: Callable[[str], bool] | None = None,
    plugins: Mapping[str, str] | None = None,
) -> FileColumns:
    """The values of ``kinds`` (any of ``KINDS``; scalars, histograms and PR curves as
    columns) of one file's bytes; ``plugins``: the tags' plugins before these bytes."""
    kinds = set(kinds)
    size = len(data)
    buffer = np.frombuffer(data, dtype=np.uint8) if size else np.zeros(0, np.uint8)
    records = scan_records(data)
    offsets, lengths = records.offsets, records.lengths
    count = int(offsets.size)
    handled = np.zeros(count, dtype=bool)
    bad: list[int] = []
    scalar_pieces: dict[str, list[tuple[np.ndarray, ...]]] = {}  # tag -> (index, steps, walls, values)
    if "scalar" in kinds:
        scalars = decode_scalar_columns(buffer, offsets, lengths)
        handled |= scalars.handled
        scalar_pieces = scalars.pieces  # type: ignore[assignment]
        bad += [] if scalars.bad_crc is None else [scalars.bad_crc]
    groups: list[ArrayGroup] = []
    if kinds & set(COLUMN_KINDS):
        rest = np.flatnonzero(~handled)
        arrays = decode_array_columns(data, offsets[rest], lengths[rest], rest)
        handled[rest[arrays.handled]] = True
        groups = arrays.groups
        bad += [] if arrays.bad_crc is None else [arrays.bad_crc]
    rest = np.flatnonzero(~handled)
    slow_bad = data_crc_damage(data, offsets[rest], lengths[rest])
    bad += [] if slow_bad is None else [int(rest[slow_bad])]
    out = FileColumns(damage=records.damage)
    stop = count
    if bad:
        stop = min(bad)
        out.damage = CorruptRecordError("data CRC mismatch", int(offsets[stop]) - HEADER_SIZE)
    initial = dict(plugins or {})
    state = FileState(dict(initial))
    changes: dict[str, tuple[list[int], list[str]]] = {}  # tag -> (record, plugin from there)
    current = 0

    def want(tag: str, kind: str) -> bool:
        plugin = state.plugins.get(tag, "")
        seen = changes.get(tag)
        if seen is None or seen[1][-1] != plugin:
            seen = changes.setdefault(tag, ([], []))
            seen[0].append(current)
            seen[1].append(plugin)
        return kind in kinds and (want_tag is None or want_tag(tag))

    slow: dict[str, dict[str, list[tuple[int, int, float, Any]]]] = {}
    view = memoryview(data)
    for current in rest[: np.searchsorted(rest, stop)].tolist():
        offset, length = int(offsets[current]), int(lengths[current])
        try:
            event = parse_event(bytes(view[offset : offset + length]), state, want=want)
        except (DecodeError, UnicodeDecodeError) as exc:
            stop = current
            out.damage = DecodeError(f"record {current} at byte {offset - HEADER_SIZE} does not parse: {exc}")
            break
        for value in event.values:
            if value.kind in COLUMN_KINDS:
                slow.setdefault(value.kind, {}).setdefault(value.tag, []).append(
                    (current, event.step, event.wall_time, value.value))
            else:
                out.others.append((value.tag, event.step, event.wall_time, value.kind, value.value,
                                   value.plugin))
    out.records = stop
    out.end = int(offsets[stop - 1] + lengths[stop - 1] + FOOTER_SIZE) if stop else 0
    del records, offsets, lengths, handled, rest, buffer, view  # freed before the series are joined
    _add_metadata_changes(groups, changes)
    out.plugins = _final_plugins(state.plugins, changes)
    arrays_by_kind: dict[str, dict[str, list[Piece]]] = {}
    for group in groups:
        if want_tag is not None and not want_tag(group.tag):
            continue
        for kind, piece in _kinds_of(group, changes, initial):
            if kind not in kinds:
                continue
            if kind == "scalar":
                scalar_pieces.setdefault(group.tag, []).append((piece[0], piece[1], piece[2], piece[4]))
            else:
                arrays_by_kind.setdefault(kind, {}).setdefault(group.tag, []).append(piece)
    for kind, tags in slow.items():
        for tag, points in tags.items():
            index, steps, walls, values = zip(*points)
            head = (np.array(index, dtype=np.int64), np.array(steps, dtype=np.int64),
                    np.array(walls, dtype=np.float64))
            if kind == "scalar":
                scalar_pieces.setdefault(tag, []).append((*head, np.array(values, dtype=np.float64)))
                continue
            rows = [value_rows(kind, v) for v in values]
            sizes = np.array([r.shape[0] for r in rows], dtype=np.int64)
            arrays_by_kind.setdefault(kind, {}).setdefault(tag, []).append((*head, sizes, np.concatenate(rows)))
    for tag in list(scalar_pieces):
        parts = scalar_pieces.pop(tag)  # each tag's pieces freed once it is joined: one copy at a time
        if want_tag is not None and not want_tag(tag):
            continue
        merged = join_scalars(parts, stop)
        if merged is not None:
            out.scalars[tag] = merged
    for kind, by_tag in arrays_by_kind.items():
        for tag, parts_of_tag in by_tag.items():
            joined = join_pieces(parts_of_tag, ROW_WIDTH[kind], stop)
            if joined is not None:
                out.arrays.setdefault(kind, {})[tag] = joined
    return out


def join_scalars(parts: list[tuple[np.ndarray, ...]], stop: int) -> Columns | None:
    """One tag's scalar pieces ``(index, steps, walls, values)`` joined in record order,
    records from ``stop`` on dropped."""
    parts = sorted(parts, key=lambda p: int(p[0][0]))
    if parts and int(parts[-1][0][-1]) >= stop:
        parts = [tuple(c[: np.searchsorted(p[0], stop)] for c in p) for p in parts]
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


def _float64_rows(values: np.ndarray, width: int) -> np.ndarray:
    """``values`` ``[m, k, width]`` (any layout, any numeric dtype) as float64 rows
    ``[m * k, width]``, in one copy."""
    if values.dtype == np.float64 and values.flags.c_contiguous:
        return values.reshape(-1, width)  # (gathered already: no second copy)
    out = np.empty((values.shape[0] * values.shape[1], width), dtype=np.float64)
    out.reshape(values.shape)[...] = values
    return out


def _add_metadata_changes(groups: list[ArrayGroup], changes: dict[str, tuple[list[int], list[str]]]) -> None:
    """Records read as columns that carry metadata set their tag's plugin too. Only the
    records where a tag's plugin changes are kept, as the parse keeps them: writers put
    metadata on every value, and a point per record would split a series into pieces
    of one."""
    for group in groups:
        if group.plugin is None:
            continue
        seen = changes.setdefault(group.tag, ([], []))
        first, last = int(group.index.min()), int(group.index.max())
        if any(first <= i <= last for i in seen[0]):
            own = [(i, group.plugin) for i in group.index.tolist()]
        else:  # nothing else of the tag among these records: its first one stands for all
            own = [(first, group.plugin)]
        points = sorted([*zip(*seen), *own])
        kept = [p for k, p in enumerate(points) if k == 0 or p[1] != points[k - 1][1]]
        seen[0][:] = [i for i, _ in kept]
        seen[1][:] = [p for _, p in kept]


def _final_plugins(plugins: dict[str, str], changes: dict[str, tuple[list[int], list[str]]]) -> dict[str, str]:
    out = dict(plugins)
    for tag, (_, names) in changes.items():
        out[tag] = names[-1]
    return out


def _kinds_of(
    group: ArrayGroup, changes: dict[str, tuple[list[int], list[str]]], initial: dict[str, str]
) -> list[tuple[str, Piece]]:
    """The group's values by kind: the tag's plugin at each record (a legacy histogram
    is a histogram whatever the plugin), each in its kind's form (a scalar's value is
    the piece's last item)."""
    if group.form == "histo":
        assert group.lengths is not None
        return [("histogram", (group.index, group.steps, group.wall_times, group.lengths, group.values))]
    seen = changes.get(group.tag)
    before = initial.get(group.tag, "")
    n = group.index.size
    if seen is None:
        names, codes = [before], np.zeros(n, dtype=np.intp)
    else:
        names = [before, *seen[1]]  # code 0: before the first change; k + 1: change k
        codes = np.searchsorted(np.array(seen[0]), group.index, side="right")
    out: list[tuple[str, Piece]] = []
    for code in np.unique(codes).tolist() if codes.size and codes[0] != codes[-1] else codes[:1].tolist():
        plugin = names[code]
        members = codes == code
        if members.all():
            members = slice(None)
        kind = _PLUGIN_KIND.get(plugin)
        values = group.values[members]
        m = values.shape[0]
        index, steps, walls = group.index[members], group.steps[members], group.wall_times[members]
        if kind == "scalar":
            flat = values.reshape(m, -1)
            scalars = flat[:, 0].astype(np.float64) if flat.shape[1] else np.full(m, np.nan)
            out.append((kind, (index, steps, walls, np.ones(m, dtype=np.int64), scalars)))
        elif kind == "histogram" and values.ndim == 3 and values.shape[2] == 3:
            sizes = np.full(m, values.shape[1], dtype=np.int64)
            out.append((kind, (index, steps, walls, sizes, _float64_rows(values, 3))))
        elif kind == "pr_curve" and values.ndim == 3 and values.shape[1] == 6:
            rows = _float64_rows(values.transpose(0, 2, 1), 6)
            out.append((kind, (index, steps, walls, np.full(m, values.shape[2], dtype=np.int64), rows)))
    return out
