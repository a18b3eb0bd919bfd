"""Turns pending log entries into framed TFRecord bytes for one event file.

The encoder owns the per-file state that TensorBoard's readers need: each tag's first
value in a file carries its full metadata, later values carry none. Scalars, the hot
path, are encoded in a vectorised pass: events that share a tag and a step-varint width
have the same layout, so each such group becomes the rows of one uint8 matrix whose
variable columns (wall time, step, value) are filled in place and whose CRCs are
computed column by column for all rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tfevents.records.crc32c import crc32c_rows, mask
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, frame, frame_many, length_crcs
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
        """Frames scalar events; ``values`` float32, ``steps`` int64, ``wall_times`` float64.

        Records are built as the rows of a zero-padded ``(n, longest)`` matrix, group by
        group, and the padding is dropped at the end, keeping the order of the calls.
        """
        n = len(tags)
        if n == 0:
            return b""
        unique_tags = list(dict.fromkeys(tags))
        if len(unique_tags) == 1:
            ids = np.zeros(n, dtype=np.int64)
        else:
            index = {tag: i for i, tag in enumerate(unique_tags)}
            ids = np.fromiter(map(index.__getitem__, tags), dtype=np.int64, count=n)

        # The first value of a tag new to this file carries metadata: encode it apart.
        seen = self._tags_with_metadata
        special: dict[int, bytes] = {}
        for tag_id, tag in enumerate(unique_tags):
            if tag not in self._layouts:
                self._layouts[tag] = _TagLayout(tag)
            if tag not in seen:  # (a tag may have had metadata from encode_values)
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
        group_key = (ids * 16 + step_widths).astype(np.int64)
        if special:
            group_key[list(special)] = -1
        order = np.argsort(group_key, kind="stable")
        counts = np.bincount(group_key + 1)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        groups = []  # (members, rows)
        for key in np.flatnonzero(counts[1:]):
            members = order[bounds[key + 1] : bounds[key + 2]]
            rows = self._group_rows(
                layouts[key // 16], key % 16, values[members], steps[members], wall_times[members]
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
            return b"".join(rows.tobytes() for _, rows in groups)
        matrix = np.zeros((n, int(sizes.max())), dtype=np.uint8)
        for members, rows in groups:
            matrix[members, : rows.shape[1]] = rows
        if (sizes == matrix.shape[1]).all():
            return matrix.tobytes()
        return matrix[np.arange(matrix.shape[1]) < sizes[:, None]].tobytes()

    def _scalar_event(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        metadata = self._scalar_metadata.get(tag, SCALAR_METADATA)
        value_bytes = messages.summary_value_head(tag, metadata) + messages.simple_value_field(value)
        return messages.event(wall_time, step, summary=bytes_field(1, value_bytes))

    @staticmethod
    def _group_rows(
        layout: _TagLayout,
        step_width: int,
        values: np.ndarray,
        steps: np.ndarray,
        wall_times: np.ndarray,
    ) -> np.ndarray:
        """Whole records of events sharing a tag and a step-varint width, one per row."""
        m = values.size
        tail = layout.summary_head + layout.value_head
        payload_size = 1 + 8 + step_width + len(tail) + 4
        rows = np.empty((m, HEADER_SIZE + payload_size + FOOTER_SIZE), dtype=np.uint8)
        length = np.array([payload_size], dtype="<u8")
        rows[:, :8] = length.view(np.uint8)
        rows[:, 8:HEADER_SIZE] = length_crcs(length).astype("<u4").view(np.uint8)
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
        return rows
