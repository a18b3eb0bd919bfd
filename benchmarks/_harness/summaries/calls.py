"""What each summary workload calls: the writer's method, and the floor (the bare
numpy/Pillow work the summary cannot avoid, without constructor or files)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np


def _drive_histogram(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, values = w.add_histogram, inp["values"]
    for i in range(calls):
        add("weights/histogram", values, i)


def _drive_image_chw(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, chw = w.add_image, inp["chw"]
    for i in range(calls):
        add("images/chw_float", chw, i)


def _drive_image_hwc(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, hwc = w.add_image, inp["hwc"]
    for i in range(calls):
        add("images/hwc_uint8", hwc, i, dataformats="HWC")


def _drive_pr_curve(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, labels, predictions = w.add_pr_curve, inp["labels"], inp["predictions"]
    for i in range(calls):
        add("eval/pr_curve", labels, predictions, i, num_thresholds=127)


def _drive_text(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, strings = w.add_text, inp["texts"]
    for i in range(calls):
        add("notes/text", strings[i], i)


DRIVERS: dict[str, Callable[[Any, dict[str, Any], int], None]] = {
    "histogram": _drive_histogram,
    "image_chw": _drive_image_chw,
    "image_hwc": _drive_image_hwc,
    "pr_curve": _drive_pr_curve,
    "text": _drive_text,
}


def _floor_histogram(inp: dict[str, Any], calls: int) -> None:
    values, edges = inp["values"], inp["edges"]
    for _ in range(calls):
        np.histogram(values, bins=edges)


def _png_floor(hwc: np.ndarray, calls: int) -> None:
    from PIL import Image

    for _ in range(calls):
        buffer = io.BytesIO()
        Image.fromarray(hwc, "RGB").save(buffer, format="PNG", compress_level=1)


def _floor_image_chw(inp: dict[str, Any], calls: int) -> None:
    _png_floor(inp["chw_expected_rint"], calls)


def _floor_image_hwc(inp: dict[str, Any], calls: int) -> None:
    _png_floor(inp["hwc"], calls)


def _floor_pr_curve(inp: dict[str, Any], calls: int) -> None:
    labels, predictions = inp["labels"], inp["predictions"]
    for _ in range(calls):
        buckets = np.floor(predictions * np.float32(126)).astype(np.int64)
        np.bincount(buckets[labels], minlength=127)
        np.bincount(buckets[~labels], minlength=127)


FLOORS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "histogram": _floor_histogram,
    "image_chw": _floor_image_chw,
    "image_hwc": _floor_image_hwc,
    "pr_curve": _floor_pr_curve,
}
