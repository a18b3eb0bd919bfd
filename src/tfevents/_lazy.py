"""Modules imported at first use, so that ``import tfevents`` loads only what every
program needs (the rarely used summary kinds cost ~15 ms of start-up otherwise)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module until one of its attributes is read."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module  # (a slot: read without coming back here)
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)
