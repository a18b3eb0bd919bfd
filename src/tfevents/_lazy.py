"""Modules imported at first use, so that ``import tfevents`` loads only what every
program needs (the rarely used summary kinds cost ~15 ms of start-up otherwise)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module until one of its attributes is read."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        module: ModuleType = importlib.import_module(self._name)  # a dict lookup once loaded
        return getattr(module, attribute)
