"""``torch.jit.trace`` -> ``tfevents.Graph``: the last-resort fallback.

TorchScript is deprecated, but it traces what export cannot (a forward that leaves torch
for numpy, say), by recording the ops one run executes. The graph uses the same naming
as the export path (see ``common``): scopes from the module paths in ``scopeName()``,
ops named ``aten.linear``..., parameters and buffers from ``prim::GetAttr`` chains.
``prim::Constant`` scalars and constant lists are folded into their users' attrs, and
tuples/lists/dicts built to pass values along are resolved to edges, so the graph holds
the model's operations only (torch.utils.tensorboard shows all of them as nodes).
"""

from __future__ import annotations

from typing import Any

import torch

from tfevents.extras._graph_names import Namer
from tfevents.extras._torch_graph import common
from tfevents.graph import _DTYPES, Graph

_SCALAR_TYPES = {
    "Float": "float32", "Double": "float64", "Half": "float16", "BFloat16": "bfloat16",
    "Long": "int64", "Int": "int32", "Short": "int16", "Char": "int8", "Byte": "uint8",
    "Bool": "bool", "ComplexFloat": "complex64", "ComplexDouble": "complex128",
}
_BUNDLES = {"prim::ListConstruct", "prim::TupleConstruct", "prim::DictConstruct"}
_UNPACKS = {"prim::ListUnpack", "prim::TupleUnpack"}


class _KwargsWrapper(torch.nn.Module):
    """Calls ``model(*args, **kwargs)`` from positional values only (jit.trace takes
    either positional or keyword example inputs, not both)."""

    def __init__(self, model: torch.nn.Module, n_args: int, keys: list[str]) -> None:
        super().__init__()
        self.model = model
        self.n_args = n_args
        self.keys = keys

    def forward(self, *inputs: Any) -> Any:
        args = inputs[: self.n_args]
        kwargs = dict(zip(self.keys, inputs[self.n_args:]))
        return self.model(*args, **kwargs)


def graph_from_jit_trace(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any],
                         root: str, *, verbose: bool) -> Graph:
    """``strict=False``: dict and list outputs are fine; ``check_trace=False``: the model
    runs once, not twice."""
    if kwargs:
        wrapper = _KwargsWrapper(model, len(args), list(kwargs))
        traced = torch.jit.trace(wrapper, (*args, *kwargs.values()), strict=False,
                                 check_trace=False)
        prefix = "model"
    else:
        traced = torch.jit.trace(model, args, strict=False, check_trace=False)
        prefix = ""
    jit_graph = traced.graph
    torch._C._jit_pass_inline(jit_graph)
    if verbose:
        print(jit_graph)
    return _Converter(model, root, prefix).convert(jit_graph)


def graph_from_script_module(model: torch.jit.ScriptModule, root: str, *, verbose: bool) -> Graph:
    """The graph of a module already traced or scripted, its calls inlined."""
    jit_graph = model.inlined_graph
    if verbose:
        print(jit_graph)
    return _Converter(model, root, "").convert(jit_graph)


class _Converter:
    def __init__(self, model: torch.nn.Module, root: str, prefix: str) -> None:
        self.model = model
        self.root = root
        self.prefix = prefix
        self.modules = dict(model.named_modules())
        self.params = dict(model.named_parameters())
        self.buffers = dict(model.named_buffers())
        self.graph = Graph()
        self.ref: dict[int, str] = {}  # Value.unique() -> "name" / "name:k"
        self.const: dict[int, Any] = {}  # folded constants
        self.bundle: dict[int, list[Any]] = {}  # tuple/list/dict values: their members
        self.module_path: dict[int, str] = {}  # module-valued Values -> path
        self.attr_nodes: dict[str, str] = {}  # parameter/buffer path -> node name

    def _fqn(self, path: str) -> str:
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + ".")):
            path = path[len(self.prefix):].lstrip(".")
        return path

    def convert(self, jit_graph: Any) -> Graph:
        nodes = list(jit_graph.nodes())
        scopes = ["input", "output"]
        for node in nodes:
            scopes.append(common.scope_of(self.root, self._node_fqn(node)))
        self.namer = Namer(scopes + [common.scope_of(self.root, p) for p in self.modules], common.sanitize)
        inputs = list(jit_graph.inputs())
        if inputs:
            self.module_path[inputs[0].unique()] = ""  # self
        for value in inputs[1:]:
            name = self.namer.unique("input", value.debugName())
            shapes, dtype = _value_info([value])
            self.graph.add_node(name, "IO Node", output_shapes=shapes, dtype=dtype)
            self.ref[value.unique()] = name
        for node in nodes:
            self._convert_node(node)
        outputs: list[tuple[list[str], Any]] = []
        for value in jit_graph.outputs():
            outputs.extend(self._flatten_output(value, []))
        for parts, value in outputs:
            base = ".".join(common.sanitize(p) for p in parts) if len(outputs) > 1 else "output"
            name = self.namer.unique("output", base or "output")
            if value.unique() in self.ref:
                shapes, dtype = _value_info([value])
                self.graph.add_node(name, "IO Node", [self.ref[value.unique()]],
                                    output_shapes=shapes, dtype=dtype)
            else:
                self.graph.add_node(
                    name, "IO Node",
                    attrs={"value": common.attr_value(self.const.get(value.unique())) or "None"},
                )
        return self.graph

    def _node_fqn(self, node: Any) -> str:
        scope = node.scopeName()
        if not scope:
            return ""
        last = scope.split("/")[-1]
        return self._fqn(last[len("__module."):] if last.startswith("__module.") else last)

    def _flatten_output(self, value: Any, parts: list[str]) -> list[tuple[list[str], Any]]:
        members = self.bundle.get(value.unique())
        if members is None:
            return [(parts, value)]
        out = []
        kind = value.node().kind()
        if kind == "prim::DictConstruct":
            for key, member in zip(members[::2], members[1::2]):
                label = self.const.get(key.unique(), key.debugName())
                out.extend(self._flatten_output(member, [*parts, str(label)]))
        else:
            for i, member in enumerate(members):
                out.extend(self._flatten_output(member, [*parts, str(i)]))
        return out

    def _convert_node(self, node: Any) -> None:
        kind = node.kind()
        outputs = list(node.outputs())
        if kind == "prim::GetAttr":
            self._get_attr(node, outputs[0])
        elif kind == "prim::Constant":
            out = outputs[0]
            value = out.toIValue() if out.type().kind() != "TensorType" else None
            if isinstance(value, torch.Tensor) or out.type().kind() == "TensorType":
                self._add_op(node, "prim.Constant", "constant", [])
            else:
                self.const[out.unique()] = value
        elif kind in _BUNDLES:
            members = list(node.inputs())
            if all(m.unique() in self.const for m in members) and kind != "prim::DictConstruct":
                self.const[outputs[0].unique()] = [self.const[m.unique()] for m in members]
            else:
                self.bundle[outputs[0].unique()] = members
        elif kind in _UNPACKS and next(iter(node.inputs())).unique() in self.bundle:
            members = self.bundle[next(iter(node.inputs())).unique()]
            for out, member in zip(outputs, members):
                self._alias(out, member)
        else:
            op = kind.replace("::", ".")
            self._add_op(node, op, kind.partition("::")[2].rstrip("_") or "op", list(node.inputs()))

    def _alias(self, out: Any, member: Any) -> None:
        key = member.unique()
        tables: tuple[dict[int, Any], ...] = (self.ref, self.const, self.bundle, self.module_path)
        for table in tables:
            if key in table:
                table[out.unique()] = table[key]

    def _get_attr(self, node: Any, out: Any) -> None:
        inputs = list(node.inputs())
        owner = self.module_path.get(inputs[0].unique())
        if owner is None:
            self._add_op(node, "prim.GetAttr", node.s("name"), inputs)
            return
        attr = node.s("name")
        path = f"{owner}.{attr}" if owner else attr
        if out.type().kind() == "ClassType":
            self.module_path[out.unique()] = path
            return
        fqn = self._fqn(path)
        if fqn in self.attr_nodes:
            self.ref[out.unique()] = self.attr_nodes[fqn]
            return
        owner_fqn = self._fqn(owner)
        module = self.modules.get(owner_fqn)
        shapes, dtype = _value_info([out])
        attrs: dict[str, Any] = {"_target": fqn}
        if module is not None:
            attrs["_module_class"] = common.class_name(type(module))
        param = self.params.get(fqn)
        tensor = param if param is not None else self.buffers.get(fqn)
        if param is not None:
            op = "Parameter"
            attrs["requires_grad"] = bool(param.requires_grad)
        else:
            op = "Buffer" if out.type().kind() == "TensorType" else "Attribute"
        if tensor is not None:
            shapes = [list(tensor.shape)]
            tensor_dtype = common.dtype_name(tensor)
            dtype = tensor_dtype if tensor_dtype in _DTYPES else None
        name = self.namer.unique(common.scope_of(self.root, owner_fqn), attr)
        self.graph.add_node(name, op, output_shapes=shapes, dtype=dtype, attrs=attrs)
        self.attr_nodes[fqn] = name
        self.ref[out.unique()] = name

    def _add_op(self, node: Any, op: str, base: str, inputs: list[Any]) -> None:
        fqn = self._node_fqn(node)
        scope = common.scope_of(self.root, fqn)
        module = self.modules.get(fqn)
        names = _schema_names(node)
        refs: list[str] = []
        attrs: dict[str, Any] = {}
        for i, value in enumerate(inputs):
            if not self._collect(value, refs):
                key = names[i] if i < len(names) else f"arg{i}"
                if key in common.RESERVED_ATTRS or key.startswith("_"):
                    key = f"arg_{key.lstrip('_')}"
                converted = common.attr_value(self.const.get(value.unique()))
                if converted is not None:
                    attrs[key] = converted
        outputs = list(node.outputs())
        shapes, dtype = _value_info(outputs)
        if module is not None:
            attrs["_module_class"] = common.class_name(type(module))
        if fqn:
            attrs["_module"] = fqn
        name = self.namer.unique(scope, base)
        self.graph.add_node(name, op, refs, output_shapes=shapes, dtype=dtype, attrs=attrs)
        for k, out in enumerate(outputs):
            self.ref[out.unique()] = name if k == 0 else f"{name}:{k}"

    def _collect(self, value: Any, refs: list[str]) -> bool:
        key = value.unique()
        if key in self.ref:
            refs.append(self.ref[key])
            return True
        members = self.bundle.get(key)
        if members is not None:
            found = [self._collect(m, refs) for m in members]
            return any(found)
        return False


def _schema_names(node: Any) -> list[str]:
    try:
        return [a.name for a in torch._C.parse_schema(node.schema()).arguments]
    except Exception:  # no schema (prim ops) or one that does not parse
        return []


def _value_info(values: list[Any]) -> tuple[list[list[int | None] | None], str | None]:
    shapes: list[list[int | None] | None] = []
    dtypes = []
    for value in values:
        vtype = value.type()
        shape = None
        dtype = None
        if vtype.kind() == "TensorType":
            try:
                sizes = vtype.sizes()
                shape = None if sizes is None else [d if isinstance(d, int) else None for d in sizes]
            except RuntimeError:
                shape = None
            scalar = vtype.scalarType()
            dtype = _SCALAR_TYPES.get(scalar) if scalar else None
        shapes.append(shape)
        dtypes.append(dtype)
    return shapes, (dtypes[0] if len(dtypes) == 1 else None)
