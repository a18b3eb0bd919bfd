"""16-bit PCM WAV files, with the standard library's ``wave`` module."""

from __future__ import annotations

import io
import wave

import numpy as np


def encode_wav(pcm: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of ``pcm`` (``(frames, channels)`` int16)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()
