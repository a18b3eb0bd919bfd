"""Turns pending log entries into framed TFRecord bytes for one event file.

The encoder owns the per-file state that TensorBoard's readers need: each tag's first
value in a file carries its full metadata, later values carry none. Scalars, the hot
path, are encoded in a vectorised pass: events whose tags encode to the same length and
whose steps have the same varint width have the same layout, so each such group becomes
the rows of one uint8 matrix whose variable columns (wall time, step, tag, value) are
filled in place and whose CRCs are computed column by column for all rows at once (the
tag bytes' share of a CRC is looked up per tag, by linearity).
"""

from __future__ import annotations

import functools
import operator
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from tfevents.records.crc32c import (
    finalize_rows,
    mask,
    masked_crc32c,
    raw_rows,
    raw_skip,
    raw_skip_each,
    zero_start_register,
)
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, frame, frame_many, length_header
from tfevents.wire import messages
from tfevents.wire.encoding import bytes_field, string_field, varint, varint_rows, varint_sizes

SCALAR_METADATA = messages.summary_metadata(
    "scalars", data_class=messages.DATA_CLASS_SCALAR
)



class EncodedValue:
    """A summary value encoded on the caller's thread (images, histograms, ...)."""

    __slots__ = ("field", "metadata")

    def __init__(self, metadata: bytes, field: bytes) -> None:
        self.metadata = metadata  # SummaryMetadata, written with a tag's first value in a file
        self.field = field  # the Summary.Value field holding the value


class RawEvent:
    """A complete encoded Event (graphs, session logs): written as it is."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload


class TagIds:
    """A column of tags as distinct names and one index per event (no list of n strings)."""

    __slots__ = ("ids", "unique")

    def __init__(self, unique: list[str], ids: np.ndarray) -> None:
        self.unique = unique
        self.ids = ids


# Every queued entry is (tag, value, step, wall_time). ``value`` is a number or a deferred
# tensor (a scalar), a float32 array (a series: step and wall_time are then arrays too),
# an EncodedValue, or a RawEvent (tag None).
Entry = tuple[Any, Any, Any, Any]


class _TagLayout:
    """The constant bytes of a scalar event for one tag, once its metadata is written."""

    __slots__ = ("summary_head", "tail", "tail_register", "value_head")

    def __init__(self, tag: str) -> None:
        value = string_field(1, tag) + b"\x15"  # tag, then simple_value's key
        value_len = len(value) + 4
        summary_len = 1 + len(varint(value_len)) + value_len
        # Event field 5 (summary) key and length, Summary.value key and length, Value head.
        self.summary_head = b"\x2a" + varint(summary_len) + b"\x0a" + varint(value_len)
        self.value_head = value
        self.tail = self.summary_head + value  # everything between the step and the value
        self.tail_register = zero_start_register(self.tail)  # for the records' CRCs


# Batches (and groups) smaller than this are encoded event by event in plain Python.
_SMALL_BATCH = 24
# Larger batches are encoded in chunks of this many events.
_CHUNK_EVENTS = 1 << 14
_pack_wall_time = struct.Struct("<Bd").pack  # Event.wall_time's key and value
_pack_f32 = struct.Struct("<f").pack
_pack_u32 = struct.Struct("<I").pack


@functools.lru_cache(maxsize=4096)
def _tag_field(tag: str) -> bytes:
    """Summary.Value's tag field (tags repeat)."""
    return string_field(1, tag)


def _frame_scalar(layout: _TagLayout, value: float, step: int, wall_time: float) -> bytes:
    """A framed scalar event of a tag whose metadata this file already has."""
    try:
        packed_value = _pack_f32(value)
    except OverflowError:
        packed_value = _pack_f32(float("inf") if value > 0 else float("-inf"))
    payload = b"".join(
        (
            _pack_wall_time(0x09, wall_time),
            b"\x10" + varint(step) if step else b"",
            layout.summary_head,
            layout.value_head,
            packed_value,
        )
    )
    return length_header(len(payload)) + payload + _pack_u32(masked_crc32c(payload))


class EventEncoder:
    """Encodes entries for one file; make a new one for every new file."""

    def __init__(self, scalar_metadata: dict[str, bytes] | None = None) -> None:
        self._tags_with_metadata: set[str] = set()
        self._layouts: dict[str, _TagLayout] = {}
        # Shared with the writer, which records display names and descriptions here.
        self._scalar_metadata = scalar_metadata if scalar_metadata is not None else {}

    def snapshot(self) -> tuple[set[str], dict[str, _TagLayout]]:
        """The per-file state, to restore if an encoding attempt fails half-way."""
        return set(self._tags_with_metadata), dict(self._layouts)

    def restore(self, state: tuple[set[str], dict[str, _TagLayout]]) -> None:
        self._tags_with_metadata, self._layouts = set(state[0]), dict(state[1])

    def encode(self, entries: list[Entry]) -> bytes:
        """Frames queued entries in order: runs of scalars in one vectorised pass each."""
        columns = scalar_columns(entries)
        if columns is not None:
            return self.encode_scalars(*columns)
        parts = []
        scalars: list[Entry] = []  # a run of consecutive scalar entries
        values: list[Entry] = []  # a run of consecutive encoded values and events
        for entry in entries:
            kind = entry[1].__class__
            if kind is EncodedValue or kind is RawEvent:
                if scalars:
                    parts.append(self.encode_scalars(*mixed_scalar_columns(scalars)))
                    scalars = []
                values.append(entry)
            else:
                if values:
                    parts.append(self.encode_values(values))
                    values = []
                scalars.append(entry)
        if scalars:
            parts.append(self.encode_scalars(*mixed_scalar_columns(scalars)))
        if values:
            parts.append(self.encode_values(values))
        return b"".join(parts)

    def encode_values(self, entries: Sequence[Entry]) -> bytes:
        """Frames summary values and complete events, in order."""
        payloads = []
        seen = self._tags_with_metadata
        for tag, value, step, wall_time in entries:
            if value.__class__ is RawEvent:
                payloads.append(value.payload)
                continue
            if tag in seen:
                summary_value = _tag_field(tag) + value.field
            else:
                seen.add(tag)
                summary_value = _tag_field(tag) + bytes_field(9, value.metadata) + value.field
            summary = b"\x0a" + varint(len(summary_value)) + summary_value  # Summary.value
            payloads.append(  # Event: wall_time, step (0 is left out), summary
                b"".join(
                    (
                        _pack_wall_time(0x09, wall_time),
                        b"\x10" + varint(step) if step else b"",
                        b"\x2a",
                        varint(len(summary)),
                        summary,
                    )
                )
            )
        return frame_many(payloads)

    def encode_scalars(
        self,
        tags: Sequence[str] | TagIds,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> bytes:
        """Frames scalar events; ``values`` float32, ``steps`` int64, ``wall_times`` float64.

        Records are built as the rows of a zero-padded ``(n, longest)`` matrix, group by
        group, and the padding is dropped at the end, keeping the order of the calls.
        """
        if isinstance(tags, TagIds):
            n = tags.ids.size
            if n >= _SMALL_BATCH:
                return self._join_scalar_ids(tags.unique, tags.ids, values, steps, wall_times)
            tags = [tags.unique[i] for i in tags.ids.tolist()]
        n = len(tags)
        if n == 0:
            return b""
        if n < _SMALL_BATCH:
            return b"".join(
                self._scalar_record(tag, value, step, wall_time)
                for tag, value, step, wall_time in zip(
                    tags, values.tolist(), steps.tolist(), wall_times.tolist()
                )
            )
        unique_tags = list(dict.fromkeys(tags))
        if len(unique_tags) == 1:
            ids = np.zeros(n, dtype=np.int64)
        else:
            index = {tag: i for i, tag in enumerate(unique_tags)}
            ids = np.fromiter(map(index.__getitem__, tags), dtype=np.int64, count=n)
        return self._join_scalar_ids(unique_tags, ids, values, steps, wall_times)

    def _join_scalar_ids(
        self,
        unique_tags: list[str],
        ids: np.ndarray,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> bytes:
        """The records, in chunks that keep each pass's arrays in the CPU's caches. Each
        chunk's numpy blocks are joined into bytes at once: their memory is reused by the
        next chunk, and a million events never hold their records twice over."""
        return b"".join(
            b"".join(
                self._scalar_id_parts(
                    unique_tags, ids[chunk], values[chunk], steps[chunk], wall_times[chunk]
                )
            )
            for chunk in (
                slice(start, start + _CHUNK_EVENTS) for start in range(0, ids.size, _CHUNK_EVENTS)
            )
        )

    def _scalar_id_parts(
        self,
        unique_tags: list[str],
        ids: np.ndarray,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> list[Any]:
        """One chunk's records, in call order, as bytes-like blocks."""
        n = ids.size
        # The first value of a tag new to this file carries metadata: encode it apart.
        seen = self._tags_with_metadata
        special: dict[int, bytes] = {}
        present = np.bincount(ids, minlength=len(unique_tags)) > 0  # (a chunk may lack some)
        for tag_id, tag in enumerate(unique_tags):
            if tag not in self._layouts:
                self._layouts[tag] = _TagLayout(tag)
            if tag not in seen and present[tag_id]:  # (seen: maybe from encode_values)
                seen.add(tag)
                i = int(np.argmax(ids == tag_id))
                special[i] = frame(
                    self._scalar_event(tag, float(values[i]), int(steps[i]), float(wall_times[i]))
                )
        layouts = [self._layouts[t] for t in unique_tags]

        step_widths = np.where(steps == 0, 0, varint_sizes(steps) + 1)
        fixed = np.array(
            [1 + 8 + len(lay.summary_head) + len(lay.value_head) + 4 for lay in layouts],
            dtype=np.int64,
        )
        sizes = HEADER_SIZE + fixed[ids] + step_widths + FOOTER_SIZE
        for i, record in special.items():
            sizes[i] = len(record)
        # Events whose records have the same layout (tag bytes of one length, a step of one
        # varint width) are one group, whichever their tags: one vectorised pass each.
        tail_lengths = np.array([len(lay.tail) for lay in layouts], dtype=np.int64)
        group_key = tail_lengths[ids] * 16 + step_widths
        if special:
            group_key[list(special)] = -1
        order = np.argsort(group_key, kind="stable")
        counts = np.bincount(group_key + 1)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        groups = []  # (members, rows)
        for key in np.flatnonzero(counts[1:]):
            members = order[bounds[key + 1] : bounds[key + 2]]
            rows = _group_rows(
                layouts, ids[members], key % 16, values[members], steps[members], wall_times[members]
            )
            groups.append((members, rows))
        groups.extend(
            (np.array([i]), np.frombuffer(record, dtype=np.uint8)[None, :])
            for i, record in special.items()
        )
        # Usually (one tag, or steps that only grow) every group is a run of consecutive
        # calls: then the output is just the groups' blocks in call order.
        if all(m[-1] - m[0] + 1 == m.size for m, _ in groups):
            groups.sort(key=lambda group: int(group[0][0]))
            return [rows for _, rows in groups]  # (C-contiguous: bytes.join takes them)
        matrix = np.zeros((n, int(sizes.max())), dtype=np.uint8)
        for members, rows in groups:
            matrix[members, : rows.shape[1]] = rows
        if (sizes == matrix.shape[1]).all():
            return [matrix]
        return [matrix[np.arange(matrix.shape[1]) < sizes[:, None]]]

    def _scalar_record(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        """One framed scalar event, in plain Python: cheaper than numpy for a few events."""
        layout = self._layouts.get(tag)
        if layout is None:
            layout = self._layouts[tag] = _TagLayout(tag)
        if tag not in self._tags_with_metadata:
            self._tags_with_metadata.add(tag)
            return frame(self._scalar_event(tag, value, step, wall_time))
        return _frame_scalar(layout, value, step, wall_time)

    def _scalar_event(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        metadata = self._scalar_metadata.get(tag, SCALAR_METADATA)
        value_bytes = messages.summary_value_head(tag, metadata) + messages.simple_value_field(value)
        return messages.event(wall_time, step, summary=bytes_field(1, value_bytes))


def _group_rows(
    layouts: list[_TagLayout],
    ids: np.ndarray,
    step_width: int,
    values: np.ndarray,
    steps: np.ndarray,
    wall_times: np.ndarray,
) -> np.ndarray:
    """Whole records of events whose tags' bytes have one length and whose steps have one
    varint width, one per row (``ids`` index ``layouts``)."""
    m = values.size
    if m < _SMALL_BATCH:
        framed = b"".join(
            _frame_scalar(layouts[tag_id], value, step, wall_time)
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
    records["wall_key"] = 0x09
    records["wall"] = wall_times
    if step_width:
        records["step_key"] = 0x10
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
    entries: list[Entry],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
    """Tags, float32 values, int64 steps and float64 wall times, if all are plain numbers.

    The common case: one pass per column, with no tuple per column built on the way.
    Anything else in the queue (a series, a device tensor, an encoded value) makes numpy
    refuse the values, and None is returned.
    """
    count = len(entries)
    try:
        with np.errstate(over="ignore"):
            value_column = np.array(list(map(_VALUE, entries)), dtype=np.float32)
    except (TypeError, ValueError, RuntimeError):
        return None
    if value_column.ndim != 1:  # only series of equal length were queued
        return None
    return (
        list(map(_TAG, entries)),
        value_column,
        np.fromiter(map(_STEP, entries), dtype=np.int64, count=count),
        np.fromiter(map(_WALL_TIME, entries), dtype=np.float64, count=count),
    )


_TAG, _VALUE, _STEP, _WALL_TIME = (operator.itemgetter(i) for i in range(4))


def mixed_scalar_columns(
    entries: list[Entry],
) -> tuple[TagIds, np.ndarray, np.ndarray, np.ndarray]:
    """Columns of queued numbers, device tensors and whole series, in queue order."""
    from tfevents.convert import resolve_deferred

    index: dict[str, int] = {}
    columns: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    run: list[Entry] = []  # consecutive single values

    def end_run() -> None:
        if run:
            run_tags, values, steps, wall_times = zip(*run)
            ids = np.fromiter(
                (index.setdefault(t, len(index)) for t in run_tags), np.int64, len(run_tags)
            )
            columns.append(
                (
                    ids,
                    resolve_deferred(values),
                    np.array(steps, dtype=np.int64),
                    np.array(wall_times, dtype=np.float64),
                )
            )
            run.clear()

    for entry in entries:
        tag, value, steps, wall_times = entry
        if value.__class__ is np.ndarray:  # a whole series from add_scalar_array
            end_run()
            tag_id = index.setdefault(tag, len(index))
            columns.append((np.full(value.size, tag_id, np.int64), value, steps, wall_times))
        else:
            run.append(entry)
    end_run()
    if len(columns) == 1:
        ids, values, steps, wall_times = columns[0]
    else:
        ids, values, steps, wall_times = (np.concatenate(column) for column in zip(*columns))
    return TagIds(list(index), ids), values, steps, wall_times
