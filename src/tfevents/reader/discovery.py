"""Finding runs and their event files, as TensorBoard finds them, locally or under a URL."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from typing import Any

from tfevents.errors import ArgumentTypeError
from tfevents.reader.storage import Store, is_event_file, open_store

__all__ = ["event_files", "is_event_file", "runs_of", "selector"]


def event_files(
    path: str | os.PathLike[str], *, storage_options: Mapping[str, Any] | None = None
) -> dict[str, list[str]]:
    """Run name (relative directory, ``"."`` for the root) -> its event files, sorted.

    A file gives ``{".": [path]}``; a path that does not exist gives ``{}`` (TensorBoard
    waits for a log directory to appear, and so does this). Under a URL the files are
    URLs too."""
    store = open_store(path, storage_options)
    return store.runs() if store.exists() else {}


def runs_of(
    path: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> tuple[Store, dict[str, list[str]]]:
    """The store and its runs; a path that does not exist raises ``FileNotFoundError``."""
    store = open_store(path, storage_options)
    if not store.exists():
        raise FileNotFoundError(f"no such file or directory: {store.root!r}")
    return store, store.runs()


def selector(option: str | Collection[str] | None, name: str) -> Callable[[str], bool] | None:
    """A name filter from a string (exact name) or a collection of names; None keeps all."""
    if option is None:
        return None
    if isinstance(option, str):
        return option.__eq__
    if isinstance(option, (bytes, bytearray)) or not isinstance(option, Collection):
        raise ArgumentTypeError(f"{name} must be a string or a collection of strings, not {type(option).__name__}")
    chosen = set(option)
    if not all(isinstance(item, str) for item in chosen):
        raise ArgumentTypeError(f"{name} must be a string or a collection of strings")
    return chosen.__contains__
