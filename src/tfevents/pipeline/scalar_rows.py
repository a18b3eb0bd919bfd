"""Scalar records built as rows of numpy arrays: the vectorised half of the encoder.

Events whose tags encode to the same length and whose steps have the same varint width
have the same layout, so each such group becomes the rows of one uint8 matrix whose
variable columns (wall time, step, tag, value) are filled in place and whose CRCs are
computed column by column for all rows at once (the tag bytes' share of a CRC is looked
up per tag, by linearity).
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Sequence
from typing import cast

import numpy as np

from tfevents.convert import Deferred, resolve_scalars
from tfevents.pipeline.entries import Entry, ScalarEntry, SeriesEntry
from tfevents.records.crc32c import (
    finalize_rows,
    mask,
    masked_crc32c,
    raw_rows,
    raw_skip,
    raw_skip_each,
    zero_start_register,
)
from tfevents.records.framing import HEADER_SIZE, length_header
from tfevents.wire import schema
from tfevents.wire.encoding import string_field, varint, varint_rows


class TagIds:
    """A column of tags as distinct names and one index per event (no list of n strings)."""

    __slots__ = ("ids", "unique")

    def __init__(self, unique: list[str], ids: np.ndarray) -> None:
        self.unique = unique
        self.ids = ids




class TagLayout:
    """The constant bytes of a scalar event for one tag, once its metadata is written."""

    __slots__ = ("summary_head", "tail", "tail_register", "value_head")

    def __init__(self, tag: str) -> None:
        value = string_field(schema.VALUE_TAG, tag) + schema.SIMPLE_VALUE_KEY
        value_len = len(value) + 4
        summary_len = 1 + len(varint(value_len)) + value_len
        # Event field 5 (summary) key and length, Summary.value key and length, Value head.
        self.summary_head = (
            schema.SUMMARY_KEY + varint(summary_len) + schema.SUMMARY_VALUE_KEY + varint(value_len)
        )
        self.value_head = value
        self.tail = self.summary_head + value  # everything between the step and the value
        self.tail_register = zero_start_register(self.tail)  # for the records' CRCs


# Batches (and groups) smaller than this are encoded event by event in plain Python.
SMALL_BATCH = 24
# Larger batches are encoded in chunks of this many events.
CHUNK_EVENTS = 1 << 14
_pack_wall_time = struct.Struct("<Bd").pack  # Event.wall_time's key and value
_WALL_TIME_KEY = schema.WALL_TIME_KEY[0]
_pack_f32 = struct.Struct("<f").pack
_pack_u32 = struct.Struct("<I").pack



def frame_scalar(layout: TagLayout, value: float, step: int, wall_time: float) -> bytes:
    """A framed scalar event of a tag whose metadata this file already has."""
    try:
        packed_value = _pack_f32(value)
    except OverflowError:
        packed_value = _pack_f32(float("inf") if value > 0 else float("-inf"))
    payload = b"".join(
        (
            _pack_wall_time(_WALL_TIME_KEY, wall_time),
            schema.STEP_KEY + varint(step) if step else b"",
            layout.summary_head,
            layout.value_head,
            packed_value,
        )
    )
    return length_header(len(payload)) + payload + _pack_u32(masked_crc32c(payload))


def group_rows(
    layouts: list[TagLayout],
    ids: np.ndarray,
    step_width: int,
    values: np.ndarray,
    steps: np.ndarray,
    wall_times: np.ndarray,
) -> np.ndarray:
    """Whole records of events whose tags' bytes have one length and whose steps have one
    varint width, one per row (``ids`` index ``layouts``)."""
    m = values.size
    if m < SMALL_BATCH:
        framed = b"".join(
            frame_scalar(layouts[tag_id], value, step, wall_time)
            for tag_id, value, step, wall_time in zip(
                ids.tolist(), values.tolist(), steps.tolist(), wall_times.tolist()
            )
        )
        return np.frombuffer(framed, dtype=np.uint8).reshape(m, -1)
    present = np.flatnonzero(np.bincount(ids, minlength=len(layouts)))
    tail_size = len(layouts[present[0]].tail)
    payload_size = 1 + 8 + step_width + tail_size + 4
    # One packed record per row: typed fields are filled without byte-level copies.
    fields = [("header", "V12"), ("wall_key", "u1"), ("wall", "<f8")]
    if step_width:
        fields += [("step_key", "u1"), ("step", f"V{step_width - 1}")]
    fields += [("tail", f"V{tail_size}"), ("value", "<f4"), ("crc", "<u4")]
    records = np.empty(m, dtype=np.dtype(fields))
    records["header"] = np.void(length_header(payload_size))
    records["wall_key"] = _WALL_TIME_KEY
    records["wall"] = wall_times
    if step_width:
        records["step_key"] = schema.STEP_KEY[0]
        records["step"] = varint_rows(steps, step_width - 1).view(f"V{step_width - 1}")[:, 0]
    records["value"] = values
    rows = records.view(np.uint8).reshape(m, -1)
    # CRC of the payload: the columns that vary, and one jump over the tag's bytes.
    head_end = HEADER_SIZE + 9 + step_width
    crc = raw_rows(rows[:, HEADER_SIZE:head_end])
    if present.size == 1:
        tail = layouts[present[0]].tail
        records["tail"] = np.void(tail)
        crc = raw_skip(crc, tail)
    else:  # several tags: each row's tail bytes and their register, looked up by tag
        slot = np.zeros(len(layouts), dtype=np.intp)
        slot[present] = np.arange(present.size)
        local = slot[ids]
        tails = np.frombuffer(b"".join(layouts[t].tail for t in present), dtype=f"V{tail_size}")
        records["tail"] = tails[local]
        own = np.array([layouts[t].tail_register for t in present], dtype=np.uint32)
        crc = raw_skip_each(crc, tail_size, own[local])
    value_start = head_end + tail_size
    crc = raw_rows(rows[:, value_start : value_start + 4], crc)
    records["crc"] = mask(finalize_rows(crc, payload_size))
    return rows


def scalar_columns(
    entries: Sequence[Entry],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
    """Tags, float32 values, int64 steps and float64 wall times, if every entry is
    ``add_scalar``'s tuple of a plain number; else None.

    The common case: one pass per column, with no tuple per column built on the way. Any
    other entry is not a tuple, so indexing it fails; a ``Deferred`` value (a framework
    scalar) makes numpy refuse the values. Then ``mixed_scalar_columns`` (or the general
    path) reads them.
    """
    count = len(entries)
    try:
        values = list(map(_VALUE, cast("Sequence[ScalarEntry]", entries)))  # (else TypeError)
        with np.errstate(over="ignore"):
            value_column = np.array(values, dtype=np.float32)
    except (TypeError, ValueError, RuntimeError):
        return None
    if value_column.ndim != 1:
        return None
    scalars = cast("Sequence[ScalarEntry]", entries)
    return (
        list(map(_TAG, scalars)),
        value_column,
        np.fromiter(map(_STEP, scalars), dtype=np.int64, count=count),
        np.fromiter(map(_WALL_TIME, scalars), dtype=np.float64, count=count),
    )


_TAG, _VALUE, _STEP, _WALL_TIME = (operator.itemgetter(i) for i in range(4))


def mixed_scalar_columns(
    entries: list[ScalarEntry | SeriesEntry],
) -> tuple[TagIds, np.ndarray, np.ndarray, np.ndarray]:
    """Columns of queued numbers, framework scalars and whole series, in queue order."""
    index: dict[str, int] = {}
    columns: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    run: list[ScalarEntry] = []  # consecutive single values

    def end_run() -> None:
        if run:
            ids = np.fromiter(
                (index.setdefault(entry[0], len(index)) for entry in run), np.int64, len(run)
            )
            values: list[float | Deferred] = [entry[1] for entry in run]
            columns.append(
                (
                    ids,
                    resolve_scalars(values),
                    np.fromiter(map(_STEP, run), dtype=np.int64, count=len(run)),
                    np.fromiter(map(_WALL_TIME, run), dtype=np.float64, count=len(run)),
                )
            )
            run.clear()

    for entry in entries:
        if isinstance(entry, SeriesEntry):  # a whole series from add_scalar_array
            end_run()
            tag_id = index.setdefault(entry.tag, len(index))
            columns.append(
                (np.full(entry.values.size, tag_id, np.int64), entry.values, entry.steps, entry.wall_times)
            )
        else:
            run.append(entry)
    end_run()
    if len(columns) == 1:
        ids, values, steps, wall_times = columns[0]
    else:
        ids, values, steps, wall_times = (np.concatenate(column) for column in zip(*columns))
    return TagIds(list(index), ids), values, steps, wall_times
