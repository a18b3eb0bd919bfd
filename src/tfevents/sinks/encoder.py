"""Turns pending log entries into framed TFRecord bytes for one event file.

The encoder owns the per-file state that TensorBoard's readers need: each tag's first
value in a file carries its full metadata, later values carry none. Scalars, the hot
path, are encoded in a vectorised pass: events that share a tag and a step-varint width
have the same layout, so each such group becomes the rows of one uint8 matrix whose
variable columns (wall time, step, value) are filled in place and whose CRCs are
computed column by column for all rows at once.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

from tfevents.records.crc32c import crc32c_rows, mask
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, frame, frame_many
from tfevents.wire import messages
from tfevents.wire.encoding import bytes_field, string_field, varint, varint_rows, varint_sizes

SCALAR_METADATA = messages.summary_metadata(
    "scalars", data_class=messages.DATA_CLASS_SCALAR
)

# A pending scalar: (tag, value, step, wall_time).
ScalarEntry = tuple[str, float, int, float]
# A pending summary value: (tag, metadata, encoded value field, step, wall_time).
ValueEntry = tuple[str, bytes, bytes, int, float]


class _TagLayout:
    """The constant bytes of a scalar event for one tag, once its metadata is written."""

    __slots__ = ("summary_head", "value_head")

    def __init__(self, tag: str) -> None:
        value = string_field(1, tag) + b"\x15"  # tag, then simple_value's key
        value_len = len(value) + 4
        summary_len = 1 + len(varint(value_len)) + value_len
        # Event field 5 (summary) key and length, Summary.value key and length, Value head.
        self.summary_head = b"\x2a" + varint(summary_len) + b"\x0a" + varint(value_len)
        self.value_head = value


class EventEncoder:
    """Encodes entries for one file; make a new one for every new file."""

    def __init__(self, scalar_metadata: dict[str, bytes] | None = None) -> None:
        self._tags_with_metadata: set[str] = set()
        self._layouts: dict[str, _TagLayout] = {}
        # Shared with the writer, which records display names and descriptions here.
        self._scalar_metadata = scalar_metadata if scalar_metadata is not None else {}

    def encode_values(self, entries: Sequence[ValueEntry | bytes]) -> bytes:
        """Frames summary values (tuples) and complete events (bytes), in order."""
        payloads = []
        seen = self._tags_with_metadata
        for entry in entries:
            if isinstance(entry, bytes):
                payloads.append(entry)
                continue
            tag, metadata, value_field, step, wall_time = entry
            if tag in seen:
                head = string_field(1, tag)
            else:
                seen.add(tag)
                head = string_field(1, tag) + bytes_field(9, metadata)
            summary = bytes_field(1, head + value_field)
            payloads.append(messages.event(wall_time, step, summary=summary))
        return frame_many(payloads)

    def encode_scalars(
        self, tags: Sequence[str], values: np.ndarray, steps: np.ndarray, wall_times: np.ndarray
    ) -> bytes:
        """Frames scalar events; ``values`` float32, ``steps`` int64, ``wall_times`` float64."""
        n = len(tags)
        if n == 0:
            return b""
        layouts = self._layouts
        seen = self._tags_with_metadata
        tag_ids: dict[str, int] = {}
        ids = np.fromiter(
            (tag_ids.setdefault(t, len(tag_ids)) for t in tags), dtype=np.int64, count=n
        )
        unique_tags = list(tag_ids)

        # The first value of a tag new to this file carries metadata: encode it apart.
        special: list[int] = []
        for tag in unique_tags:
            if tag not in seen:
                special.append(int(np.argmax(ids == tag_ids[tag])))
                seen.add(tag)
                layouts[tag] = _TagLayout(tag)
        tag_layouts = [layouts[t] for t in unique_tags]

        step_widths = np.where(steps == 0, 0, varint_sizes(steps) + 1)
        fixed = np.array(
            [1 + 8 + len(lay.summary_head) + len(lay.value_head) + 4 for lay in tag_layouts],
            dtype=np.int64,
        )
        record_sizes = HEADER_SIZE + fixed[ids] + step_widths + FOOTER_SIZE
        special_records = {}
        for i in special:
            record = frame(self._scalar_event(tags[i], float(values[i]), int(steps[i]), float(wall_times[i])))
            special_records[i] = record
            record_sizes[i] = len(record)
        ends = np.cumsum(record_sizes)
        starts = ends - record_sizes
        out = np.empty(int(ends[-1]), dtype=np.uint8)

        regular = np.ones(n, dtype=bool)
        regular[special] = False
        group_key = ids * 16 + step_widths
        for key in np.unique(group_key[regular]):
            members = np.flatnonzero((group_key == key) & regular)
            layout = tag_layouts[int(key) // 16]
            self._fill_group(
                out, starts[members], layout, int(key) % 16,
                values[members], steps[members], wall_times[members],
            )
        for i, record in special_records.items():
            out[starts[i] : starts[i] + len(record)] = np.frombuffer(record, dtype=np.uint8)
        return out.tobytes()

    def _scalar_event(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        metadata = self._scalar_metadata.get(tag, SCALAR_METADATA)
        value_bytes = messages.summary_value_head(tag, metadata) + messages.simple_value_field(value)
        return messages.event(wall_time, step, summary=bytes_field(1, value_bytes))

    @staticmethod
    def _fill_group(
        out: np.ndarray,
        starts: np.ndarray,
        layout: _TagLayout,
        step_width: int,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> None:
        m = starts.size
        tail = layout.summary_head + layout.value_head
        payload_size = 1 + 8 + step_width + len(tail) + 4
        rows = np.empty((m, HEADER_SIZE + payload_size + FOOTER_SIZE), dtype=np.uint8)
        length = struct.pack("<Q", payload_size)
        header = length + struct.pack("<I", int(mask(np.array(
            [crc32c_rows(np.frombuffer(length, dtype=np.uint8)[None, :])[0]]))[0]))
        rows[:, :HEADER_SIZE] = np.frombuffer(header, dtype=np.uint8)
        col = HEADER_SIZE
        rows[:, col] = 0x09
        rows[:, col + 1 : col + 9] = wall_times.astype("<f8").view(np.uint8).reshape(m, 8)
        col += 9
        if step_width:
            rows[:, col] = 0x10
            rows[:, col + 1 : col + step_width] = varint_rows(steps, step_width - 1)
            col += step_width
        rows[:, col : col + len(tail)] = np.frombuffer(tail, dtype=np.uint8)
        col += len(tail)
        rows[:, col : col + 4] = values.astype("<f4").view(np.uint8).reshape(m, 4)
        col += 4
        crcs = mask(crc32c_rows(rows[:, HEADER_SIZE:col]))
        rows[:, col:] = np.asarray(crcs, dtype="<u4").view(np.uint8).reshape(m, 4)
        positions = starts[:, None] + np.arange(rows.shape[1])
        out[positions] = rows
