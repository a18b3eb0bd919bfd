"""Reading each call's summary value back from the event files, in a form to compare
with the inputs and across writers."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..errors import BenchmarkError
from ..records import tensor_array


def _one_value(event: Any, tag: str, who: str) -> Any:
    if not event.HasField("summary") or len(event.summary.value) != 1:
        raise BenchmarkError(f"{who}: event at step {event.step} does not hold one summary value")
    value = event.summary.value[0]
    # torch and tensorboardX append "/text_summary" to add_text's tag
    if value.tag != tag and value.tag != tag + "/text_summary":
        raise BenchmarkError(f"{who}: unexpected tag {value.tag!r} (logged {tag!r})")
    return value


def values_in_step_order(events: list[Any], tag: str, calls: int, who: str) -> list[Any]:
    """The summary values, checked to be one per call, in step order 0..calls-1."""
    steps = [e.step for e in events]
    if len(steps) != calls:
        raise BenchmarkError(f"{who} LOST EVENTS: {len(steps)} events in the file(s), {calls} calls")
    if steps != list(range(calls)):
        raise BenchmarkError(f"{who}: steps {steps[:10]}... are not the call order 0..{calls - 1}")
    return [_one_value(e, tag, who) for e in events]


def histogram_of(value: Any, who: str) -> tuple[np.ndarray, float, float, float]:
    """(non-empty span of bucket counts, total, min, max) from either histogram form."""
    if value.HasField("histo"):
        histo = value.histo
        counts = np.asarray(list(histo.bucket), dtype=np.float64)
        total, low, high = float(histo.num), float(histo.min), float(histo.max)
        if abs(counts.sum() - total) > 0.5:
            raise BenchmarkError(f"{who}: histogram buckets sum to {counts.sum()}, num is {total}")
    elif value.HasField("tensor"):
        table = tensor_array(value.tensor)
        if table.ndim != 2 or table.shape[1] != 3:
            raise BenchmarkError(f"{who}: histogram tensor has shape {table.shape}, not [k, 3]")
        counts = table[:, 2].astype(np.float64)
        total, low, high = float(counts.sum()), float(table[0, 0]), float(table[-1, 1])
    else:
        raise BenchmarkError(f"{who}: histogram value holds neither histo nor tensor")
    nonzero = np.flatnonzero(counts)
    span = counts[nonzero[0] : nonzero[-1] + 1] if nonzero.size else counts[:0]
    return span, total, low, high


def histogram_table(value: Any, who: str) -> np.ndarray:
    """The ``[k, 3]`` (left, right, count) table of either form: a HistogramProto as torch
    lays it out (an empty first bucket whose limit is the first left edge) gives its span."""
    if value.HasField("histo"):
        limits = np.asarray(list(value.histo.bucket_limit), dtype=np.float64)
        counts = np.asarray(list(value.histo.bucket), dtype=np.float64)
        if limits.size < 2 or counts[0] != 0:
            raise BenchmarkError(f"{who}: HistogramProto is not in torch's layout")
        return np.stack([limits[:-1], limits[1:], counts[1:]], axis=1)
    return tensor_array(value.tensor)


def image_of(value: Any, who: str) -> np.ndarray:
    """The decoded pixels (H, W, C) of either image form, width and height checked."""
    from PIL import Image

    if value.HasField("image"):
        encoded, width, height = value.image.encoded_image_string, value.image.width, value.image.height
    elif value.HasField("tensor") and len(value.tensor.string_val) >= 3:
        width_b, height_b, encoded = value.tensor.string_val[:3]
        width, height = int(width_b), int(height_b)
    else:
        raise BenchmarkError(f"{who}: image value holds neither an image nor a [w, h, png] tensor")
    pixels = np.asarray(Image.open(io.BytesIO(encoded)).convert("RGB"))
    if pixels.shape[:2] != (height, width):
        raise BenchmarkError(f"{who}: PNG is {pixels.shape[:2]}, the value says {(height, width)}")
    return pixels


def text_of(value: Any, who: str) -> str:
    if not value.HasField("tensor") or len(value.tensor.string_val) != 1:
        raise BenchmarkError(f"{who}: text value is not a one-string tensor")
    return value.tensor.string_val[0].decode("utf-8")


def decoded(key: str, events: list[Any], calls: int, who: str = "writer") -> list[Any]:
    """What each call's value holds, in a form to compare across writers: histograms as
    (bucket span, total, min, max), images as pixel arrays, PR curves as [6, k] float64
    tables, text as strings."""
    tag = {
        "histogram": "weights/histogram", "image_chw": "images/chw_float",
        "image_hwc": "images/hwc_uint8", "pr_curve": "eval/pr_curve", "text": "notes/text",
    }[key]
    values = values_in_step_order(events, tag, calls, who)
    if key == "histogram":
        return [histogram_of(v, who) for v in values]
    if key.startswith("image"):
        return [image_of(v, who) for v in values]
    if key == "pr_curve":
        return [tensor_array(v.tensor).astype(np.float64) for v in values]
    return [text_of(v, who) for v in values]
