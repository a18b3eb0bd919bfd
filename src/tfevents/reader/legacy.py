"""Legacy value forms (``HistogramProto``, ``Summary.Image``, ``Summary.Audio``), converted
as TensorBoard converts them, so that torch's and tensorboardX's values read like ours."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from tfevents.errors import DecodeError
from tfevents.wire.decoding import as_double, fields


def histogram_table(data: bytes) -> np.ndarray:
    """A legacy ``HistogramProto`` as a ``[k, 3]`` table, by TensorBoard's own rule
    (``tensorboard.data_compat``): empty buckets at both ends dropped, ``min`` and
    ``max`` as the outer edges."""
    low = high = 0.0
    limits: list[float] = []
    counts: list[float] = []
    for number, wire_type, raw in fields(data):
        if number == 1:
            low = as_double(raw)  # type: ignore[arg-type]
        elif number == 2:
            high = as_double(raw)  # type: ignore[arg-type]
        elif number in (6, 7):
            target = limits if number == 6 else counts
            if wire_type == 2:
                if len(raw) % 8:  # type: ignore[arg-type]
                    raise DecodeError(f"HistogramProto field {number}: {len(raw)} bytes "  # type: ignore[arg-type]
                                      "is not a whole number of doubles")
                target.extend(struct.unpack(f"<{len(raw) // 8}d", raw))  # type: ignore[arg-type]
            else:
                target.append(as_double(raw))  # type: ignore[arg-type]
    if len(limits) != len(counts):
        raise DecodeError(f"HistogramProto: {len(limits)} bucket_limit values for "
                          f"{len(counts)} buckets")
    nonzero = [i for i, count in enumerate(counts) if count > 0]
    if not nonzero:
        return np.zeros((0, 3), dtype=np.float64)
    start, end = nonzero[0], nonzero[-1]
    inner = limits[start:end]
    table = np.array([[low, *inner], [*inner, high], counts[start : end + 1]], dtype=np.float64)
    return np.ascontiguousarray(table.T)


def image_samples(payload: bytes, decode: Callable[[bytes], Any]) -> list[Any]:
    """A legacy ``Summary.Image``: one sample, its ``encoded_image_string`` decoded."""
    encoded = next((v for n, _, v in fields(payload) if n == 4), b"")
    return [decode(encoded)]  # type: ignore[arg-type]


def audio_rows(payload: bytes) -> np.ndarray:
    """A legacy ``Summary.Audio`` as TensorBoard's ``[[encoded clip, label]]`` (no label)."""
    clip = np.empty((1, 2), dtype=object)
    clip[0, 0] = next((v for n, _, v in fields(payload) if n == 4), b"")
    clip[0, 1] = b""
    return clip
