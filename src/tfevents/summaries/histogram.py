"""Histograms as ``[k, 3]`` float64 tensors of ``[left edge, right edge, count]``.

This is TensorBoard's native histogram form (``histogram_pb``); both readers pass it
through unchanged, unlike the legacy ``HistogramProto``, which they convert differently
(format reference §5).

Default buckets (``bins="tensorflow"``): TensorFlow's exponential layout, as torch and
tensorboardX use it (edges ±1e-12 × 1.1^k up to 1e20, and 0), with each edge moved to the
nearest number of the form 2^e × (1 + j/128), at most 0.38% away. Those numbers are where
the top 16 bits of a float32 (the top 19 of a float64) change, so a value's bucket follows
from its bit pattern: the values are counted per cell of those bits (``numpy.add.at``),
no sort and no comparison (for a million float32, 1.3 ms where ``numpy.histogram`` over
TensorFlow's own edges takes 4.2). The edges written are the edges counted against, so
nothing is lost: a bucket holds the values whose magnitude is in [|inner edge|, |outer
edge|), i.e. ``[left, right)`` above zero and ``(left, right]`` below it (the buckets
mirror around zero). Only the span of non-empty buckets is written, its outer edges the data's min and
max, as TensorBoard's own conversion of such histograms does.

Non-finite values: NaN, +Inf and -Inf have no bucket in TensorBoard's histograms, so
they are left out of the counts (``Histogram.nonfinite`` tells how many, and the writer
warns once per tag). A histogram with no finite values is written as an empty ``[0, 3]``
tensor, which TensorBoard shows as an empty chart.
"""

from __future__ import annotations

import functools
import operator
from typing import Any, NamedTuple

import numpy as np

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages

NUMPY_ESTIMATORS = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")
MAX_BINS = 1_000_000  # buckets of one histogram: an int ``bins`` above it is refused

METADATA = messages.summary_metadata("histograms", data_class=messages.DATA_CLASS_TENSOR)

_KEPT_MANTISSA_BITS = 7  # edges at 2^e * (1 + j/128): within 1/256 of TensorFlow's
_BIT_PATH_MIN_SIZE = 4096  # below it, the per-call cost of the 65,536-cell count table dominates
_KEY_CHUNK = 1 << 16  # values whose cell keys are computed at once


class Histogram(NamedTuple):
    table: np.ndarray  # [k, 3] float64: left edge, right edge, count
    nonfinite: tuple[int, int, int]  # NaN, +Inf and -Inf values left out


def _tensorflow_magnitude_edges() -> np.ndarray:
    """TensorFlow's positive edges 1e-12 * 1.1^k < 1e20, as torch and tensorboardX make them."""
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    return np.array(positive)


def _snap(edges: np.ndarray) -> np.ndarray:
    """Each positive float64 edge rounded to the nearest 2^e * (1 + j/128)."""
    drop = np.uint64(52 - _KEPT_MANTISSA_BITS)
    bits = edges.astype(np.float64).view(np.uint64)
    cells: np.ndarray = (bits + (np.uint64(1) << (drop - np.uint64(1)))) >> drop
    snapped: np.ndarray = (cells << drop).view(np.float64)
    return snapped


MAGNITUDE_EDGES = _snap(_tensorflow_magnitude_edges())  # 774 edges, 1e-12 ... 1e20
_SIDE = MAGNITUDE_EDGES.size + 1  # buckets per sign: [0, e0), [e0, e1), ..., [e773, inf)
# Edges of the 2 * _SIDE buckets, negative overflow first; the infinite ends are replaced
# by the data's min and max.
EDGES = np.concatenate([[-np.inf], -MAGNITUDE_EDGES[::-1], [0.0], MAGNITUDE_EDGES, [np.inf]])


class _CellLayout(NamedTuple):
    """How a float format's bits split into cells: the magnitudes that share the sign,
    the exponent and the 7 top mantissa bits. Each cell lies in one bucket."""

    uint: np.dtype[Any]  # the unsigned integer of the float's size, to view its bits
    drop: int  # low mantissa bits shifted out
    cells: int  # cells per sign (after them come the negative ones)
    first_cells: np.ndarray  # the first cell of each magnitude bucket


@functools.cache
def _cell_layout(dtype: np.dtype[Any]) -> _CellLayout:
    uint = np.dtype(f"u{dtype.itemsize}")
    drop = int(np.finfo(dtype).nmant) - _KEPT_MANTISSA_BITS
    cells = 1 << (8 * dtype.itemsize - 1 - drop)
    with np.errstate(invalid="ignore"):  # the top cells are Inf and NaN: never counted
        lowest = (np.arange(cells, dtype=uint) << uint.type(drop)).view(dtype).astype(np.float64)
        bucket = np.minimum(np.searchsorted(MAGNITUDE_EDGES, lowest, side="right"), _SIDE - 1)
    return _CellLayout(uint, drop, cells, np.searchsorted(bucket, np.arange(_SIDE)))


class _BitCount(NamedTuple):
    negative: np.ndarray  # bucket counts by magnitude, below zero
    positive: np.ndarray  # and above it
    low: float  # the values' min and max
    high: float


def _count_by_bits(flat: np.ndarray) -> _BitCount:
    """Bucket counts of float32/float64 values from their bits, and their min and max
    (NaN if any value is; the counts are then to be done again without them).

    In chunks, through one small reused key buffer: a million values' keys at once are a
    fresh 8 MB array per call, and page faults cost more than the counting. Each chunk's
    min and max are taken while it is in the CPU's caches."""
    layout = _cell_layout(flat.dtype)
    bits = flat.view(layout.uint)
    cell_counts = np.zeros(2 * layout.cells, dtype=np.intp)
    keys = np.empty(min(bits.size, _KEY_CHUNK), dtype=np.intp)
    chunks = range(0, bits.size, _KEY_CHUNK)
    lows, highs = np.empty(len(chunks), flat.dtype), np.empty(len(chunks), flat.dtype)
    for i, start in enumerate(chunks):
        part = slice(start, start + _KEY_CHUNK)
        lows[i], highs[i] = flat[part].min(), flat[part].max()
        chunk_keys = keys[: bits[part].size]
        np.right_shift(bits[part], layout.uint.type(layout.drop), out=chunk_keys, casting="unsafe")
        np.add.at(cell_counts, chunk_keys, 1)
    with np.errstate(invalid="ignore"):
        low, high = float(lows.min(initial=np.inf)), float(highs.max(initial=-np.inf))
    return _BitCount(
        np.add.reduceat(cell_counts[layout.cells :], layout.first_cells),
        np.add.reduceat(cell_counts[: layout.cells], layout.first_cells),
        low,
        high,
    )


def _magnitude_counts_by_search(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same counts for any finite values, by binary search of each magnitude."""
    bucket = np.searchsorted(MAGNITUDE_EDGES, np.abs(flat), side="right")
    negative = np.signbit(flat)
    return (
        np.bincount(bucket[negative], minlength=_SIDE),
        np.bincount(bucket[~negative], minlength=_SIDE),
    )


def _by_bits(flat: np.ndarray) -> bool:
    return flat.size >= _BIT_PATH_MIN_SIZE and flat.dtype in (np.float32, np.float64)


def _magnitude_counts(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(negative, positive) bucket counts of finite values."""
    if _by_bits(flat):
        counted = _count_by_bits(flat)
        return counted.negative, counted.positive
    return _magnitude_counts_by_search(flat)


def _tensorflow_table(negative: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Non-empty span of the default buckets (its infinite outer edges still to replace)."""
    counts = np.concatenate([negative[::-1], positive])
    nonzero = np.flatnonzero(counts)
    first, last = int(nonzero[0]), int(nonzero[-1])
    table = np.empty((last - first + 1, 3))
    table[:, 0] = EDGES[first : last + 1]
    table[:, 1] = EDGES[first + 1 : last + 2]
    table[:, 2] = counts[first : last + 1]
    return table


def _range(flat: np.ndarray) -> tuple[float, float]:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(flat.min()), float(flat.max())


def check_bins(bins: Any, name: str = "bins") -> Any:
    """``bins`` as ``buckets`` takes it: a string (``"tensorflow"`` or a numpy
    estimator, checked by numpy), a bucket count from 1 to ``MAX_BINS``, or a 1-D
    sequence of at least 2 edges (their order and values are checked by numpy)."""
    if isinstance(bins, str):
        if bins != "tensorflow" and bins not in NUMPY_ESTIMATORS:
            raise ArgumentError(
                f"{name} must be 'tensorflow', one of numpy's estimators {NUMPY_ESTIMATORS}, "
                f"a bucket count or edges, got {bins!r}"
            )
        return bins
    if isinstance(bins, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"{name} must be a bucket count, edges or a string, got {type(bins).__name__}"
        )
    if np.ndim(bins) == 0:
        try:
            count = operator.index(bins)
        except TypeError:
            raise ArgumentTypeError(
                f"{name} must be an int bucket count, a sequence of edges or a string, got {bins!r}"
            ) from None
        if not 1 <= count <= MAX_BINS:
            raise ArgumentError(f"{name} must be a bucket count from 1 to {MAX_BINS:,}, got {count}")
        return count
    try:
        edges = np.asarray(bins)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"{name} is not a sequence of bucket edges: {exc}") from None
    if edges.ndim != 1:
        raise ArgumentError(f"{name} must be a 1-D sequence of bucket edges, got shape {edges.shape}")
    if edges.shape[0] < 2:
        raise ArgumentError(f"{name} must have at least 2 edges (one bucket), got {edges.shape[0]}")
    return bins


def compute(values: np.ndarray, bins: Any = "tensorflow", max_bins: int | None = None) -> Histogram:
    """The bucket table of the finite values in ``values``, and how many were not finite.

    ``bins="tensorflow"`` (the default of torch and tensorboardX) gives the buckets of the
    module docstring. Any other ``bins`` goes to ``numpy.histogram`` (an int count at most
    ``MAX_BINS``; edges at least 2; see ``check_bins``). ``max_bins`` merges adjacent
    buckets until at most that many remain.
    """
    bins = check_bins(bins)
    repeat = 1
    if not isinstance(bins, str) or bins == "tensorflow":  # (numpy's estimators count n)
        values, repeat = broadcast_axes_dropped(values)
    if repeat > 1:
        found = compute(values, bins, None)
        table = found.table.copy()
        table[:, 2] *= repeat
        merged = _merged(table, max_bins)
        nan, pos_inf, neg_inf = found.nonfinite
        return Histogram(merged, (nan * repeat, pos_inf * repeat, neg_inf * repeat))
    flat = values.reshape(-1)
    if flat.dtype.kind in "bui" or flat.dtype.itemsize > 8:
        flat = flat.astype(np.float64)
    elif flat.dtype == np.float16:
        flat = flat.astype(np.float32)
    elif not flat.dtype.isnative:
        flat = flat.astype(flat.dtype.newbyteorder("="))
    nonfinite = (0, 0, 0)
    if flat.size == 0:
        return Histogram(np.zeros((0, 3)), nonfinite)
    tensorflow = isinstance(bins, str) and bins == "tensorflow"
    counted = _count_by_bits(flat) if tensorflow and _by_bits(flat) else None
    low, high = (counted.low, counted.high) if counted is not None else _range(flat)
    if not np.isfinite(high - low):  # (false too if the span overflows: then filter)
        nonfinite = (
            int(np.count_nonzero(np.isnan(flat))),
            int(np.count_nonzero(flat == np.inf)),
            int(np.count_nonzero(flat == -np.inf)),
        )
        flat, counted = flat[np.isfinite(flat)], None
        if flat.size == 0:
            return Histogram(np.zeros((0, 3)), nonfinite)
        low, high = _range(flat)
    if tensorflow:
        by_sign = (
            (counted.negative, counted.positive) if counted is not None else _magnitude_counts(flat)
        )
        table = _tensorflow_table(*by_sign)
        table[0, 0], table[-1, 1] = low, high
    else:
        try:
            counts, edges = np.histogram(flat, bins=bins)
        except (TypeError, ValueError) as exc:
            raise ArgumentError(f"bins is not valid for numpy.histogram: {exc}") from None
        except MemoryError:  # a numpy estimator ("fd", ...) asking for too many buckets
            raise ArgumentError(f"bins={bins!r} makes more buckets than memory holds") from None
        if edges.shape[0] - 1 > MAX_BINS:
            raise ArgumentError(
                f"bins={bins!r} makes {edges.shape[0] - 1:,} buckets for these values; "
                f"at most {MAX_BINS:,} are written"
            )
        table = np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1)
    return Histogram(_merged(table, max_bins), nonfinite)


def _merged(table: np.ndarray, max_bins: int | None) -> np.ndarray:
    """Adjacent buckets merged until at most ``max_bins`` remain."""
    if max_bins is None or table.shape[0] <= max_bins:
        return table
    factor = -(-table.shape[0] // max_bins)
    starts = np.arange(0, table.shape[0], factor)
    ends = np.minimum(starts + factor, table.shape[0]) - 1
    return np.stack([table[starts, 0], table[ends, 1], np.add.reduceat(table[:, 2], starts)], axis=1)


def broadcast_axes_dropped(values: np.ndarray) -> tuple[np.ndarray, int]:
    """A broadcast view (stride 0 along an axis) repeats its values: they are counted
    once and weighted, instead of copying the whole view (900 M values for a
    ``np.broadcast_to`` of 30000 x 30000)."""
    repeat, index = 1, []
    for size, stride in zip(values.shape, values.strides):
        if stride == 0 and size > 1:
            repeat *= size
            index.append(slice(0, 1))
        else:
            index.append(slice(None))
    return (values[tuple(index)], repeat) if repeat > 1 else (values, 1)


def value_field(table: np.ndarray) -> bytes:
    return messages.tensor_value_field(messages.tensor_from_array(table.astype(np.float64)))


def check_max_bins(max_bins: Any) -> int | None:
    if max_bins is not None and (
        isinstance(max_bins, bool) or not isinstance(max_bins, (int, np.integer)) or max_bins < 1
    ):
        raise ArgumentError(f"max_bins must be a positive int or None, got {max_bins!r}")
    return None if max_bins is None else int(max_bins)


def raw_table(
    low: Any, high: Any, num: Any, total: Any, sum_squares: Any, bucket_limits: Any, bucket_counts: Any
) -> np.ndarray:
    """``add_histogram_raw``'s buckets as a ``[k, 3]`` table, as TensorBoard converts a
    ``HistogramProto`` (``data_compat``): bucket i spans from ``bucket_limits[i - 1]``
    (``min`` for the first) to ``bucket_limits[i]`` (``max`` for the last), so limits that
    end in DBL_MAX, as TensorFlow's do, make no bucket reaching to 1.8e308."""
    limits = convert.to_numpy(bucket_limits, "bucket_limits").reshape(-1)
    counts = convert.to_numpy(bucket_counts, "bucket_counts").reshape(-1)
    for name, array in (("bucket_limits", limits), ("bucket_counts", counts)):
        args.real_array(array, name, "numbers")
        if not np.isfinite(array).all():
            raise ArgumentError(f"{name} must be finite")
    if limits.size != counts.size or limits.size == 0:
        raise ArgumentError(
            "bucket_limits and bucket_counts must have the same, non-zero length, "
            f"got {limits.size} and {counts.size}"
        )
    if (counts < 0).any():
        raise ArgumentError("bucket_counts must not be negative")
    low = convert.to_float(low, "min")
    high = convert.to_float(high, "max")
    for name, number in (("num", num), ("sum", total), ("sum_squares", sum_squares)):
        if not np.isfinite(convert.to_float(number, name)):
            raise ArgumentError(f"{name} must be finite")
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise ArgumentError(f"min and max must be finite with min <= max, got {low} and {high}")
    if (np.diff(limits) < 0).any():
        raise ArgumentError("bucket_limits must not decrease")
    table = np.empty((limits.size, 3))
    table[0, 0] = low
    table[1:, 0] = limits[:-1]
    table[:-1, 1] = limits[:-1]
    table[-1, 1] = high
    table[:, 2] = counts
    return table
