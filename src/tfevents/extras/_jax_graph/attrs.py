"""Attribute values: equation parameters, folded constants, shapes and dtypes.

A constant (a literal such as ``1.0`` or a small captured array) is not a node: it
becomes an attribute of the node that uses it (``input_1: 1.0``). Arrays of more than
``SMALL`` elements are never written out: an attribute says ``float32[784,128]``, and a
large captured array is a ``Constant`` node with that shape and no values.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

from tfevents.wire.schema import INT64_MAX, INT64_MIN

SMALL = 16
TEXT_LIMIT = 256
RESERVED = {"dtype", "_output_shapes", "_output_dtypes", "_source"}
# the dtypes a GraphDef's ``dtype`` attribute can name (tfevents.Graph's list)
GRAPH_DTYPES = {
    "float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
    "uint8", "bool", "complex64", "complex128",
}


def short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 3] + "..."


def shape_of(aval: Any) -> list[int | None] | None:
    """An abstract value's shape, symbolic dimensions as None; None for a token."""
    shape = getattr(aval, "shape", None)
    if shape is None:
        return None
    return [int(d) if isinstance(d, (int, np.integer)) and not isinstance(d, bool) else None
            for d in shape]


def dtype_of(aval: Any) -> str:
    dtype = getattr(aval, "dtype", None)
    return type(aval).__name__ if dtype is None else str(dtype)


def output_info(avals: list[Any]) -> tuple[list[list[int | None] | None], str | None, dict[str, Any]]:
    """(``_output_shapes``, ``dtype`` for Graph.add_node or None, extra attrs)."""
    shapes = [shape_of(a) for a in avals]
    dtypes = [dtype_of(a) for a in avals]
    if len(dtypes) == 1 and dtypes[0] in GRAPH_DTYPES:
        return shapes, dtypes[0], {}
    return shapes, None, ({"_output_dtypes": dtypes} if dtypes else {})


def describe_array(value: Any) -> str:
    shape = ",".join(str(d) for d in getattr(value, "shape", ()))
    return f"{getattr(value, 'dtype', type(value).__name__)}[{shape}]"


def constant_attr(value: Any) -> Any:
    """A constant input as an attribute: its value if small, else its type and shape."""
    try:
        array = np.asarray(value)
    except Exception:  # a key array or another extended dtype
        return describe_array(value)
    if array.dtype.kind not in "biuf" or array.size > SMALL:
        return describe_array(value)
    if array.ndim == 0:
        return number(array.item())
    items = [number(v) for v in array.ravel().tolist()]
    if array.dtype.kind == "b" or any(isinstance(v, str) for v in items):
        return short(f"{describe_array(value)} {array.tolist()}")
    return items if array.ndim == 1 else short(f"{describe_array(value)} {array.tolist()}")


def number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def param_attr(value: Any) -> Any:
    """An equation parameter as an attribute value, or None to leave it out."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return number(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str):
        return short(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, (np.ndarray,)) or _is_array(value):
        return constant_attr(value)
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        items = list(value)
        if items and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                         for v in items):
            return [number(int(v)) for v in items]
        if items and all(isinstance(v, float) for v in items):
            return [number(v) for v in items]
        if items and all(isinstance(v, str) for v in items):
            return [short(v) for v in items]
        return short(_text(value))
    if callable(value):
        return None  # a rule or thunk (custom_jvp's jvp, custom_vjp's bwd)
    return short(_text(value))


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type)


def _text(value: Any) -> str:
    """Tuples without numpy's ``np.int64(3)`` noise."""
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        inner = ", ".join(_text(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)


def attr_name(key: str) -> str:
    if key in RESERVED:
        return f"{key}_param"
    return key.lstrip("_") or key
