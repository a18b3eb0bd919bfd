"""The byte layout of one array-valued event record: what is fixed, what varies.

A histogram or PR-curve event is ``Event{wall_time, step, Summary{Value{tag, tensor or
histo}}}``. Records of one tag and one shape differ only in a few places: the wall time,
the step (a varint), and the numbers of the payload (``tensor_content`` or packed
floats of a ``TensorProto``; the doubles of a legacy ``HistogramProto``). Everything
else (field keys, lengths, the tag, the dtype and shape) is the same bytes. ``layout_of``
reads one record field by field and says where each varying part is; a record whose
bytes equal it everywhere else (and whose step varint has the same width) parses to the
same structure, so its numbers can be read at the same places without parsing it.

Only the plain forms are accepted (no metadata, no node name, one value per event):
anything else is left to the general parse, which is always right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfevents.errors import DecodeError
from tfevents.reader.tensors import _DTYPE_TO_NUMPY, _shape
from tfevents.wire.decoding import read_varint

__all__ = ["Layout", "layout_of"]

_LENGTH_DELIMITED, _VARINT, _FIXED64, _FIXED32 = 2, 0, 1, 5
_HISTO_DOUBLES = (1, 2, 3, 4, 5)  # min, max, num, sum, sum_squares


@dataclass
class Layout:
    """Where the varying bytes of a record of this layout are."""

    length: int
    tag: str
    wall_at: int | None  # the 8 bytes of wall_time (None: absent, 0.0)
    step_at: int  # the step varint (width 0: absent, step 0)
    step_width: int
    form: str  # "tensor" or "histo"
    plugin: str | None = None  # the plugin its metadata names (None: no metadata)
    dtype: Any = None  # tensors: numpy dtype of the values
    shape: tuple[int, ...] = ()
    payload: tuple[int, int] = (0, 0)  # tensors: the span of the packed values
    doubles: dict[int, int] = field(default_factory=dict)  # histo: field -> position of its double
    limits: tuple[int, int] = (0, 0)  # histo: span of bucket_limit
    counts: tuple[int, int] = (0, 0)  # histo: span of bucket
    varying: list[tuple[int, int]] = field(default_factory=list)  # spans not compared

    def constant_spans(self) -> list[tuple[int, int]]:
        """The spans every record of this layout has byte for byte."""
        spans, pos = [], 0
        for start, end in sorted(self.varying):
            if start > pos:
                spans.append((pos, start))
            pos = max(pos, end)
        if pos < self.length:
            spans.append((pos, self.length))
        return spans


def _fields(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int, int]] | None:
    """(number, wire type, start of value, end of value, varint value) of each field."""
    out = []
    pos = start
    try:
        while pos < end:
            key, pos = read_varint(data, pos)
            number, wire = key >> 3, key & 7
            if wire == _VARINT:
                value, after = read_varint(data, pos)
                out.append((number, wire, pos, after, value))
                pos = after
            elif wire == _FIXED64:
                out.append((number, wire, pos, pos + 8, 0))
                pos += 8
            elif wire == _FIXED32:
                out.append((number, wire, pos, pos + 4, 0))
                pos += 4
            elif wire == _LENGTH_DELIMITED:
                size, pos = read_varint(data, pos)
                out.append((number, wire, pos, pos + size, 0))
                pos += size
            else:
                return None
    except Exception:
        return None
    return out if pos == end else None


def layout_of(record: bytes) -> Layout | None:
    """The layout of one event record, or None if it is not a plain array value (or
    does not parse: the general parse then says why)."""
    try:
        return _layout(record)
    except (DecodeError, ValueError, IndexError, OverflowError):
        return None


def _layout(record: bytes) -> Layout | None:
    event = _fields(record, 0, len(record))
    if event is None:
        return None
    wall_at, step_at, step_width, summary = None, 0, 0, None
    for number, wire, start, end, _ in event:
        if number == 1 and wire == _FIXED64 and wall_at is None:
            wall_at = start
        elif number == 2 and wire == _VARINT and not step_width:
            step_at, step_width = start, end - start
        elif number == 5 and wire == _LENGTH_DELIMITED and summary is None:
            summary = (start, end)
        else:
            return None
    if summary is None:
        return None
    values = _fields(record, *summary)
    if values is None or len(values) != 1 or values[0][:2] != (1, _LENGTH_DELIMITED):
        return None
    tag, payload, plugin = None, None, None
    for number, wire, start, end, _ in _fields(record, values[0][2], values[0][3]) or [(0, 0, 0, 0, 0)]:
        if number == 1 and wire == _LENGTH_DELIMITED and tag is None:
            try:
                tag = record[start:end].decode("utf-8")
            except UnicodeDecodeError:
                return None
        elif number in (5, 8) and wire == _LENGTH_DELIMITED and payload is None:
            payload = (number, start, end)
        elif number == 9 and wire == _LENGTH_DELIMITED and plugin is None:
            plugin = _plugin_name(record, start, end)  # (torch's PR curves carry it in each)
            if plugin is None:
                return None
        else:
            return None
    if tag is None or payload is None:
        return None
    layout = Layout(len(record), tag, wall_at, step_at, step_width, "", plugin)
    if wall_at is not None:
        layout.varying.append((wall_at, wall_at + 8))
    if step_width:
        layout.varying.append((step_at, step_at + step_width))
    ok = _tensor(record, payload[1:], layout) if payload[0] == 8 else _histo(record, payload[1:], layout)
    return layout if ok else None


def _plugin_name(record: bytes, start: int, end: int) -> str | None:
    """``SummaryMetadata.plugin_data.plugin_name`` ("" if none), or None if it is not UTF-8."""
    name = b""
    for number, wire, s, e, _ in _fields(record, start, end) or []:
        if number == 1 and wire == _LENGTH_DELIMITED:
            for n, w, s2, e2, _ in _fields(record, s, e) or []:
                if n == 1 and w == _LENGTH_DELIMITED:
                    name = record[s2:e2]
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _tensor(record: bytes, span: tuple[int, int], layout: Layout) -> bool:
    """A TensorProto of a numeric dtype, its values in ``tensor_content`` or packed floats."""
    dtype_code, shape, values = 0, None, None
    for number, wire, start, end, value in _fields(record, *span) or [(0, 0, 0, 0, 0)]:
        if number == 1 and wire == _VARINT:
            dtype_code = value
        elif number == 2 and wire == _LENGTH_DELIMITED:
            shape = _shape(record[start:end])
        elif number in (4, 5, 6) and wire == _LENGTH_DELIMITED and values is None:
            values = (number, start, end)
        elif number != 3:  # (version_number is kept as a constant)
            return False
    dtype = _DTYPE_TO_NUMPY.get(dtype_code)
    if dtype is None or dtype.kind not in "fiu" or shape is None or values is None:
        return False
    packed = {5: np.dtype(np.float32), 6: np.dtype(np.float64)}  # float_val, double_val
    if values[0] != 4 and packed[values[0]] != dtype:
        return False
    count = int(np.prod(shape)) if shape else 1
    if count * dtype.itemsize != values[2] - values[1]:
        return False  # (TensorFlow's fill rule, or a bad size: the general parse)
    layout.form, layout.dtype, layout.shape = "tensor", dtype.newbyteorder("<"), tuple(shape)
    layout.payload = (values[1], values[2])
    layout.varying.append(layout.payload)
    return True


def _histo(record: bytes, span: tuple[int, int], layout: Layout) -> bool:
    """A legacy HistogramProto: five doubles, then the packed limits and counts."""
    limits = counts = None
    for number, wire, start, end, _ in _fields(record, *span) or [(0, 0, 0, 0, 0)]:
        if number in _HISTO_DOUBLES and wire == _FIXED64 and number not in layout.doubles:
            layout.doubles[number] = start
            layout.varying.append((start, end))
        elif number == 6 and wire == _LENGTH_DELIMITED and limits is None:
            limits = (start, end)
        elif number == 7 and wire == _LENGTH_DELIMITED and counts is None:
            counts = (start, end)
        else:
            return False
    limits, counts = limits or (span[1], span[1]), counts or (span[1], span[1])
    if (limits[1] - limits[0]) % 8 or limits[1] - limits[0] != counts[1] - counts[0]:
        return False
    layout.form, layout.limits, layout.counts = "histo", limits, counts
    layout.varying += [limits, counts]
    return True
