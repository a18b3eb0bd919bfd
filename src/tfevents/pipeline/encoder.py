"""Turns pending entries into framed TFRecord bytes for one event file.

The encoder owns the per-file state that TensorBoard's readers need: a scalar tag's
first value in a file carries its full metadata and later ones none (torch writes its
``simple_value`` scalars with none at all), while every other summary value carries its
own, as TensorFlow and torch write them. Scalars, the hot path, are encoded as rows of
numpy arrays (``pipeline.scalar_rows``); summary values and complete events are framed
one by one.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence

import numpy as np

from tfevents.convert import resolve_scalars
from tfevents.pipeline.entries import (
    Entry,
    EventEntry,
    ScalarEntry,
    SeriesEntry,
    SummaryEntry,
    TensorScalarEntry,
)
from tfevents.pipeline.scalar_rows import (
    CHUNK_EVENTS,
    SMALL_BATCH,
    TagIds,
    TagLayout,
    frame_scalar,
    group_rows,
    mixed_scalar_columns,
    scalar_columns,
)
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, frame, frame_many
from tfevents.wire import messages, schema
from tfevents.wire.encoding import bytes_field, string_field, varint, varint_sizes

SCALAR_METADATA = messages.summary_metadata("scalars", data_class=messages.DATA_CLASS_SCALAR)
SOURCE_WRITER = "tfevents"
_pack_wall_time = struct.Struct("<d").pack


def file_header(wall_time: float) -> bytes:
    """The framed first record of every event file: ``file_version: "brain.Event:2"``."""
    return frame(
        messages.event(wall_time, file_version=messages.FILE_VERSION, source_writer=SOURCE_WRITER)
    )


def purge_marker(wall_time: float, step: int) -> bytes:
    """The framed ``SessionLog.START`` at ``step`` that ``purge_step`` asks for."""
    return frame(
        messages.event(wall_time, step, session_log=messages.session_log(messages.SESSION_START))
    )


Value = SummaryEntry | TensorScalarEntry | EventEntry


def _tensor_scalars(entries: Sequence[Value]) -> list[float]:
    """The values of the ``TensorScalarEntry`` items, in order: framework scalars read
    in one host copy per device."""
    values = [entry.value for entry in entries if isinstance(entry, TensorScalarEntry)]
    return resolve_scalars(values).tolist() if values else []


@functools.lru_cache(maxsize=4096)
def _tag_field(tag: str) -> bytes:
    """Summary.Value's tag field (tags repeat)."""
    return string_field(schema.VALUE_TAG, tag)


class EventEncoder:
    """Encodes entries for one file; make a new one for every new file."""

    def __init__(self, scalar_metadata: dict[str, bytes] | None = None) -> None:
        self._tags_with_metadata: set[str] = set()
        self._layouts: dict[str, TagLayout] = {}
        # Shared with the writer, which records display names and descriptions here.
        self._scalar_metadata = scalar_metadata if scalar_metadata is not None else {}

    def snapshot(self) -> tuple[set[str], dict[str, TagLayout]]:
        """The per-file state, to restore if an encoding attempt fails half-way."""
        return set(self._tags_with_metadata), dict(self._layouts)

    def restore(self, state: tuple[set[str], dict[str, TagLayout]]) -> None:
        self._tags_with_metadata, self._layouts = set(state[0]), dict(state[1])

    def encode(self, entries: list[Entry]) -> bytes:
        """Frames queued entries in order: runs of scalars in one vectorised pass each."""
        columns = scalar_columns(entries)  # (None unless all are numbers from add_scalar)
        if columns is not None:
            return self.encode_scalars(*columns)
        parts = []
        scalars: list[ScalarEntry | SeriesEntry] = []  # a run of consecutive scalars
        values: list[Value] = []  # a run of summaries and events
        for entry in entries:
            if isinstance(entry, (SummaryEntry, TensorScalarEntry, EventEntry)):
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

    def encode_values(self, entries: Sequence[Value]) -> bytes:
        """Frames summary values and complete events, in order. Every summary value
        carries its metadata, as TensorFlow and torch write them: code that reads a
        file value by value classifies each one by its own metadata."""
        payloads = []
        seen = self._tags_with_metadata
        scalars = _tensor_scalars(entries)
        for entry in entries:
            if isinstance(entry, EventEntry):
                payloads.append(entry.payload)
                continue
            tag = entry.tag
            seen.add(tag)
            metadata = bytes_field(schema.VALUE_METADATA, entry.metadata) if entry.metadata else b""
            if isinstance(entry, TensorScalarEntry):
                field = messages.tensor_value_field(messages.tensor_from_float(scalars.pop(0)))
            else:
                field = entry.field
            summary_value = _tag_field(tag) + metadata + field
            summary = schema.SUMMARY_VALUE_KEY + varint(len(summary_value)) + summary_value
            payloads.append(  # Event: wall_time, step (0 is left out), summary
                b"".join(
                    (
                        schema.WALL_TIME_KEY,
                        _pack_wall_time(entry.wall_time),
                        schema.STEP_KEY + varint(entry.step) if entry.step else b"",
                        schema.SUMMARY_KEY,
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
            if n >= SMALL_BATCH:
                return self._join_scalar_ids(tags.unique, tags.ids, values, steps, wall_times)
            tags = [tags.unique[i] for i in tags.ids.tolist()]
        n = len(tags)
        if n == 0:
            return b""
        if n < SMALL_BATCH:
            return b"".join(
                self._scalar_record(tag, value, step, wall_time)
                for tag, value, step, wall_time in zip(
                    tags, values.tolist(), steps.tolist(), wall_times.tolist()
                )
            )
        if tags.count(tags[0]) == n:  # one tag (the usual batch): identity compares, from C
            unique_tags = [tags[0]]
            ids = np.zeros(n, dtype=np.int64)
        else:
            unique_tags = list(dict.fromkeys(tags))
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
                slice(start, start + CHUNK_EVENTS) for start in range(0, ids.size, CHUNK_EVENTS)
            )
        )

    def _scalar_id_parts(
        self,
        unique_tags: list[str],
        ids: np.ndarray,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> list[memoryview]:
        """One chunk's records, in call order, as bytes-like blocks."""
        n = ids.size
        # The first value of a tag new to this file carries metadata: encode it apart.
        seen = self._tags_with_metadata
        special: dict[int, bytes] = {}
        present = np.bincount(ids, minlength=len(unique_tags)) > 0  # (a chunk may lack some)
        for tag_id, tag in enumerate(unique_tags):
            if tag not in self._layouts:
                self._layouts[tag] = TagLayout(tag)
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
            rows = group_rows(
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
            return [rows.data for _, rows in groups]  # (C-contiguous: joined as is)
        matrix = np.zeros((n, int(sizes.max())), dtype=np.uint8)
        for members, rows in groups:
            matrix[members, : rows.shape[1]] = rows
        if (sizes == matrix.shape[1]).all():
            return [matrix.data]
        return [matrix[np.arange(matrix.shape[1]) < sizes[:, None]].data]

    def _scalar_record(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        """One framed scalar event, in plain Python: cheaper than numpy for a few events."""
        layout = self._layouts.get(tag)
        if layout is None:
            layout = self._layouts[tag] = TagLayout(tag)
        if tag not in self._tags_with_metadata:
            self._tags_with_metadata.add(tag)
            return frame(self._scalar_event(tag, value, step, wall_time))
        return frame_scalar(layout, value, step, wall_time)

    def _scalar_event(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        metadata = self._scalar_metadata.get(tag, SCALAR_METADATA)
        value_bytes = messages.summary_value_head(tag, metadata) + messages.simple_value_field(value)
        return messages.event(wall_time, step, summary=bytes_field(1, value_bytes))


