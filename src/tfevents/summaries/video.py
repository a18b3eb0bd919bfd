"""Video as an animated GIF in an image series (``[width, height, gif]``).

TensorBoard has no video plugin: its Images dashboard shows the GIF, animated, and
both loaders serve it as ``image/gif``. The GIF is encoded with Pillow (no moviepy).

Layouts: ``dataformats`` names the axes, as in tensorboardX: ``T``, ``H`` and ``W``,
and optionally ``N`` (videos) and ``C`` (channels), in any order; torch's layout is
``NTCHW``. Several videos are tiled into one, as torch's ``_prepare_video`` does: the
count ``N`` is padded with black (transparent, with alpha) videos to the next power of
two, and laid out in ``2 ** ((N.bit_length() - 1) // 2)`` rows, row by row.

Pixel values follow the image rules (``tfevents.summaries.image``): uint8 as is,
floats in [0, 1] scaled by 255, clipped and truncated (as torch). 1 channel is grayscale, 2 is
grayscale + alpha, 3 is RGB, 4 is RGBA.

GIF limits: at most 256 colours per frame (Pillow's median cut picks them; frames with
at most 256 colours are exact); alpha is 1 bit (alpha < 128 is transparent); frame
delays are whole hundredths of a second, ``round(100 / fps)``, and at least 2 (browsers
play shorter delays at 10 fps), so the fastest rate is 50 fps. A delay is a 16-bit
field, at most 65535 hundredths (655.35 s), so ``fps`` must be at least ``MIN_FPS``
(100 / 65535, about 0.0015). Consecutive identical frames are merged into one longer
frame (the playback is the same), whose delay is capped at 655.35 s too: a still of
identical frames lasting longer is shortened to that.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from tfevents.codecs.gif import MIN_DELAY_CS, MIN_FPS, encode_gif
from tfevents.errors import ArgumentError, ArgumentTypeError

__all__ = ["MIN_DELAY_CS", "MIN_FPS", "check_fps", "encode_gif", "grid_shape", "tile", "to_nthwc"]



def _check_format(dataformats: object, ndim: int, name: str) -> str:
    if not isinstance(dataformats, str):
        raise ArgumentTypeError(f"dataformats must be a string such as 'NTCHW', got {type(dataformats).__name__}")
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NTCHW") or not {"T", "H", "W"} <= set(fmt):
        raise ArgumentError(
            f"dataformats {dataformats!r} must name each axis once, using T, H and W and "
            "optionally N and C"
        )
    if len(fmt) != ndim:
        raise ArgumentError(f"{name} has {ndim} dimensions but dataformats {dataformats!r} names {len(fmt)}")
    return fmt


def to_nthwc(array: np.ndarray, dataformats: str, name: str = "vid_tensor") -> np.ndarray:
    """Any layout named by ``dataformats`` to ``(N, T, H, W, C)``."""
    fmt = _check_format(dataformats, array.ndim, name)
    for axis in "NC":
        if axis not in fmt:
            array = array[..., None]
            fmt += axis
    nthwc = np.transpose(array, [fmt.index(axis) for axis in "NTHWC"])
    count, frames, height, width, channels = nthwc.shape
    if channels not in (1, 2, 3, 4):
        raise ArgumentError(f"{name} must have 1, 2, 3 or 4 channels, got {channels}")
    if 0 in (count, frames, height, width):
        raise ArgumentError(
            f"{name} must not be empty, got {count} videos of {frames} frames of {height}x{width}"
        )
    return nthwc


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, columns) of torch's ``_prepare_video`` tiling of ``count`` videos."""
    padded = count if count & (count - 1) == 0 else 1 << count.bit_length()
    rows = 2 ** ((count.bit_length() - 1) // 2)
    return rows, padded // rows


def tile(nthwc: np.ndarray) -> np.ndarray:
    """``(N, T, H, W, C)`` to one ``(T, rows * H, columns * W, C)`` video, zero-padded."""
    count, frames, height, width, channels = nthwc.shape
    rows, columns = grid_shape(count)
    if rows * columns != count:
        padding = np.zeros((rows * columns - count, *nthwc.shape[1:]), dtype=nthwc.dtype)
        nthwc = np.concatenate([nthwc, padding])
    grid = nthwc.reshape(rows, columns, frames, height, width, channels)
    video = grid.transpose(2, 0, 3, 1, 4, 5).reshape(frames, rows * height, columns * width, channels)
    return cast(np.ndarray, video)


def check_fps(fps: object, name: str = "fps") -> float:
    if isinstance(fps, (bool, np.bool_)) or not isinstance(fps, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name} must be a number of frames per second, got {type(fps).__name__}")
    try:
        rate = float(fps)
    except OverflowError:  # an int beyond the float range
        rate = math.inf
    if not (rate > 0 and math.isfinite(rate)):
        raise ArgumentError(f"{name} must be positive and finite, got {fps!r}")
    if rate < MIN_FPS:
        raise ArgumentError(
            f"{name} must be at least 100/65535 (about {MIN_FPS:.4g}): a GIF frame lasts at "
            f"most 655.35 s, got {fps!r}"
        )
    return rate
