"""The JAX adapter: a JAX function -> GraphDef for ``SummaryWriter.add_graph``, no TensorFlow.

``jax_graph_def(fn, example_inputs)`` traces ``fn`` with ``jax.make_jaxpr`` on the
example inputs (nothing is compiled or run) and returns the serialized GraphDef that
TensorBoard's Graphs dashboard draws:

- one node per equation, its primitive as the op (``dot_general``,
  ``conv_general_dilated``), with ``_output_shapes`` (the edge labels), ``dtype``, the
  equation's parameters as attributes and ``_source``, the line that emitted it;
- the scopes from each equation's name stack: flax module paths
  (``CNN/Conv_0/conv_general_dilated``), ``jax.named_scope``, and ``jvp`` /
  ``transpose_jvp`` for the two halves of a gradient;
- nested jaxprs as boxes inside their caller: ``jit(f)``, ``checkpoint``,
  ``custom_jvp(relu)``, and ``scan`` / ``while`` / ``cond`` with their bodies;
- one node per input array named by its argument and pytree path (``x``,
  ``params/Dense_0/kernel``), one per output (``output``, ``output/logits``);
- constants folded into the attributes of the nodes that read them; arrays of more than
  16 elements never written out (a large captured array is a ``Constant`` node with
  its shape only), so that a model of thousands of equations stays small and readable.

``fn`` may be a function, a ``jax.jit`` function, a flax linen module or its ``apply``
(with ``(variables, x)``), or a flax nnx module (with ``(x,)``) or ``nnx.split``'s
graphdef (with ``(state, x)``); see ``jax_graph_def``.

jax (and flax) are imported only when this module's functions are called, and
``is_jax_callable`` imports nothing: it looks in ``sys.modules``.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from tfevents.errors import ArgumentTypeError

__all__ = ["is_jax_callable", "jax_graph_def"]

_REASON_LIMIT = 400


def is_jax_callable(obj: Any) -> bool:
    """Whether ``add_graph`` should trace ``obj`` with JAX.

    True when jax is already imported and ``obj`` is a flax module (linen or nnx), an
    nnx graphdef, a ``jax.jit`` function, or any other callable that is neither a class
    nor a torch module. Never imports jax: with jax not imported, always False.
    """
    if "jax" not in sys.modules or obj is None or isinstance(obj, (bytes, bytearray, str)):
        return False
    if hasattr(obj, "forward") and hasattr(obj, "named_modules"):
        return False  # a torch.nn.Module
    linen = sys.modules.get("flax.linen")
    if linen is not None and isinstance(obj, linen.Module):
        return True
    nnx = sys.modules.get("flax.nnx")
    if nnx is not None and isinstance(obj, (nnx.Module, nnx.GraphDef)):
        return True
    if isinstance(obj, type):
        return False
    return callable(obj)


def jax_graph_def(fn: Any, example_inputs: Any = None, *, verbose: bool = False) -> bytes:
    """The serialized GraphDef of ``fn`` traced on ``example_inputs``.

    Args:
        fn: what to trace:

            - a function or ``jax.jit`` function: ``jax_graph_def(loss, (params, batch))``;
            - a flax linen module or its ``apply``, with the variables first:
              ``jax_graph_def(model.apply, (variables, x))`` (also ``jax.jit(model.apply)``
              and ``functools.partial(model.apply, train=False)``);
            - a flax nnx module, with its call's arguments: ``jax_graph_def(model, (x,))``,
              or ``nnx.split``'s graphdef with the states first:
              ``jax_graph_def(graphdef, (state, x))``.

        example_inputs: the arguments: a tuple or list (positional), a dict (keyword),
            any other value (the one positional argument), or None (none). To give both,
            bind the keywords with ``functools.partial``. Arrays (``jax.Array``, numpy,
            ``jax.ShapeDtypeStruct`` for shapes alone) are the graph's inputs; every
            other leaf (Python numbers, bools, strings) is passed as it is and baked
            into the graph, so that ``train=False`` flags work.
        verbose: print the jaxpr.

    Raises:
        TypeError: ``fn`` is not callable, or the inputs do not fit it (wrong arguments,
            Python control flow on a traced value), quoting JAX's error.
        ValueError: tracing ``fn`` on these inputs fails otherwise (shapes, dtypes).
    """
    import jax

    from tfevents.extras._jax_graph import inputs as I
    from tfevents.extras._jax_graph.walk import build

    if fn is None or isinstance(fn, type) or not (callable(fn) or _is_nnx(fn)):
        raise ArgumentTypeError(
            f"model must be a JAX function, a jax.jit function or a flax module, "
            f"got {type(fn).__name__}"
        )
    args, kwargs = I.split(example_inputs)
    call, args, arg_names, namers, scopes = _prepare(fn, args, kwargs)
    flat = I.flatten(call, args, kwargs, arg_names, namers)
    try:
        with scopes:
            closed, out_shape = jax.make_jaxpr(flat.fn, return_shape=True)(*flat.arrays)
    except Exception as exc:
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(
            f"add_graph: could not trace {_name(fn)} with jax.make_jaxpr on inputs "
            f"{_describe(args, kwargs)}, so no graph was written: {_reason(exc)}"
        ) from exc
    if verbose:
        print(closed)
    graph = build(closed, flat.inputs, I.output_names(out_shape))
    return graph.to_graph_def()


# --- what to trace ----------------------------------------------------------------------


def _prepare(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[
    Any, tuple[Any, ...], list[str], dict[int | str, Any], contextlib.AbstractContextManager[Any]
]:
    """(what to call, its positional arguments, their names, per-argument namers, the
    context to trace in)."""
    from tfevents.extras._jax_graph import inputs as I

    if "flax" in sys.modules:
        from tfevents.extras._jax_graph import flax as F

        module = F.linen_module(fn)
        if module is not None:
            call = module.apply if fn is module else fn
            names = F.linen_call_names(module, kwargs, len(args))
            return call, args, names, {0: F.linen_variables, "variables": F.linen_variables}, \
                contextlib.nullcontext()
        if F.nnx_kind(fn) is not None:
            call, all_args, n_states, model = F.nnx_traceable(fn, args)
            rest = I.positional_names(type(model).__call__, len(all_args) - n_states + 1)[1:]
            names = ["state" if n_states == 1 else f"state{i}" for i in range(n_states)] + rest
            namers: dict[int | str, Any] = {i: F.nnx_state_namer(all_args[i]) for i in range(n_states)}
            return call, all_args, names, namers, F.module_scopes(model)
    return fn, args, I.positional_names(I.unwrap(fn), len(args)), {}, contextlib.nullcontext()


def _is_nnx(fn: Any) -> bool:
    nnx = sys.modules.get("flax.nnx")
    return nnx is not None and isinstance(fn, nnx.GraphDef)


def _name(fn: Any) -> str:
    name = getattr(fn, "__name__", None)
    return str(name) if name else type(fn).__name__


def _describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _short(value: Any) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in list(value.items())[:8]) + (
            ", ..." if len(value) > 8 else "") + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_short(v) for v in value[:8]) + (", ..." if len(value) > 8 else "")
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    text = repr(value)
    return text if len(text) <= 40 else type(value).__name__


def _reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {' '.join(lines[:3])}" if lines else type(exc).__name__
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."
