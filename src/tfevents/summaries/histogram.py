"""Histograms as ``[k, 3]`` float64 tensors of ``[left edge, right edge, count]``.

This is TensorBoard's native histogram form (``histogram_pb``); both readers pass it
through unchanged, unlike the legacy ``HistogramProto``, which they convert differently
(format reference §5).

Non-finite values: NaN, +Inf and -Inf have no bucket in TensorBoard's histograms, so
they are left out of the counts (``nonfinite_counts`` tells how many, and the writer
warns once per tag). A histogram with no finite values is written as an empty ``[0, 3]``
tensor, which TensorBoard shows as an empty chart.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from tfevents.wire import messages

NUMPY_ESTIMATORS = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")
MAX_BINS = 1_000_000  # buckets of one histogram: an int ``bins`` above it is refused

METADATA = messages.summary_metadata("histograms", data_class=messages.DATA_CLASS_TENSOR)


def _tensorflow_edges() -> np.ndarray:
    """TensorFlow's default bucket edges, as torch and tensorboardX use for bins='tensorflow'."""
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    positive_array = np.array(positive)
    return np.concatenate([-positive_array[::-1], [0.0], positive_array])


TENSORFLOW_EDGES = _tensorflow_edges()


def nonfinite_counts(values: np.ndarray) -> tuple[int, int, int]:
    """(NaN, +Inf, -Inf) counts."""
    if values.dtype.kind != "f":
        return 0, 0, 0
    with np.errstate(over="ignore", invalid="ignore"):
        spread = values.max(initial=0.0) - values.min(initial=0.0)
    if np.isfinite(spread):  # only if every value is finite (it can overflow: then count)
        return 0, 0, 0
    return (
        int(np.count_nonzero(np.isnan(values))),
        int(np.count_nonzero(values == np.inf)),
        int(np.count_nonzero(values == -np.inf)),
    )


def _tensorflow_table(flat: np.ndarray, low: float, high: float) -> np.ndarray:
    """Non-empty buckets of the default edges, widened to hold values beyond ±1e20."""
    edges = TENSORFLOW_EDGES
    if low < edges[0] or high > edges[-1]:
        edges = np.concatenate([[min(low, edges[0])], edges, [max(high, edges[-1])]])
    counts, _ = np.histogram(flat, bins=edges)
    nonzero = np.flatnonzero(counts)
    first, last = int(nonzero[0]), int(nonzero[-1])
    table = np.empty((last - first + 1, 3))
    table[:, 0] = edges[first : last + 1]
    table[:, 1] = edges[first + 1 : last + 2]
    table[:, 2] = counts[first : last + 1]
    return table


def check_bins(bins: Any, name: str = "bins") -> Any:
    """``bins`` as ``buckets`` takes it: a string (``"tensorflow"`` or a numpy
    estimator, checked by numpy), a bucket count from 1 to ``MAX_BINS``, or a 1-D
    sequence of at least 2 edges (their order and values are checked by numpy)."""
    if isinstance(bins, str):
        if bins != "tensorflow" and bins not in NUMPY_ESTIMATORS:
            raise ValueError(
                f"{name} must be 'tensorflow', one of numpy's estimators {NUMPY_ESTIMATORS}, "
                f"a bucket count or edges, got {bins!r}"
            )
        return bins
    if isinstance(bins, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bucket count, edges or a string, got {type(bins).__name__}")
    if np.ndim(bins) == 0:
        try:
            count = operator.index(bins)
        except TypeError:
            raise TypeError(
                f"{name} must be an int bucket count, a sequence of edges or a string, got {bins!r}"
            ) from None
        if not 1 <= count <= MAX_BINS:
            raise ValueError(f"{name} must be a bucket count from 1 to {MAX_BINS:,}, got {count}")
        return count
    try:
        edges = np.asarray(bins)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a sequence of bucket edges: {exc}") from None
    if edges.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of bucket edges, got shape {edges.shape}")
    if edges.shape[0] < 2:
        raise ValueError(f"{name} must have at least 2 edges (one bucket), got {edges.shape[0]}")
    return bins


def buckets(
    values: np.ndarray, bins: Any = "tensorflow", max_bins: int | None = None
) -> np.ndarray:
    """The ``[k, 3]`` float64 bucket table of the finite values in ``values``.

    With ``bins="tensorflow"`` (the default of torch and tensorboardX) only the span of
    non-empty buckets is kept, and its outer edges are the data's min and max, as
    TensorBoard's own conversion of such histograms does. Any other ``bins`` goes to
    ``numpy.histogram`` (an int count at most ``MAX_BINS``; edges at least 2; see
    ``check_bins``). ``max_bins`` merges adjacent buckets until at most that many remain.
    """
    bins = check_bins(bins)
    flat = values.reshape(-1)
    if flat.dtype.kind in "bui":
        flat = flat.astype(np.float64)
    if flat.size == 0:
        return np.zeros((0, 3))
    with np.errstate(over="ignore", invalid="ignore"):
        low, high = float(flat.min()), float(flat.max())
        all_finite = np.isfinite(high - low)  # (false too if the span overflows: then filter)
    if not all_finite:
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return np.zeros((0, 3))
        low, high = float(flat.min()), float(flat.max())
    if isinstance(bins, str) and bins == "tensorflow":
        table = _tensorflow_table(flat, low, high)
        table[0, 0], table[-1, 1] = low, high
    else:
        try:
            counts, edges = np.histogram(flat, bins=bins)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bins is not valid for numpy.histogram: {exc}") from None
        except MemoryError:  # a numpy estimator ("fd", ...) asking for too many buckets
            raise ValueError(f"bins={bins!r} makes more buckets than memory holds") from None
        if edges.shape[0] - 1 > MAX_BINS:
            raise ValueError(
                f"bins={bins!r} makes {edges.shape[0] - 1:,} buckets for these values; "
                f"at most {MAX_BINS:,} are written"
            )
        table = np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1)
    if max_bins is not None and table.shape[0] > max_bins:
        factor = -(-table.shape[0] // max_bins)
        starts = np.arange(0, table.shape[0], factor)
        ends = np.minimum(starts + factor, table.shape[0]) - 1
        table = np.stack(
            [table[starts, 0], table[ends, 1], np.add.reduceat(table[:, 2], starts)], axis=1
        )
    return table


def value_field(table: np.ndarray) -> bytes:
    return messages.tensor_value_field(messages.tensor_from_array(table.astype(np.float64)))
