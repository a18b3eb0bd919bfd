"""The values ``tf.summary`` writes, computed as it computes them, in numpy.

CLU's ``SummaryWriter`` and Keras' ``TensorBoard`` callback both write through
``tf.summary``; ``tfevents.clu.MetricWriter`` and ``tfevents.keras.TensorBoard`` write
these forms so that their runs hold what those writers' runs hold (the same tensors, as
``tf.make_ndarray`` reads them back). Each function returns the tensor as a numpy array
(strings as an object array of bytes), for ``SummaryWriter.add_summary_tensor``; the
metadata are the tfevents summaries' (the same plugin data, with a ``data_class``).

- histogram: ``[k, 3]`` float64 rows ``(left, right, count)``, k equal buckets from the
  minimum to the maximum (30 by default), as ``tensorboard.plugins.histogram.summary_v2``
- image: ``[width, height, png, ...]`` strings, levels as ``tf.image.convert_image_dtype(
  ..., tf.uint8, saturate=True)`` makes them (floats: ``x * 255.5`` truncated, in [0, 255])
- audio: ``[k, 2]`` strings ``(wav, "")``, 16-bit PCM as ``tf.audio.encode_wav`` makes it
- text: the strings as a string tensor of their own shape
- tensor (``tf.summary.write``): any value with ``tf.convert_to_tensor``'s dtype
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tfevents import convert
from tfevents.codecs.wav import encode_wav
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.summaries import audio as audio_summary
from tfevents.summaries import histogram as histogram_summary
from tfevents.summaries import image as image_summary
from tfevents.summaries import text as text_summary

__all__ = [
    "AUDIO", "HISTOGRAM", "IMAGE", "TEXT", "as_tf_array", "audio", "histogram", "image", "tensor", "text", "to_uint8",
]

DEFAULT_BUCKETS = 30  # tf.summary.histogram's
HISTOGRAM = histogram_summary.METADATA
IMAGE = image_summary.METADATA
AUDIO = audio_summary.METADATA
TEXT = text_summary.METADATA
_PYTHON_TYPES = {np.dtype(np.float64): np.float32, np.dtype(np.int64): np.int32}


def as_tf_array(value: Any, name: str = "data") -> np.ndarray:
    """``value`` as numpy, with the dtype ``tf.convert_to_tensor`` gives it: an array or
    tensor keeps its own (bfloat16 is widened to float32: the event format has no numpy
    twin for it); Python numbers and lists become float32 or int32; strings stay strings."""
    if isinstance(value, (str, bytes)) or (isinstance(value, np.ndarray) and value.dtype.kind in "SUO"):
        return np.asarray(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (str, bytes)) for v in np.ravel(value)):
        return np.asarray(value)
    python = isinstance(value, (bool, int, float, list, tuple))
    array = convert.to_numpy(value, name)
    return array.astype(_PYTHON_TYPES.get(array.dtype, array.dtype)) if python else array


def tensor(value: Any, name: str = "data") -> np.ndarray:
    """``tf.summary.write``'s tensor of ``value``."""
    array = as_tf_array(value, name)
    if array.dtype.kind in "SUO":
        return text(array, name)
    return array


def histogram_table(data: Any, buckets: int | None = None, name: str = "data") -> np.ndarray:
    """tf.summary.histogram's ``[k, 3]`` table. NaN and infinite values are left out (a
    warning says so): TensorFlow's table of them has no meaning."""
    count = DEFAULT_BUCKETS if buckets is None else buckets
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ArgumentError(f"buckets for {name} must be an int >= 0, got {buckets!r}")
    values = np.asarray(data, dtype=np.float64).reshape(-1)
    finite = np.isfinite(values)
    if not finite.all():
        warnings.warn(f"{name}: {int((~finite).sum())} NaN or infinite values are not counted", stacklevel=3)
        values = values[finite]
    if count == 0 or values.size == 0:
        return np.zeros((count, 3))
    low, high = values.min(), values.max()
    if low == high:
        counts = np.zeros(count)
        counts[-1] = values.size
        return np.stack([np.full(count, high), np.full(count, high), counts], axis=1)
    width = (high - low) / count
    index = np.minimum(np.floor((values - low) / width).astype(np.int64), count - 1)
    edges = np.linspace(low, high, count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], np.bincount(index, minlength=count).astype(np.float64)], axis=1)


def histogram(data: Any, buckets: int | None = None, name: str = "data") -> np.ndarray:
    return histogram_table(data, buckets, name)


def to_uint8(images: np.ndarray, name: str = "data") -> np.ndarray:
    """``tf.image.convert_image_dtype(images, tf.uint8, saturate=True)``."""
    kind, dtype = images.dtype.kind, images.dtype
    if dtype == np.uint8:
        return images
    if kind == "f" or dtype.name == "bfloat16":
        with np.errstate(invalid="ignore"):
            scaled = images * np.asarray(255.5, dtype=dtype)  # in the input's precision, as TF
        levels = np.nan_to_num(np.clip(scaled.astype(np.float32), 0.0, 255.0), nan=0.0)
    elif kind in "iu":
        top = int(np.iinfo(dtype).max)
        if top > 255:  # a right shift: uint16 // 256, int32 // 2**23 (negatives saturate to 0)
            levels = np.clip(images // ((top + 1) // 256), 0, 255)
        else:  # int8: [0, 127] * 2
            levels = np.clip(images, 0, 255).astype(np.uint16) * (256 // (top + 1))
    else:
        raise ArgumentTypeError(f"{name} must hold numbers, got dtype {dtype}")
    return np.asarray(levels).astype(np.uint8)  # truncated, as TF's saturate_cast


def image(images: Any, max_outputs: int = 3, name: str = "data") -> np.ndarray:
    """``images`` ``[k, h, w, c]`` (c = 1 to 4): the first ``max_outputs`` as PNGs."""
    array = np.asarray(images)
    if array.ndim != 4 or not 1 <= array.shape[3] <= 4:
        raise ArgumentError(f"{name} must be [k, h, w, c] with 1 to 4 channels, got shape {array.shape}")
    pixels = to_uint8(array, name)
    _, height, width, _ = pixels.shape
    encoded = [image_summary.encode_png(np.ascontiguousarray(one)) for one in pixels[: max(0, max_outputs)]]
    return _strings([str(width).encode(), str(height).encode(), *encoded], (2 + len(encoded),))


def audio(clips: Any, sample_rate: int, max_outputs: int = 3, name: str = "data") -> np.ndarray:
    """``clips`` ``[k, t, c]`` in [-1, 1]: the first ``max_outputs`` as 16-bit WAVs, each
    sample ``x * 32768`` rounded half away from zero and clipped to int16, as ``tf.audio.encode_wav``."""
    array = np.asarray(clips, dtype=np.float32)
    if array.ndim != 3:
        raise ArgumentError(f"{name} must be [k, t, c], got shape {array.shape}")
    rate = audio_summary.check_sample_rate(sample_rate)
    rows = []
    for clip in array[: max(0, max_outputs)]:
        with np.errstate(invalid="ignore"):
            scaled = np.nan_to_num(clip) * np.float32(32768.0)
            pcm = np.clip(np.copysign(np.floor(np.abs(scaled) + 0.5), scaled), -32768, 32767)  # C's roundf
        rows += [encode_wav(np.ascontiguousarray(pcm.astype("<i2")), rate), b""]
    return _strings(rows, (len(rows) // 2, 2))


def text(value: Any, name: str = "data") -> np.ndarray:
    """A string, or an array of strings (any shape)."""
    array = np.asarray(value)
    if array.dtype.kind not in "SUO":
        raise ArgumentTypeError(f"{name} must be a string or strings, got dtype {array.dtype}")
    items = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in array.reshape(-1).tolist()]
    return _strings(items, array.shape)


def _strings(items: list[bytes], shape: tuple[int, ...]) -> np.ndarray:
    """A string tensor as an object array of bytes (numpy's ``S`` dtype would cut
    trailing NUL bytes off PNG and WAV data)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)
