"""Decoding media payloads: WAV clips and images (Pillow imported only when used)."""

from __future__ import annotations

import io
import wave

import numpy as np


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """A PCM WAV clip (8, 16 or 32 bits) as float32 samples ``[frames, channels]`` in
    [-1, 1] (16-bit: ``pcm / 32767``, the inverse of tfevents' ``add_audio``), and its
    sample rate."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    if width == 1:
        pcm = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128) / 127
    elif width == 2:
        pcm = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767
    elif width == 4:
        pcm = (np.frombuffer(frames, dtype="<i4").astype(np.float64) / 2147483647).astype(np.float32)
    else:
        raise ValueError(f"unsupported WAV sample width: {width} bytes")
    return pcm.reshape(-1, channels), rate


def decode_image(encoded: bytes) -> np.ndarray:
    """PNG (or any format Pillow reads) to an array; an animated GIF to ``[T, H, W, C]``."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(encoded)) as img:
        if getattr(img, "n_frames", 1) > 1:
            has_alpha = "transparency" in img.info or img.mode in ("RGBA", "LA", "PA")
            mode = "RGBA" if has_alpha else "RGB"
            return np.stack([np.asarray(frame.convert(mode)) for frame in ImageSequence.Iterator(img)])
        if img.mode in ("P", "PA"):
            has_alpha = "transparency" in img.info or img.mode == "PA"
            return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
        if img.mode == "1":
            return np.asarray(img.convert("L"))
        return np.asarray(img)
