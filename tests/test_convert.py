"""tfevents.convert: anything array-like to numpy, by duck typing, importing no framework."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tfevents import convert
from tfevents._args import step as to_step
from tfevents._args import wall_time as to_walltime
from tfevents.convert import to_float, to_numpy

torch = pytest.importorskip("torch")

# --- fake framework objects ---------------------------------------------------------------


class OnlyArray:
    """Speaks only ``__array__`` (JAX arrays, pandas, PIL images...)."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)


class OnlyNumpyMethod:
    """Has only a ``.numpy()`` method (TensorFlow eager tensors)."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def numpy(self):
        return self._array


class OnlyDLPack:
    """Speaks only ``__dlpack__``, by wrapping a numpy array."""

    def __init__(self, array):
        self._array = np.array(array, copy=True)  # keeps 0-d arrays 0-d

    def __dlpack__(self, *args, **kwargs):
        return self._array.__dlpack__(*args, **kwargs)


class FakeCuPy:
    """Mimics a CuPy array: ``__cuda_array_interface__``, ``get()``, and an ``__array__``
    that refuses implicit host conversion, as CuPy's does."""

    def __init__(self, array):
        self._array = np.asarray(array)
        self.gets = 0

    @property
    def __cuda_array_interface__(self):
        return {
            "shape": self._array.shape,
            "typestr": self._array.dtype.str,
            "data": (0, False),
            "version": 3,
        }

    def get(self):
        self.gets += 1
        return self._array.copy()

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed.")


FAKES = [OnlyArray, OnlyNumpyMethod, OnlyDLPack, FakeCuPy]


# --- to_numpy -----------------------------------------------------------------------------


def test_to_numpy_numpy_arrays_pass_through():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert to_numpy(a, "x") is a
    for dtype in (np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float64, np.complex64):
        b = np.ones(3, dtype=dtype)
        out = to_numpy(b, "x")
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, b)


@pytest.mark.parametrize(
    "value,expected",
    [
        (3, np.array(3)),
        (2.5, np.array(2.5)),
        (True, np.array(True)),
        (np.float32(1.5), np.array(1.5, dtype=np.float32)),
        (np.int16(-4), np.array(-4, dtype=np.int16)),
        ([1, 2, 3], np.array([1, 2, 3])),
        ((1.5, 2.5), np.array([1.5, 2.5])),
        ([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]])),
        ([[[0.5]], [[1.5]]], np.array([[[0.5]], [[1.5]]])),
        ([], np.zeros(0)),
        ([True, False], np.array([True, False])),
    ],
)
def test_to_numpy_python_values(value, expected):
    out = to_numpy(value, "x")
    assert isinstance(out, np.ndarray)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(
    "tensor,expected",
    [
        (torch.tensor([1.5, -2.0]), np.array([1.5, -2.0], dtype=np.float32)),
        (torch.tensor([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], dtype=np.int64)),
        (torch.tensor([1, 2], dtype=torch.int32), np.array([1, 2], dtype=np.int32)),
        (torch.tensor([0.5, 2.0], dtype=torch.float16), np.array([0.5, 2.0], dtype=np.float16)),
        (torch.tensor([0.1], dtype=torch.float64), np.array([0.1])),
        (torch.tensor([True, False]), np.array([True, False])),
        (torch.tensor(7.0), np.array(7.0, dtype=np.float32)),
        (torch.tensor([1, 255], dtype=torch.uint8), np.array([1, 255], dtype=np.uint8)),
    ],
)
def test_to_numpy_torch(tensor, expected):
    out = to_numpy(tensor, "x")
    assert out.dtype == expected.dtype
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


def test_to_numpy_torch_requires_grad_and_views():
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = to_numpy(w * 2, "x")
    np.testing.assert_array_equal(out, [[2.0, 4.0], [6.0, 8.0]])
    out = to_numpy(w, "x")
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(to_numpy(w.t(), "x"), [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(to_numpy(w[:, 1], "x"), [2.0, 4.0])
    assert w.grad is None  # nothing was backpropagated


def test_to_numpy_torch_bfloat16_widens_exactly():
    values = [0.5, -3.0, 1.0078125, 256.0, 3.3895313892515355e38]  # all bfloat16-exact
    t = torch.tensor(values, dtype=torch.bfloat16)
    out = to_numpy(t, "x")
    assert out.dtype == np.float32
    assert out.tolist() == values
    out = to_numpy(torch.tensor(values, dtype=torch.bfloat16, requires_grad=True), "x")
    assert out.tolist() == values


@pytest.mark.parametrize("fake", FAKES, ids=lambda f: f.__name__)
def test_to_numpy_fake_frameworks(fake):
    for array in (
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.array([1, 2, 3], dtype=np.int64),
        np.array(2.5),
        np.array([True, False]),
    ):
        out = to_numpy(fake(array), "x")
        assert isinstance(out, np.ndarray)
        assert out.dtype == array.dtype
        assert out.shape == array.shape
        np.testing.assert_array_equal(out, array)


def test_fake_cupy_goes_through_get():
    fake = FakeCuPy(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(to_numpy(fake, "x"), [1.0, 2.0])
    assert fake.gets == 1


@pytest.mark.parametrize(
    "value", [None, "1.0", b"12", bytearray(b"1"), object(), {"a": 1}, {1, 2}],
    ids=["None", "str", "bytes", "bytearray", "object", "dict", "set"],
)
def test_to_numpy_rejects_non_arrays_naming_the_argument(value):
    with pytest.raises(TypeError, match="my_arg"):
        to_numpy(value, "my_arg")


@pytest.mark.parametrize(
    "value",
    [[[1, 2], [3]], [1, "a", None], [object()], np.array([object(), 1])],
    ids=["ragged", "mixed", "objects", "object-array"],
)
def test_to_numpy_rejects_object_arrays(value):
    with pytest.raises(TypeError, match="my_arg"):
        to_numpy(value, "my_arg")


# --- to_float -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (1.25, 1.25),
        (0.1, 0.1),  # not rounded here: float32 rounding is the writer's
        (3, 3.0),
        (-(2**62), float(-(2**62))),
        (True, 1.0),
        (False, 0.0),
        (np.float64(0.1), 0.1),
        (np.float32(0.1), float(np.float32(0.1))),
        (np.float16(0.5), 0.5),
        (np.int64(-9), -9.0),
        (np.uint8(200), 200.0),
        (np.bool_(True), 1.0),
        (np.array(4.5), 4.5),
        (np.array([[4.5]]), 4.5),
        ([2.0], 2.0),
        ([[3]], 3.0),
        (torch.tensor(1.5), 1.5),
        (torch.tensor([[2.5]]), 2.5),
        (torch.tensor(0.1, dtype=torch.float64), 0.1),
        (torch.tensor(2.0, requires_grad=True) * 3, 6.0),
        (torch.tensor(1.5, dtype=torch.bfloat16), 1.5),
        (torch.tensor(0.25, dtype=torch.float16), 0.25),
        (torch.tensor(7), 7.0),
        (torch.tensor(True), 1.0),
        (OnlyArray(np.float64(0.1)), 0.1),
        (OnlyNumpyMethod(np.array([0.5])), 0.5),
        (OnlyDLPack(np.array([0.75])), 0.75),
        (FakeCuPy(np.array(1.75)), 1.75),
    ],
)
def test_to_float(value, expected):
    out = to_float(value, "v")
    assert isinstance(out, float)  # a Python float (np.float64 is one)
    assert out == expected


def test_to_float_nonfinite_pass_through():
    assert np.isnan(to_float(float("nan"), "v"))
    assert np.isnan(to_float(np.float32("nan"), "v"))
    assert to_float(float("inf"), "v") == float("inf")
    assert to_float(torch.tensor(float("-inf")), "v") == float("-inf")


@pytest.mark.parametrize(
    "value,exc",
    [
        ([1.0, 2.0], ValueError),
        (np.zeros(0), ValueError),
        (np.zeros((2, 1)), ValueError),
        (torch.zeros(2), ValueError),
        (torch.zeros(0), ValueError),
        (OnlyArray(np.zeros(3)), ValueError),
        (1 + 2j, TypeError),
        (np.complex128(1), TypeError),
        (torch.tensor(1 + 2j), TypeError),
        (np.array(["1"]), TypeError),
        (None, TypeError),
        ("1.5", TypeError),
        (object(), TypeError),
    ],
)
def test_to_float_rejects(value, exc):
    with pytest.raises(exc, match="the_value"):
        to_float(value, "the_value")


def test_to_float_huge_int_is_a_value_error():
    # An int beyond float range: a TypeError/ValueError naming the argument,
    # like every other bad input (not an OverflowError).
    with pytest.raises((TypeError, ValueError), match="the_value"):
        to_float(10**400, "the_value")


# --- to_step ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, 0),
        (5, 5),
        (-3, -3),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (np.int64(12), 12),
        (np.uint32(7), 7),
        (np.uint64(2**63 - 1), 2**63 - 1),
        (4.0, 4),
        (-2.0, -2),
        (np.float32(8.0), 8),
        (np.float64(1e15), 10**15),
        (torch.tensor(9), 9),
        (torch.tensor(10.0), 10),
        (torch.tensor([11], dtype=torch.int32), 11),
        (np.array(13), 13),
        (np.array([14]), 14),
        (OnlyArray(np.int64(15)), 15),
    ],
)
def test_to_step(value, expected):
    out = to_step(value)
    assert type(out) is int
    assert out == expected


@pytest.mark.parametrize(
    "value,exc",
    [
        (True, TypeError),
        (1.5, ValueError),
        (np.float32(2.5), ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (2**63, ValueError),
        (-(2**63) - 1, ValueError),
        (np.uint64(2**64 - 1), ValueError),
        (1e19, ValueError),
        (torch.tensor(1.5), ValueError),
        ("3", TypeError),
        (None, TypeError),
        (np.array([1, 2]), TypeError),
        (object(), TypeError),
    ],
)
def test_to_step_rejects(value, exc):
    with pytest.raises(exc, match="my_step"):
        to_step(value, "my_step")


def test_to_step_default_name():
    with pytest.raises(ValueError, match="global_step"):
        to_step(0.5)


# --- to_walltime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (1700000000.123456, 1700000000.123456),
        (0, 0.0),
        (1, 1.0),
        (np.float64(1600000000.5), 1600000000.5),
        (np.int64(1500000000), 1500000000.0),
        (torch.tensor(1650000000.25, dtype=torch.float64), 1650000000.25),
        (np.array(12.5), 12.5),
    ],
)
def test_to_walltime(value, expected):
    out = to_walltime(value)
    assert isinstance(out, float)
    assert out == expected


@pytest.mark.parametrize(
    "value,exc",
    [
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (float("-inf"), ValueError),
        (np.float32("nan"), ValueError),
        (torch.tensor(float("inf")), ValueError),
        ("now", TypeError),
        (None, TypeError),
        ([1.0, 2.0], TypeError),
    ],
)
def test_to_walltime_rejects(value, exc):
    with pytest.raises(exc, match="walltime"):
        to_walltime(value)


# --- no framework imports -----------------------------------------------------------------


def test_import_tfevents_imports_no_framework(tmp_path):
    script = textwrap.dedent(
        """
        import sys, tfevents
        print([m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules])
        import numpy as np
        w = tfevents.SummaryWriter(sys.argv[1])
        w.add_scalar('s', 1.0, 0)
        w.add_histogram('h', np.arange(5), 0)
        w.add_image('i', np.zeros((3, 2, 2)), 0)
        w.add_text('t', 'x', 0)
        w.add_pr_curve('p', [0, 1], [0.2, 0.8], 0)
        w.close()
        print([m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "[]"]


def test_convert_module_does_not_import_frameworks():
    with open(convert.__file__, encoding="utf-8") as f:
        source = f.read()
    for name in ("torch", "jax", "tensorflow", "cupy"):
        assert f"import {name}" not in source
