"""Normalising the arguments every ``add_*`` method shares: tags, steps, wall times."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from tfevents import convert

_time = time.time
INT64 = 2**63


def check_tag(tag: object, name: str = "tag") -> str:
    if not isinstance(tag, str):
        raise TypeError(f"{name} must be a string, got {type(tag).__name__}")
    if not tag:
        raise ValueError(f"{name} must not be empty")
    try:
        tag.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid unicode text: {exc}") from None
    return tag


def global_step(value: Any) -> int:
    """The event step: 0 when None, else an int in the int64 range."""
    if value is None:
        return 0
    if value.__class__ is int and -INT64 <= value < INT64:
        return value
    return convert.to_step(value, "global_step")


def wall_time(value: Any) -> float:
    """The event's wall time: now when None, else finite seconds since the epoch."""
    return _time() if value is None else convert.to_walltime(value)


def real_array(array: np.ndarray, name: str, what: str = "real numbers") -> np.ndarray:
    """``array`` if it holds bools, integers or floats (what every numeric summary takes)."""
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be {what}, got dtype {array.dtype}")
    return array


def check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def check_flag(value: Any, name: str) -> bool:
    """A boolean option: bool or numpy bool, nothing else (arrays are ambiguous)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__}")


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    """One of ``choices`` (compared by equality, after a hashability check)."""
    try:
        hash(value)
    except TypeError:
        raise TypeError(f"{name} must be one of {choices!r}, got {type(value).__name__}") from None
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices!r}, got {value!r}")
    return value


def check_path_component(component: str, name: str) -> str:
    """A directory or file name made from user input must fit the filesystem's limit."""
    if len(component.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise ValueError(f"{name} makes a path component longer than {NAME_MAX} bytes")
    return component


NAME_MAX = 255  # bytes in one path component on Linux, macOS and Windows filesystems
