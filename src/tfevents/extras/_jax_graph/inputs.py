"""The example inputs: arrays (traced, one graph input each) and static values.

``example_inputs`` is a tuple or list (the positional arguments), a dict (the keyword
arguments), or one value (the one positional argument). Leaves that are arrays (``jax.Array``,
numpy arrays and scalars, ``jax.ShapeDtypeStruct``) are traced; every other leaf (Python
numbers, strings, ``train=False`` flags, ``mutable=["batch_stats"]``) is passed as it
is, so that Python control flow on it works, and is baked into the graph.

An input is named by its argument and its path in that argument's pytree:
``x``, ``batch/image``, ``params/Dense_0/kernel`` (a sequence index is a segment too:
``layers/0/w``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np

from tfevents.errors import ArgumentTypeError
from tfevents.extras._jax_graph import names

# (path below the argument, leaf) -> (name, op); None: the default naming
ArgNamer = Callable[[tuple[Any, ...], Any], tuple[str, str]]


class Flat(NamedTuple):
    fn: Callable[..., Any]  # takes the array leaves, in order
    arrays: list[Any]
    inputs: list[tuple[str, str, dict[str, Any]]]  # (name, op, attrs) per array


def split(example_inputs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if example_inputs is None:
        return (), {}
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs), {}
    if isinstance(example_inputs, dict):
        bad = [k for k in example_inputs if not isinstance(k, str)]
        if bad:
            raise ArgumentTypeError(
                f"example_inputs: a dict is taken as keyword arguments, so its keys must be "
                f"strings, got {bad[0]!r}; pass (the_dict,) for one positional dict argument"
            )
        return (), dict(example_inputs)
    return (example_inputs,), {}


def is_array(value: Any) -> bool:
    return isinstance(value, (jax.Array, np.ndarray, np.generic, jax.ShapeDtypeStruct)) or hasattr(
        value, "__jax_array__"
    )


def key_text(key: Any) -> str:
    for attr in ("key", "idx", "name"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def path_name(path: tuple[Any, ...]) -> str:
    return "/".join(names.sanitize(key_text(k)) for k in path)


def unwrap(fn: Any) -> Any:
    """The function under ``jax.jit``'s and ``functools.wraps``' wrappers (not partials)."""
    for _ in range(8):
        inner = getattr(fn, "__wrapped__", None)
        if inner is None:
            break
        fn = inner
    return fn


def positional_names(fn: Callable[..., Any], count: int) -> list[str]:
    """The parameter names of ``fn``'s first ``count`` positional arguments."""
    found: list[str] = []
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    for param in params:
        if len(found) >= count:
            break
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            found.append(param.name)
        elif param.kind is param.VAR_POSITIONAL:
            found.extend(f"{param.name}_{i}" for i in range(count - len(found)))
    found.extend(f"arg{i}" for i in range(len(found), count))
    return found[:count]


def flatten(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
            arg_names: list[str], namers: dict[int | str, ArgNamer] | None = None) -> Flat:
    namers = namers or {}
    leaves_with_paths, treedef = jax.tree_util.tree_flatten_with_path((args, kwargs))
    values = [leaf for _, leaf in leaves_with_paths]
    positions: list[int] = []
    inputs: list[tuple[str, str, dict[str, Any]]] = []
    for i, (path, leaf) in enumerate(leaves_with_paths):
        if not is_array(leaf):
            continue
        positions.append(i)
        which = key_text(path[1])
        arg: int | str = int(which) if key_text(path[0]) == "0" else which
        label = names.sanitize(arg_names[arg] if isinstance(arg, int) else arg)
        namer = namers.get(arg)
        if namer is not None:
            name, op = namer(tuple(path[2:]), leaf)
        else:
            name, op = names.join(label, path_name(tuple(path[2:]))), "Input"
        inputs.append((name, op, {}))

    def flat_fn(*arrays: Any) -> Any:
        leaves = list(values)
        for position, array in zip(positions, arrays):
            leaves[position] = array
        call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, leaves)
        return fn(*call_args, **call_kwargs)

    return Flat(flat_fn, [values[p] for p in positions], inputs)


def output_names(out_shape: Any) -> list[str]:
    paths = [path for path, _ in jax.tree_util.tree_flatten_with_path(out_shape)[0]]
    if len(paths) == 1 and not paths[0]:
        return ["output"]
    return [names.join("output", path_name(tuple(p))) for p in paths]
