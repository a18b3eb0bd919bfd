"""Finding runs and their event files, as TensorBoard finds them."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection


def is_event_file(name: str) -> bool:
    """TensorBoard's rule: a file whose name contains ``tfevents``."""
    return "tfevents" in name


def event_files(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Run name (relative directory, ``"."`` for the root) -> its event files, sorted.

    A file gives ``{".": [path]}``; a path that does not exist gives ``{}`` (TensorBoard
    waits for a log directory to appear, and so does this)."""
    path = os.fspath(path)
    if os.path.isfile(path):
        return {".": [path]}
    runs: dict[str, list[str]] = {}
    for directory, subdirs, files in os.walk(path):
        subdirs.sort()
        names = sorted(f for f in files if is_event_file(f))
        if names:
            run = os.path.relpath(directory, path).replace(os.sep, "/")
            runs[run] = [os.path.join(directory, f) for f in names]
    return dict(sorted(runs.items()))


def runs_of(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """``event_files``, but a path that does not exist raises ``FileNotFoundError``."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file or directory: {path!r}")
    return event_files(path)


def selector(option: str | Collection[str] | None, name: str) -> Callable[[str], bool] | None:
    """A name filter from a string (exact name) or a collection of names; None keeps all."""
    if option is None:
        return None
    if isinstance(option, str):
        return option.__eq__
    if isinstance(option, (bytes, bytearray)) or not isinstance(option, Collection):
        raise TypeError(f"{name} must be a string or a collection of strings, not {type(option).__name__}")
    chosen = set(option)
    if not all(isinstance(item, str) for item in chosen):
        raise TypeError(f"{name} must be a string or a collection of strings")
    return chosen.__contains__
