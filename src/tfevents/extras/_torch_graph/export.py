"""``torch.export.ExportedProgram`` -> ``tfevents.Graph`` (names: see ``common``).

Node by node (FX ``placeholder`` / ``call_function`` / ``get_attr`` / ``output``):

- user inputs -> ``input/<name>`` IO nodes (unused inputs included, unconnected);
- parameters, buffers and constant tensors that the graph uses -> ``Parameter`` /
  ``Buffer`` / ``Constant`` nodes in their owner module's scope;
- each operation -> a node whose op is the ATen op (``aten.conv2d``), in the scope of the
  innermost module it ran in (``node.meta["nn_module_stack"]``), with ``_output_shapes``,
  ``dtype`` and device from ``node.meta["val"]`` (FakeTensors), the op's non-tensor
  arguments as attrs named after its schema (``stride``, ``padding``, ...), and
  ``_module_class`` / ``_module`` / ``_overload`` / ``_source``;
- ``operator.getitem`` on a multi-output op is not a node: its users read ``op:k``;
- returned values -> ``output/<path>`` IO nodes.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.utils._pytree as pytree
from torch.export.graph_signature import InputKind, OutputKind

from tfevents.extras._graph_names import Namer
from tfevents.extras._torch_graph import common
from tfevents.graph import Graph

_PARAM_OPS = {
    InputKind.PARAMETER: "Parameter",
    InputKind.BUFFER: "Buffer",
    InputKind.CONSTANT_TENSOR: "Constant",
    InputKind.CUSTOM_OBJ: "CustomObject",
    InputKind.TOKEN: "Token",
}


def graph_from_exported(ep: Any, model: torch.nn.Module, root: str) -> Graph:
    fx_graph = ep.graph
    signature = ep.graph_signature
    input_specs = {getattr(spec.arg, "name", None): spec for spec in signature.input_specs}
    modules = dict(model.named_modules())
    root_class = common.class_name(type(model))

    # 1. where each node lives
    where: dict[Any, tuple[str, str, str]] = {}  # node -> (scope, fqn, class)
    for node in fx_graph.nodes:
        if node.op == "placeholder":
            spec = input_specs.get(node.name)
            if spec is not None and spec.kind != InputKind.USER_INPUT and spec.target:
                owner = spec.target.rpartition(".")[0]
                owner_module = modules.get(owner)
                cls = common.class_name(type(owner_module)) if owner_module is not None else ""
                where[node] = (common.scope_of(root, owner), owner, cls)
        elif node.op in ("call_function", "get_attr", "call_module", "call_method"):
            stack = node.meta.get("nn_module_stack") or {}
            if stack:
                fqn, cls = list(stack.values())[-1]
                where[node] = (common.scope_of(root, fqn), ".".join(common.fqn_parts(fqn, raw=True)),
                               common.class_name(cls))
            else:
                where[node] = (root, "", root_class)
    namer = Namer([scope for scope, _, _ in where.values()] + ["input", "output"], common.sanitize)

    graph = Graph()
    ref: dict[Any, str] = {}  # FX node -> input reference ("name" or "name:k")
    output_node = None
    for node in fx_graph.nodes:
        if node.op == "placeholder":
            _add_placeholder(graph, namer, node, input_specs.get(node.name), where, ref, modules)
        elif node.op == "output":
            output_node = node
        elif _is_elided_getitem(node, ref):
            source, index = node.args
            ref[node] = ref[source] if index == 0 else f"{ref[source]}:{index}"
        else:
            _add_op(graph, namer, node, where[node], ref)
    if output_node is not None:
        _add_outputs(graph, namer, ep, output_node, ref)
    return graph


def _add_placeholder(graph: Graph, namer: Namer, node: Any, spec: Any,
                     where: dict[Any, tuple[str, str, str]], ref: dict[Any, str],
                     modules: dict[str, torch.nn.Module]) -> None:
    value = node.meta.get("val")
    shapes, extra, dtype, device = common.output_info(value)
    kind = spec.kind if spec is not None else InputKind.USER_INPUT
    if kind == InputKind.USER_INPUT:
        attrs = dict(extra)
        if not isinstance(value, torch.Tensor) and value is not None:
            attrs["value"] = common.attr_value(value)  # a specialized non-tensor input
        name = namer.unique("input", node.name)
        graph.add_node(name, "IO Node", output_shapes=shapes or None, dtype=dtype,
                       device=device, attrs=_clean(attrs))
        ref[node] = name
        return
    if not node.users:
        return  # a parameter or buffer this forward does not use
    scope, owner, cls = where.get(node, ("", "", ""))
    leaf = spec.target.rpartition(".")[2] if spec.target else node.name
    attrs = dict(extra)
    attrs["_module_class"] = cls
    if spec.target:
        attrs["_target"] = spec.target
    if kind == InputKind.PARAMETER:
        param = getattr(modules.get(owner), "_parameters", {}).get(leaf)
        if param is not None:
            attrs["requires_grad"] = bool(param.requires_grad)
    elif kind == InputKind.BUFFER:
        attrs["persistent"] = bool(spec.persistent)
    name = namer.unique(scope, leaf)
    graph.add_node(name, _PARAM_OPS.get(kind, "Placeholder"), output_shapes=shapes or None,
                   dtype=dtype, device=device, attrs=_clean(attrs))
    ref[node] = name


def _is_elided_getitem(node: Any, ref: dict[Any, str]) -> bool:
    if node.op != "call_function" or node.target is not operator.getitem or len(node.args) != 2:
        return False
    source, index = node.args
    return (
        isinstance(index, int)
        and getattr(source, "op", None) == "call_function"
        and isinstance(source.meta.get("val"), (list, tuple))
        and source in ref
        and ":" not in ref[source]
    )


def _op_identity(node: Any) -> tuple[str, str, str | None, list[Any]]:
    """(op, local base name, overload, schema arguments or []) of a call node."""
    target = node.target
    if node.op == "get_attr":
        return "GetAttr", str(target).rpartition(".")[2], None, []
    if isinstance(target, torch._ops.OpOverload):
        packet = target.overloadpacket
        qualified = getattr(packet, "_qualified_op_name", str(packet)).replace("::", ".")
        base = qualified.rpartition(".")[2].rstrip("_") or qualified.rpartition(".")[2]
        return qualified, base, target._overloadname, list(target._schema.arguments)
    if isinstance(target, torch._ops.OpOverloadPacket):
        qualified = target._qualified_op_name.replace("::", ".")
        return qualified, qualified.rpartition(".")[2], None, []
    if isinstance(target, torch._ops.HigherOrderOperator):
        return f"higher_order.{target.name()}", target.name(), None, []
    name = getattr(target, "__name__", None) or str(target)
    module = (getattr(target, "__module__", None) or "").lstrip("_")
    return (f"{module}.{name}" if module else name), name, None, []


def _add_op(graph: Graph, namer: Namer, node: Any, location: tuple[str, str, str],
            ref: dict[Any, str]) -> None:
    scope, fqn, cls = location
    op, base, overload, schema = _op_identity(node)
    inputs: list[str] = []
    attrs: dict[str, Any] = {}

    def collect(value: Any) -> bool:
        """Adds the nodes in ``value`` to the inputs; True if it held any."""
        if isinstance(value, torch.fx.Node):
            if value in ref:
                inputs.append(ref[value])
            return True
        if isinstance(value, (list, tuple)):
            found = [collect(v) for v in value]
            return any(found)
        if isinstance(value, dict):
            found = [collect(v) for v in value.values()]
            return any(found)
        return False

    names = [a.name for a in schema]
    for i, value in enumerate(node.args):
        if not collect(value):
            _put_attr(attrs, names[i] if i < len(names) else f"arg{i}", value)
    for key, value in node.kwargs.items():
        if not collect(value):
            _put_attr(attrs, key, value)
    value = node.meta.get("val")
    shapes, extra, dtype, device = common.output_info(value)
    attrs.update(extra)
    attrs["_module_class"] = cls
    if fqn:
        attrs["_module"] = fqn
    if overload:
        attrs["_overload"] = overload
    source = common.source_of(node.meta.get("stack_trace"))
    if source:
        attrs["_source"] = source
    name = namer.unique(scope, base)
    graph.add_node(name, op, inputs, output_shapes=shapes or None, dtype=dtype, device=device,
                   attrs=_clean(attrs))
    ref[node] = name


def _put_attr(attrs: dict[str, Any], key: str, value: Any) -> None:
    if key in common.RESERVED_ATTRS or key.startswith("_"):
        key = f"arg_{key.lstrip('_')}"
    converted = common.attr_value(value)
    if converted is not None:
        attrs[key] = converted


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


def _add_outputs(graph: Graph, namer: Namer, ep: Any, output_node: Any,
                 ref: dict[Any, str]) -> None:
    flat = list(output_node.args[0]) if output_node.args else []
    specs = list(ep.graph_signature.output_specs)
    user = [value for value, spec in zip(flat, specs) if spec.kind == OutputKind.USER_OUTPUT]
    paths = _output_paths(ep, len(user))
    for value, path_name in zip(user, common.output_names(paths)):
        name = namer.unique("output", path_name)
        if isinstance(value, torch.fx.Node):
            shapes, extra, dtype, device = common.output_info(value.meta.get("val"))
            graph.add_node(name, "IO Node", [ref[value]] if value in ref else [],
                           output_shapes=shapes or None, dtype=dtype, device=device,
                           attrs=_clean(extra))
        else:  # a constant the model returns
            graph.add_node(name, "IO Node", attrs=_clean({"value": common.attr_value(value)}))


def _output_paths(ep: Any, count: int) -> list[tuple[Any, ...]]:
    try:
        spec = ep.call_spec.out_spec
        leaves = pytree.tree_unflatten(list(range(spec.num_leaves)), spec)
        paths = [tuple(path) for path, _ in pytree.tree_flatten_with_path(leaves)[0]]
        if len(paths) == count:
            return paths
    except Exception:  # an unusual spec: fall back to positions
        pass
    return [(i,) for i in range(count)] if count > 1 else [()] * count
