"""The scalar events of a file decoded as columns, in numpy, many records at a time.

tfevents, torch and tensorboardX write a scalar as ``09 <wall_time f64> [10 <step
varint>] 2a S 0a V 0a T <tag> 15 <value f32>``. Records of one length and one step width
have every byte at a fixed place, so per chunk of records: group them by length and step
width, copy each group's records into the rows of a matrix, check that the bytes that
must be constant (the structure and the tag) equal those of a representative record that
the general fast parse accepts, and read wall_time, step and value as columns. Data CRCs
are checked from the varying bytes alone (``crc_positions``). Any record that does not
fit (metadata, other kinds, a hash collision, an odd tag) is left to the general parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tfevents.reader.crc_positions import constant_register, final_xor, pair_table
from tfevents.reader.decoding import parse_simple_scalar
from tfevents.reader.types import FileState
from tfevents.records.crc32c import mask

__all__ = ["ScalarColumns", "decode_scalar_columns"]

CHUNK = 1 << 15  # records per chunk: the temporaries stay in the CPU's caches
_MIN, _MAX = 20, 20 + 10 + 118  # shortest and longest record of the layout (1-byte lengths)
_HIGH_BITS = np.uint64(0x8080808080808080)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MAX_RUNS = 1024  # runs of equal digests grouped in one pass; more go tag by tag


@dataclass
class ScalarColumns:
    """What the column decoder read from one file."""

    handled: np.ndarray  # bool per record: read here (the rest is for the general parse)
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = field(
        default_factory=dict
    )  # tag -> [(record index, step, wall_time, value)], each piece in file order
    bad_crc: int | None = None  # index of the first record whose data CRC does not match


# Fewer records of one length than this are left to the general parse: the CRC tables
# of a length (about 2.5 MB, cached: 32 MB at most) cost more than they save, and a
# small file of many lengths would otherwise make the reader allocate far beyond its size.
# Below 127: steps 1..127 of one tag (one-byte step varints) are 127 records of one
# length, and a long add_scalar_array series has them alone in a chunk.
MIN_GROUP_ROWS = 100


def decode_scalar_columns(
    buffer: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, chunk: int = CHUNK,
    min_rows: int = MIN_GROUP_ROWS,
) -> ScalarColumns:
    """Reads the records of the usual scalar layout, where at least ``min_rows`` of a
    chunk share a length; ``buffer`` is the file as uint8."""
    out = ScalarColumns(np.zeros(offsets.size, dtype=bool))
    windows: dict[int, np.ndarray] = {}
    for start in range(0, offsets.size, chunk):
        offs, lens = offsets[start : start + chunk], lengths[start : start + chunk]
        candidate = (lens >= _MIN) & (lens <= _MAX)
        if not candidate.any():
            continue
        counts = np.bincount(lens[candidate], minlength=_MAX + 1)
        for length in np.flatnonzero(counts).tolist():
            selected = np.flatnonzero(candidate & (lens == length))
            if selected.size < min_rows:
                continue  # (the general parse reads them)
            starts = offs[selected]
            spacing = np.diff(starts)
            if spacing.size and (spacing == spacing[0]).all() and spacing[0] >= length + 4:
                # evenly spaced (one tag, or tags of one length in turn): a view, no copy
                rows = np.ndarray((starts.size, length + 4), dtype=np.uint8, buffer=buffer,
                                  offset=int(starts[0]), strides=(int(spacing[0]), 1))
            else:
                window = windows.get(length)
                if window is None:
                    width = length + 4  # the record and its data CRC
                    window = np.lib.stride_tricks.as_strided(
                        buffer, (buffer.size - width + 1, width), (1, 1), writeable=False
                    )
                    windows[length] = window
                rows = window[starts]  # one row per record, bytes at fixed columns
            _decode_rows(rows, length, start + selected, out)
    return out


def _column(rows: np.ndarray, position: int, dtype: str) -> np.ndarray:
    """The field at byte ``position`` of every row, as a contiguous array."""
    itemsize = np.dtype(dtype).itemsize
    column: np.ndarray = rows[:, position : position + itemsize].view(dtype)[:, 0].copy()
    return column


def _decode_rows(rows: np.ndarray, length: int, index: np.ndarray, out: ScalarColumns) -> None:
    step_field = rows[:, 9]
    x = _column(rows, 10, "<u8")  # the step varint (and what follows it)
    ends = ~x & _HIGH_BITS
    lowest = ends & (~ends + np.uint64(1))
    width = (np.bitwise_count(lowest - np.uint64(1)) >> np.uint8(3)).astype(np.int8) + np.int8(1)
    width[step_field == 0x2A] = 0  # step 0 is not written
    width[(rows[:, 0] != 0x09) | ((step_field != 0x10) & (step_field != 0x2A))] = -1  # not this layout
    counts = np.bincount(width + 1, minlength=11)
    for w in (np.flatnonzero(counts[1:10])).tolist():  # widths 0..8
        if counts[w + 1] == rows.shape[0]:
            _decode_layout(rows, length, w, x, index, out)
        else:
            members = width == w
            _decode_layout(rows[members], length, w, x[members], index[members], out)


def _peel(words: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Group ids of rows by their words (the tag and structure), and each group's first row."""
    same = np.ones(words[0].size, dtype=bool)
    for word in words:
        same &= word == word[0]
    if same.all():
        return np.zeros(words[0].size, dtype=np.uint8), [0]
    digest = words[0].copy()
    for word in words[1:]:
        digest = (digest ^ (digest >> np.uint64(29))) * _MIX ^ word
    again = np.flatnonzero(digest[1:256] == digest[0])
    if again.size:  # tags in turn (one record per tag per step): a cycle of digests?
        period = int(again[0]) + 1
        cyclic = bool((digest[period:] == digest[:-period]).all())
        if cyclic and len(set(digest[:period].tolist())) == period <= 255:
            ids = np.tile(np.arange(period, dtype=np.uint8), -(-digest.size // period))[: digest.size]
            return ids, list(range(period))
    changes = np.flatnonzero(digest[1:] != digest[:-1]) + 1
    if changes.size < _MAX_RUNS:  # runs of one tag (add_scalar_array): one pass, not one per tag
        starts = [0, *changes.tolist()]
        first_of: dict[int, int] = {}
        for begin, key in zip(starts, digest[starts].tolist()):
            first_of.setdefault(key, begin)
        if len(first_of) <= 255:
            number = {key: k for k, key in enumerate(first_of)}
            run_ids = np.array([number[key] for key in digest[starts].tolist()], dtype=np.uint8)
            return np.repeat(run_ids, np.diff([*starts, digest.size])), list(first_of.values())
    ids = np.full(digest.size, 255, dtype=np.uint8)
    firsts: list[int] = []
    left = np.arange(digest.size)
    while left.size and len(firsts) < 255:
        first = int(left[0])
        chosen = digest[left] == digest[first]
        ids[left[chosen]] = len(firsts)
        firsts.append(first)
        left = left[~chosen]
    return ids, firsts  # rows past 255 distinct tags keep id 255: the general parse reads them


def _cyclic(ids: np.ndarray, period: int) -> bool:
    return bool((ids[period:] == ids[:-period]).all())


def _lookup(register: np.ndarray, table: np.ndarray, lane: np.ndarray) -> np.ndarray:
    """XORs in the contribution of a byte pair; a pair equal in every row costs nothing."""
    first = lane[0]
    if (lane == first).all():
        register ^= table[first]
    else:
        register ^= table[lane]
    return register


def _decode_layout(
    rows: np.ndarray, length: int, w: int, x: np.ndarray, index: np.ndarray, out: ScalarColumns
) -> None:
    """Rows of one length and step width: check the constant bytes, read the columns."""
    start = 10 + w if w else 9  # where the summary field begins
    tag_len = length - start - 11
    if not 0 <= tag_len <= 118:
        return
    size = tag_len + 7  # 2a S 0a V 0a T <tag> 15
    words = []
    for k in range(0, size, 8):
        word = _column(rows, start + k, "<u8")
        if size - k < 8:
            word &= np.uint64((1 << (8 * (size - k))) - 1)
        words.append(word)
    ids, firsts = _peel(words)
    exact = np.ones(ids.size, dtype=bool)
    if len(firsts) > 1:
        representatives = np.zeros(256, dtype=np.intp)
        representatives[: len(firsts)] = firsts
        for word in words:  # exact: a digest collision goes to the general parse
            exact &= word == word[representatives][ids]
        exact &= ids != 255
    tags: list[str | None] = []
    registers = np.empty(len(firsts) + 1, dtype=np.uint32)
    for k, first in enumerate(firsts):
        record = rows[first, :length].tobytes()
        event = parse_simple_scalar(record, FileState())
        tags.append(event.values[0].tag if event is not None and event.values else None)
        template = bytearray(record)
        template[1:9] = bytes(8)
        template[10 : 10 + w] = bytes(w)
        template[length - 4 :] = bytes(4)
        registers[k] = constant_register(bytes(template))
    registers ^= np.uint32(final_xor(length))  # folded in once, not per row
    if None in tags:
        exact &= ~np.isin(ids, [k for k, t in enumerate(tags) if t is None])
    if not exact.all():
        rows, x, index, ids = rows[exact], x[exact], index[exact], ids[exact]
    if not rows.shape[0]:
        return
    walls = _column(rows, 1, "<u8")
    values = _column(rows, length - 4, "<u4")
    stored = _column(rows, length, "<u4")
    steps = x & np.uint64(0x7F)
    for k in range(1, w):
        steps |= ((x >> np.uint64(k)) & np.uint64(0x7F << (7 * k)))
    register = registers[ids] if len(firsts) > 1 else np.full(ids.size, registers[0], dtype=np.uint32)
    lanes = walls.view("<u2").reshape(-1, 4)
    for k in range(4):
        register = _lookup(register, pair_table(length, 1 + 2 * k), lanes[:, k])
    if w:
        lanes = (x & np.uint64((1 << (8 * w)) - 1)).view("<u2").reshape(-1, 4)
        for k in range((w + 1) // 2):
            register = _lookup(register, pair_table(length, 10 + 2 * k), lanes[:, k])
    lanes = values.view("<u2").reshape(-1, 2)
    register = _lookup(register, pair_table(length, length - 4), lanes[:, 0])
    register = _lookup(register, pair_table(length, length - 2), lanes[:, 1])
    bad = np.flatnonzero(mask(register) != stored)
    if bad.size:
        first_bad = int(index[bad[0]])
        out.bad_crc = first_bad if out.bad_crc is None else min(out.bad_crc, first_bad)
    out.handled[index] = True
    columns = (index, steps.view(np.int64) if w else np.zeros(index.size, np.int64),
               walls.view("<f8"), values.view("<f4").astype(np.float64))
    if len(firsts) == 1:
        out.pieces.setdefault(tags[0], []).append(columns)  # type: ignore[arg-type]
        return
    if exact.all() and firsts == list(range(len(firsts))) and ids.size >= len(firsts) \
            and (ids[: len(firsts)] == np.arange(len(firsts))).all() and _cyclic(ids, len(firsts)):
        period = len(firsts)  # tags in turn: tag k is every period-th row from row k
        for k, tag in enumerate(tags):
            if tag is not None:
                out.pieces.setdefault(tag, []).append(tuple(c[k::period] for c in columns))  # type: ignore[arg-type]
        return
    order = np.argsort(ids, kind="stable")  # a radix sort: ids are bytes
    bounds = np.cumsum(np.bincount(ids, minlength=len(firsts)))
    sorted_columns = [c[order] for c in columns]
    begin = 0
    for k, tag in enumerate(tags):
        end = int(bounds[k])
        if tag is not None and end > begin:
            out.pieces.setdefault(tag, []).append(tuple(c[begin:end] for c in sorted_columns))  # type: ignore[arg-type]
        begin = end
