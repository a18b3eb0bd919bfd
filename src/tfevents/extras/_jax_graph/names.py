"""Names: what the Graphs dashboard turns into boxes.

- an equation's node is ``<scope>/<primitive>`` (``CNN/Conv_0/conv_general_dilated``),
  ``_1``, ``_2`` ... for later ones in the same scope; the scope is the equation's name
  stack (flax module paths, ``jax.named_scope``) under the box of the jaxpr it is in;
- autodiff transforms in a name stack become one segment (``jvp``, ``transpose_jvp``),
  so that a gradient's forward and backward passes are two boxes;
- a box name keeps JAX's spelling (``jit(relu)``, ``checkpoint``), with only the
  characters TensorBoard's names can take;
- a node name never equals a scope that other nodes live in (TensorBoard would have to
  rename it): it gets the next free ``_k`` suffix instead (``_graph_names.Namer``).
"""

from __future__ import annotations

import re
from typing import Any

_BAD = re.compile(r"[^A-Za-z0-9_.\-()>]+")


def sanitize(part: object) -> str:
    """One name component: no '/', ':', spaces or markup; never empty."""
    return _BAD.sub("_", str(part)) or "_"


def scope_parts(name_stack: Any) -> list[str]:
    """The scope segments of an equation's ``source_info.name_stack``."""
    parts: list[str] = []
    transforms: list[str] = []
    for item in getattr(name_stack, "stack", ()):
        kind = type(item).__name__
        name = str(getattr(item, "name", ""))
        if not name:
            continue
        if kind == "Transform":
            transforms.append(name)
            continue
        if transforms:
            parts.append(sanitize("_".join(transforms)))
            transforms = []
        parts.append(sanitize(name))
    if transforms:
        parts.append(sanitize("_".join(transforms)))
    return parts


def join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def function_name(jaxpr: Any) -> str:
    """The traced function's name from a jaxpr's debug info (``""`` for a lambda)."""
    inner = getattr(jaxpr, "jaxpr", jaxpr)
    info = getattr(inner, "debug_info", None)
    text = str(getattr(info, "func_src_info", "") or "")
    name = text.split(" ", 1)[0]
    return "" if not name or name.startswith("<") else name


class Boxes:
    """Unique box (scope) names: a second ``jit(f)`` in a scope is ``jit(f)_1``."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def unique(self, scope: str, base: str) -> str:
        base = sanitize(base)
        k = 0
        while True:
            name = join(scope, base if k == 0 else f"{base}_{k}")
            k += 1
            if name not in self._taken:
                self._taken.add(name)
                return name
