"""``TensorProto`` to numpy: every dtype, in both encodings (``tensor_content`` and the
typed repeated fields, TensorFlow's form for small tensors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tfevents.wire import messages
from tfevents.wire.decoding import as_int64, fields, read_varint

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


def _packed_varints(raw: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(raw):
        value, pos = read_varint(raw, pos)
        out.append(value)
    return out


def parse_tensor(data: bytes) -> np.ndarray:
    dtype_code, shape, content = 0, [], b""
    strings: list[bytes] = []
    fixed: dict[int, list[bytes]] = {}
    varints: dict[int, list[int]] = {}
    for number, wire_type, raw in fields(data):
        if number == 1:
            dtype_code = raw  # type: ignore[assignment]
        elif number == 2:
            for n, _, dim in fields(raw):  # type: ignore[arg-type]
                if n == 2:
                    size = next((as_int64(v) for k, _, v in fields(dim) if k == 1), 0)  # type: ignore[arg-type]
                    shape.append(size)
        elif number == 4:
            content = raw  # type: ignore[assignment]
        elif number == 8:
            strings.append(raw)  # type: ignore[arg-type]
        elif number in _FIXED_FIELDS:
            fixed.setdefault(number, []).append(raw)  # type: ignore[arg-type]
        elif number in _VARINT_FIELDS:
            collected = varints.setdefault(number, [])
            if wire_type == 2:
                collected.extend(_packed_varints(raw))  # type: ignore[arg-type]
            else:
                collected.append(raw)  # type: ignore[arg-type]
    size = int(np.prod(shape)) if shape else 1
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
        values = np.frombuffer(content, dtype=dtype.newbyteorder("<")).astype(dtype)
    else:
        number = _DTYPE_FIELD.get(dtype_code, 0)
        if number in _FIXED_FIELDS:
            values = np.frombuffer(b"".join(fixed.get(number, [])), dtype=_FIXED_FIELDS[number])
            if dtype.kind == "c":
                values = values[0::2] + 1j * values[1::2]
        else:
            ints = varints.get(number, [])
            if number in (7, 10):  # signed: negative numbers are 10-byte varints
                values = np.array([as_int64(v) for v in ints], dtype=np.int64)
            else:
                values = np.array(ints, dtype=np.uint64)
            if dtype_code in (messages.DT_HALF, messages.DT_BFLOAT16):
                values = values.astype(np.uint16)
                if not bfloat16:
                    values = values.view(np.float16)
        values = values.astype(dtype)
        if 0 < values.size < size:  # TensorFlow repeats the last value to fill the shape
            values = np.concatenate([values, np.full(size - values.size, values[-1], dtype=dtype)])
        elif values.size == 0 and size:
            values = np.zeros(size, dtype=dtype)
    if bfloat16:
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return np.asarray(values.reshape(shape) if values.size == size else values)
