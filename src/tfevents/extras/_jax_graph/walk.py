"""A ``ClosedJaxpr`` -> ``tfevents.Graph``: one node per equation, nested jaxprs as boxes.

- an equation without nested jaxprs is a node: op = its primitive (``dot_general``),
  ``_output_shapes`` and ``dtype`` (``_output_dtypes`` for several outputs or a dtype a
  GraphDef cannot name) from its output avals, its parameters as attributes, and
  ``_source``, the user line that emitted it;
- a call (``jit``/``pjit``, ``checkpoint``/``remat``, ``custom_jvp_call``,
  ``custom_vjp_call``, ``closed_call``, ...) is not a node but a box, named as JAX prints
  it (``jit(relu)``), holding the called jaxpr's equations; edges go straight from the
  caller's values to the nodes inside. A call whose body is a single call of the same
  arguments (``custom_jvp(relu)`` around ``jit(relu)``) is one box, not two;
- control flow (``scan``, ``while``, ``cond``, and any other primitive with several
  jaxprs) is a box with a node for the equation and one box per body (``body``,
  ``cond``, ``branch_0``...): the caller's values feed the bodies, whose results feed the
  node (``while``: the loop state and the predicate), whose outputs are the equation's;
- constants: see ``attrs``. A small one is an attribute of the node that reads it, a
  large one a ``Constant`` node (shape and dtype only) in the scope of its first reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jax.extend import core as jcore
from jax.extend import source_info_util

from tfevents.extras._graph_names import Namer
from tfevents.extras._jax_graph import attrs as A
from tfevents.extras._jax_graph import names
from tfevents.graph import Graph

# called functions: their jaxpr's inputs and outputs are the equation's, one to one
CALLS = {
    "pjit": "jit", "jit": "jit", "closed_call": "call", "core_call": "call",
    "remat": "checkpoint", "remat2": "checkpoint", "checkpoint": "checkpoint",
    "custom_jvp_call": "custom_jvp", "custom_vjp_call": "custom_vjp",
    "custom_vjp_call_jaxpr": "custom_vjp", "custom_lin": "custom_lin",
    "named_call": "call", "shard_map": "shard_map", "xla_pmap": "pmap",
}
CONTROL = {"scan", "while", "cond"}


class Ref(NamedTuple):
    """Output ``k`` of planned node number ``node``."""
    node: int
    k: int = 0


class Const(NamedTuple):
    """A literal or a captured constant, not a node unless it is large."""
    value: Any


Value = Ref | Const


@dataclass
class Planned:
    scope: str
    base: str
    op: str
    inputs: list[Ref]
    avals: list[Any]
    attrs: dict[str, Any] = field(default_factory=dict)


class Builder:
    def __init__(self) -> None:
        self.nodes: list[Planned] = []
        self.boxes = names.Boxes()
        self._constants: dict[int, Ref] = {}

    # --- planning -----------------------------------------------------------------------

    def leaf(self, path: str, op: str, aval: Any, attrs: dict[str, Any] | None = None) -> Ref:
        scope, _, base = path.rpartition("/")
        return self.emit(scope, base, op, [], [aval], attrs or {})

    def emit(self, scope: str, base: str, op: str, ins: list[Value], avals: list[Any],
             attrs: dict[str, Any]) -> Ref:
        inputs: list[Ref] = []
        attrs = dict(attrs)
        for position, value in enumerate(ins):
            if isinstance(value, Ref):
                inputs.append(value)
            elif _is_small(value.value):
                attrs[f"input_{position}"] = A.constant_attr(value.value)
            else:
                inputs.append(self._constant(value.value, scope))
        self.nodes.append(Planned(scope, base, op, inputs, avals, attrs))
        return Ref(len(self.nodes) - 1)

    def _constant(self, value: Any, scope: str) -> Ref:
        ref = self._constants.get(id(value))
        if ref is None:
            ref = self.emit(scope, "const", "Constant", [], [value],
                            {"value": f"{A.describe_array(value)} (not written)"})
            self._constants[id(value)] = ref
        return ref

    # --- walking ------------------------------------------------------------------------

    def call(self, sub: Any, ins: list[Value], box: str) -> list[Value]:
        """Walks ``sub`` (a Jaxpr or ClosedJaxpr) in ``box`` with ``ins`` as its inputs."""
        jaxpr, consts = _open(sub)
        while (inner := _single_call(jaxpr)) is not None:
            jaxpr, consts = _open(inner)
        env: dict[Any, Value] = {}
        for var, const in zip(jaxpr.constvars, consts):
            env[var] = Const(const)
        for var in jaxpr.constvars[len(consts):]:
            env[var] = self.emit(box, "const", "Constant", [], [var.aval], {})
        if len(ins) == len(jaxpr.invars):
            env.update(zip(jaxpr.invars, ins))
        else:  # a body whose inputs do not map one to one onto the equation's
            for var in jaxpr.invars:
                env[var] = self.emit(box, "arg", "Arg", [], [var.aval], {})
        for eqn in jaxpr.eqns:
            self.equation(eqn, env, box)
        return [_read(env, var) for var in jaxpr.outvars]

    def equation(self, eqn: Any, env: dict[Any, Value], scope: str) -> None:
        here = names.join(scope, *names.scope_parts(eqn.source_info.name_stack))
        prim = eqn.primitive.name
        ins = [_read(env, var) for var in eqn.invars]
        subs = _subjaxprs(eqn)
        if not subs:
            ref = self.emit(here, prim, prim, ins, [v.aval for v in eqn.outvars], _attrs(eqn))
            env.update((var, Ref(ref.node, k)) for k, var in enumerate(eqn.outvars))
            return
        if prim not in CONTROL and len(subs) == 1 and _fits(subs[0][1], eqn):
            box = self.boxes.unique(here, _call_name(eqn, subs[0][1]))
            env.update(zip(eqn.outvars, self.call(subs[0][1], ins, box)))
            return
        box = self.boxes.unique(here, prim)
        used: set[int] = set()
        results: list[Value] = []
        for label, sub, positions in _bodies(eqn, subs):
            body_ins = [ins[p] for p in positions] if positions is not None else []
            results += self.call(sub, body_ins, names.join(box, label))
            used.update(positions or ())
        node_ins = [v for p, v in enumerate(ins) if p not in used] + results
        ref = self.emit(box, prim, prim, node_ins, [v.aval for v in eqn.outvars], _attrs(eqn))
        env.update((var, Ref(ref.node, k)) for k, var in enumerate(eqn.outvars))

    # --- the graph ----------------------------------------------------------------------

    def graph(self) -> Graph:
        namer = Namer((node.scope for node in self.nodes), names.sanitize)
        final = [namer.unique(node.scope, node.base) for node in self.nodes]
        graph = Graph()
        for node, name in zip(self.nodes, final):
            shapes, dtype, extra = A.output_info(node.avals)
            inputs = [final[r.node] if r.k == 0 else f"{final[r.node]}:{r.k}" for r in node.inputs]
            graph.add_node(name, node.op, inputs, output_shapes=shapes, dtype=dtype,
                           attrs={**extra, **node.attrs})
        return graph


# --- helpers ----------------------------------------------------------------------------


def _read(env: dict[Any, Value], var: Any) -> Value:
    if isinstance(var, jcore.Literal):
        return Const(var.val)
    return env[var]


def _open(sub: Any) -> tuple[Any, list[Any]]:
    if isinstance(sub, jcore.ClosedJaxpr):
        return sub.jaxpr, list(sub.consts)
    return sub, []


def _subjaxprs(eqn: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in eqn.params.items():
        items = value if isinstance(value, (tuple, list)) else [value]
        jaxprs = [v for v in items if isinstance(v, (jcore.Jaxpr, jcore.ClosedJaxpr))]
        if len(jaxprs) == 1 and not isinstance(value, (tuple, list)):
            found.append((key, jaxprs[0]))
        else:
            found.extend((f"{key}_{i}", v) for i, v in enumerate(jaxprs))
    return found


def _fits(sub: Any, eqn: Any) -> bool:
    jaxpr, consts = _open(sub)
    return (len(jaxpr.invars) == len(eqn.invars) and len(jaxpr.outvars) == len(eqn.outvars)
            and len(jaxpr.constvars) == len(consts))


def _single_call(jaxpr: Any) -> Any:
    """The jaxpr a body consisting of one call only passes its arguments to, else None."""
    if len(jaxpr.eqns) != 1 or jaxpr.constvars:
        return None
    (eqn,) = jaxpr.eqns
    subs = _subjaxprs(eqn)
    if (eqn.primitive.name in CONTROL or len(subs) != 1 or names.scope_parts(eqn.source_info.name_stack)
            or list(eqn.invars) != list(jaxpr.invars) or list(eqn.outvars) != list(jaxpr.outvars)
            or not _fits(subs[0][1], eqn)):
        return None
    return subs[0][1]


def _call_name(eqn: Any, sub: Any) -> str:
    prim = eqn.primitive.name
    kind = CALLS.get(prim, prim)
    name = eqn.params.get("name")
    if not isinstance(name, str) or not name or name.startswith("<"):
        name = names.function_name(sub)
    return f"{kind}({name})" if name else kind


def _bodies(eqn: Any, subs: list[tuple[str, Any]]) -> list[tuple[str, Any, list[int] | None]]:
    """(box label, jaxpr, positions of the equation's inputs it takes) per body."""
    prim, params, n = eqn.primitive.name, eqn.params, len(eqn.invars)
    if prim == "scan":
        return [("body", params["jaxpr"], list(range(n)))]
    if prim == "while":
        cn, bn = params["cond_nconsts"], params["body_nconsts"]
        carry = list(range(cn + bn, n))
        return [("cond", params["cond_jaxpr"], list(range(cn)) + carry),
                ("body", params["body_jaxpr"], list(range(cn, cn + bn)) + carry)]
    if prim == "cond":
        return [(f"branch_{i}", sub, list(range(1, n))) for i, sub in enumerate(params["branches"])]
    bodies: list[tuple[str, Any, list[int] | None]] = []
    for label, sub in subs:
        jaxpr, _ = _open(sub)
        bodies.append((label, sub, list(range(n)) if len(jaxpr.invars) == n else None))
    return bodies


def _attrs(eqn: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in eqn.params.items():
        if isinstance(value, (jcore.Jaxpr, jcore.ClosedJaxpr)) or (
            isinstance(value, (tuple, list)) and value
            and all(isinstance(v, (jcore.Jaxpr, jcore.ClosedJaxpr)) for v in value)
        ):
            continue
        converted = A.param_attr(value)
        if converted is not None and converted != "":
            out[A.attr_name(key)] = converted
    try:
        source = source_info_util.summarize(eqn.source_info)
    except Exception:  # a private detail of JAX's that changed
        source = ""
    if source and source != "unknown":
        out["_source"] = A.short(source)
    return out


def _is_small(value: Any) -> bool:
    size = getattr(value, "size", None)
    if size is None:
        shape = getattr(value, "shape", ())
        size = 1
        for d in shape:
            size *= int(d)
    return int(size) <= A.SMALL


def build(closed: Any, inputs: list[tuple[str, str, dict[str, Any]]], outputs: list[str]) -> Graph:
    """The graph of ``closed``: ``inputs`` (name, op, attrs) per input, ``outputs`` names."""
    builder = Builder()
    ins: list[Value] = [builder.leaf(name, op, var.aval, attrs)
                        for (name, op, attrs), var in zip(inputs, closed.jaxpr.invars)]
    results = builder.call(closed, ins, "")
    for path, value, aval in zip(outputs, results, closed.out_avals):
        scope, _, base = path.rpartition("/")
        if isinstance(value, Ref):
            builder.emit(scope, base, "Output", [value], [aval], {})
        else:
            builder.emit(scope, base, "Output", [], [aval], {"value": A.constant_attr(value.value)})
    return builder.graph()
