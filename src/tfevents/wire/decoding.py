"""A minimal protobuf wire decoder, for the reader and the validator.

It knows nothing of schemas: ``fields`` yields ``(number, wire_type, value)`` where a
varint is an int, fixed fields are raw bytes, and length-delimited fields are bytes to
be decoded further by the caller, who knows what they hold.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from tfevents.errors import DecodeError
from tfevents.wire.encoding import FIXED32, FIXED64, LENGTH_DELIMITED, VARINT

__all__ = ["DecodeError", "as_double", "as_float", "as_int64", "fields", "read_varint"]


def read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint longer than 10 bytes")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    pos = 0
    end = len(data)
    while pos < end:
        tag, pos = read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
            yield number, wire_type, value
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise DecodeError("truncated fixed64")
            yield number, wire_type, data[pos : pos + 8]
            pos += 8
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise DecodeError("truncated fixed32")
            yield number, wire_type, data[pos : pos + 4]
            pos += 4
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(data, pos)
            if pos + length > end:
                raise DecodeError("truncated length-delimited field")
            yield number, wire_type, data[pos : pos + length]
            pos += length
        else:
            raise DecodeError(f"unsupported wire type {wire_type}")


def as_int64(value: int) -> int:
    """Reinterprets a decoded varint as a signed 64-bit integer."""
    return value - (1 << 64) if value >= 1 << 63 else value


def as_double(raw: bytes) -> float:
    return struct.unpack("<d", raw)[0]  # type: ignore[no-any-return]


def as_float(raw: bytes) -> float:
    return struct.unpack("<f", raw)[0]  # type: ignore[no-any-return]
