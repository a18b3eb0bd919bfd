"""``patch()``: make ``torch.utils.tensorboard.SummaryWriter`` and
``tensorboardX.SummaryWriter`` resolve to ``tfevents.SummaryWriter`` for this process.

Only the ``SummaryWriter`` names are replaced (in the packages and in their ``writer``
modules); everything else of torch and tensorboardX (``torch.utils.tensorboard.summary``,
``FileWriter``, ...) stays theirs. A module not imported yet is patched the moment it is
imported (an import hook), so ``patch()`` costs nothing when the program never imports
it, and code that looks the class up at call time (Lightning) sees tfevents' writer.
Names bound before ``patch()`` (``from torch.utils.tensorboard import SummaryWriter``
already executed) keep the old class: patch first, then import the training code (the
launcher ``python -m tfevents.integrations.run`` does exactly that).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import ModuleType
from typing import Any

__all__ = ["TARGETS", "is_patched", "patch", "patched", "unpatch"]

# The modules whose ``SummaryWriter`` attribute is replaced.
TARGETS = (
    "torch.utils.tensorboard.writer",
    "torch.utils.tensorboard",
    "tensorboardX.writer",
    "tensorboardX",
)
_MISSING = object()
_lock = threading.RLock()
_originals: dict[str, Any] = {}  # module name -> its SummaryWriter before patching
_finder: _PatchFinder | None = None


def _replacement() -> Any:
    from tfevents.writer import SummaryWriter

    return SummaryWriter


def _apply(module: ModuleType) -> None:
    with _lock:
        if _finder is None:  # unpatched meanwhile
            return
        name = module.__name__
        writer = _replacement()
        current = getattr(module, "SummaryWriter", _MISSING)
        if current is writer:
            # The package bound its writer module's (already patched) name: it gets
            # that module's original back on unpatch.
            inner = _originals.get(name + ".writer", _MISSING)
            if inner is not _MISSING:
                _originals.setdefault(name, inner)
            return
        _originals.setdefault(name, current)
        module.SummaryWriter = writer  # type: ignore[attr-defined]


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then replaces the module's ``SummaryWriter``."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        _apply(module)


class _PatchFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in TARGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _PatchingLoader(spec.loader)
        return spec


def patch() -> None:
    """Makes the two ``SummaryWriter`` names resolve to tfevents' writer; idempotent."""
    global _finder
    with _lock:
        if _finder is None:
            _finder = _PatchFinder()
            sys.meta_path.insert(0, _finder)
        for name in TARGETS:
            module = sys.modules.get(name)
            if module is not None:
                _apply(module)


def unpatch() -> None:
    """Undoes ``patch()``: the modules get their own ``SummaryWriter`` back."""
    global _finder
    with _lock:
        if _finder is not None:
            with suppress(ValueError):
                sys.meta_path.remove(_finder)
            _finder = None
        for name, original in _originals.items():
            module = sys.modules.get(name)
            if module is None:
                continue
            if original is _MISSING:
                module.__dict__.pop("SummaryWriter", None)
            else:
                module.SummaryWriter = original  # type: ignore[attr-defined]
        _originals.clear()


def is_patched() -> bool:
    return _finder is not None


@contextmanager
def patched() -> Iterator[None]:
    """``with patched(): ...``: ``patch()`` for the block, then ``unpatch()``."""
    was = is_patched()
    patch()
    try:
        yield
    finally:
        if not was:
            unpatch()
