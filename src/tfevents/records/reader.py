"""Walks the records of an event file back, checking both CRCs of every record.

A torn last record (a writer killed mid-write, or still writing) is reported apart
from corruption: TensorBoard's readers wait for the rest of it, so it is harmless,
while a bad CRC stops TensorBoard's Python loader at that record for good and makes
its Rust loader drop the whole file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tfevents.errors import CorruptRecordError, RecordError, TruncatedRecordError
from tfevents.records.framing import FOOTER_SIZE, HEADER_SIZE, data_crcs, length_header

__all__ = [
    "CorruptRecordError", "RecordError", "RecordScan", "TruncatedRecordError", "iter_records", "scan",
]

_unpack_header = struct.Struct("<QI").unpack_from
_unpack_u32 = struct.Struct("<I").unpack_from




@dataclass(frozen=True)
class RecordScan:
    """Where the records of a buffer are, and how the buffer ends."""

    offsets: np.ndarray  # start of each whole record's data
    lengths: np.ndarray
    end: int  # bytes covered by whole records
    truncated: bool  # bytes after ``end`` that do not make a whole record


def scan(data: bytes | memoryview, verify: bool = True) -> RecordScan:
    """Finds every whole record; raises ``CorruptRecordError`` on a CRC mismatch.

    CRCs are checked in batches after the walk, so a bad length CRC is caught first
    by comparing each length's CRC as the walk goes (a wrong length would send the
    walk astray).
    """
    view = memoryview(data)
    size = len(view)
    offsets = []
    lengths = []
    pos = 0
    while pos + HEADER_SIZE <= size:
        length, length_crc = _unpack_header(view, pos)
        if verify and _unpack_u32(length_header(length), 8)[0] != length_crc:
            raise CorruptRecordError("length CRC mismatch", pos)
        if pos + HEADER_SIZE + length + FOOTER_SIZE > size:
            break
        offsets.append(pos + HEADER_SIZE)
        lengths.append(length)
        pos += HEADER_SIZE + length + FOOTER_SIZE
    offsets_array = np.array(offsets, dtype=np.int64)
    lengths_array = np.array(lengths, dtype=np.int64)
    if verify and offsets:
        payloads = [view[o : o + n] for o, n in zip(offsets, lengths)]
        expected = data_crcs([bytes(p) for p in payloads])
        stored = np.array(
            [_unpack_u32(view, o + n)[0] for o, n in zip(offsets, lengths)], dtype=np.uint32
        )
        bad = np.flatnonzero(expected != stored)
        if bad.size:
            raise CorruptRecordError("data CRC mismatch", int(offsets_array[bad[0]]) - HEADER_SIZE)
    return RecordScan(offsets_array, lengths_array, pos, pos < size)


def iter_records(data: bytes | memoryview, verify: bool = True) -> Iterator[bytes]:
    """Yields each record's data; a torn tail raises ``TruncatedRecordError`` at the end."""
    result = scan(data, verify)
    view = memoryview(data)
    for offset, length in zip(result.offsets.tolist(), result.lengths.tolist()):
        yield bytes(view[offset : offset + length])
    if result.truncated:
        raise TruncatedRecordError(f"{len(view) - result.end} bytes of a torn last record", result.end)
