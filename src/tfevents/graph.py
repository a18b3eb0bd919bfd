"""Describe a computation graph in plain Python for TensorBoard's Graphs dashboard.

    >>> g = Graph()
    >>> g.add_node("input", "Placeholder", output_shapes=[[None, 784]], dtype="float32")
    'input'
    >>> g.add_node("mlp/dense1/weight", "Variable", output_shapes=[[784, 128]])
    'mlp/dense1/weight'
    >>> g.add_node("mlp/dense1/matmul", "MatMul", ["input", "mlp/dense1/weight"],
    ...            output_shapes=[[None, 128]])
    'mlp/dense1/matmul'

Names are ``/``-separated scopes: TensorBoard draws ``mlp`` and ``mlp/dense1`` as boxes
that expand on click. An input names another node, optionally ``name:k`` for its k-th
output, or ``^name`` for a control dependency. ``output_shapes`` gives one shape per
output (``None`` for an unknown dimension or shape); TensorBoard labels the edges with
them. ``attrs`` adds any other attribute (str, bytes, bool, int, float or lists of them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import uint_field

_INPUT = re.compile(r"^(\^?)([^:^]+)(?::(\d+))?$")
_DTYPES = {
    "float32": messages.DT_FLOAT,
    "float64": messages.DT_DOUBLE,
    "float16": messages.DT_HALF,
    "bfloat16": messages.DT_BFLOAT16,
    "int8": messages.DT_INT8,
    "int16": messages.DT_INT16,
    "int32": messages.DT_INT32,
    "int64": messages.DT_INT64,
    "uint8": messages.DT_UINT8,
    "bool": messages.DT_BOOL,
    "string": messages.DT_STRING,
    "complex64": messages.DT_COMPLEX64,
    "complex128": messages.DT_COMPLEX128,
}

Shape = Sequence["int | None"] | None


class Node(NamedTuple):
    name: str
    op: str
    inputs: tuple[str, ...] = ()
    output_shapes: tuple[tuple[int | None, ...] | None, ...] | None = None
    dtype: str | None = None
    device: str = ""
    attrs: Mapping[str, object] = MappingProxyType({})


class Graph:
    """An ordered set of named nodes; see the module docstring."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def add_node(
        self,
        name: str,
        op: str,
        inputs: Sequence[str] = (),
        *,
        output_shapes: Sequence[Shape] | None = None,
        dtype: str | None = None,
        device: str = "",
        attrs: Mapping[str, object] | None = None,
    ) -> str:
        """Adds a node and returns its name, to be used as another node's input."""
        _check_name(name)
        if name in self._nodes:
            raise ArgumentError(f"name {name!r} is already a node of this graph")
        if not isinstance(op, str) or not op:
            raise ArgumentTypeError(f"op must be a non-empty string, got {op!r}")
        if isinstance(inputs, str) or not all(isinstance(i, str) for i in inputs):
            raise ArgumentTypeError(f"inputs must be a sequence of node names, got {inputs!r}")
        for item in inputs:
            if not _INPUT.match(item):
                raise ArgumentError(f"inputs entry {item!r} is not 'name', 'name:k' or '^name'")
        shapes = None if output_shapes is None else _check_shapes(output_shapes)
        if dtype is not None and dtype not in _DTYPES:
            raise ArgumentError(f"dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
        if not isinstance(device, str):
            raise ArgumentTypeError(f"device must be a string, got {type(device).__name__}")
        attrs = dict(attrs or {})
        for key, value in attrs.items():
            if not isinstance(key, str) or not key:
                raise ArgumentTypeError(f"attrs keys must be non-empty strings, got {key!r}")
            try:
                messages.attr_value(value)
            except TypeError:
                raise ArgumentTypeError(f"attrs[{key!r}] has unsupported value {value!r}") from None
            except ValueError as exc:
                raise ArgumentError(f"attrs[{key!r}]: {exc}") from None
        self._nodes[name] = Node(name, op, tuple(inputs), shapes, dtype, device, attrs)
        return name

    def validate(self, name: str = "model") -> None:
        """Checks that every input names a node of the graph. Errors start with
        ``name``, the argument the graph was given as (``add_graph``'s ``model``)."""
        for node in self._nodes.values():
            for item in node.inputs:
                target = _INPUT.match(item).group(2)  # type: ignore[union-attr]
                if target not in self._nodes:
                    raise ArgumentError(
                        f"{name}: node {node.name!r} has input {item!r}, which is not a node of the graph"
                    )

    def to_graph_def(self, name: str = "model") -> bytes:
        """The serialized GraphDef (``validate(name)`` first)."""
        self.validate(name)
        return messages.graph_def(_encode_node(n) for n in self._nodes.values())


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise ArgumentTypeError(f"name must be a non-empty string, got {name!r}")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise ArgumentError(f"name {name!r} must not start or end with '/' or contain '//'")
    if ":" in name or name.startswith("^"):
        raise ArgumentError(f"name {name!r} must not contain ':' or start with '^'")


def _check_shapes(shapes: Sequence[Shape]) -> tuple[tuple[int | None, ...] | None, ...]:
    if isinstance(shapes, (str, bytes)):
        raise ArgumentTypeError("output_shapes must be a list of shapes, one per output")
    checked: list[tuple[int | None, ...] | None] = []
    for shape in shapes:
        if shape is None:
            checked.append(None)
            continue
        if isinstance(shape, (int, str, bytes)):
            raise ArgumentTypeError(
                f"output_shapes must be a list of shapes such as [[None, 128]], got {shapes!r}"
            )
        dims = []
        for dim in shape:
            if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 0):
                raise ArgumentError(f"output_shapes dimension must be None or an int >= 0, got {dim!r}")
            dims.append(dim)
        checked.append(tuple(dims))
    return tuple(checked)


def _encode_node(node: Node) -> bytes:
    attrs = {key: messages.attr_value(value) for key, value in node.attrs.items()}
    if node.output_shapes is not None:
        attrs["_output_shapes"] = messages.attr_value(messages.AttrShapes(node.output_shapes))
    if node.dtype is not None:
        attrs["dtype"] = uint_field(6, _DTYPES[node.dtype])  # AttrValue.type
    return messages.node_def(node.name, node.op, node.inputs, node.device, attrs)
