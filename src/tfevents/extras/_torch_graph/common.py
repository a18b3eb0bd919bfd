"""Shared pieces of the torch -> GraphDef conversion: names, shapes, dtypes, attrs.

Naming scheme (what the Graphs dashboard turns into boxes):

- the model's operations live under ``<ModelClass>/<module path>``, the module path
  taken from the submodule attribute names (``ResNet/layer1/0/conv1``), like
  torch.utils.tensorboard's top-level scope but without its ``Class[attr]`` decoration
  (the class is in each node's ``_module_class`` attribute);
- an op node is ``<scope>/<op>`` with ``_1``, ``_2`` ... for the second, third call of
  the same op in the same module (``ResNet/layer1/0/relu/relu_1``);
- a parameter or buffer is ``<owner module scope>/<attribute>``
  (``ResNet/layer1/0/conv1/weight``);
- graph inputs are ``input/<argument>`` and outputs ``output/<path in the returned
  structure>`` (``output/logits`` for a dict, ``output/0`` for a tuple, ``output/output``
  for a single tensor); both are ``IO Node`` ops, as in torch.

A name never equals a scope that other nodes live in (TensorBoard would have to rename
it); such a name gets the next free ``_k`` suffix (``_graph_names.Namer``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from typing import Any

import torch

from tfevents.graph import _DTYPES
from tfevents.wire.schema import INT64_MAX, INT64_MIN

_BAD_CHARS = re.compile(r"[/:\s]")
_FQN_PARTS = re.compile(r"\[\s*['\"]?([^\]'\"]*)['\"]?\s*\]|([^.\[\]]+)")
_ATTR_TEXT_LIMIT = 256
RESERVED_ATTRS = {"dtype", "_output_shapes"}


def sanitize(part: str) -> str:
    """One name component: no '/', ':' or whitespace, no leading '^', never empty."""
    part = _BAD_CHARS.sub("_", str(part))
    if part.startswith("^"):
        part = "_" + part[1:]
    return part or "_"


def fqn_parts(fqn: str, *, raw: bool = False) -> list[str]:
    """``"layer1.0.conv1"`` (or dynamo's ``"L['self'].layer1[0].conv1"``) -> parts,
    sanitized for node names unless ``raw``."""
    fqn = re.sub(r"^L\[\s*['\"]self['\"]\s*\]\.?", "", fqn or "")
    fqn = re.sub(r"@\d+$", "", fqn)
    parts = []
    for bracketed, plain in _FQN_PARTS.findall(fqn):
        part = bracketed or plain
        if part:
            parts.append(part if raw else sanitize(part))
    return parts


def scope_of(root: str, fqn: str) -> str:
    return "/".join([root, *fqn_parts(fqn)])


def class_name(cls: Any) -> str:
    if isinstance(cls, str):
        return cls
    if isinstance(cls, type):
        return f"{cls.__module__}.{cls.__qualname__}"
    return str(cls)


def shape_of(value: Any) -> list[int | None] | None:
    """A tensor's shape (unknown, e.g. data-dependent, dims as None); None otherwise."""
    if isinstance(value, torch.Tensor):
        return [d if isinstance(d, int) else None for d in value.shape]
    return None


def dtype_name(value: Any) -> str | None:
    if isinstance(value, torch.Tensor):
        return str(value.dtype).replace("torch.", "")
    return None


def device_of(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        device = value.device
        return f"/device:{device.type.upper()}:{device.index or 0}"
    return ""


def output_info(value: Any) -> tuple[list[list[int | None] | None], dict[str, Any], str | None, str]:
    """(_output_shapes, extra attrs, dtype for Graph.add_node, device) of a node's value."""
    if isinstance(value, (list, tuple)):
        items = list(value)
        shapes = [shape_of(v) for v in items]
        dtypes = [dtype_name(v) or type(v).__name__ for v in items]
        device = next((device_of(v) for v in items if isinstance(v, torch.Tensor)), "")
        return shapes, {"_output_dtypes": dtypes}, None, device
    if isinstance(value, torch.Tensor):
        name = dtype_name(value)
        attrs: dict[str, Any] = {}
        if name not in _DTYPES:
            attrs["_output_dtypes"] = [name]
            name = None
        return [shape_of(value)], attrs, name, device_of(value)
    if value is None:
        return [], {}, None, ""
    # a Python number (a size, an .item()): a scalar, its Python type recorded
    return [[]], {"_output_types": [type(value).__name__]}, None, ""


def attr_value(value: Any) -> Any:
    """A Python value as something ``Graph.add_node`` takes as an attr, or None to skip."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _short(value)
    if isinstance(value, (list, tuple)):
        items = list(value)
        if (
            items
            and all(isinstance(v, int) and not isinstance(v, bool) for v in items)
            and all(INT64_MIN <= v <= INT64_MAX for v in items)
        ):
            return items
        if items and all(isinstance(v, float) for v in items):
            return items
        if items and all(isinstance(v, str) for v in items):
            return [_short(v) for v in items]
        return _short(repr(value))
    return _short(str(value))


def _short(text: str) -> str:
    return text if len(text) <= _ATTR_TEXT_LIMIT else text[: _ATTR_TEXT_LIMIT - 3] + "..."


_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep


def source_of(stack_trace: str | None) -> str | None:
    """``"path:line in func"`` of the innermost frame of an FX node's stack trace that
    is not torch's own code (the user's line that called the module or op)."""
    if not stack_trace:
        return None
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', stack_trace)
    if not frames:
        return None
    user = [f for f in frames if not os.path.abspath(f[0]).startswith(_TORCH_DIR)]
    path, line, func = (user or frames)[-1]
    return f"{path}:{line} in {func}"


def output_names(paths: Sequence[Sequence[Any]]) -> list[str]:
    """Leaf names of a returned structure from their key paths (see the module docstring)."""
    names = []
    for path in paths:
        parts = [sanitize(_key_text(k)) for k in path]
        names.append(".".join(parts) if parts else "output")
    return names


def _key_text(key: Any) -> str:
    for attr in ("key", "idx", "name"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)
