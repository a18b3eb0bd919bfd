"""Bounding boxes drawn onto an image, for ``add_image_with_boxes``.

Boxes are ``(N, 4)`` pixel coordinates ``xmin, ymin, xmax, ymax`` of the input image
(inclusive; rounded to the nearest pixel). Each is drawn as a red (255, 0, 0) frame 2
pixels wide, inside the box: columns ``xmin, xmin + 1`` and ``xmax - 1, xmax``, rows
``ymin, ymin + 1`` and ``ymax - 1, ymax``; whatever lies outside the image is cut off.
A label is written in black with Pillow's default font on a red band at the box's
top-left corner, just above the box (inside it when there is no room above).

``rescale`` resizes the image first (Lanczos, as torch does) and scales the boxes with
it, so that the frames stay 2 pixels wide and sharp at any scale. Gray images become
RGB and gray + alpha becomes RGBA, so that the boxes can be red. The rescaled image is
``round(width * rescale) x round(height * rescale)`` (at least 1 x 1) and must stay
within ``MAX_SIDE`` (16384) pixels per side and ``MAX_PIXELS`` (2**26, 64 Mpx: 256 MiB
as RGBA) in all, a size browsers still show and memory still holds a few copies of;
a larger ``rescale`` is a ValueError (Pillow would otherwise fail with a MemoryError).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tfevents.errors import ArgumentError, ArgumentTypeError

RED = (255, 0, 0)
TEXT_COLOUR = (0, 0, 0)
THICKNESS = 2
LABEL_MARGIN = 2
MAX_SIDE = 16384  # pixels per side of a rescaled image
MAX_PIXELS = 2**26  # pixels of a rescaled image


def check_boxes(array: np.ndarray, name: str = "box_tensor") -> np.ndarray:
    """``(N, 4)`` float64 boxes; a single box may be given as ``(4,)``."""
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.size == 0:
        return np.zeros((0, 4))
    if array.ndim == 1 and array.shape[0] == 4:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != 4:
        raise ArgumentError(f"{name} must be N x 4 (xmin, ymin, xmax, ymax), got shape {array.shape}")
    boxes = array.astype(np.float64)
    if not np.isfinite(boxes).all():
        raise ArgumentError(f"{name} must hold finite coordinates")
    if (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
        raise ArgumentError(f"{name}: every box needs xmin <= xmax and ymin <= ymax")
    return boxes


def check_labels(labels: object, count: int, name: str = "labels") -> list[str] | None:
    """The labels as a list of ``count`` strings (a single string is one label)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        items: list[object] = [labels]
    elif isinstance(labels, np.ndarray):
        items = labels.reshape(-1).tolist() if labels.ndim <= 1 else [labels]
    elif isinstance(labels, Sequence):
        items = list(labels)
    else:
        raise ArgumentTypeError(f"{name} must be a list of strings, got {type(labels).__name__}")
    for item in items:
        if not isinstance(item, str):
            raise ArgumentTypeError(f"{name} must be strings, got an item of type {type(item).__name__}")
    if len(items) != count:
        raise ArgumentError(f"{name} has {len(items)} labels for {count} boxes: give one label per box")
    return items  # type: ignore[return-value]


def check_rescale(rescale: object, name: str = "rescale") -> float:
    if isinstance(rescale, (bool, np.bool_)) or not isinstance(
        rescale, (int, float, np.integer, np.floating)
    ):
        raise ArgumentTypeError(f"{name} must be a number, got {type(rescale).__name__}")
    try:
        scale = float(rescale)
    except OverflowError:  # an int beyond the float range
        scale = math.inf
    if not (scale > 0 and math.isfinite(scale)):
        raise ArgumentError(f"{name} must be positive and finite, got {rescale!r}")
    return scale


def rescaled_size(height: int, width: int, rescale: float) -> tuple[int, int]:
    """``(height, width)`` of an image of ``height x width`` resized by ``rescale``."""
    return max(1, round(height * rescale)), max(1, round(width * rescale))


def check_rescaled_size(height: int, width: int, rescale: float, name: str = "rescale") -> None:
    """Refuses a ``rescale`` whose image would exceed ``MAX_SIDE`` or ``MAX_PIXELS``."""
    if rescale == 1.0:
        return  # no resize: the image is the caller's own
    exact_height, exact_width = height * rescale, width * rescale  # floats: inf is compared too
    too_big = max(exact_height, exact_width) > MAX_SIDE + 1
    if not too_big:
        new_height, new_width = rescaled_size(height, width, rescale)
        too_big = max(new_height, new_width) > MAX_SIDE or new_height * new_width > MAX_PIXELS
    if too_big:
        raise ArgumentError(
            f"{name}={rescale!r} makes the {width}x{height} image "
            f"{exact_width:.6g}x{exact_height:.6g} pixels; "
            f"a rescaled image may have at most {MAX_SIDE} pixels per side and "
            f"{MAX_PIXELS:,} pixels in all"
        )


def draw(
    hwc: np.ndarray, boxes: np.ndarray, labels: list[str] | None, rescale: float = 1.0
) -> np.ndarray:
    """The uint8 HWC image, rescaled, with the boxes and labels drawn on it."""
    from PIL import Image, ImageDraw, ImageFont

    channels = hwc.shape[2]
    if channels == 1:
        hwc = hwc.repeat(3, axis=2)
    elif channels == 2:
        hwc = np.concatenate([hwc[:, :, :1].repeat(3, axis=2), hwc[:, :, 1:]], axis=2)
    if rescale != 1.0:
        new_height, new_width = rescaled_size(hwc.shape[0], hwc.shape[1], rescale)
        size = (new_width, new_height)
        mode = "RGB" if hwc.shape[2] == 3 else "RGBA"
        resized = Image.fromarray(np.ascontiguousarray(hwc), mode).resize(size, Image.Resampling.LANCZOS)
        hwc = np.asarray(resized)
        boxes = boxes * rescale
    out = np.array(hwc, dtype=np.uint8)  # a writable copy
    colour = np.array(RED + (255,) * (out.shape[2] - 3), dtype=np.uint8)
    reach = max(out.shape[:2]) + THICKNESS + 1  # far enough outside the image
    corners = np.rint(np.clip(boxes, -reach, reach)).astype(np.int64)
    for x0, y0, x1, y1 in corners:
        _frame(out, int(x0), int(y0), int(x1), int(y1), colour)
    if labels:
        mode = "RGB" if out.shape[2] == 3 else "RGBA"
        picture = Image.fromarray(out, mode)
        pen = ImageDraw.Draw(picture)
        font = ImageFont.load_default()
        fill = RED + (255,) * (out.shape[2] - 3)
        ink = TEXT_COLOUR + (255,) * (out.shape[2] - 3)
        for (x0, y0, _, _), label in zip(corners, labels):
            if not label:
                continue
            left, top, right, bottom = pen.textbbox((0, 0), label, font=font)
            band_w = right - left + 2 * LABEL_MARGIN
            band_h = bottom - top + 2 * LABEL_MARGIN
            band_top = int(y0) - band_h if y0 >= band_h else int(y0)
            pen.rectangle([int(x0), band_top, int(x0) + band_w - 1, band_top + band_h - 1], fill=fill)
            pen.text((int(x0) + LABEL_MARGIN - left, band_top + LABEL_MARGIN - top), label, fill=ink, font=font)
        out = np.asarray(picture)
    return out


def _frame(out: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour: np.ndarray) -> None:
    height, width = out.shape[:2]

    def paint(top: int, bottom: int, left: int, right: int) -> None:  # inclusive bounds
        top, left = max(top, 0), max(left, 0)
        bottom, right = min(bottom, height - 1), min(right, width - 1)
        if top <= bottom and left <= right:
            out[top : bottom + 1, left : right + 1] = colour

    t = THICKNESS - 1
    paint(y0, min(y0 + t, y1), x0, x1)  # top
    paint(max(y1 - t, y0), y1, x0, x1)  # bottom
    paint(y0, y1, x0, min(x0 + t, x1))  # left
    paint(y0, y1, max(x1 - t, x0), x1)  # right
