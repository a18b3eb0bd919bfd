"""Audio as ``[k, 2]`` string tensors ``[[wav, label], ...]``, TensorBoard's native form.

The clip is encoded as a 16-bit PCM WAV file with the standard library's ``wave``
module. The metadata says ``encoding = WAV (11)`` (and no data class: see
``METADATA``), so that both TensorBoard loaders serve the clip as ``audio/wav`` (the legacy ``Summary.Audio`` form is served as
``application/octet-stream`` by the Rust loader).

Layouts (``snd_tensor``):

- 1-D ``(L,)``: one channel of ``L`` samples.
- 2-D: the shorter axis is the channel axis, so torch's ``(1, L)``, channels-first
  ``(C, L)`` and tensorboardX's ``(L, C)`` all work; a square array is read as
  ``(C, L)``. Transpose the input where the shorter axis is not the channels.
- More dimensions: axes of size 1 are dropped (torch squeezes) until 2 are left.

Values: floating-point (and any integer type other than ``int16``, and bool) input is
read as amplitudes in [-1, 1]: values outside are clipped, NaN becomes 0, and the
sample written is ``x * 32767`` truncated toward zero to int16, as torch writes it. ``int16`` input is taken as PCM
samples as they are.
"""

from __future__ import annotations

import numpy as np

from tfevents.codecs.wav import encode_wav
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import uint_field

WAV_ENCODING = 11  # tensorboard.AudioPluginData.Encoding.WAV
# data_class is left unset on purpose, as TensorBoard's own audio summary does: both
# loaders then classify the series by plugin name (BLOB_SEQUENCE) and keep only the
# first column (the WAV files) of the ``[k, 2]`` tensor. With data_class set explicitly,
# the Python loader (--load_fast=false) skips that projection, counts 2 "samples" per
# step and serves the ``[wav, label]`` row instead of the WAV file.
METADATA = messages.summary_metadata("audio", uint_field(2, WAV_ENCODING))
MAX_CHANNELS = 0xFFFF  # WAV's channel count is 16 bits
MAX_SAMPLE_RATE = 0xFFFFFFFF  # and its rate 32 bits
PCM_SCALE = 32767

__all__ = ["METADATA", "check_sample_rate", "encode_wav", "to_frames", "to_pcm16", "value_field"]


def to_frames(array: np.ndarray, name: str = "snd_tensor") -> np.ndarray:
    """The samples as a ``(frames, channels)`` array, by the layout rules above."""
    if array.ndim > 2:
        kept = [size for size in array.shape if size != 1]
        if len(kept) > 2:
            raise ArgumentError(
                f"{name} must be (L,), (C, L) or (L, C) (axes of size 1 aside), "
                f"got shape {array.shape}"
            )
        array = array.reshape(kept if len(kept) == 2 else [max(kept, default=1)])
    if array.ndim == 0:
        raise ArgumentError(f"{name} must be (L,), (C, L) or (L, C), got a single number")
    if array.size == 0:
        raise ArgumentError(f"{name} must hold at least one sample, got shape {array.shape}")
    if array.ndim == 1:
        frames = array[:, None]
    elif array.shape[0] <= array.shape[1]:
        frames = array.T  # (C, L), torch's (1, L) included
    else:
        frames = array  # (L, C), tensorboardX's layout
    if frames.shape[1] > MAX_CHANNELS:
        raise ArgumentError(f"{name} has {frames.shape[1]} channels; WAV allows at most {MAX_CHANNELS}")
    return frames


def to_pcm16(frames: np.ndarray, name: str = "snd_tensor") -> tuple[np.ndarray, int]:
    """int16 samples and the number of input values that were clipped or NaN."""
    kind = frames.dtype.kind
    if frames.dtype == np.int16:
        return np.ascontiguousarray(frames, dtype="<i2"), 0
    if kind not in "biuf":
        raise ArgumentTypeError(f"{name} must hold real numbers, got dtype {frames.dtype}")
    values = frames.astype(np.float64)
    with np.errstate(invalid="ignore"):
        bad = int(np.count_nonzero(~(np.abs(values) <= 1.0)))  # NaN counts as bad
    if bad:
        values = np.clip(np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    pcm = (values * PCM_SCALE).astype("<i2")  # truncated toward zero, as torch's astype
    return np.ascontiguousarray(pcm), bad


def check_sample_rate(sample_rate: object, name: str = "sample_rate") -> int:
    """A positive whole number of samples per second (WAV stores an integer)."""
    if isinstance(sample_rate, (bool, np.bool_)) or not isinstance(
        sample_rate, (int, float, np.integer, np.floating)
    ):
        raise ArgumentTypeError(f"{name} must be a number of samples per second, got {type(sample_rate).__name__}")
    rate = float(sample_rate)
    if not (rate > 0 and rate <= MAX_SAMPLE_RATE):
        raise ArgumentError(f"{name} must be positive and at most {MAX_SAMPLE_RATE}, got {sample_rate!r}")
    if not rate.is_integer():
        raise ArgumentError(f"{name} must be a whole number of samples per second (WAV stores an integer), got {sample_rate!r}")
    return int(rate)


def value_field(wav: bytes, label: str = "") -> bytes:
    tensor = messages.tensor_from_strings([wav, label.encode("utf-8")], shape=[1, 2])
    return messages.tensor_value_field(tensor)
