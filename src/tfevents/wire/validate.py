"""Checks that caller-supplied protobuf bytes parse as the message they claim to be.

Raw bytes and messages from a caller (``FileWriter.add_event`` / ``add_summary``,
``add_graph`` with GraphDef bytes, the integrations' plugin metadata) go into records
as they are. One that TensorBoard cannot parse makes its whole event file unreadable:
the Rust data server marks the file dead, the Python loader stops at the record, and
``EventAccumulator.Reload()`` raises. So they are checked here first, as strictly as
the strictest reader (prost, the data server's decoder): every key and length well
formed, every known field with its declared wire type (packed or not, for repeated
numbers), every ``string`` valid UTF-8, every known sub-message checked in turn.
Unknown fields are accepted, as both readers accept them.

A schema maps a field number to ``(name, kind)``: a scalar kind from ``_WIRE_TYPES``,
another schema (a sub-message), or ``OPAQUE`` (a message whose inside is not checked
beyond its framing). Repetition needs no mark: any field may occur more than once on
the wire, and a repeated number may also come packed.
"""

from __future__ import annotations

from typing import Any, Union

from tfevents.errors import ArgumentError, ArgumentTypeError, DecodeError
from tfevents.wire.decoding import fields, read_varint
from tfevents.wire.encoding import FIXED32, FIXED64, LENGTH_DELIMITED, VARINT

__all__ = [
    "EVENT",
    "GRAPH_DEF",
    "RUN_METADATA",
    "SUMMARY",
    "SUMMARY_METADATA",
    "check_message",
    "check_summary_metadata",
    "last_field",
    "message_bytes",
]

OPAQUE = "message"
Kind = Union[str, "Schema"]
Schema = dict[int, tuple[str, Kind]]

_WIRE_TYPES = {
    "double": FIXED64, "fixed64": FIXED64, "float": FIXED32, "fixed32": FIXED32,
    "int32": VARINT, "int64": VARINT, "uint32": VARINT, "uint64": VARINT, "bool": VARINT,
    "enum": VARINT, "string": LENGTH_DELIMITED, "bytes": LENGTH_DELIMITED, OPAQUE: LENGTH_DELIMITED,
}
_MAX_FIELD_NUMBER = (1 << 29) - 1

TENSOR_SHAPE: Schema = {
    2: ("dim", {1: ("size", "int64"), 2: ("name", "string")}),
    3: ("unknown_rank", "bool"),
}
TENSOR: Schema = {
    1: ("dtype", "enum"), 2: ("tensor_shape", TENSOR_SHAPE), 3: ("version_number", "int32"),
    4: ("tensor_content", "bytes"), 5: ("float_val", "float"), 6: ("double_val", "double"),
    7: ("int_val", "int32"), 8: ("string_val", "bytes"), 9: ("scomplex_val", "float"),
    10: ("int64_val", "int64"), 11: ("bool_val", "bool"), 12: ("dcomplex_val", "double"),
    13: ("half_val", "int32"), 14: ("resource_handle_val", OPAQUE), 15: ("variant_val", OPAQUE),
    16: ("uint32_val", "uint32"), 17: ("uint64_val", "uint64"), 18: ("float8_val", "bytes"),
}
# HParamsPluginData: the HParams dashboard parses every run's, so one bad one breaks it.
_HPARAMS_CONTENT: Schema = {
    1: ("version", "int32"), 2: ("experiment", OPAQUE), 3: ("session_start_info", OPAQUE),
    4: ("session_end_info", OPAQUE),
}
SUMMARY_METADATA: Schema = {
    1: ("plugin_data", {1: ("plugin_name", "string"), 2: ("content", "bytes")}),
    2: ("display_name", "string"), 3: ("summary_description", "string"), 4: ("data_class", "enum"),
}
SUMMARY: Schema = {
    1: ("value", {
        1: ("tag", "string"), 2: ("simple_value", "float"),
        3: ("obsolete_old_style_histogram", "bytes"),
        4: ("image", {1: ("height", "int32"), 2: ("width", "int32"), 3: ("colorspace", "int32"),
                      4: ("encoded_image_string", "bytes")}),
        5: ("histo", {1: ("min", "double"), 2: ("max", "double"), 3: ("num", "double"),
                      4: ("sum", "double"), 5: ("sum_squares", "double"),
                      6: ("bucket_limit", "double"), 7: ("bucket", "double")}),
        6: ("audio", {1: ("sample_rate", "float"), 2: ("num_channels", "int64"),
                      3: ("length_frames", "int64"), 4: ("encoded_audio_string", "bytes"),
                      5: ("content_type", "string")}),
        7: ("node_name", "string"), 8: ("tensor", TENSOR), 9: ("metadata", SUMMARY_METADATA),
    }),
}
EVENT: Schema = {
    1: ("wall_time", "double"), 2: ("step", "int64"), 3: ("file_version", "string"),
    4: ("graph_def", "bytes"), 5: ("summary", SUMMARY),
    6: ("log_message", {1: ("level", "enum"), 2: ("message", "string")}),
    7: ("session_log", {1: ("status", "enum"), 2: ("checkpoint_path", "string"),
                        3: ("msg", "string")}),
    8: ("tagged_run_metadata", {1: ("tag", "string"), 2: ("run_metadata", "bytes")}),
    9: ("meta_graph_def", "bytes"), 10: ("source_metadata", {1: ("writer", "string")}),
}
_ATTR_LIST: Schema = {
    2: ("s", "bytes"), 3: ("i", "int64"), 4: ("f", "float"), 5: ("b", "bool"), 6: ("type", "enum"),
    7: ("shape", TENSOR_SHAPE), 8: ("tensor", TENSOR), 9: ("func", OPAQUE),
}
_ATTR_VALUE: Schema = {
    1: ("list", _ATTR_LIST), 2: ("s", "bytes"), 3: ("i", "int64"), 4: ("f", "float"),
    5: ("b", "bool"), 6: ("type", "enum"), 7: ("shape", TENSOR_SHAPE), 8: ("tensor", TENSOR),
    9: ("placeholder", "string"), 10: ("func", OPAQUE),
}
GRAPH_DEF: Schema = {
    1: ("node", {
        1: ("name", "string"), 2: ("op", "string"), 3: ("input", "string"),
        4: ("device", "string"), 5: ("attr", {1: ("key", "string"), 2: ("value", _ATTR_VALUE)}),
        6: ("experimental_debug_info", OPAQUE), 7: ("experimental_type", OPAQUE),
    }),
    2: ("library", OPAQUE), 3: ("version", "int32"),
    4: ("versions", {1: ("producer", "int32"), 2: ("min_consumer", "int32"),
                     3: ("bad_consumers", "int32")}),
    5: ("debug_info", OPAQUE),
}


# RunMetadata: only its framing is checked (the Graphs dashboard reads it on request).
RUN_METADATA: Schema = {}


def message_bytes(message: Any, schema: Schema, name: str, kind: str = "protobuf") -> bytes:
    """The bytes of a caller's protobuf ``message`` (anything with ``SerializeToString``:
    torch's, tensorboardX's or TensorBoard's classes), or its bytes as they are, checked
    to parse as ``schema`` (``ArgumentError`` naming ``name`` otherwise); ``kind`` names
    the message in errors."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        data = bytes(message)
    else:
        serialize = getattr(message, "SerializeToString", None)
        serialized = serialize() if callable(serialize) else None
        if not isinstance(serialized, bytes):
            raise ArgumentTypeError(
                f"{name} must be a {kind} message (with SerializeToString) or its serialized "
                f"bytes, got {type(message).__name__}"
            )
        data = serialized
    check_message(data, schema, name)
    return data


def check_message(data: bytes, schema: Schema, name: str) -> None:
    """Raises ``ValueError`` naming ``name`` and the field if ``data`` does not parse as
    the message ``schema`` describes."""
    try:
        _check(memoryview(data), schema, name)
    except DecodeError as exc:
        raise ArgumentError(f"{name} is not a valid protobuf message: {exc}") from None


def _check(data: memoryview, schema: Schema | None, path: str) -> None:
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if not 0 < number <= _MAX_FIELD_NUMBER:
            raise DecodeError(f"field number {number} at byte {pos} of {path}")
        field = None if schema is None else schema.get(number)
        where = f"{path}.{field[0]}" if field is not None else f"{path} field {number}"
        if wire_type == VARINT:
            _, pos = read_varint(data, pos)
        elif wire_type in (FIXED64, FIXED32):
            pos += 8 if wire_type == FIXED64 else 4
            if pos > end:
                raise DecodeError(f"{where} is truncated")
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(data, pos)
            if pos + length > end:
                raise DecodeError(f"{where} claims {length} bytes, {end - pos} remain")
            if field is not None:
                _check_payload(data[pos : pos + length], field[1], where)
            pos += length
            continue
        else:
            raise DecodeError(f"{where} has wire type {wire_type} (groups are not read)")
        if field is not None and _wire_type(field[1]) != wire_type:
            raise DecodeError(f"{where} has wire type {wire_type}, expected {_wire_type(field[1])}")
    if schema is SUMMARY_METADATA:
        _check_plugin_content(bytes(data), path)


def _wire_type(kind: Kind) -> int:
    return LENGTH_DELIMITED if isinstance(kind, dict) else _WIRE_TYPES[kind]


def _check_payload(payload: memoryview, kind: Kind, where: str) -> None:
    if isinstance(kind, dict):
        _check(payload, kind, where)
    elif kind == OPAQUE:
        _check(payload, None, where)
    elif kind == "string":
        try:
            str(payload, "utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{where} is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    elif kind != "bytes":  # a packed run of numbers
        _check_packed(payload, _WIRE_TYPES[kind], where)


def _check_packed(payload: memoryview, wire_type: int, where: str) -> None:
    if wire_type == VARINT:
        pos = 0
        while pos < len(payload):
            _, pos = read_varint(payload, pos)
    elif len(payload) % (8 if wire_type == FIXED64 else 4):
        raise DecodeError(f"{where}: packed values of {len(payload)} bytes")


def check_summary_metadata(data: bytes, name: str) -> None:
    """``data`` parses as a SummaryMetadata (see ``_check_plugin_content``)."""
    check_message(data, SUMMARY_METADATA, name)


def _check_plugin_content(metadata: bytes, where: str) -> None:
    """An ``hparams`` plugin's content must parse as HParamsPluginData: the HParams
    dashboard parses every run's, so one bad one breaks the dashboard for all."""
    plugin = last_field(metadata, 1)
    if plugin is not None and last_field(plugin, 1) == b"hparams":
        _check(memoryview(last_field(plugin, 2) or b""), _HPARAMS_CONTENT, f"{where}.plugin_data.content")


def last_field(data: bytes, number: int) -> bytes | None:
    """The last length-delimited field ``number`` of a message already checked."""
    found = None
    for field_number, _, value in fields(data):
        if field_number == number and isinstance(value, bytes):
            found = value
    return found
