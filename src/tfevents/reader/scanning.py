"""Where the records of an event file are, found quickly, with every CRC checked.

The length chain is sequential (each record's length says where the next starts), but
event files are regular: a run of records of one length, or a cycle of a few lengths
(one record per tag per step). So after a few records walked one by one, the walk
*guesses* the next positions by repeating the last cycle, reads the lengths found there
all at once, and keeps the guesses up to the first length that differs: those are
exactly where the chain goes. Length CRCs are compared in numpy afterwards (one
expected CRC per distinct length); data CRCs are left to the caller (``data_crc_damage``
checks any records, and the scalar decoder checks its own faster, column by column).

A bad CRC or a torn tail does not raise here: ``Records`` says where the damage is, so
that a reader can keep what comes before it.
"""

from __future__ import annotations

import itertools
import mmap
import os
import struct
from dataclasses import dataclass

import numpy as np

from tfevents.errors import CorruptRecordError
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, data_crcs, length_header

__all__ = ["Records", "data_crc_damage", "open_buffer", "scan_records", "unaligned"]

_unpack_header = struct.Struct("<QI").unpack_from
_OVERHEAD = HEADER_SIZE + FOOTER_SIZE
_MAX_PERIOD = 32  # longest cycle of lengths guessed
_MAX_GUESS = 1 << 18  # most records guessed at once
_FIRST_GUESS = 512  # cycles guessed after a change (a wrong guess costs a compare each)
_SPAN = 1024  # blocks compared at first when following a guess


@dataclass
class Records:
    """The whole records of a buffer before any damage, and how the buffer ends."""

    offsets: np.ndarray  # int64: start of each record's data
    lengths: np.ndarray  # int64
    end: int  # bytes covered by the records kept
    truncated: bool  # the buffer ends inside a record (a torn write, or a writer at work)
    damage: CorruptRecordError | None = None  # the first bad length CRC (records stop there)

    def cut(self, count: int, damage: CorruptRecordError) -> None:
        """Keeps the first ``count`` records: damage was found in the next one."""
        self.offsets, self.lengths = self.offsets[:count], self.lengths[:count]
        self.end = int(self.offsets[-1] + self.lengths[-1] + FOOTER_SIZE) if count else 0
        self.truncated = False
        self.damage = damage


def open_buffer(path: str) -> bytes | mmap.mmap:
    """A file's bytes, memory-mapped when it is large (the pages stay the page cache's,
    not this process's memory)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 1 << 20:
            return f.read()
        return mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ)


def unaligned(buffer: np.ndarray, dtype: str) -> np.ndarray:
    """An array of ``dtype`` starting at *every* byte of ``buffer`` (overlapping), so that
    ``view[offsets]`` reads a field at arbitrary offsets in one gather."""
    itemsize = np.dtype(dtype).itemsize
    count = max(buffer.size - itemsize + 1, 0)
    view: np.ndarray = np.ndarray((count,), dtype=dtype, buffer=buffer, strides=(1,))
    return view


def scan_records(data: bytes | mmap.mmap | memoryview) -> Records:
    """Finds every whole record before any damage, checking each length's CRC."""
    size = len(data)
    buffer = np.frombuffer(data, dtype=np.uint8) if size else np.zeros(0, np.uint8)
    pieces_offsets: list[np.ndarray] = []
    pieces_lengths: list[np.ndarray] = []
    walked_offsets: list[int] = []
    walked_lengths: list[int] = []
    pos = 0
    damage: CorruptRecordError | None = None
    guess, backoff, wait = _FIRST_GUESS, 1, 0
    while True:
        # one record, the slow way
        if pos + HEADER_SIZE > size:
            break
        length, length_crc = _unpack_header(data, pos)
        if struct.unpack_from("<I", length_header(length), 8)[0] != length_crc:
            damage = CorruptRecordError("length CRC mismatch", pos)
            break
        if pos + _OVERHEAD + length > size:
            break
        walked_offsets.append(pos + HEADER_SIZE)
        walked_lengths.append(length)
        pos += _OVERHEAD + length
        if wait:
            wait -= 1
            continue
        # then guess ahead by repeating the last cycle of lengths
        cycle = _cycle(walked_lengths, pieces_lengths)
        if cycle is None:
            continue
        block = int(sum(cycle)) + _OVERHEAD * len(cycle)
        blocks = min(guess, (size - pos) // block, max(_MAX_GUESS // len(cycle), 1))
        if blocks <= 0:
            continue
        if _unpack_header(data, pos)[0] != cycle[0]:
            kept = 0  # the guess fails at once: no arrays made
        else:
            starts = list(itertools.accumulate((n + _OVERHEAD for n in cycle[:-1]), initial=0))
            crcs = [_length_crc(n) for n in cycle]
            kept, bad_at = _follow(buffer, pos, block, blocks, starts, cycle, crcs)
        if kept == 0:
            wait, backoff, guess = backoff, min(backoff * 2, 64), _FIRST_GUESS
            continue
        full = kept == blocks * len(cycle)
        if len(cycle) == 1:
            heads = np.arange(pos, pos + block * kept, block, dtype=np.int64)
            lengths = np.full(kept, cycle[0], dtype=np.int64)
        else:
            heads = ((pos + block * np.arange(-(-kept // len(cycle)), dtype=np.int64))[:, None]
                     + np.asarray(starts, dtype=np.int64)[None, :]).reshape(-1)[:kept]
            lengths = np.resize(np.asarray(cycle, dtype=np.int64), kept)
        if bad_at < kept:
            kept = bad_at
            damage = CorruptRecordError("length CRC mismatch", int(heads[kept]))
            heads, lengths = heads[:kept], lengths[:kept]
        _flush(walked_offsets, walked_lengths, pieces_offsets, pieces_lengths)
        pieces_offsets.append(heads + HEADER_SIZE)
        pieces_lengths.append(lengths)
        if damage is not None:
            pos = int(heads[-1] + lengths[-1]) + _OVERHEAD if kept else pos
            break
        pos = int(heads[-1] + lengths[-1]) + _OVERHEAD
        backoff = 1
        guess = min(guess * 8, _MAX_GUESS) if full else _FIRST_GUESS
    _flush(walked_offsets, walked_lengths, pieces_offsets, pieces_lengths)
    offsets = np.concatenate(pieces_offsets) if pieces_offsets else np.zeros(0, np.int64)
    lengths = np.concatenate(pieces_lengths) if pieces_lengths else np.zeros(0, np.int64)
    return Records(offsets, lengths, pos, damage is None and pos < size, damage)


def _follow(
    buffer: np.ndarray, pos: int, block: int, blocks: int, starts: list[int], cycle: list[int],
    crcs: list[int],
) -> tuple[int, int]:
    """How many guessed records follow the cycle (up to the first that does not), and the
    first of those whose length CRC does not match (``kept`` if none). Read in spans
    growing from ``_SPAN`` blocks, so that a guess far past the end of a run costs about
    what the run itself does, not a pass over the whole guess."""
    period = len(cycle)
    kept = blocks * period
    bad_at = kept
    done, span = 0, _SPAN
    while done < blocks:
        count = min(span, blocks - done)
        base = pos + done * block
        for phase, (start, length, crc) in enumerate(zip(starts, cycle, crcs)):
            # the phase's lengths, one per block: a strided view, no index array
            seen = np.ndarray((count,), "<u8", buffer=buffer, offset=base + start, strides=(block,))
            differs = seen != length
            if differs.any():
                kept = min(kept, (done + int(differs.argmax())) * period + phase)
            seen_crcs = np.ndarray((count,), "<u4", buffer=buffer, offset=base + start + 8, strides=(block,))
            wrong = seen_crcs != crc
            if wrong.any():
                bad_at = min(bad_at, (done + int(wrong.argmax())) * period + phase)
        if kept < blocks * period or bad_at < blocks * period:
            break
        done += count
        span *= 4
    return kept, bad_at


def _length_crc(length: int) -> int:
    return int(struct.unpack_from("<I", length_header(length), 8)[0])


def _cycle(walked: list[int], pieces: list[np.ndarray]) -> list[int] | None:
    """The shortest cycle the last lengths repeat (one length if nothing repeats yet).

    A period must explain the whole recent window, not only its last two periods: with
    tags of two name lengths in turn (``tag_9``, ``tag_10``) the last two lengths are
    often equal, and a guessed period of 1 would fail at once, every time."""
    recent = walked[-2 * _MAX_PERIOD :]
    need = 2 * _MAX_PERIOD - len(recent)
    earlier: list[list[int]] = []
    for piece in reversed(pieces):  # short guessed pieces: look further back
        if need <= 0:
            break
        earlier.append(piece[-need:].tolist())
        need -= len(earlier[-1])
    if earlier:
        recent = [n for part in reversed(earlier) for n in part] + recent
    last = recent[-1] if recent else None
    for period in range(1, len(recent) // 2 + 1):
        if recent[-1 - period] == last and recent[period:] == recent[:-period]:
            return recent[-period:]
    for period in range(1, len(recent) // 2 + 1):  # a change in the window: its tail
        if recent[-1 - period] == last and recent[-period:] == recent[-2 * period : -period]:
            return recent[-period:]
    return recent[-1:] if recent else None


def _flush(
    walked_offsets: list[int], walked_lengths: list[int],
    pieces_offsets: list[np.ndarray], pieces_lengths: list[np.ndarray],
) -> None:
    if walked_offsets:
        pieces_offsets.append(np.array(walked_offsets, dtype=np.int64))
        pieces_lengths.append(np.array(walked_lengths, dtype=np.int64))
        walked_offsets.clear()
        walked_lengths.clear()


def data_crc_damage(data: bytes | mmap.mmap | memoryview, offsets: np.ndarray, lengths: np.ndarray) -> int | None:
    """Index (into ``offsets``) of the first record whose data CRC does not match, or None."""
    if not offsets.size:
        return None
    view = memoryview(data)
    payloads = [bytes(view[o : o + n]) for o, n in zip(offsets.tolist(), lengths.tolist())]
    expected = data_crcs(payloads)
    buffer = np.frombuffer(data, dtype=np.uint8)
    stored = unaligned(buffer, "<u4")[offsets + lengths]
    bad = np.flatnonzero(expected != stored)
    return int(bad[0]) if bad.size else None
