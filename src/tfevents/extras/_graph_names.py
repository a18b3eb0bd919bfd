"""Unique node names for a GraphDef, as the torch and JAX adapters both need them.

The Graphs dashboard draws a box for every scope, the prefix before a ``/``. A node
whose name equals a scope that other nodes live in would have to be renamed by
TensorBoard, so it gets the next free ``_k`` suffix here instead, as a second node of
the same name in the same scope does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def all_prefixes(scope: str) -> Iterable[str]:
    """``"a/b/c"`` -> ``"a"``, ``"a/b"``, ``"a/b/c"``: every box a scope opens."""
    parts = scope.split("/")
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])


class Namer:
    """Node names unique in one graph, never equal to one of its scopes.

    ``sanitize`` turns a name component into one TensorBoard accepts (each adapter
    has its own rules for the names its framework gives).
    """

    def __init__(self, scopes: Iterable[str], sanitize: Callable[[str], str]) -> None:
        self.scopes: set[str] = set()
        for scope in scopes:
            if scope:
                self.scopes.update(all_prefixes(scope))
        self.taken: set[str] = set()
        self._sanitize = sanitize
        self._next: dict[str, int] = {}

    def unique(self, scope: str, base: str) -> str:
        """``<scope>/<base>``, or with the first free ``_k`` suffix."""
        base = self._sanitize(base)
        key = f"{scope}/{base}" if scope else base
        k = self._next.get(key, 0)
        while True:
            name = key if k == 0 else f"{key}_{k}"
            k += 1
            if name not in self.taken and name not in self.scopes:
                break
        self._next[key] = k
        self.taken.add(name)
        return name
