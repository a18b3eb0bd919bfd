"""``TensorProto`` to numpy: every dtype, in both encodings (``tensor_content`` and the
typed repeated fields, TensorFlow's form for small tensors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tfevents.errors import DecodeError
from tfevents.wire import messages
from tfevents.wire.decoding import as_int64, fields

_DTYPE_TO_NUMPY: dict[int, np.dtype[Any]] = {
    code: np.dtype(dtype) for dtype, code in messages.NUMPY_TO_DTYPE.items()  # type: ignore[call-overload]
}

# TensorProto's repeated value fields: number -> (dtype of one element, wire form)
_FIXED_FIELDS = {5: "<f4", 6: "<f8", 9: "<f4", 12: "<f8"}  # float, double, scomplex, dcomplex
_VARINT_FIELDS = {7, 10, 11, 13, 16, 17}  # int, int64, bool, half, uint32, uint64
_DTYPE_FIELD = {
    messages.DT_FLOAT: 5, messages.DT_DOUBLE: 6, messages.DT_COMPLEX64: 9,
    messages.DT_COMPLEX128: 12, messages.DT_INT32: 7, messages.DT_INT16: 7, messages.DT_INT8: 7,
    messages.DT_UINT8: 7, messages.DT_UINT16: 7, messages.DT_INT64: 10, messages.DT_BOOL: 11,
    messages.DT_HALF: 13, messages.DT_BFLOAT16: 13, messages.DT_UINT32: 16, messages.DT_UINT64: 17,
}


# A tensor in TensorFlow's compact form may give fewer values than its shape holds (the
# last one repeats); filling is refused past this many elements, so that a record of a
# few bytes cannot claim gigabytes (TensorBoard's own reader allocates them).
MAX_FILLED_ELEMENTS = 1 << 16


def _packed_varints(raw: bytes) -> np.ndarray:
    """A packed repeated varint field as uint64, decoded in numpy (a Python int per value
    would cost ~40 bytes for each byte of input)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(data < 0x80)
    if ends.size == 0 or ends[-1] != data.size - 1:
        raise DecodeError("TensorProto: truncated packed varint")
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    widths = ends - starts + 1
    if int(widths.max()) > 10:
        raise DecodeError("TensorProto: varint longer than 10 bytes")
    shifts = (np.arange(data.size, dtype=np.uint64) - np.repeat(starts, widths).astype(np.uint64)) * np.uint64(7)
    parts = (data & 0x7F).astype(np.uint64) << shifts
    return np.bitwise_or.reduceat(parts, starts)


def _shape(raw: bytes) -> list[int] | None:
    """TensorShapeProto's dims; None for an unknown shape (a negative dim, or
    ``unknown_rank``): the values are then read as a flat array."""
    shape: list[int] = []
    for n, _, dim in fields(raw):
        if n == 2:
            size = next((as_int64(v) for k, _, v in fields(dim) if k == 1), 0)  # type: ignore[arg-type]
            if size < 0:
                return None
            shape.append(size)
        elif n == 3 and dim:
            return None
    return shape


def _element_count(shape: list[int] | None) -> int | None:
    if shape is None:
        return None
    count = 1
    for size in shape:
        count *= size
    return count


def parse_tensor(data: bytes) -> np.ndarray:
    """A TensorProto as a numpy array. Sizes are checked against the bytes that hold
    them before anything is allocated: a claim that cannot be true is a ``DecodeError``."""
    dtype_code, shape, content = 0, [], b""
    shape_known: list[int] | None = []
    strings: list[bytes] = []
    fixed: dict[int, list[bytes]] = {}
    varints: dict[int, list[np.ndarray]] = {}
    for number, wire_type, raw in fields(data):
        if number == 1:
            dtype_code = raw  # type: ignore[assignment]
        elif number == 2:
            shape_known = _shape(raw)  # type: ignore[arg-type]
        elif number == 4:
            content = raw  # type: ignore[assignment]
        elif number == 8:
            strings.append(raw)  # type: ignore[arg-type]
        elif number in _FIXED_FIELDS:
            fixed.setdefault(number, []).append(raw)  # type: ignore[arg-type]
        elif number in _VARINT_FIELDS:
            collected = varints.setdefault(number, [])
            if wire_type == 2:
                collected.append(_packed_varints(raw))  # type: ignore[arg-type]
            else:
                collected.append(np.array([raw], dtype=np.uint64))
    shape = shape_known if shape_known is not None else []
    size = _element_count(shape_known)
    if dtype_code == messages.DT_STRING:
        array = np.empty(len(strings), dtype=object)
        array[:] = strings
        return array.reshape(shape) if size == len(strings) else array
    bfloat16 = dtype_code == messages.DT_BFLOAT16
    dtype: np.dtype[Any] | None = np.dtype(np.uint16) if bfloat16 else _DTYPE_TO_NUMPY.get(dtype_code)
    if dtype is None:
        return np.zeros(0, np.float32)
    values: np.ndarray
    if content:
        if len(content) % dtype.itemsize:
            raise DecodeError(
                f"TensorProto.tensor_content: {len(content)} bytes is not a whole number of "
                f"{dtype.itemsize}-byte {_dtype_name(dtype_code, dtype)} values"
            )
        if size is not None and size * dtype.itemsize != len(content):
            raise DecodeError(
                f"TensorProto.tensor_content: shape {shape} of {_dtype_name(dtype_code, dtype)} "
                f"needs {size * dtype.itemsize} bytes, the record holds {len(content)}"
            )
        values = np.frombuffer(content, dtype=dtype.newbyteorder("<")).astype(dtype)
    else:
        number = _DTYPE_FIELD.get(dtype_code, 0)
        if number in _FIXED_FIELDS:
            joined = b"".join(fixed.get(number, []))
            width = np.dtype(_FIXED_FIELDS[number]).itemsize * (2 if dtype.kind == "c" else 1)
            if len(joined) % width:
                raise DecodeError(f"TensorProto field {number}: {len(joined)} bytes is not a "
                                  f"whole number of {width}-byte values")
            values = np.frombuffer(joined, dtype=_FIXED_FIELDS[number])
            if dtype.kind == "c":
                values = values[0::2] + 1j * values[1::2]
        else:
            parts = varints.get(number, [])
            raw_ints = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
            # signed fields: negative numbers are 10-byte varints
            values = raw_ints.view(np.int64) if number in (7, 10) else raw_ints
            if dtype_code in (messages.DT_HALF, messages.DT_BFLOAT16):
                values = values.astype(np.uint16)
                if not bfloat16:
                    values = values.view(np.float16)
        values = values.astype(dtype)
        if size is not None and values.size < size:
            if size > MAX_FILLED_ELEMENTS and size > values.size:
                raise DecodeError(
                    f"TensorProto.tensor_shape: shape {shape} claims {size} elements, the "
                    f"record holds {values.size} (filling more than "
                    f"{MAX_FILLED_ELEMENTS} is refused)"
                )
            # TensorFlow repeats the last value to fill the shape
            fill = values[-1] if values.size else dtype.type(0)
            values = np.concatenate([values, np.full(size - values.size, fill, dtype=dtype)])
    if bfloat16:
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return np.asarray(values.reshape(shape) if values.size == size else values)


def _dtype_name(code: int, dtype: np.dtype[Any]) -> str:
    return "bfloat16" if code == messages.DT_BFLOAT16 else str(dtype)
