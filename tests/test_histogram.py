"""The default (bins="tensorflow") histogram buckets: the bit-pattern count against a
binary search of each magnitude, and the edges against TensorFlow's.

What TensorBoard serves for these histograms is checked in test_tensorboard_core.py;
the writer's tables against an independent count in test_writer_api.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfevents.summaries import histogram

TENSORFLOW = histogram._tensorflow_magnitude_edges()
EDGES = histogram.MAGNITUDE_EDGES


def by_bits(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counted = histogram._count_by_bits(values)
    if values.size:
        assert (counted.low, counted.high) == (float(values.min()), float(values.max()))
    return counted.negative, counted.positive


def by_search(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return histogram._magnitude_counts_by_search(values)


def assert_same_counts(values: np.ndarray) -> None:
    (neg_bits, pos_bits), (neg_search, pos_search) = by_bits(values), by_search(values)
    np.testing.assert_array_equal(neg_bits, neg_search)
    np.testing.assert_array_equal(pos_bits, pos_search)
    assert neg_bits.sum() == np.count_nonzero(np.signbit(values))
    assert pos_bits.sum() + neg_bits.sum() == values.size


def test_edges_are_tensorflows_within_a_256th() -> None:
    assert EDGES.size == TENSORFLOW.size == 774
    assert TENSORFLOW[0] == 1e-12 and TENSORFLOW[-1] < 1e20 <= TENSORFLOW[-1] * 1.1
    assert np.abs(EDGES / TENSORFLOW - 1).max() <= 1 / 256
    assert (np.diff(EDGES) > 0).all()
    # Each edge is a float32 whose low 16 bits are zero: a cell boundary for both formats.
    as32 = EDGES.astype(np.float32)
    np.testing.assert_array_equal(as32.astype(np.float64), EDGES)
    assert (as32.view(np.uint32) & 0xFFFF == 0).all()
    assert (EDGES.view(np.uint64) & ((1 << 45) - 1) == 0).all()


def test_full_edge_table_mirrors_around_zero() -> None:
    edges = histogram.EDGES
    assert edges.size == 2 * EDGES.size + 3
    assert edges[0] == -np.inf and edges[-1] == np.inf and edges[EDGES.size + 1] == 0.0
    np.testing.assert_array_equal(edges[1 : EDGES.size + 1], -EDGES[::-1])
    np.testing.assert_array_equal(edges[EDGES.size + 2 : -1], EDGES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_on_and_beside_every_edge(dtype: type) -> None:
    """Each edge, the float just below it, and their negatives: the bucket boundaries."""
    on = EDGES.astype(dtype)
    below = np.nextafter(on, dtype(0))
    values = np.concatenate([on, below, -on, -below, [0.0, -0.0]]).astype(dtype)
    assert_same_counts(values)
    neg, pos = by_bits(values)
    # [e_k-1, e_k) by magnitude: an edge opens the bucket above it, the float below closes
    # the one beneath, on both sides of zero.
    np.testing.assert_array_equal(pos, neg)
    assert pos[0] == 2 and pos[-1] == 1 and (pos[1:-1] == 2).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes(dtype: type) -> None:
    info = np.finfo(dtype)
    values = np.array(
        [info.max, -info.max, info.tiny, -info.tiny, info.smallest_subnormal,
         -info.smallest_subnormal, 1e-13, 1e21 if dtype is np.float64 else 1e30, 0.0, -0.0],
        dtype=dtype,
    )
    assert_same_counts(values)
    neg, pos = by_bits(values)
    assert pos[0] == 4 and neg[0] == 3  # below 1e-12 (incl. ±0, tiny, subnormal)
    assert pos[-1] == 2 and neg[-1] == 1  # beyond the last edge


finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
finite64 = st.floats(allow_nan=False, allow_infinity=False)
on_edges = st.sampled_from(list(EDGES) + list(-EDGES) + [0.0, -0.0])


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(np.float32, st.integers(0, 300), elements=st.one_of(finite32, on_edges.map(np.float32)))
)
def test_bits_match_search_float32(values: np.ndarray) -> None:
    assert_same_counts(values)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 300), elements=st.one_of(finite64, on_edges)))
def test_bits_match_search_float64(values: np.ndarray) -> None:
    assert_same_counts(values)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, ">f4", ">f8", np.int64, bool])
def test_compute_takes_any_real_dtype_the_same_way(dtype: object) -> None:
    """Large arrays go the bit way, small ones the search way, in every layout and dtype."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal(20_000) * 30
    values = (base > 0) if dtype is bool else base.astype(dtype)
    big = histogram.compute(values).table
    # The same values, by binary search in float64: the same buckets and counts.
    neg, pos = by_search(np.asarray(values, dtype=np.float64))
    counts = np.concatenate([neg[::-1], pos])
    nonzero = np.flatnonzero(counts)
    np.testing.assert_array_equal(big[:, 2], counts[nonzero[0] : nonzero[-1] + 1])
    low, high = float(np.min(values)), float(np.max(values))
    assert big[0, 0] == low and big[-1, 1] == high
    strided = histogram.compute(np.repeat(values, 2)[::2]).table
    np.testing.assert_array_equal(strided, big)


def test_compute_counts_and_drops_nonfinite() -> None:
    values = np.concatenate([np.ones(5000, np.float32), [np.nan, np.nan, np.inf, -np.inf, -2.0]])
    result = histogram.compute(values.astype(np.float32))
    assert result.nonfinite == (2, 1, 1)
    assert result.table[:, 2].sum() == 5001
    assert result.table[0, 0] == -2.0 and result.table[-1, 1] == 1.0
    assert histogram.compute(np.full(3, np.nan)).table.shape == (0, 3)
    assert histogram.compute(np.zeros(0)).nonfinite == (0, 0, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bits_match_search_across_chunks(dtype: type) -> None:
    """More values than one key chunk (65,536), ending in a partial chunk; the extremes
    in different chunks."""
    rng = np.random.default_rng(3)
    values = (rng.standard_normal(3 * 65_536 + 123) * 10.0 ** rng.uniform(-14, 22, 3 * 65_536 + 123))
    values = values.astype(dtype)
    values[70_000], values[-1] = -5e30 if dtype is np.float64 else -3e38, 7e19
    assert_same_counts(values)


def test_bit_count_range_is_nan_with_a_nan() -> None:
    values = np.arange(100_000, dtype=np.float32)
    values[99_999] = np.nan
    counted = histogram._count_by_bits(values)
    assert np.isnan(counted.low) and np.isnan(counted.high)
