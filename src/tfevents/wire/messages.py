"""Builders for the TensorBoard messages tfevents writes, as encoded bytes.

Each function mirrors one message of TensorBoard's protos (see proto/ for the field
numbers) and returns its serialization. Only the fields tfevents sets are offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire.encoding import (
    bool_field,
    bytes_field,
    double_field,
    float_field,
    packed_floats,
    packed_varints,
    repeated_bytes_field,
    string_field,
    uint_field,
)
from tfevents.wire.schema import INT64_MAX, INT64_MIN

FILE_VERSION = "brain.Event:2"

# tensorboard.DataType
DT_FLOAT = 1
DT_DOUBLE = 2
DT_INT32 = 3
DT_UINT8 = 4
DT_INT16 = 5
DT_INT8 = 6
DT_STRING = 7
DT_COMPLEX64 = 8
DT_INT64 = 9
DT_BOOL = 10
DT_BFLOAT16 = 14
DT_UINT16 = 17
DT_COMPLEX128 = 18
DT_HALF = 19
DT_UINT32 = 22
DT_UINT64 = 23

# tensorboard.DataClass
DATA_CLASS_SCALAR = 1
DATA_CLASS_TENSOR = 2
DATA_CLASS_BLOB_SEQUENCE = 3

# SessionLog.SessionStatus
SESSION_START = 1

NUMPY_TO_DTYPE = {
    np.dtype(np.float32): DT_FLOAT,
    np.dtype(np.float64): DT_DOUBLE,
    np.dtype(np.float16): DT_HALF,
    np.dtype(np.int8): DT_INT8,
    np.dtype(np.int16): DT_INT16,
    np.dtype(np.int32): DT_INT32,
    np.dtype(np.int64): DT_INT64,
    np.dtype(np.uint8): DT_UINT8,
    np.dtype(np.uint16): DT_UINT16,
    np.dtype(np.uint32): DT_UINT32,
    np.dtype(np.uint64): DT_UINT64,
    np.dtype(np.bool_): DT_BOOL,
    np.dtype(np.complex64): DT_COMPLEX64,
    np.dtype(np.complex128): DT_COMPLEX128,
}


def event(
    wall_time: float,
    step: int = 0,
    *,
    file_version: str | None = None,
    graph_def: bytes | None = None,
    summary: bytes | None = None,
    session_log: bytes | None = None,
    tagged_run_metadata: bytes | None = None,
    source_writer: str | None = None,
) -> bytes:
    """tensorboard.Event. ``summary`` is an encoded Summary; set exactly one payload."""
    parts = [double_field(1, wall_time)]
    if step:
        parts.append(uint_field(2, step))
    if file_version is not None:
        parts.append(string_field(3, file_version))
    if graph_def is not None:
        parts.append(bytes_field(4, graph_def))
    if summary is not None:
        parts.append(bytes_field(5, summary))
    if session_log is not None:
        parts.append(bytes_field(7, session_log))
    if tagged_run_metadata is not None:
        parts.append(bytes_field(8, tagged_run_metadata))
    if source_writer is not None:
        parts.append(bytes_field(10, string_field(1, source_writer)))
    return b"".join(parts)


def session_log(status: int, msg: str = "", checkpoint_path: str = "") -> bytes:
    parts = [uint_field(1, status)]
    if checkpoint_path:
        parts.append(string_field(2, checkpoint_path))
    if msg:
        parts.append(string_field(3, msg))
    return b"".join(parts)


def tagged_run_metadata(tag: str, run_metadata: bytes) -> bytes:
    return string_field(1, tag) + bytes_field(2, run_metadata)


def summary(values: Iterable[bytes]) -> bytes:
    """tensorboard.Summary from encoded Summary.Value messages."""
    return repeated_bytes_field(1, values)


def summary_value_head(tag: str, metadata: bytes | None) -> bytes:
    """The tag and metadata fields of a Summary.Value; its value field is appended to it."""
    head = string_field(1, tag)
    if metadata is not None:
        head += bytes_field(9, metadata)
    return head


def simple_value_field(value: float) -> bytes:
    return float_field(2, value)


def tensor_value_field(tensor: bytes) -> bytes:
    return bytes_field(8, tensor)


def summary_metadata(
    plugin_name: str,
    content: bytes = b"",
    *,
    data_class: int = 0,
    display_name: str = "",
    description: str = "",
) -> bytes:
    plugin_data = string_field(1, plugin_name)
    if content:
        plugin_data += bytes_field(2, content)
    parts = [bytes_field(1, plugin_data)]
    if display_name:
        parts.append(string_field(2, display_name))
    if description:
        parts.append(string_field(3, description))
    if data_class:
        parts.append(uint_field(4, data_class))
    return b"".join(parts)


def tensor_shape(dims: Sequence[int]) -> bytes:
    """TensorShapeProto; a dim of -1 means unknown size."""
    return b"".join(bytes_field(2, uint_field(1, int(d)) if d else b"") for d in dims)


def unknown_rank_shape() -> bytes:
    return bool_field(3, True)


def tensor_from_array(array: np.ndarray) -> bytes:
    """TensorProto holding a numeric array as little-endian ``tensor_content``."""
    dtype = NUMPY_TO_DTYPE.get(array.dtype.newbyteorder("="))
    if dtype is None:
        raise ArgumentTypeError(f"no TensorBoard dtype for numpy dtype {array.dtype}")
    content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    parts = [uint_field(1, dtype), bytes_field(2, tensor_shape(array.shape))]
    if content:
        parts.append(bytes_field(4, content))
    return b"".join(parts)


def tensor_from_strings(items: Sequence[bytes], shape: Sequence[int]) -> bytes:
    """DT_STRING TensorProto with ``string_val`` (the only form TensorBoard reads for strings)."""
    return (
        uint_field(1, DT_STRING)
        + bytes_field(2, tensor_shape(shape))
        + repeated_bytes_field(8, items)
    )


def tensor_from_float(value: float) -> bytes:
    """Rank-0 DT_FLOAT tensor, the one scalar tensor form both TensorBoard readers take."""
    return uint_field(1, DT_FLOAT) + bytes_field(2, b"") + bytes_field(5, float_field_payload(value))


def tensor_from_double(value: float) -> bytes:
    """Rank-0 DT_DOUBLE tensor (shown by the Python loader only, see the format reference)."""
    return (
        uint_field(1, DT_DOUBLE)
        + bytes_field(2, b"")
        + bytes_field(6, np.float64(value).astype("<f8").tobytes())
    )


def float_field_payload(value: float) -> bytes:
    payload: bytes = np.float32(value).astype("<f4").tobytes()  # (Any in numpy's stubs)
    return payload


# --- graphs -----------------------------------------------------------------------------


def attr_value(value: object) -> bytes:
    """AttrValue from a Python value.

    ``bytes``/``str`` → s, ``bool`` → b, ``int`` → i, ``float`` → f, an ``AttrShapes``
    list → list.shape, a list of ints/floats/strings → list.i/f/s.
    """
    if isinstance(value, AttrShapes):
        return bytes_field(1, b"".join(bytes_field(7, s) for s in value.encoded))
    if isinstance(value, bool):
        return bool_field(5, value)
    if isinstance(value, (int, np.integer)):
        return uint_field(3, _int64(value))
    if isinstance(value, (float, np.floating)):
        return float_field(4, float(value))
    if isinstance(value, str):
        return bytes_field(2, value.encode("utf-8"))
    if isinstance(value, bytes):
        return bytes_field(2, value)
    if isinstance(value, (list, tuple)):
        items = list(value)
        if all(isinstance(v, (str, bytes)) for v in items):
            return bytes_field(
                1,
                repeated_bytes_field(
                    2, (v.encode("utf-8") if isinstance(v, str) else v for v in items)
                ),
            )
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return bytes_field(1, packed_varints(3, [_int64(v) for v in items]) if items else b"")
        if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in items):
            with np.errstate(over="ignore"):
                floats = np.asarray(items, dtype=np.float64).astype(np.float32)
            return bytes_field(1, packed_floats(4, floats))
    raise ArgumentTypeError(f"unsupported attribute value {value!r}")


def _int64(value: int | np.integer) -> int:
    number = int(value)
    if not INT64_MIN <= number <= INT64_MAX:
        raise ArgumentError(f"integer attribute {number} does not fit in int64")
    return number


class AttrShapes:
    """A list of tensor shapes for the ``_output_shapes`` attribute (None = unknown)."""

    __slots__ = ("encoded",)

    def __init__(self, shapes: Iterable[Sequence[int | None] | None]) -> None:
        encoded = []
        for shape in shapes:
            if shape is None:
                encoded.append(unknown_rank_shape())
            else:
                encoded.append(tensor_shape([-1 if d is None else d for d in shape]))
        self.encoded = encoded


def node_def(
    name: str,
    op: str,
    inputs: Sequence[str] = (),
    device: str = "",
    attrs: Mapping[str, bytes] | None = None,
) -> bytes:
    """NodeDef; ``attrs`` maps names to encoded AttrValue messages (sorted, as TF does)."""
    parts = [string_field(1, name), string_field(2, op)]
    parts.extend(string_field(3, i) for i in inputs)
    if device:
        parts.append(string_field(4, device))
    for attr_name in sorted(attrs or ()):
        entry = string_field(1, attr_name) + bytes_field(2, attrs[attr_name])  # type: ignore[index]
        parts.append(bytes_field(5, entry))
    return b"".join(parts)


def graph_def(nodes: Iterable[bytes], producer: int = 22) -> bytes:
    body = b"".join(bytes_field(1, n) for n in nodes)
    return body + bytes_field(4, uint_field(1, producer))
