"""TFRecord framing: ``len (u64 LE) | masked crc(len) (u32) | data | masked crc(data) (u32)``."""

from __future__ import annotations

import functools
import struct

import numpy as np

from tfevents.records.crc32c import MASK_DELTA, accelerator, crc32c, crc32c_rows, mask

HEADER_SIZE = 12
FOOTER_SIZE = 4
# Records up to this size are checksummed as rows of one matrix; longer ones one by one.
_ROWS_LIMIT = 2048

_pack_header = struct.Struct("<QI").pack
_pack_u32 = struct.Struct("<I").pack


def frame(data: bytes) -> bytes:
    """One framed record."""
    length = struct.pack("<Q", len(data))
    return (
        length
        + _pack_u32(mask(crc32c(length)))
        + data
        + _pack_u32(mask(crc32c(data)))
    )


def length_crcs(lengths: np.ndarray) -> np.ndarray:
    """Masked CRCs of the 8-byte little-endian encodings of ``lengths``."""
    rows = np.ascontiguousarray(lengths, dtype="<u8").view(np.uint8).reshape(-1, 8)
    return mask(crc32c_rows(rows))


@functools.lru_cache(maxsize=4096)
def length_header(length: int) -> bytes:
    """The 12-byte record header for a payload of ``length`` bytes (sizes repeat a lot)."""
    encoded = struct.pack("<Q", length)
    return encoded + _pack_u32(mask(crc32c(encoded)))


def data_crcs(payloads: list[bytes]) -> np.ndarray:  # a list: numpy integers index it
    """Masked CRCs of many payloads, batched by size so that padding stays under 2x."""
    lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
    crcs = np.empty(len(payloads), dtype=np.uint32)
    size_class = np.where(lengths > 0, np.ceil(np.log2(np.maximum(lengths, 1))), 0).astype(int)
    for cls in sorted(set(size_class.tolist())):  # (np.unique imports numpy.ma: 14 ms once)
        members = np.flatnonzero(size_class == cls)
        width = int(lengths[members].max())
        if width > _ROWS_LIMIT or members.size == 1:
            for i in members:
                crcs[i] = crc32c(payloads[i])
            continue
        rows = np.zeros((members.size, width), dtype=np.uint8)
        for row, i in enumerate(members):
            if lengths[i]:
                rows[row, width - lengths[i] :] = np.frombuffer(payloads[i], dtype=np.uint8)
        crcs[members] = crc32c_rows(rows, lengths[members])
    return mask(crcs)


def frame_many(payloads: list[bytes]) -> bytes:
    """Frames many records into one buffer: with a C CRC-32C one call per record (~0.2 µs),
    otherwise with the CRCs computed in numpy batches."""
    if not payloads:
        return b""
    accelerated = accelerator()
    if accelerated is not None:
        parts: list[bytes] = []
        for payload in payloads:
            crc = accelerated(payload)  # masked here, not by mask(): this loop is hot
            masked = (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF
            parts += (length_header(len(payload)), payload, _pack_u32(masked))
        return b"".join(parts)
    lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
    head_crcs = length_crcs(lengths).tolist()
    tail_crcs = data_crcs(payloads).tolist()
    parts = []
    for payload, head_crc, tail_crc in zip(payloads, head_crcs, tail_crcs):
        parts.append(_pack_header(len(payload), head_crc))
        parts.append(payload)
        parts.append(_pack_u32(tail_crc))
    return b"".join(parts)

