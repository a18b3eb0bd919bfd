"""Animated GIF encoding of uint8 frames ``(T, H, W, C)``, with Pillow.

Limits of the format, handled here: at most 256 colours per frame (Pillow's median cut
picks them; frames with at most 256 colours are exact); alpha is 1 bit (alpha < 128 is
transparent); frame delays are whole hundredths of a second, at least ``MIN_DELAY_CS``
(browsers play shorter delays at 10 fps) and at most 65535 (a 16-bit field).
Consecutive identical frames are merged into one longer frame.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from tfevents.errors import ArgumentError

MIN_DELAY_CS = 2  # browsers slow GIF delays of 0 or 1 hundredths of a second to 100 ms
MAX_DELAY_CS = 0xFFFF  # the GIF delay field is 16 bits
MIN_FPS = 100.0 / MAX_DELAY_CS
TRANSPARENT_INDEX = 255


def frame_delay_cs(fps: float) -> int:
    """The GIF frame delay in hundredths of a second."""
    return max(MIN_DELAY_CS, min(MAX_DELAY_CS, round(100.0 / fps)))


def _merge_identical(thwc: np.ndarray, delay_cs: int) -> tuple[np.ndarray, list[int]]:
    """The frames with runs of identical consecutive frames merged into one, and each
    frame's delay (hundredths; a merged run's delays added, capped at ``MAX_DELAY_CS``).
    Pillow merges identical frames too, but adds their delays past the 16-bit field."""
    if thwc.shape[0] == 1:
        return thwc, [delay_cs]
    flat = thwc.reshape(thwc.shape[0], -1)
    starts = np.concatenate([[True], (flat[1:] != flat[:-1]).any(axis=1)])
    first = np.flatnonzero(starts)
    lengths = np.diff(np.append(first, thwc.shape[0]))
    delays = [min(MAX_DELAY_CS, int(n) * delay_cs) for n in lengths]
    return thwc[first], delays


def encode_gif(thwc: np.ndarray, fps: float) -> bytes:
    """An animated, endlessly looping GIF of uint8 frames ``(T, H, W, C)``."""
    from PIL import Image  # Pillow is imported only when a video is logged

    thwc, delays = _merge_identical(thwc, frame_delay_cs(fps))
    channels = thwc.shape[3]
    options: dict[str, Any] = {  # keyword arguments of Pillow's Image.save
        "format": "GIF",
        "save_all": True,
        "loop": 0,
        "duration": [delay * 10 for delay in delays] if len(delays) > 1 else delays[0] * 10,
    }
    if channels == 1:
        frames = [Image.fromarray(np.ascontiguousarray(f[:, :, 0]), "L") for f in thwc]
    elif channels == 3:
        frames = [Image.fromarray(np.ascontiguousarray(f), "RGB") for f in thwc]
    else:
        if channels == 2:
            thwc = np.concatenate([thwc[..., :1].repeat(3, axis=3), thwc[..., 1:]], axis=3)
        frames = [_paletted_with_transparency(f) for f in thwc]
        # Every frame replaces the last one (disposal 2) and keeps its transparent
        # index (no palette optimisation), so that transparent pixels stay transparent.
        options.update(disposal=2, transparency=TRANSPARENT_INDEX, optimize=False)
    buffer = io.BytesIO()
    try:
        frames[0].save(buffer, append_images=frames[1:], **options)
    except OverflowError:
        # Frames that differ but become identical in 256 colours are merged by Pillow,
        # which adds their delays past the 16-bit field: only at a very low fps.
        raise ArgumentError(
            f"fps={fps!r} is too low for this video: frames that are identical as a GIF "
            "(256 colours) add up to a delay over 655.35 s; give a higher fps"
        ) from None
    return buffer.getvalue()


def _paletted_with_transparency(rgba: np.ndarray):  # type: ignore[no-untyped-def]
    from PIL import Image

    rgb = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]), "RGB")
    quantized = rgb.quantize(
        colors=TRANSPARENT_INDEX, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    indices = np.array(quantized, dtype=np.uint8)
    indices[rgba[:, :, 3] < 128] = TRANSPARENT_INDEX
    palette = (quantized.getpalette() or [])[: 3 * TRANSPARENT_INDEX]
    palette += [0] * (3 * 256 - len(palette))
    frame = Image.fromarray(indices, "P")
    frame.putpalette(palette)
    return frame
