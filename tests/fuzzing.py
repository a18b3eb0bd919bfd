"""The Hypothesis scaffold of the writer's fuzz tests (tests/test_fuzz_all_methods.py,
tests/test_writer_errors.py): the junk thrown at the methods, the settings, and the loop
that makes the calls on one writer.

Junk: ``None``, bools, text (lone surrogates included), bytes, NaN and ±Inf, integers
beyond int64 and beyond any float, complex numbers, odd objects, lists and nested lists,
numpy arrays of every dtype (0-d and empty included) and, where torch is installed,
torch tensors. Bounded: ``derandomize=True``, no database, no deadline.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfevents.errors import TfeventsError

NAN, INF = math.nan, math.inf
DTYPES = [
    np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
    np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128,
    np.dtype("U3"), np.dtype("S3"), np.dtype("M8[s]"), np.dtype("m8[s]"), np.dtype("O"),
]


def arrays(min_dims: int = 0, max_dims: int = 4, max_side: int = 6) -> st.SearchStrategy[np.ndarray]:
    """numpy arrays of any dtype, empty sides included."""
    return hnp.arrays(
        dtype=st.sampled_from(DTYPES),
        shape=hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side),
    )


def tensors() -> st.SearchStrategy[Any]:
    """Small torch tensors of the dtypes torch takes from numpy; nothing without torch."""
    try:
        import torch
    except ImportError:
        return st.nothing()
    return hnp.arrays(
        dtype=st.sampled_from([np.bool_, np.uint8, np.int16, np.int64, np.float16, np.float32,
                               np.float64, np.complex64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    ).map(lambda a: torch.from_numpy(a.copy()))


ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.text(st.characters(categories=["Cs"]) | st.characters(), min_size=1, max_size=4),
    st.binary(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**1100), max_value=2**1100),  # beyond any float
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30, 10**400, -(10**400)]),
    st.complex_numbers(),
    st.sampled_from([NAN, INF, -INF, -0.0, 1e-45, 3.5e38, 1e308]),
    st.sampled_from([object(), Decimal("1.5"), Fraction(1, 3), {"a": 1}, (), set(), b"\x00\xff",
                     bytearray(b"ab"), range(3), Ellipsis, print]),
)
JUNK = st.one_of(
    ATOMS,
    st.lists(ATOMS, max_size=4),
    st.lists(st.lists(st.floats() | st.integers(-5, 300), max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), ATOMS, max_size=3),
    arrays(max_dims=5, max_side=5),
    tensors(),
)


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def fuzz_calls(writer: Any, call: Callable[..., Any], max_examples: int = 250,
               **strategies: st.SearchStrategy[Any]) -> int:
    """Calls ``call(**drawn)`` for ``max_examples`` draws of ``strategies``, each followed by
    ``writer.flush()``. A call may succeed or raise tfevents' TypeError/ValueError (a
    ``TfeventsError`` too, so that ``except tfevents.TfeventsError`` catches every
    refusal), nothing else (Hypothesis reports any other error with the arguments that
    raised it). Then closes the writer, which must not raise. Returns how many calls were
    accepted."""
    accepted = 0

    @fuzz_settings(max_examples)
    @given(**strategies)
    def run(**drawn: Any) -> None:
        nonlocal accepted
        try:
            call(**drawn)
        except (TypeError, ValueError) as exc:
            assert isinstance(exc, TfeventsError), f"{type(exc).__name__} is not a TfeventsError: {exc}"
        else:
            accepted += 1
        writer.flush()  # an accepted value must also encode and write

    try:
        run()
        writer.close()  # must not raise: everything accepted encodes and writes
    finally:
        with contextlib.suppress(Exception):
            writer.close()
    return accepted
