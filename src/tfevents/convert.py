"""Anything array-like to numpy, by duck typing: tfevents never imports a framework.

Handles numpy arrays and scalars, Python numbers and (nested) lists, and tensors from
torch (``detach``/``cpu``/``numpy``), JAX and TensorFlow (``__array__`` / ``numpy()``),
CuPy (``get``) and anything else speaking ``__array__`` or ``__dlpack__``.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy as np

from tfevents.errors import ArgumentError, ArgumentTypeError

_STANDARD_KINDS = frozenset("biufcUSO")


def to_numpy(value: Any, name: str) -> np.ndarray:
    """Returns ``value`` as a numpy array; ``name`` is the argument named in errors."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (numbers.Number, np.generic, list, tuple)):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(f"{name} could not be converted to an array: {exc}") from None
    else:
        array = _from_framework(value, name)
    if array.dtype.kind not in _STANDARD_KINDS:
        # bfloat16 and float8 arrive as ml_dtypes types (kind 'V'): widen them.
        try:
            array = array.astype(np.float32)
        except (TypeError, ValueError):
            raise ArgumentTypeError(f"{name} has unsupported dtype {array.dtype}") from None
    if array.dtype == object:
        raise ArgumentTypeError(
            f"{name} must be numeric (an array, tensor, number or list of numbers), "
            f"got an array of Python objects from {type(value).__name__}"
        )
    return array


def _from_framework(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes, bytearray)):
        raise ArgumentTypeError(f"{name} must be numeric, got {type(value).__name__}")
    if value is None:
        raise ArgumentTypeError(f"{name} must be an array, tensor or number, got None")
    # torch: detach from autograd, move to host; bfloat16 has no numpy dtype.
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        tensor = value.detach()
        if str(getattr(tensor, "dtype", "")) in ("torch.bfloat16",) or "float8" in str(
            getattr(tensor, "dtype", "")
        ):
            tensor = tensor.float()
        return np.asarray(tensor.cpu().numpy())
    # CuPy: implicit host conversion is refused by design, ask for it explicitly.
    if hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):
        return np.asarray(value.get())
    if hasattr(value, "__array__"):
        try:
            return np.asarray(value)
        except ValueError:
            # A 0-d bfloat16 EagerTensor's __array__ gives an ml_dtypes scalar, not an
            # array; its numpy() is an array.
            if not (hasattr(value, "numpy") and callable(value.numpy)):
                raise
            return np.asarray(value.numpy())
    if hasattr(value, "numpy") and callable(value.numpy):  # TensorFlow eager tensors
        return np.asarray(value.numpy())
    if hasattr(value, "__dlpack__"):
        return np.from_dlpack(value)
    raise ArgumentTypeError(
        f"{name} must be an array, tensor or number, got {type(value).__module__}."
        f"{type(value).__qualname__}"
    )


def to_float(value: Any, name: str) -> float:
    """A single number as a Python float (NaN and ±Inf pass through)."""
    if isinstance(value, float):
        return value
    if isinstance(value, (int, np.integer, np.floating, np.bool_)):
        try:
            return float(value)
        except OverflowError:
            raise ArgumentError(f"{name} is too large for a float: {value!r:.40}") from None
    if hasattr(value, "item") and hasattr(value, "numel") and hasattr(value, "detach"):
        if value.numel() != 1:
            raise ArgumentError(f"{name} must hold exactly one value, got shape {tuple(value.shape)}")
        item = value.detach().item()
        if isinstance(item, complex):
            raise ArgumentTypeError(f"{name} must be real, got a complex tensor")
        return float(item)
    array = to_numpy(value, name)
    if array.size != 1:
        raise ArgumentError(f"{name} must hold exactly one value, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must be a real number, got dtype {array.dtype}")
    return float(array.reshape(()))


# --- framework scalars: logged without a host sync per call ---------------------------


class Deferred:
    """A one-element framework value kept until the background thread writes it.

    ``group`` says how to read it: ``("torch", device)`` values of one device are
    stacked and copied to the host at once (one sync for the batch); ``("jax",)``
    arrays already have their host copy under way and are fetched together.
    """

    __slots__ = ("group", "value")

    def __init__(self, value: Any, group: tuple[Any, ...]) -> None:
        self.value = value
        self.group = group


_FRAMEWORKS: dict[type, str | None] = {}


def framework_of(value: Any) -> str | None:
    """``"torch"`` for a torch.Tensor, ``"jax"`` for a concrete jax.Array, else None:
    recognised by type without importing either, and remembered per type (one dict
    lookup: ``add_scalar`` asks for every value that is not a Python float)."""
    cls = type(value)
    try:
        return _FRAMEWORKS[cls]
    except KeyError:
        pass
    module = cls.__module__
    if module.startswith("torch") and hasattr(cls, "detach") and hasattr(cls, "numel"):
        kind: str | None = "torch"
    elif module.startswith("jax") and hasattr(cls, "copy_to_host_async"):
        kind = "jax"
    else:
        kind = None
    if len(_FRAMEWORKS) < 4096:  # (bounded: classes made on the fly are not kept for ever)
        _FRAMEWORKS[cls] = kind
    return kind


# sharding -> whether its one device is a CPU, by id() (hashing a sharding costs more than
# reading the platform); the sharding is kept so that its id is not reused meanwhile.
_CPU_SHARDINGS: dict[int, tuple[Any, bool]] = {}


def _on_cpu(value: Any) -> bool:
    """Whether a jax.Array lives on one CPU device (its memory is the host's)."""
    sharding = value.sharding
    known = _CPU_SHARDINGS.get(id(sharding))
    if known is not None and known[0] is sharding:
        return bool(known[1])
    try:
        on_cpu = bool(value.device.platform == "cpu")
    except Exception:  # (an array over several devices has no single .device)
        on_cpu = False
    if len(_CPU_SHARDINGS) >= 256:
        _CPU_SHARDINGS.clear()
    _CPU_SHARDINGS[id(sharding)] = (sharding, on_cpu)
    return on_cpu


def defer_scalar(value: Any, name: str) -> float | Deferred:
    """A torch tensor or jax.Array of one value, as a number or a ``Deferred``.

    ``.item()`` (or ``float()``) of a GPU tensor or of a jax.Array still being computed
    waits for the device: a sync per logged value, and a stalled pipeline. Instead:

    - a torch tensor on the CPU is read at once (no device to wait for);
    - one on another device is copied on that device (``clone``: asynchronous, and later
      in-place updates of the caller's tensor do not change what was logged; ``detach``:
      no autograd graph is kept alive) and read with the others of its device;
    - a jax.Array on the CPU whose computation has ended is read at once, like a torch
      CPU tensor: nothing to wait for, cheaper than a deferred read, and the value is
      safe from a later donation (``donate_argnums``), which deletes the array; one still
      being computed is kept and read on the background thread (its memory is the
      host's: no copy is started, and starting one would stall JAX's dispatch);
    - any other jax.Array is immutable: it is kept as it is, its host copy is started
      (``copy_to_host_async``), and it is read on the background thread.
    """
    if framework_of(value) == "jax":
        if getattr(value, "size", 1) != 1:
            raise ArgumentError(f"{name} must hold exactly one value, got shape {tuple(value.shape)}")
        kind = getattr(getattr(value, "dtype", None), "kind", "f")
        if kind == "c":
            raise ArgumentTypeError(f"{name} must be real, got a complex array")
        if kind not in "biufV":
            raise ArgumentTypeError(f"{name} must be a real number, got dtype {value.dtype}")
        if _on_cpu(value):  # host memory already: no copy to start (starting one stalls dispatch)
            if value.is_ready():
                # (np.asarray without a dtype: a view of the buffer, half the cost)
                return float(np.asarray(value).reshape(()))
            return Deferred(value, ("jax",))
        value.copy_to_host_async()
        return Deferred(value, ("jax",))
    device = value.device
    if device.type == "meta":
        raise ArgumentError(f"{name} is a tensor on the meta device, which holds no value")
    if value.numel() != 1:
        raise ArgumentError(f"{name} must hold exactly one value, got shape {tuple(value.shape)}")
    if value.is_complex():
        raise ArgumentTypeError(f"{name} must be real, got a complex tensor")
    if device.type == "cpu":
        return float(value.item())
    return Deferred(value.detach().reshape(()).clone(), ("torch", device))


def resolve_scalars(values: list[float | Deferred]) -> np.ndarray:
    """float32 array of numbers and ``Deferred`` values: one host copy per device."""
    out = np.empty(len(values), dtype=np.float32)
    groups: dict[tuple[Any, ...], list[int]] = {}
    with np.errstate(over="ignore"):
        for i, value in enumerate(values):
            if isinstance(value, Deferred):
                groups.setdefault(value.group, []).append(i)
            else:
                out[i] = value
    for group, indices in groups.items():
        items = [_deferred(values[i]) for i in indices]
        framework = sys.modules[group[0]]
        if group[0] == "torch":
            host = framework.stack([t.float() for t in items]).cpu().numpy()  # one sync
        else:
            # (host copies were started on the call; device_get would start them again)
            host = np.array([np.asarray(a, dtype=np.float32).reshape(()) for a in items])
        with np.errstate(over="ignore"):
            out[indices] = host
    return out


def _deferred(value: float | Deferred) -> Any:
    assert isinstance(value, Deferred)
    return value.value
