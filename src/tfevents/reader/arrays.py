"""Array-valued events (histograms, PR curves, tensor scalars) decoded as columns.

Records are grouped by length; in each group a representative record is read field by
field (``layouts.layout_of``), every record whose bytes equal it outside the varying
parts (wall time, step, numbers) is taken as the same layout, and its numbers are read
as columns of a matrix whose rows are the records: one numpy operation per field for
the whole group. The rest of the group is peeled again with its own representative, a
few times at most; what is left goes to the general parse. Data CRCs are checked for
every record taken here, with the C CRC-32C when one is installed, else in numpy rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfevents.reader.layouts import Layout, layout_of
from tfevents.records.crc32c import crc32c_at, crc32c_rows, mask

__all__ = ["ArrayColumns", "ArrayGroup", "decode_array_columns"]

CHUNK = 1 << 14  # records per chunk
MIN_ROWS = 8  # fewer records of a length than this: the general parse reads them
MIN_LENGTH = 40  # shorter records are scalars (the scalar columns read them) or headers
_MAX_PEELS = 8  # first layouts tried per group of one length
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class ArrayGroup:
    """Records of one layout: their indices in the file, steps, wall times, values."""

    tag: str
    form: str  # "tensor" (values [n, *shape]) or "histo" (lengths [n], rows [sum, 3])
    index: np.ndarray
    steps: np.ndarray
    wall_times: np.ndarray
    values: np.ndarray
    lengths: np.ndarray | None = None
    plugin: str | None = None  # the plugin its records' metadata names (None: none carried)


@dataclass
class ArrayColumns:
    handled: np.ndarray  # bool per record given
    groups: list[ArrayGroup] = field(default_factory=list)
    bad_crc: int | None = None  # index of the first record whose data CRC does not match
    data: Any = None  # the file's bytes (for the CRCs)


class _Rows:
    """Records of one length as rows of a matrix, without copying them: a view with a
    row at every byte of the file (``window``) and the rows' starts; ``cols`` gathers
    only the bytes asked for. The first ``HEAD`` bytes (the structure, the tag, the
    wall time and step) are gathered once and sliced from then on."""

    HEAD = 64

    def __init__(self, window: np.ndarray, starts: np.ndarray, head: np.ndarray | None = None) -> None:
        self.window, self.starts, self._head = window, starts, head

    @property
    def n(self) -> int:
        return int(self.starts.size)

    def cols(self, start: int, end: int) -> np.ndarray:
        """Bytes ``start:end`` of every row, ``[n, end - start]`` (not to be written to)."""
        if end <= self.HEAD:
            if self._head is None:
                self._head = self.window[self.starts, : min(self.HEAD, self.window.shape[1])]
            return self._head[:, start:end]
        return self.window[self.starts, start:end]

    def column(self, start: int, dtype: str) -> np.ndarray:
        width = np.dtype(dtype).itemsize
        return np.ascontiguousarray(self.cols(start, start + width)).view(dtype)[:, 0]

    def take(self, members: np.ndarray) -> _Rows:
        if members.size == self.n:
            return self
        head = None if self._head is None else self._head[members]
        return _Rows(self.window, self.starts[members], head)

    def record(self, i: int, length: int) -> bytes:
        return bytes(self.window[int(self.starts[i]), :length])


def decode_array_columns(
    data: Any, offsets: np.ndarray, lengths: np.ndarray, index: np.ndarray,
    *, min_rows: int = MIN_ROWS,
) -> ArrayColumns:
    """Reads the records (at ``offsets``, file record numbers ``index``) of ``data`` (a
    file's bytes) that have an array layout."""
    buffer = np.frombuffer(data, dtype=np.uint8) if len(data) else np.zeros(0, np.uint8)
    out = ArrayColumns(np.zeros(offsets.size, dtype=bool), data=data)
    for begin in range(0, offsets.size, CHUNK):
        offs, lens = offsets[begin : begin + CHUNK], lengths[begin : begin + CHUNK]
        candidate = lens >= MIN_LENGTH
        if not candidate.any():
            continue
        sizes, counts = np.unique(lens[candidate], return_counts=True)
        for length in sizes[counts >= min_rows].tolist():
            selected = np.flatnonzero(candidate & (lens == length))
            window = np.lib.stride_tricks.as_strided(
                buffer, (buffer.size - length - 3, length + 4), (1, 1), writeable=False)
            rows = _Rows(window, offs[selected])
            classes = _step_widths(rows)
            if (classes == classes[0]).all():
                _peel(rows, length, begin + selected, index[begin + selected], out)
                continue
            for width in np.unique(classes).tolist():  # layouts shift after the step
                members = np.flatnonzero(classes == width)
                _peel(rows.take(members), length, begin + selected[members],
                      index[begin + selected[members]], out)
    return out


def _step_widths(rows: _Rows) -> np.ndarray:
    """The width of each row's step varint where the event starts ``09 <wall> 10 <step>``
    (as every writer writes it); -1 for other rows."""
    head = rows.cols(0, 19)
    continued = head[:, 10:19] >= 0x80
    widths = np.where(continued.all(axis=1), 10, np.argmin(continued, axis=1) + 1)
    usual = (head[:, 0] == 0x09) & (head[:, 9] == 0x10)
    return np.where(usual, widths, -1)


def _peel(rows: _Rows, length: int, where: np.ndarray, index: np.ndarray, out: ArrayColumns) -> None:
    """Takes the layouts of a group of one length. The first record's layout says which
    bytes are constant; rows are grouped by a digest of those bytes (tags in turn give
    one group per tag), and each group is checked exactly against its own first row.
    Rows that fit no layout are peeled again, a few times at most."""
    left = np.arange(rows.n)
    for _ in range(_MAX_PEELS):
        if left.size < MIN_ROWS:
            return
        candidates = rows.take(left)
        layout = layout_of(candidates.record(0, length))
        if layout is None:
            left = left[1:]
            continue
        digest = _digest(candidates, layout.constant_spans())
        keys, first, inverse = np.unique(digest, return_index=True, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=keys.size))
        missed = []
        for group in np.argsort(first).tolist():
            members = order[(bounds[group - 1] if group else 0) : bounds[group]]
            if members.size < MIN_ROWS and group != inverse[0]:
                missed.append(members)
                continue
            sub = candidates.take(members)
            own = layout if group == inverse[0] else layout_of(sub.record(0, length))
            if own is None:
                missed.append(members)
                continue
            same = _fits(sub, own)
            if same.all():
                _decode(sub, own, where[left[members]], index[left[members]], out)
            elif same.any():
                _decode(sub.take(np.flatnonzero(same)), own, where[left[members[same]]],
                        index[left[members[same]]], out)
            missed.append(members[~same])
        left = left[np.sort(np.concatenate(missed))] if missed else left[:0]


def _digest(rows: _Rows, spans: list[tuple[int, int]]) -> np.ndarray:
    """A 64-bit digest per row of the bytes in ``spans``."""
    constant = np.concatenate([rows.cols(a, b) for a, b in spans], axis=1)
    width = -(-constant.shape[1] // 8) * 8
    padded = np.zeros((rows.n, width), dtype=np.uint8)
    padded[:, : constant.shape[1]] = constant
    words = padded.view("<u8")
    digest = np.zeros(rows.n, dtype=np.uint64)
    for k in range(words.shape[1]):
        digest = (digest ^ (digest >> np.uint64(29))) * _MIX ^ words[:, k]
    return digest


def _fits(rows: _Rows, layout: Layout) -> np.ndarray:
    """Rows equal to the layout's record outside its varying bytes, with a step varint of
    the same width: they parse to the same structure."""
    same = np.ones(rows.n, dtype=bool)
    expected = np.frombuffer(rows.record(0, layout.length), dtype=np.uint8)
    for start, end in layout.constant_spans():
        same &= (rows.cols(start, end) == expected[start:end]).all(axis=1)
    if layout.step_width:
        steps = rows.cols(layout.step_at, layout.step_at + layout.step_width)
        same &= (steps[:, :-1] >= 0x80).all(axis=1) & (steps[:, -1] < 0x80)
    return same


def _decode(rows: _Rows, layout: Layout, where: np.ndarray, index: np.ndarray, out: ArrayColumns) -> None:
    length = layout.length
    stored = rows.column(length, "<u4")
    bad = np.flatnonzero(_crcs(rows, length, out.data) != stored)
    if bad.size:
        first = int(index[bad[0]])
        out.bad_crc = first if out.bad_crc is None else min(out.bad_crc, first)
    out.handled[where] = True
    n = rows.n
    walls = rows.column(layout.wall_at, "<f8") if layout.wall_at is not None else np.zeros(n)
    steps = np.zeros(n, dtype=np.uint64)
    for k, part in enumerate(rows.cols(layout.step_at, layout.step_at + layout.step_width).T):
        steps |= (part.astype(np.uint64) & np.uint64(0x7F)) << np.uint64(7 * k)
    group = ArrayGroup(layout.tag, layout.form, index, steps.view(np.int64), walls.astype(np.float64),
                       np.zeros(0), plugin=layout.plugin)
    if layout.form == "tensor":
        values = np.ascontiguousarray(rows.cols(*layout.payload)).view(layout.dtype)  # (one copy)
        group.values = values.astype(layout.dtype.newbyteorder("="), copy=False).reshape((n, *layout.shape))
    else:
        group.lengths, group.values = _legacy_histograms(rows, layout)
    out.groups.append(group)


def _crcs(rows: _Rows, length: int, data: Any) -> np.ndarray:
    """Masked data CRCs of the records (each row's first ``length`` bytes of ``data``):
    one C call per record when a C CRC-32C is installed, else numpy rows."""
    crcs = crc32c_at(data, rows.starts, length)
    if crcs is None:
        crcs = crc32c_rows(rows.cols(0, length))
    return mask(crcs)


def _legacy_histograms(rows: _Rows, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """TensorBoard's conversion of ``HistogramProto`` (``data_compat``), row by row at
    once: empty buckets at both ends dropped, ``min`` and ``max`` as the outer edges.
    Returns each histogram's bucket count and the ``[left, right, count]`` rows."""
    n = rows.n
    low, high = (rows.column(layout.doubles[f], "<f8").astype(np.float64) if f in layout.doubles
                 else np.zeros(n) for f in (1, 2))
    limits = np.ascontiguousarray(rows.cols(*layout.limits)).view("<f8").astype(np.float64)  # (a copy)
    counts = np.ascontiguousarray(rows.cols(*layout.counts)).view("<f8").astype(np.float64, copy=False)
    k = counts.shape[1]
    if not k:
        return np.zeros(n, dtype=np.int64), np.zeros((0, 3))
    nonzero = counts > 0
    first = np.argmax(nonzero, axis=1)
    last = k - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    columns = np.arange(k)
    nonempty = np.any(nonzero, axis=1, keepdims=True)
    keep = (columns >= first[:, None]) & (columns <= last[:, None]) & nonempty
    each = np.arange(n)
    left = np.empty_like(limits)
    left[:, 1:] = limits[:, :-1]  # a bucket's left edge: the limit before it ...
    left[each, first] = low  # ... min for the first kept
    right = limits
    right[each, last] = high  # max for the last kept
    sizes = keep.sum(axis=1)
    table = np.stack([left[keep], right[keep], counts[keep]], axis=1)  # (row-major: in order)
    return sizes.astype(np.int64), table
