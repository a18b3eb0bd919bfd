"""Scalars: ``simple_value``, or rank-0 tensors for ``new_style``.

``simple_value`` is 7 bytes smaller per event than the rank-0 DT_FLOAT tensor and both
TensorBoard readers take it natively, so it is the default form. DT_DOUBLE tensors
(``double_precision``) are shown by the Python loader only: the Rust data server drops
them (format reference §4), so tfevents warns when asked for one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.schema import INT64_MAX, INT64_MIN


def metadata(display_name: str = "", description: str = "") -> bytes:
    return messages.summary_metadata(
        "scalars",
        data_class=messages.DATA_CLASS_SCALAR,
        display_name=display_name,
        description=description,
    )


def tensor_field(value: float, double_precision: bool = False) -> bytes:
    if double_precision:
        return messages.tensor_value_field(messages.tensor_from_double(value))
    return messages.tensor_value_field(messages.tensor_from_float(value))


def check_series(
    values: Any, global_steps: Any, walltimes: Any, now: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``add_scalar_array``'s arguments as float32 values, int64 steps, float64 wall times.

    Steps default to ``0 .. n - 1``; wall times to ``now``, one number for all (seen as a
    column: no array of n copies), or one per value.
    """
    array = convert.to_numpy(values, "values")
    if array.ndim != 1:
        raise ArgumentError(f"values must be 1-D, got shape {array.shape}")
    args.real_array(array, "values")
    count = array.size
    if global_steps is None:
        steps = np.arange(count, dtype=np.int64)
    else:
        steps = convert.to_numpy(global_steps, "global_steps")
        if steps.shape != (count,):
            raise ArgumentError(
                f"values and global_steps must have one step per value: values has {count}, "
                f"global_steps has shape {steps.shape}"
            )
        if steps.dtype.kind == "f":
            if not np.all(np.floor(steps) == steps):
                raise ArgumentError("global_steps must be whole numbers")
            if count and (steps.min() < float(INT64_MIN) or steps.max() >= -float(INT64_MIN)):
                raise ArgumentError("global_steps must fit in a signed 64-bit integer")
        elif steps.dtype.kind == "u" and count and steps.max() > INT64_MAX:
            raise ArgumentError("global_steps must fit in a signed 64-bit integer")
        elif steps.dtype.kind not in "iuf":
            raise ArgumentTypeError(f"global_steps must be integers, got dtype {steps.dtype}")
        steps = steps.astype(np.int64)
    if walltimes is None:
        wall_times = np.broadcast_to(np.float64(now), (count,))
    else:
        wall_times = args.real_array(convert.to_numpy(walltimes, "walltimes"), "walltimes", "numbers")
        if wall_times.ndim != 0 and wall_times.shape != (count,):
            raise ArgumentError(
                f"walltimes must be one number or one per value: values has {count}, "
                f"walltimes has shape {wall_times.shape}"
            )
        if not np.isfinite(wall_times).all():
            raise ArgumentError("walltimes must be finite")
        wall_times = np.broadcast_to(wall_times.astype(np.float64), (count,))
    with np.errstate(over="ignore"):
        return array.astype(np.float32), steps, wall_times
