"""Images as ``[width, height, png]`` string tensors, TensorBoard's native image form.

Layouts: ``dataformats`` names the axes of the input, as in torch: any order of
``C``, ``H``, ``W`` (plus ``N`` for batches), e.g. ``CHW``, ``HWC``, ``HW``, ``NCHW``,
``NHWC``. A batch is tiled into one grid image, up to 8 images per row (torch's
``make_grid``).

Pixel values: ``uint8`` is taken as is. Floating-point (and bool) input is read as
intensities in [0, 1]: it is scaled by 255, clipped to [0, 255] and truncated to a
level, as torch and tensorboardX do (so a picture logged by either gives the same
pixels; NaN becomes 0). Other integer dtypes are read as levels 0-255 and clipped.
1 channel is written as grayscale, 2 as grayscale + alpha, 3 as RGB, 4 as RGBA.

PNGs are written by ``tfevents.codecs.png`` (no Pillow), at zlib level 1 by default
(``DEFAULT_COMPRESS_LEVEL``; the writer's ``png_compress_level``). Measured with that
encoder on 2 cores: level 6 (zlib's default) makes the benchmark pictures (256x256 and
512x512 RGB, smooth waves plus noise) 2% smaller for 20% more time (2.1 -> 2.5 ms,
7.9 -> 9.7 ms), and a photo (600x512 RGB) 7% smaller for 3.4x the time (6.5 -> 22 ms);
level 3 makes the photo 5% smaller for 37% more time, the pictures not at all smaller.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from tfevents.codecs import png
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages

METADATA = messages.summary_metadata("images", data_class=messages.DATA_CLASS_BLOB_SEQUENCE)
GRID_COLUMNS = 8
DEFAULT_COMPRESS_LEVEL = 1


def _check_format(dataformats: object, allowed: str, ndim: int, name: str) -> str:
    if not isinstance(dataformats, str):
        raise ArgumentTypeError(f"dataformats must be a string such as 'CHW', got {type(dataformats).__name__}")
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set(allowed) or not {"H", "W"} <= set(fmt):
        raise ArgumentError(
            f"dataformats {dataformats!r} must name each axis once, using H and W and "
            f"optionally {''.join(sorted(set(allowed) - {'H', 'W'}))}"
        )
    if len(fmt) != ndim:
        raise ArgumentError(
            f"dataformats {dataformats!r} names {len(fmt)} axes but {name} has {ndim} "
            "dimensions"
        )
    return fmt


def to_hwc(array: np.ndarray, dataformats: str, name: str = "img_tensor") -> np.ndarray:
    """One image (``C``/``H``/``W`` axes in any order) to an HWC array."""
    fmt = _check_format(dataformats, "CHW", array.ndim, name)
    if "C" not in fmt:
        array = array[..., None]
        fmt += "C"
    hwc = np.transpose(array, [fmt.index(axis) for axis in "HWC"])
    _check_channels(hwc.shape[2], name)
    _check_not_empty(hwc.shape[0], hwc.shape[1], name)
    return hwc


def batch_to_grid(array: np.ndarray, dataformats: str, name: str = "img_tensor") -> np.ndarray:
    """A batch (``N`` plus ``C``/``H``/``W`` axes in any order) tiled into one HWC image."""
    fmt = _check_format(dataformats, "NCHW", array.ndim, name)
    if "N" not in fmt:
        raise ArgumentError(f"dataformats {dataformats!r} for a batch must include N")
    if "C" not in fmt:
        array = array[..., None]
        fmt += "C"
    nhwc = np.transpose(array, [fmt.index(axis) for axis in "NHWC"])
    count, height, width, channels = nhwc.shape
    _check_channels(channels, name)
    _check_not_empty(height, width, name)
    if count == 0:
        raise ArgumentError(f"{name} is an empty batch (N = 0)")
    columns = min(count, GRID_COLUMNS)
    rows = -(-count // columns)
    _check_not_empty(rows * height, columns * width, f"{name} (tiled, {count} images)")
    grid = np.zeros((rows * height, columns * width, channels), dtype=nhwc.dtype)
    for i in range(count):
        r, c = divmod(i, columns)
        grid[r * height : (r + 1) * height, c * width : (c + 1) * width] = nhwc[i]
    return grid


def _check_not_empty(height: int, width: int, name: str) -> None:
    """Also refuses an image too large to show, before any copy of it is made."""
    if height == 0 or width == 0:
        raise ArgumentError(f"{name} must not be empty, got height {height} and width {width}")
    if height * width > png.MAX_PIXELS:
        raise ArgumentError(
            f"{name} is {height} x {width} pixels: at most {png.MAX_PIXELS:,} pixels are "
            "written (8192 x 8192); downscale it first"
        )


def _check_channels(channels: int, name: str) -> None:
    if channels not in png.COLOR_TYPES:
        raise ArgumentError(f"{name} must have 1, 2, 3 or 4 channels, got {channels}")


def to_uint8(array: np.ndarray, name: str = "img_tensor") -> np.ndarray:
    """Pixel levels 0-255 under the rules in the module docstring."""
    if array.dtype == np.uint8:
        return array
    kind = array.dtype.kind
    if kind == "f" or kind == "b":
        # In place, in the input's memory order (a transposed CHW image is not gathered
        # here but once as uint8, by the PNG encoder): 3x faster than fresh arrays.
        scaled = np.multiply(array, np.float32(255.0), dtype=np.float32)
        np.fmax(scaled, 0.0, out=scaled)  # NaN and -inf become 0
        np.fmin(scaled, 255.0, out=scaled)
        return cast(np.ndarray, scaled.astype(np.uint8))  # truncated, as torch's astype
    if kind in "iu":
        return cast(np.ndarray, np.clip(array, 0, 255).astype(np.uint8))
    raise ArgumentTypeError(f"{name} must hold numbers, got dtype {array.dtype}")


def encode_png(hwc: np.ndarray, compress_level: int = DEFAULT_COMPRESS_LEVEL) -> bytes:
    height, width, _ = hwc.shape
    if height == 0 or width == 0:
        raise ArgumentError(f"image must not be empty, got height {height} and width {width}")
    return png.encode(hwc, compress_level)


def value_field(encoded: bytes, height: int, width: int) -> bytes:
    tensor = messages.tensor_from_strings(
        [str(width).encode(), str(height).encode(), encoded], shape=[3]
    )
    return messages.tensor_value_field(tensor)
