"""flax: linen's ``apply`` and nnx modules as traceable functions with named inputs.

- linen: ``model.apply`` (or the module itself, or ``jax.jit(model.apply)``) with
  ``(variables, x, ...)``: the variables are named by collection and module path
  (``params/Dense_0/kernel``: op ``Parameter``; ``batch_stats/BatchNorm_0/mean``: op
  ``Variable``), the other arguments after ``__call__``'s parameters (``x``). linen puts
  each module's operations under its path in the name stack itself
  (``CNN/Conv_0/conv_general_dilated``).
- nnx: a module (``model`` with ``(x,)``), or ``nnx.split``'s graphdef with the states
  first (``graphdef`` with ``(state, x)``). The module is split, and the traced
  function merges it again, so the model itself is never traced nor changed. Variables
  are named by kind and path (``params/layers/0/kernel``, ``batch_stats/bn/mean``).
  nnx does not name scopes, so while tracing, each module's ``__call__`` runs under a
  ``jax.named_scope`` of its attribute path (``MLP/layers/0``): the class ``__call__``
  is wrapped for the duration of the trace only and then restored (a module of those
  classes called meanwhile by another thread, outside the trace, is unaffected: the
  wrapper only names the modules of the traced model).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import jax

from tfevents.errors import ArgumentTypeError
from tfevents.extras._jax_graph import inputs as I
from tfevents.extras._jax_graph import names

_NNX_COLLECTIONS = {
    "Param": "params", "BatchStat": "batch_stats", "Cache": "cache",
    "Intermediate": "intermediates", "Perturbation": "perturbations",
}


# --- linen ------------------------------------------------------------------------------


def linen_module(fn: Any) -> Any:
    """The linen module whose ``apply`` ``fn`` is (through ``jax.jit``'s wrapper), else None."""
    import flax.linen as nn

    if isinstance(fn, nn.Module):
        return fn
    for _ in range(8):
        if fn is None:
            break
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, nn.Module) and getattr(fn, "__name__", "") == "apply":
            return owner
        fn = fn.func if isinstance(fn, functools.partial) else getattr(fn, "__wrapped__", None)
    return None


def linen_variables(path: tuple[Any, ...], leaf: Any) -> tuple[str, str]:
    parts = list(path)
    if len(parts) > 1 and I.key_text(parts[-1]) == "value" and type(parts[-1]).__name__ == "GetAttrKey":
        parts.pop()  # a boxed variable (nn.Partitioned)
    name = I.path_name(tuple(parts))
    collection = I.key_text(parts[0]) if parts else ""
    return name or "variables", "Parameter" if collection == "params" else "Variable"


def linen_call_names(module: Any, kwargs: dict[str, Any], count: int) -> list[str]:
    """``variables`` and then the names of the method's positional parameters."""
    method = kwargs.get("method")
    target = getattr(module, method) if isinstance(method, str) else (method or module.__call__)
    return ["variables", *I.positional_names(target, count - 1)] if count else []


# --- nnx --------------------------------------------------------------------------------


def nnx_kind(fn: Any) -> str | None:
    """"module" or "graphdef" for nnx objects, else None."""
    from flax import nnx

    if isinstance(fn, nnx.Module):
        return "module"
    if isinstance(fn, nnx.GraphDef):
        return "graphdef"
    return None


def nnx_traceable(fn: Any, args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...], int, Any]:
    """(function of (*states, *args), its positional arguments, how many are states,
    the module as merged once, for its classes and root name)."""
    from flax import nnx

    if isinstance(fn, nnx.Module):
        graphdef, state = nnx.split(fn)
        states: tuple[Any, ...] = (state,)
        model = fn
    else:
        graphdef = fn
        count = 0
        while count < len(args) and isinstance(args[count], nnx.State):
            count += 1
        if count == 0:
            raise ArgumentTypeError(
                "example_inputs: with an nnx GraphDef as the model, the inputs start with its "
                "state(s), as nnx.split returned them: (state, x)"
            )
        states, args = tuple(args[:count]), tuple(args[count:])
        model = nnx.merge(graphdef, *states)
    n_states = len(states)

    def call(*all_args: Any, **kwargs: Any) -> Any:
        merged = nnx.merge(graphdef, *all_args[:n_states])
        with _active(merged):
            return merged(*all_args[n_states:], **kwargs)

    return call, (*states, *args), n_states, model


def nnx_state_namer(state: Any) -> I.ArgNamer:
    from flax import nnx

    table: dict[tuple[Any, ...], tuple[str, str]] = {}
    tops = jax.tree_util.tree_flatten_with_path(state, is_leaf=lambda x: isinstance(x, nnx.Variable))[0]
    for path, var in tops:
        if not isinstance(var, nnx.Variable):
            continue
        kind = _collection(type(var))
        op = "Parameter" if isinstance(var, nnx.Param) else "Variable"
        for sub, _ in jax.tree_util.tree_flatten_with_path(var)[0]:
            rest = [k for k in sub if not (type(k).__name__ == "GetAttrKey" and I.key_text(k) == "value")]
            table[tuple(path) + tuple(sub)] = (names.join(kind, I.path_name(tuple(path) + tuple(rest))), op)

    def namer(path: tuple[Any, ...], leaf: Any) -> tuple[str, str]:
        return table.get(path) or (names.join("state", I.path_name(path)), "Variable")

    return namer


def _collection(cls: type) -> str:
    for klass in cls.__mro__:
        if klass.__name__ in _NNX_COLLECTIONS:
            return _NNX_COLLECTIONS[klass.__name__]
        if klass.__name__ == "RngState":
            return "rngs"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


# nnx scopes: the traced model's modules, by id, with their paths; the modules whose
# __call__ is running, innermost last
_local = threading.local()
_MISSING = object()


@contextlib.contextmanager
def _active(model: Any) -> Iterator[None]:
    from flax import nnx

    paths: dict[int, tuple[Any, ...]] = {}
    for path, node in nnx.iter_graph(model):
        if isinstance(node, nnx.Module):
            paths.setdefault(id(node), tuple(path))
    paths[id(model)] = ()
    previous = getattr(_local, "paths", None), getattr(_local, "root", None)
    _local.paths, _local.root, _local.stack = paths, names.sanitize(type(model).__name__), []
    try:
        yield
    finally:
        _local.paths, _local.root = previous
        _local.stack = []


@contextlib.contextmanager
def module_scopes(model: Any) -> Iterator[None]:
    """While it is open, the ``__call__`` of every module class in ``model`` names its
    scope (see the module docstring)."""
    from flax import nnx

    classes = {type(node) for _, node in nnx.iter_graph(model) if isinstance(node, nnx.Module)}
    originals = {cls: cls.__dict__.get("__call__", _MISSING) for cls in classes}
    resolved = {cls: call for cls in classes if (call := _own_call(cls)) is not None}
    try:
        for cls, call in resolved.items():
            cls.__call__ = _scoped(call)  # type: ignore[method-assign]
        yield
    finally:
        for cls, original in originals.items():
            if original is _MISSING:
                with contextlib.suppress(AttributeError):
                    delattr(cls, "__call__")
            else:
                cls.__call__ = original  # type: ignore[method-assign]


def _own_call(cls: type) -> Any:
    """The ``__call__`` instances of ``cls`` run (not the metaclass's), or None."""
    for klass in cls.__mro__:
        if "__call__" in klass.__dict__ and klass is not object:
            return klass.__dict__["__call__"]
    return None


def _scoped(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def scoped(self: Any, *args: Any, **kwargs: Any) -> Any:
        paths = getattr(_local, "paths", None)
        path = paths.get(id(self)) if paths else None
        stack: list[tuple[int, tuple[Any, ...]]] = getattr(_local, "stack", [])
        if path is None or (stack and stack[-1][0] == id(self)):
            return call(self, *args, **kwargs)
        if not stack:
            segments = [_local.root] if path == () else [I.key_text(k) for k in path]
        else:
            outer = stack[-1][1]
            inner = path[len(outer):] if path[: len(outer)] == outer else path
            segments = [I.key_text(k) for k in inner]
        stack.append((id(self), path))
        try:
            with contextlib.ExitStack() as scopes:
                for segment in segments:
                    scopes.enter_context(jax.named_scope(names.sanitize(segment)))
                return call(self, *args, **kwargs)
        finally:
            stack.pop()

    return scoped
