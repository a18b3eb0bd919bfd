"""ONNX models to GraphDefs for the Graphs dashboard, without the ``onnx`` package.

The model's protobuf is read with tfevents' own wire decoder (field numbers from
``onnx.proto``: ModelProto.graph=7; GraphProto node=1, initializer=5, input=11,
output=12, value_info=13; NodeProto input=1, output=2, name=3, op_type=4,
attribute=5, domain=7; ...). Each ONNX node becomes a NodeDef named after the node
(or its first output), with its operator as ``op``, its attributes as attrs and its
outputs' shapes, when the model declares them, as ``_output_shapes``. Graph inputs
become ``Placeholder`` nodes and initializers (weights) ``Const`` nodes, so edges join
producers to consumers by tensor name. ``/`` in ONNX node names (torch's exporter
writes ``/fc1/Gemm``) become TensorBoard's collapsible scopes.
"""

from __future__ import annotations

import os
import re
import struct
from typing import Any

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.decoding import DecodeError, as_int64, fields, read_varint
from tfevents.wire.encoding import FIXED32, LENGTH_DELIMITED, VARINT, uint_field

# onnx.TensorProto.DataType -> tensorboard.DataType
_ONNX_TO_DTYPE = {
    1: messages.DT_FLOAT, 2: messages.DT_UINT8, 3: messages.DT_INT8, 4: messages.DT_UINT16,
    5: messages.DT_INT16, 6: messages.DT_INT32, 7: messages.DT_INT64, 8: messages.DT_STRING,
    9: messages.DT_BOOL, 10: messages.DT_HALF, 11: messages.DT_DOUBLE, 12: messages.DT_UINT32,
    13: messages.DT_UINT64, 14: messages.DT_COMPLEX64, 15: messages.DT_COMPLEX128,
    16: messages.DT_BFLOAT16,
}
_ONNX_TYPE_NAMES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
    14: "complex64", 15: "complex128", 16: "bfloat16",
}


def _strings(data: bytes, number: int) -> list[bytes]:
    return [v for n, w, v in fields(data) if n == number and w == LENGTH_DELIMITED]  # type: ignore[misc]


def _string(data: bytes, number: int) -> str:
    values = _strings(data, number)
    return values[-1].decode("utf-8", "replace") if values else ""


def _ints(data: bytes, number: int) -> list[int]:
    """A repeated int64 field, packed or not."""
    out: list[int] = []
    for n, wire, value in fields(data):
        if n != number:
            continue
        if wire == VARINT:
            out.append(as_int64(value))  # type: ignore[arg-type]
        elif wire == LENGTH_DELIMITED:
            out.extend(as_int64(v) for v in _varints(value))  # type: ignore[arg-type]
    return out


def _varints(packed: bytes) -> list[int]:
    """The values of a packed repeated varint field."""
    pos, out = 0, []
    while pos < len(packed):
        value, pos = read_varint(packed, pos)
        out.append(value)
    return out


def _floats(data: bytes, number: int) -> list[float]:
    out: list[float] = []
    for n, wire, value in fields(data):
        if n != number:
            continue
        if wire == FIXED32:
            out.append(struct.unpack("<f", value)[0])  # type: ignore[arg-type]
        elif wire == LENGTH_DELIMITED:
            out.extend(v for (v,) in struct.iter_unpack("<f", value))  # type: ignore[arg-type]
    return out


def _int(data: bytes, number: int) -> int | None:
    values = _ints(data, number)
    return values[-1] if values else None


def _tensor_type(value_info: bytes) -> tuple[int | None, tuple[int | None, ...] | None]:
    """(ONNX elem type, shape) of a ValueInfoProto's tensor type."""
    for type_proto in _strings(value_info, 2):
        for tensor in _strings(type_proto, 1):
            elem = _int(tensor, 1)
            shapes = _strings(tensor, 2)
            if not shapes:
                return elem, None
            dims: list[int | None] = []
            for dim in _strings(shapes[-1], 1):
                size = _int(dim, 1)
                dims.append(size if size is not None and size >= 0 else None)
            return elem, tuple(dims)
    return None, None


def _attribute(attr: bytes) -> tuple[str, object] | None:
    """An AttributeProto as (name, value for ``messages.attr_value``)."""
    name = _string(attr, 1)
    if not name:
        return None
    kind = _int(attr, 20) or 0
    if kind == 1 or (kind == 0 and any(n == 2 for n, _, _ in fields(attr))):
        floats = _floats(attr, 2)
        return name, floats[-1] if floats else 0.0
    if kind == 2:
        return name, _int(attr, 3) or 0
    if kind == 3:
        values = _strings(attr, 4)
        return name, values[-1] if values else b""
    if kind == 4:
        tensors = _strings(attr, 5)
        if tensors:
            dims = _ints(tensors[-1], 1)
            dtype = _ONNX_TYPE_NAMES.get(_int(tensors[-1], 2) or 0, "unknown")
            return name, f"tensor {dtype} {dims}"
        return name, "tensor"
    if kind == 5:
        return name, "graph"
    if kind == 6:
        return name, _floats(attr, 7)
    if kind == 7:
        return name, _ints(attr, 8)
    if kind == 8:
        return name, _strings(attr, 9)
    if kind == 0:
        if any(n == 3 for n, _, _ in fields(attr)):
            return name, _int(attr, 3) or 0
        if any(n == 4 for n, _, _ in fields(attr)):
            return name, _strings(attr, 4)[-1]
    return name, f"<onnx attribute type {kind}>"


class _Names:
    """ONNX names as unique TensorBoard node names."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, raw: str, fallback: str) -> str:
        name = re.sub(r"/+", "/", raw.replace(":", "_")).strip("/").strip()
        if not name:
            name = fallback
        if name.startswith("^"):
            name = "_" + name[1:]
        unique, k = name, 1
        while unique in self.used:
            unique = f"{name}_{k}"
            k += 1
        self.used.add(unique)
        return unique


def graph_def(model: bytes, name: str = "prototxt") -> bytes:
    """The serialized GraphDef for a serialized ONNX ModelProto; errors name ``name``
    (the argument the model came from)."""
    try:
        graphs = _strings(model, 7)
        if not graphs:
            raise ArgumentError(f"{name}: the ONNX model has no graph (ModelProto.graph is empty)")
        graph = graphs[-1]
        return _convert(graph)
    except (DecodeError, struct.error) as exc:
        raise ArgumentError(f"{name} is not a binary ONNX model (protobuf wire format): {exc}") from None


def _convert(graph: bytes) -> bytes:
    names = _Names()
    producers: dict[str, str] = {}  # tensor name -> "node" or "node:k"
    nodes: list[bytes] = []
    shapes: dict[str, tuple[int | None, tuple[int | None, ...] | None]] = {}
    for number in (11, 12, 13):
        for info in _strings(graph, number):
            shapes[_string(info, 1)] = _tensor_type(info)

    for init in _strings(graph, 5):
        tensor_name = _string(init, 8)
        if not tensor_name or tensor_name in producers:
            continue
        node = names.make(tensor_name, "initializer")
        producers[tensor_name] = node
        attrs: dict[str, bytes] = {
            "_output_shapes": messages.attr_value(messages.AttrShapes([_ints(init, 1)]))
        }
        dtype = _ONNX_TO_DTYPE.get(_int(init, 2) or 0)
        if dtype is not None:
            attrs["dtype"] = uint_field(6, dtype)
        nodes.append(messages.node_def(node, "Const", (), "", attrs))

    for info in _strings(graph, 11):
        tensor_name = _string(info, 1)
        if not tensor_name or tensor_name in producers:
            continue
        node = names.make(tensor_name, "input")
        producers[tensor_name] = node
        nodes.append(messages.node_def(node, "Placeholder", (), "", _type_attrs(*shapes[tensor_name])))

    onnx_nodes = _strings(graph, 1)
    planned = []
    for index, onnx_node in enumerate(onnx_nodes):
        outputs = [o.decode("utf-8", "replace") for o in _strings(onnx_node, 2)]
        op = _string(onnx_node, 4) or "Unknown"
        raw_name = _string(onnx_node, 3) or (outputs[0] if outputs else "")
        node = names.make(raw_name, f"{op}_{index}")
        for k, output in enumerate(outputs):
            if output:
                producers[output] = node if k == 0 else f"{node}:{k}"
        planned.append((node, op, onnx_node, outputs))

    for node, op, onnx_node, outputs in planned:
        inputs = []
        for raw in _strings(onnx_node, 1):
            tensor_name = raw.decode("utf-8", "replace")
            if tensor_name in producers:
                inputs.append(producers[tensor_name])
        attrs = {}
        for attr in _strings(onnx_node, 5):
            item = _attribute(attr)
            if item is None:
                continue
            try:
                attrs[item[0]] = messages.attr_value(item[1])
            except (TypeError, ValueError):
                attrs[item[0]] = messages.attr_value(repr(item[1]))
        domain = _string(onnx_node, 7)
        if domain and domain != "ai.onnx":
            attrs["domain"] = messages.attr_value(domain)
        output_shapes = [shapes.get(o, (None, None))[1] for o in outputs]
        if any(s is not None for s in output_shapes):
            attrs["_output_shapes"] = messages.attr_value(messages.AttrShapes(output_shapes))
        nodes.append(messages.node_def(node, op, inputs, "", attrs))
    return messages.graph_def(nodes)


def _type_attrs(elem: int | None, shape: tuple[int | None, ...] | None) -> dict[str, bytes]:
    attrs = {"_output_shapes": messages.attr_value(messages.AttrShapes([shape]))}
    dtype = _ONNX_TO_DTYPE.get(elem or 0)
    if dtype is not None:
        attrs["dtype"] = uint_field(6, dtype)
    return attrs


def read_model(prototxt: Any) -> bytes:
    """The model's bytes from a path, a binary file object or bytes."""
    if isinstance(prototxt, (bytes, bytearray, memoryview)):
        return bytes(prototxt)
    if isinstance(prototxt, (str, os.PathLike)):
        path = os.fspath(prototxt)
        if (b"\x00" if isinstance(path, bytes) else "\x00") in path:
            raise ArgumentError("prototxt must be a path without NUL characters")
        with open(path, "rb") as f:
            return f.read()
    if hasattr(prototxt, "read"):
        data = prototxt.read()
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise ArgumentTypeError("prototxt file object must be opened in binary mode")
        return data
    raise ArgumentTypeError(
        f"prototxt must be the path of an .onnx file, its bytes or a binary file, "
        f"got {type(prototxt).__name__}"
    )
