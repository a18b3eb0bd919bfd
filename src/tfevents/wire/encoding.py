"""Protobuf wire-format primitives.

A message is the concatenation of its fields; a field is a key (field number and wire
type) followed by its payload. These helpers return ``bytes`` so that messages are
built by joining them, with no intermediate objects.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5

_pack_double = struct.Struct("<d").pack
_pack_float = struct.Struct("<f").pack

# One-byte varints are by far the most common (lengths, small steps): precompute them.
_SMALL_VARINTS = tuple(bytes((i,)) for i in range(128))


def varint(value: int) -> bytes:
    """Encodes a non-negative int, or a negative one as its 64-bit two's complement."""
    if 0 <= value < 128:
        return _SMALL_VARINTS[value]
    if value < 0:
        value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def key(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def uint_field(field: int, value: int) -> bytes:
    """A varint field (int32, int64, uint32, uint64, bool and enum all encode alike)."""
    return key(field, VARINT) + varint(value)


def bool_field(field: int, value: bool) -> bytes:
    return key(field, VARINT) + (b"\x01" if value else b"\x00")


def double_field(field: int, value: float) -> bytes:
    return key(field, FIXED64) + _pack_double(value)


def float_field(field: int, value: float) -> bytes:
    """A float32 field; values beyond float32's range become ±inf, as in protobuf."""
    try:
        packed = _pack_float(value)
    except OverflowError:
        packed = _pack_float(float("inf") if value > 0 else float("-inf"))
    return key(field, FIXED32) + packed


def bytes_field(field: int, payload: bytes) -> bytes:
    """A length-delimited field: bytes, a string already encoded, or a nested message."""
    return key(field, LENGTH_DELIMITED) + varint(len(payload)) + payload


def string_field(field: int, text: str) -> bytes:
    return bytes_field(field, text.encode("utf-8"))


def repeated_bytes_field(field: int, items: Iterable[bytes]) -> bytes:
    """An unpacked repeated length-delimited field (strings, bytes, messages)."""
    prefix = key(field, LENGTH_DELIMITED)
    return b"".join(prefix + varint(len(item)) + item for item in items)


def packed_doubles(field: int, values: np.ndarray) -> bytes:
    return bytes_field(field, np.ascontiguousarray(values, dtype="<f8").tobytes())


def packed_floats(field: int, values: np.ndarray) -> bytes:
    return bytes_field(field, np.ascontiguousarray(values, dtype="<f4").tobytes())


def packed_varints(field: int, values: Iterable[int]) -> bytes:
    return bytes_field(field, b"".join(varint(int(v)) for v in values))


def varint_sizes(values: np.ndarray) -> np.ndarray:
    """Byte length of the varint of each int64 in ``values`` (negatives take 10)."""
    as_unsigned = values.astype(np.int64, copy=False).view(np.uint64)
    sizes = np.ones(as_unsigned.shape, dtype=np.int64)
    for shift in range(7, 64, 7):
        sizes += as_unsigned >= np.uint64(1 << shift)
    return sizes


def varint_rows(values: np.ndarray, width: int) -> np.ndarray:
    """Varints of ``values`` that all take exactly ``width`` bytes, as an (n, width) uint8 array."""
    as_unsigned = values.astype(np.int64, copy=False).view(np.uint64)
    if width <= 4:  # < 2**28: 32-bit arithmetic is cheaper
        remaining = as_unsigned.astype(np.uint32)
        seven, low_bits = np.uint32(7), np.uint32(0x7F)
    else:
        remaining = as_unsigned.copy()
        seven, low_bits = np.uint64(7), np.uint64(0x7F)
    rows = np.empty((remaining.shape[0], width), dtype=np.uint8)
    scratch = np.empty_like(remaining)
    for column in range(width):
        np.bitwise_and(remaining, low_bits, out=scratch)
        rows[:, column] = scratch
        np.right_shift(remaining, seven, out=remaining)
    rows[:, : width - 1] |= 0x80
    return rows
