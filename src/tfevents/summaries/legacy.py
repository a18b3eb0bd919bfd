"""The peers' legacy value forms, byte for byte as torch.utils.tensorboard writes them.

Scripts that read logs back with TensorBoard's ``EventAccumulator`` (``ea.Histograms``,
``ea.Images``, ``ea.Audio``) or with tbparse (``.histograms``; ``.images`` and ``.audio``
need TensorFlow there) find only these forms: TensorBoard's tensor forms (a writer's
``legacy_forms=False``) show up under ``ea.Tensors`` instead. Both forms look the same in
TensorBoard's dashboards, and tfevents writes these by default. Each function returns an ``Encoded`` pair like the
other ``summaries`` modules' ``METADATA`` and ``value_field``:

- ``histogram`` / ``histogram_raw``: ``Summary.Value.histo`` (HistogramProto);
- ``image``: ``Summary.Value.image`` (Summary.Image: height, width, colorspace, PNG);
- ``audio``: ``Summary.Value.audio`` (Summary.Audio, ``content_type`` ``audio/wav``);
- ``text``: a ``[1]`` DT_STRING tensor with the ``text`` plugin's metadata (no data
  class), to be written under ``text_tag(tag)`` = ``tag + "/text_summary"``.

``use_legacy_forms(argument)`` says whether a writer should write them: its argument if
given, else the ``TFEVENTS_LEGACY_FORMS`` environment variable, else the default.

The histogram, image and audio values carry no metadata (TensorBoard picks their
dashboard from the value's field): their ``metadata`` is ``b""``, which means "write no
``metadata`` field at all", as torch does.

Protobuf writes a proto3 number only when it is not zero (its bits: -0.0 is written),
fields in number order, repeated doubles packed; the encoders here do the same, so
that equal inputs give bytes equal to torch's ``SerializeToString()``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.summaries import histogram as histogram_module
from tfevents.summaries import text as text_module
from tfevents.wire import messages
from tfevents.wire.encoding import (
    FIXED32,
    FIXED64,
    bytes_field,
    key,
    packed_doubles,
    string_field,
    uint_field,
)
from tfevents.wire.schema import INT64_MAX

NO_METADATA = b""  # write no SummaryMetadata field (torch writes none for these forms)
TEXT_SUFFIX = "/text_summary"
# torch: PluginData(plugin_name="text", content=TextPluginData(version=0)), which is empty.
TEXT_METADATA = messages.summary_metadata("text")
WAV_CONTENT_TYPE = "audio/wav"

ENVIRONMENT_VARIABLE = "TFEVENTS_LEGACY_FORMS"
# The peers' forms by default: a user switching from torch or tensorboardX expects the
# code that reads the files back (EventAccumulator, tbparse) to find what it found, and
# TensorBoard's dashboards show both forms alike (#17).
DEFAULT_LEGACY_FORMS = True
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

_VALUE_IMAGE = 4  # Summary.Value fields
_VALUE_HISTO = 5
_VALUE_AUDIO = 6


class Encoded(NamedTuple):
    metadata: bytes  # SummaryMetadata; NO_METADATA: none
    field: bytes  # the Summary.Value's value field (image, histo, audio or tensor)


def use_legacy_forms(
    legacy_forms: bool | None, environ: Mapping[str, str] | None = None, default: bool = DEFAULT_LEGACY_FORMS
) -> bool:
    """Whether a writer writes these forms: ``legacy_forms`` if given, else the
    ``TFEVENTS_LEGACY_FORMS`` environment variable (1/0, true/false, yes/no, on/off: for
    code one cannot edit), else ``default`` (the writers that stand in for TensorFlow's,
    CLU's and Keras', give False: their users' files held the tensor forms)."""
    if legacy_forms is not None:
        if not isinstance(legacy_forms, (bool, np.bool_)):
            raise ArgumentTypeError(f"legacy_forms must be True, False or None, got {legacy_forms!r}")
        return bool(legacy_forms)
    setting = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, "")
    word = setting.strip().lower()
    if not word:
        return default
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ArgumentError(
        f"{ENVIRONMENT_VARIABLE} must be 1 or 0 (or true/false, yes/no, on/off), got {setting!r}"
    )


def _double(field: int, value: float) -> bytes:
    packed = struct.pack("<d", value)
    return key(field, FIXED64) + packed if packed != bytes(8) else b""


def _float(field: int, value: float) -> bytes:
    try:
        packed = struct.pack("<f", value)
    except OverflowError:
        packed = struct.pack("<f", float("inf") if value > 0 else float("-inf"))
    return key(field, FIXED32) + packed if packed != bytes(4) else b""


def _int(field: int, value: int) -> bytes:
    return uint_field(field, value) if value else b""


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= int(value) <= high:
        raise ArgumentError(f"{name} must be from {low} to {high}, got {value}")
    return int(value)


def histogram_raw(
    min: float,  # noqa: A002  (torch's parameter names)
    max: float,  # noqa: A002
    num: float,
    sum: float,  # noqa: A002
    sum_squares: float,
    bucket_limits: Sequence[float] | np.ndarray,
    bucket_counts: Sequence[float] | np.ndarray,
) -> Encoded:
    """A HistogramProto from its fields, as torch's ``histogram_raw`` writes it.

    Bucket ``i`` holds the values from ``bucket_limits[i-1]`` (``min`` for the first) up to
    ``bucket_limits[i]``; TensorBoard takes ``max`` for the last bucket's right edge.
    """
    limits = np.asarray(bucket_limits, dtype=np.float64).reshape(-1)
    counts = np.asarray(bucket_counts, dtype=np.float64).reshape(-1)
    if limits.shape != counts.shape:
        raise ArgumentError(
            f"bucket_limits and bucket_counts must have the same length, "
            f"got {limits.size} and {counts.size}"
        )
    proto = b"".join(
        [
            _double(1, float(min)),
            _double(2, float(max)),
            _double(3, float(num)),
            _double(4, float(sum)),
            _double(5, float(sum_squares)),
            packed_doubles(6, limits) if limits.size else b"",
            packed_doubles(7, counts) if counts.size else b"",
        ]
    )
    return Encoded(NO_METADATA, bytes_field(_VALUE_HISTO, proto))


def histogram(table: np.ndarray, values: np.ndarray) -> Encoded:
    """A HistogramProto of ``values`` from the ``[k, 3]`` table tfevents counted for them.

    The layout is torch's: the non-empty span of buckets, their right edges as
    ``bucket_limit``, and before them an empty bucket whose limit is the first bucket's
    left edge (TensorBoard's conversion needs it to keep that edge). min, max, num, sum
    and sum_squares are taken over the finite values in float64, as the counts are (of a
float64 input by torch's calls, to the bit); the
    outer limits are the table's outer edges (with ``bins="tensorflow"`` the data's min
    and max, where torch writes the enclosing TensorFlow edges, which TensorBoard
    replaces by min and max when it draws). No finite values: ``num`` 0 and one empty
    bucket at 0, as TensorFlow writes an empty histogram (torch raises instead).
    """
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != 3:
        raise ArgumentError(f"table must be a [k, 3] histogram table, got shape {table.shape}")
    distinct, repeat = histogram_module.broadcast_axes_dropped(np.asarray(values))
    flat = distinct.reshape(-1)  # (a broadcast view's repeats are weighted, not copied)
    if flat.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"values must hold real numbers, got dtype {flat.dtype}")
    nonzero = np.flatnonzero(table[:, 2])
    if flat.size == 0 or nonzero.size == 0:
        return _EMPTY_HISTOGRAM
    with np.errstate(invalid="ignore"):
        low, high = float(flat.min()), float(flat.max())  # NaN if any is; +-inf if any is
    if not (np.isfinite(low) and np.isfinite(high)):
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return _EMPTY_HISTOGRAM
        low, high = float(flat.min()), float(flat.max())
    if flat.dtype == np.float64:  # torch's own calls: the same bits as torch writes
        total, squares = float(flat.sum()), float(flat.dot(flat))
    else:
        total, squares = _sum_and_squares(flat)
    span = table[nonzero[0] : nonzero[-1] + 1]
    limits = np.concatenate([span[:1, 0], span[:, 1]])
    counts = np.concatenate([[0.0], span[:, 2]])
    return histogram_raw(low, high, flat.size * repeat, total * repeat, squares * repeat, limits, counts)


_MOMENT_CHUNK = 1 << 16  # float64 values: two 512 kB buffers, kept in the CPU's caches


def _sum_and_squares(flat: np.ndarray) -> tuple[float, float]:
    """The sum and the sum of squares of ``flat`` (float32, ints) in float64, chunk by
    chunk through two small buffers: no float64 copy of the whole input, and no BLAS
    ``dot`` (whose threads, on a busy machine, took 10 to 100 times its own time). Equal
    to torch's ``sum`` and ``dot`` of the float64 copy to rounding."""
    size = min(flat.size, _MOMENT_CHUNK)
    values, products = np.empty(size), np.empty(size)
    total = squares = 0.0
    for start in range(0, flat.size, _MOMENT_CHUNK):
        part = flat[start : start + _MOMENT_CHUNK]
        chunk, square = values[: part.size], products[: part.size]
        np.copyto(chunk, part, casting="unsafe")
        np.multiply(chunk, chunk, out=square)
        total += float(chunk.sum())
        squares += float(square.sum())
    return total, squares


_EMPTY_HISTOGRAM = histogram_raw(0.0, 0.0, 0, 0.0, 0.0, [0.0], [0.0])


def image(encoded: bytes, height: int, width: int, channels: int) -> Encoded:
    """A Summary.Image: an encoded picture (PNG, or a GIF for video) and its size.

    ``channels`` is the colorspace: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
    """
    if not isinstance(encoded, (bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"encoded must be bytes, got {type(encoded).__name__}")
    height = _check_int(height, "height", 1, 2**31 - 1)
    width = _check_int(width, "width", 1, 2**31 - 1)
    channels = _check_int(channels, "channels", 1, 4)
    proto = _int(1, height) + _int(2, width) + _int(3, channels)
    if len(encoded):
        proto += bytes_field(4, bytes(encoded))
    return Encoded(NO_METADATA, bytes_field(_VALUE_IMAGE, proto))


def audio(wav: bytes, sample_rate: float, channels: int, frames: int) -> Encoded:
    """A Summary.Audio of a WAV file: its rate (float32, as the field is), channels and
    frames, and content type ``audio/wav``."""
    if not isinstance(wav, (bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"wav must be bytes, got {type(wav).__name__}")
    if isinstance(sample_rate, (bool, np.bool_)) or not isinstance(
        sample_rate, (int, float, np.integer, np.floating)
    ):
        raise ArgumentTypeError(f"sample_rate must be a number, got {type(sample_rate).__name__}")
    if not float(sample_rate) > 0:
        raise ArgumentError(f"sample_rate must be positive, got {sample_rate!r}")
    channels = _check_int(channels, "channels", 1, 0xFFFF)
    frames = _check_int(frames, "frames", 0, INT64_MAX)
    proto = b"".join(
        [
            _float(1, float(sample_rate)),
            _int(2, channels),
            _int(3, frames),
            bytes_field(4, bytes(wav)) if len(wav) else b"",
            string_field(5, WAV_CONTENT_TYPE),
        ]
    )
    return Encoded(NO_METADATA, bytes_field(_VALUE_AUDIO, proto))


def text_tag(tag: str) -> str:
    """The tag torch and tensorboardX store ``add_text(tag, ...)`` under."""
    return tag + TEXT_SUFFIX


def text(text_string: str, name: str = "text_string") -> Encoded:
    """Markdown as torch writes it: a ``[1]`` DT_STRING tensor (write it under
    ``text_tag(tag)``)."""
    if not isinstance(text_string, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(text_string).__name__}")
    return Encoded(TEXT_METADATA, text_module.value_field(text_string, name, rank=1))
