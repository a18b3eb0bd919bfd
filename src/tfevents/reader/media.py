"""Decoding media payloads: WAV clips and images (Pillow imported only when used)."""

from __future__ import annotations

import io
import struct
import wave
from typing import Any

import numpy as np

from tfevents.codecs.png import MAX_PIXELS
from tfevents.errors import DecodeError

# Pixels (times frames) an image may claim before it is decoded: a PNG of a few hundred
# bytes can claim gigapixels. Pillow's own guard warns only at 89 M.
MAX_IMAGE_PIXELS = MAX_PIXELS


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """A PCM WAV clip (8, 16 or 32 bits) as float32 samples ``[frames, channels]`` in
    [-1, 1] (16-bit: ``pcm / 32767``, the inverse of tfevents' ``add_audio``), and its
    sample rate."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())  # (reads what is there, not the claim)
    except (wave.Error, EOFError, ValueError, struct.error) as exc:
        raise DecodeError(f"not a PCM WAV clip: {exc}") from None
    if channels < 1 or len(frames) % (channels * max(width, 1)):
        raise DecodeError(f"WAV clip: {len(frames)} bytes of samples do not fill "
                          f"{channels} channel(s) of {width}-byte samples")
    if width == 1:
        pcm = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128) / 127
    elif width == 2:
        pcm = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767
    elif width == 4:
        pcm = (np.frombuffer(frames, dtype="<i4").astype(np.float64) / 2147483647).astype(np.float32)
    else:
        raise DecodeError(f"unsupported WAV sample width: {width} bytes")
    return pcm.reshape(-1, channels), rate


def decode_image(encoded: bytes) -> np.ndarray:
    """PNG (or any format Pillow reads) to an array; an animated GIF to ``[T, H, W, C]``."""
    from PIL import Image

    try:
        return _decode_image(encoded, Image)
    except DecodeError:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ... on bad data
        raise DecodeError(f"not a readable image: {exc}") from None


def _decode_image(encoded: bytes, Image: Any) -> np.ndarray:
    from PIL import ImageSequence

    with Image.open(io.BytesIO(encoded)) as img:
        frames = getattr(img, "n_frames", 1)
        width, height = img.size
        if width * height * frames > MAX_IMAGE_PIXELS:
            raise DecodeError(f"image claims {width} x {height} pixels x {frames} frame(s), over "
                              f"the {MAX_IMAGE_PIXELS} decoded here ({len(encoded)} bytes encoded)")
        if frames > 1:
            has_alpha = "transparency" in img.info or img.mode in ("RGBA", "LA", "PA")
            mode = "RGBA" if has_alpha else "RGB"
            return np.stack([np.asarray(frame.convert(mode)) for frame in ImageSequence.Iterator(img)])
        if img.mode in ("P", "PA"):
            has_alpha = "transparency" in img.info or img.mode == "PA"
            return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
        if img.mode == "1":
            return np.asarray(img.convert("L"))
        return np.asarray(img)
