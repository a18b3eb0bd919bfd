"""Normalising the arguments every ``add_*`` method shares: tags, steps, wall times.

The one place a step or a wall time is checked. (``add_scalar``'s hot path tests for a
plain ``int`` in range inline and calls ``step`` for anything else.)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire.schema import INT64_MAX, INT64_MIN

__all__ = ["INT64_MAX", "INT64_MIN", "now", "step", "wall_time"]

#: The wall time of a call that gives none.
now = time.time


def check_tag(tag: object, name: str = "tag") -> str:
    if not isinstance(tag, str):
        raise ArgumentTypeError(f"{name} must be a string, got {type(tag).__name__}")
    if not tag:
        raise ArgumentError(f"{name} must not be empty")
    try:
        tag.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ArgumentError(f"{name} is not valid unicode text: {exc}") from None
    return tag


def step(value: Any, name: str = "global_step") -> int:
    """A step: an int in the int64 range (integral floats and numbers of any framework
    accepted)."""
    if value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
        return value
    if isinstance(value, (bool, np.bool_, list, tuple, str, bytes)) or value is None:
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise ArgumentError(f"{name} must be a whole number, got {value!r}")
        number = int(value)
    else:
        try:
            as_float = convert.to_float(value, name)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}") from exc
        return step(as_float, name)
    if not INT64_MIN <= number <= INT64_MAX:
        raise ArgumentError(f"{name} must fit in a signed 64-bit integer, got {number}")
    return number


def wall_time(value: Any, name: str = "walltime") -> float:
    """Seconds since the epoch; NaN and ±Inf are refused (they break TensorBoard's readers)."""
    if isinstance(value, (list, tuple, str, bytes, bool)) or value is None:
        raise ArgumentTypeError(f"{name} must be seconds since the epoch as a number, got {type(value).__name__}")
    try:
        seconds = convert.to_float(value, name)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{name} must be seconds since the epoch as a number: {exc}") from None
    if not np.isfinite(seconds):
        raise ArgumentError(f"{name} must be finite, got {seconds}")
    return seconds


def real_array(array: np.ndarray, name: str, what: str = "real numbers") -> np.ndarray:
    """``array`` if it holds bools, integers or floats (what every numeric summary takes)."""
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must be {what}, got dtype {array.dtype}")
    return array


def check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def check_flag(value: Any, name: str) -> bool:
    """A boolean option: bool or numpy bool, nothing else (arrays are ambiguous)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ArgumentTypeError(f"{name} must be True or False, got {type(value).__name__}")


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    """One of ``choices`` (compared by equality, after a hashability check)."""
    try:
        hash(value)
    except TypeError:
        raise ArgumentTypeError(f"{name} must be one of {choices!r}, got {type(value).__name__}") from None
    if value not in choices:
        raise ArgumentError(f"{name} must be one of {choices!r}, got {value!r}")
    return value


def check_path_component(component: str, name: str) -> str:
    """A directory or file name made from user input must fit the filesystem's limit."""
    if len(component.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise ArgumentError(f"{name} makes a path component longer than {NAME_MAX} bytes")
    return component


NAME_MAX = 255  # bytes in one path component on Linux, macOS and Windows filesystems
