"""Framework values logged without a host sync (#14): jax.Arrays and torch tensors.

A jax.Array given to ``add_scalar`` that is still being computed is kept as it is (its
host copy started where it lives on an accelerator) and read on the background thread;
one already computed on the CPU is read at once (nothing to wait for, and safe from a
later donation). Either way, what is written is exactly the value passed (as float32), in call
order, among Python floats, numpy scalars and torch tensors. An array whose computation
fails is reported by the next ``flush`` as a ``tfevents.LoggedValueError``, and every
other event is written.

"Still running" is proved without any clock: the value comes from an ``io_callback`` that
waits on a ``threading.Event`` the test sets only after ``add_scalar`` has returned. (On
CPU, XLA runs a program with host callbacks inline, on the calling thread, when its inputs
are ready; so the gated program takes as input the result of a slow matmul loop that is
still running, and then runs on XLA's own thread. Should the matmul loop have finished
first, the callback sees it is inline, does not wait, and the attempt is repeated with a
longer loop.)
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import tfevents
from tfevents import reader

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
torch = pytest.importorskip("torch")
from jax.experimental import checkify, io_callback  # noqa: E402

GATE_TIMEOUT_S = 60.0  # only a safety net against a hang: nothing is timed


# --- helpers -------------------------------------------------------------------------------


def run_scalars(logdir: Any) -> dict[str, reader.ScalarSeries]:
    return reader.read_run_scalars(logdir)


def as_f32(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).astype(np.float32)


def assert_same_f32(got: Any, expected: Any) -> None:
    """Bit-for-bit float32 equality (NaN equal to NaN, -0.0 apart from 0.0)."""
    got32, want32 = as_f32(got), as_f32(expected)
    assert got32.shape == want32.shape, (got32, want32)
    assert np.array_equal(got32.view(np.uint32), want32.view(np.uint32)), (got32, want32)


def expected_f32(value: Any) -> np.float32:
    """The float32 of what was passed, computed independently of tfevents."""
    if isinstance(value, torch.Tensor):
        return np.float32(value.detach().double().item())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (1e40 overflows to inf)
        return np.float32(np.asarray(value).astype(np.float64).reshape(()))


@jax.jit
def _busy(m: Any, n: Any) -> Any:
    """A matmul loop of ``n`` iterations: a computation that runs for a while."""
    return jax.lax.fori_loop(0, n, lambda i, m: jnp.tanh(m @ m), m)


_BUSY_INPUT = None


def busy(n: int) -> Any:
    """A not-yet-computed jax.Array (``n`` matmuls of 384x384 away)."""
    global _BUSY_INPUT
    if _BUSY_INPUT is None:
        _BUSY_INPUT = jnp.full((384, 384), 0.01, jnp.float32)
        _busy(_BUSY_INPUT, 1).block_until_ready()  # compiled once
    return _busy(_BUSY_INPUT, n)


class Gate:
    """A host callback that holds its computation until ``open()`` (or fails then)."""

    def __init__(self, fail: str | None = None) -> None:
        self.event = threading.Event()
        self.fail = fail
        self.dispatching_thread = threading.get_ident()
        self.inline = False
        self.released: bool | None = None  # set when the callback returns: was it opened?

    def callback(self, x: np.ndarray) -> np.ndarray:
        if threading.get_ident() == self.dispatching_thread:
            self.inline = True  # inputs were ready: waiting here would block the test
            return np.asarray(x, np.float32)
        self.released = self.event.wait(GATE_TIMEOUT_S)
        if self.fail:
            raise RuntimeError(self.fail)
        return np.asarray(x, np.float32)

    def open(self) -> None:
        self.event.set()


def _gated(gate: Gate) -> Callable[..., Any]:
    out = jax.ShapeDtypeStruct((), jnp.float32)

    @jax.jit
    def gated(x: Any, m: Any) -> Any:
        return io_callback(gate.callback, out, x + 0.0 * m[0, 0])

    return gated


def pending_value(x: float, fail: str | None = None) -> tuple[Any, Gate]:
    """A 0-d float32 jax.Array equal to ``x`` whose computation waits for its gate to
    open (then returns ``x``, or raises ``RuntimeError(fail)``)."""
    for n in (50, 200, 800, 3200):
        gate = Gate(fail)
        value = _gated(gate)(np.float32(x), busy(n))
        if not gate.inline:
            return value, gate
    pytest.skip("the matmul loop always ended before the gated program was dispatched")


@contextlib.contextmanager
def jax_flag(name: str, value: Any) -> Iterator[None]:
    old = getattr(jax.config, name)
    jax.config.update(name, value)
    try:
        yield
    finally:
        jax.config.update(name, old)


# --- exact values, in call order ------------------------------------------------------------


def mixed_values() -> list[Any]:
    """Python floats, numpy scalars, jax.Arrays and torch tensors of one value each."""
    x = jnp.float32(2.0)
    return [
        0.1, -0.0, float("nan"), float("inf"), 1e40, 7,
        np.float32(0.1), np.float64(0.1), np.float16(0.1), np.int64(2**40 + 1), np.bool_(True),
        jnp.float32(0.1), jnp.bfloat16(0.1), jnp.float16(0.1), jnp.int32(-7), jnp.bool_(True),
        jnp.array([0.25], jnp.float32), jnp.array([[0.5]], jnp.float32),
        jnp.sqrt(x), jnp.log(x - 2.0), jnp.log(x - 3.0), (x * 1e30) * 1e30, jax.jit(jnp.sin)(x),
        torch.tensor(0.1), torch.tensor(0.1, dtype=torch.float64), torch.tensor(0.1, dtype=torch.bfloat16),
        torch.tensor(3), torch.tensor([0.75]), torch.tensor(1.5, requires_grad=True) * 2,
    ]


def test_values_are_exact_and_in_call_order(tmp_path: Any) -> None:
    values = mixed_values()
    expected = [expected_f32(v) for v in values]
    rounds = 3  # > SMALL_BATCH events per tag: the vectorised encoder too
    with tfevents.SummaryWriter(tmp_path) as w:
        for r in range(rounds):
            for i, v in enumerate(values):
                step = r * len(values) + i
                w.add_scalar("mixed", v, step)
                w.add_scalar("other", (i % 5) * 0.5 if i % 2 else jnp.float32(step), step)
            if r == 0:
                w.flush()  # a small batch, written alone
    series = run_scalars(tmp_path)
    n = rounds * len(values)
    assert series["mixed"].steps.tolist() == list(range(n))
    assert_same_f32(series["mixed"].values, expected * rounds)
    assert np.all(np.diff(series["mixed"].wall_times) >= 0)
    other = [np.float32((i % 5) * 0.5) if i % 2 else np.float32(r * len(values) + i)
             for r in range(rounds) for i in range(len(values))]
    assert_same_f32(series["other"].values, other)


def test_many_jax_values_in_one_batch(tmp_path: Any) -> None:
    """Thousands of still-unread arrays (several background writes), every one exact."""
    steps = jnp.arange(3000, dtype=jnp.float32)
    metrics = jax.jit(lambda s: (jnp.sin(s), s / 7.0))
    logged: dict[str, list[Any]] = {"sin": [], "div": []}
    with tfevents.SummaryWriter(tmp_path, max_queue=10) as w:
        for i in range(3000):
            a, b = metrics(steps[i])
            w.add_scalar("sin", a, i)
            w.add_scalar("div", b, i)
            logged["sin"].append(a)
            logged["div"].append(b)
            if i % 100 == 0:
                w.add_scalar("div", 0.5, i)  # a float among them, same tag
                logged["div"].append(0.5)
    series = run_scalars(tmp_path)
    for tag, values in logged.items():
        assert_same_f32(series[tag].values, [expected_f32(v) for v in values])
    assert series["div"].steps.tolist() == sorted(series["div"].steps.tolist())
    assert series["sin"].steps.tolist() == list(range(3000))


# --- no sync on the call --------------------------------------------------------------------


def test_add_scalar_returns_before_the_computation_ends(tmp_path: Any) -> None:
    value, gate = pending_value(1.25)
    with tfevents.SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 3.0, 0)
        w.add_scalar("loss", value, 1)  # would wait GATE_TIMEOUT_S if it synced
        # add_scalar has returned, and the computation is still held by the gate:
        assert gate.released is None and not value.is_ready()
        w.add_scalar("loss", np.float32(0.5), 2)
        w.add_scalar("lr", 0.1, 1)
        gate.open()
        w.flush()
        assert gate.released is True  # the callback ended after the Event was set
        series = run_scalars(tmp_path)
        assert series["loss"].steps.tolist() == [0, 1, 2]
        assert_same_f32(series["loss"].values, [3.0, 1.25, 0.5])
        assert_same_f32(series["lr"].values, [0.1])


def test_tensor_form_scalar_is_not_synchronised_either(tmp_path: Any) -> None:
    """add_scalar(new_style=True) (what the CLU and Keras writers use, as tf.summary writes
    scalars) keeps the array too: the rank-0 tensor is built when it is written."""
    value, gate = pending_value(2.5)
    with tfevents.SummaryWriter(tmp_path) as w:
        w.add_scalar("t", value, 0, new_style=True)  # would wait GATE_TIMEOUT_S if it synced
        assert gate.released is None and not value.is_ready()
        w.add_scalar("t", np.float32(0.75), 1, new_style=True)
        gate.open()
        w.flush()
    got = [(d.step, d.kind, float(d.value)) for d in reader.read_values(str(tmp_path), tag="t")]
    assert got == [(0, "scalar", 2.5), (1, "scalar", 0.75)]


def test_background_write_waits_for_a_pending_value_without_losing_later_ones(tmp_path: Any) -> None:
    """The background thread may meet the pending value first: it waits for it, and the
    values logged meanwhile (by the caller, which does not wait) follow it in order."""
    value, gate = pending_value(-2.0)
    with tfevents.SummaryWriter(tmp_path, flush_secs=0.05) as w:
        w.add_scalar("x", value, 0)
        for step in range(1, 2001):
            w.add_scalar("x", float(step), step)
        assert gate.released is None
        gate.open()
    series = run_scalars(tmp_path)
    assert series["x"].steps.tolist() == list(range(2001))
    assert_same_f32(series["x"].values, [-2.0, *range(1, 2001)])


# --- failing computations -------------------------------------------------------------------


def failing_io_callback() -> tuple[Any, Callable[[], None], str]:
    value, gate = pending_value(1.0, fail="io_callback: the data loader died")
    return value, gate.open, "the data loader died"


def dispatched_while_busy(step: Callable[[Any, Any], Any], x: float) -> Any:
    """``step(x, busy)``'s result, dispatched while its input is still being computed
    (so that it fails on XLA's thread, later, not in the call). ``step`` is compiled
    first (with an input that is ready); the attempt is repeated with a longer loop if
    the failure came at once."""
    for n in (50, 200, 800, 3200):
        try:
            return step(jnp.float32(x), busy(n))
        except Exception:  # the loop ended first: the program ran inline and failed
            continue
    pytest.skip("the matmul loop always ended before the failing program was dispatched")


def nan_check_debug_callback() -> tuple[Any, Callable[[], None], str]:
    def check_finite(y: np.ndarray) -> None:
        if not np.isfinite(y):
            raise FloatingPointError(f"loss is not finite: {y}")

    @jax.jit
    def step(x: Any, m: Any) -> Any:
        loss = jnp.log(x - 2.0) + 0.0 * m[0, 0]  # NaN for x < 2
        jax.debug.callback(check_finite, loss)
        return loss

    step(jnp.float32(3.0), busy(1).block_until_ready()).block_until_ready()  # compiled
    return dispatched_while_busy(step, 1.5), lambda: None, "loss is not finite"


def checkify_runtime_error() -> tuple[Any, Callable[[], None], str]:
    @jax.jit
    def step(x: Any, m: Any) -> Any:
        loss = x + 0.0 * m[0, 0]
        checkify.check(loss < 0, "loss must be negative")
        return loss

    with jax_flag("jax_experimental_unsafe_xla_runtime_errors", True):
        step(jnp.float32(-1.0), busy(1).block_until_ready()).block_until_ready()  # compiled
        return dispatched_while_busy(step, 1.5), lambda: None, "loss must be negative"


FAILURES = {
    "io_callback": failing_io_callback,
    "debug_callback_nan_check": nan_check_debug_callback,
    "checkify": checkify_runtime_error,
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (also warned from the background thread)
@pytest.mark.parametrize("kind", list(FAILURES))
def test_failed_computation_is_reported_at_flush_and_the_rest_written(tmp_path: Any, kind: str) -> None:
    w = tfevents.SummaryWriter(tmp_path)
    w.add_scalar("loss", 1.0, 0)
    w.add_scalar("loss", jnp.float32(2.0), 1)
    bad, release, message = FAILURES[kind]()
    w.add_scalar("loss", bad, 2)  # no error on the call
    w.add_histogram("weights", np.arange(10.0), 2)
    w.add_scalar("loss", torch.tensor(4.0), 3)
    w.add_scalar("lr", 0.01, 3)
    release()
    with pytest.raises(tfevents.LoggedValueError) as info:
        w.flush()
    assert "1 logged value(s) could not be read" in str(info.value)
    assert message in str(info.value)
    w.add_scalar("loss", 5.0, 4)
    w.flush()  # reported once; the writer goes on
    w.close()
    series = run_scalars(tmp_path)
    assert series["loss"].steps.tolist() == [0, 1, 3, 4]
    assert_same_f32(series["loss"].values, [1.0, 2.0, 4.0, 5.0])
    assert_same_f32(series["lr"].values, [0.01])
    assert [d.step for d in reader.read_values(tmp_path, kind="histogram")] == [2]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_failed_computation_is_reported_by_close(tmp_path: Any) -> None:
    w = tfevents.SummaryWriter(tmp_path)
    bad, release, message = failing_io_callback()
    w.add_scalar("a", bad, 0)
    w.add_scalar("a", 1.0, 1)
    release()
    with pytest.raises(tfevents.LoggedValueError, match=message):
        w.close()
    w.close()  # closed: nothing more to say
    assert_same_f32(run_scalars(tmp_path)["a"].values, [1.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_logged_value_error_names_the_tag_and_step(tmp_path: Any) -> None:
    w = tfevents.SummaryWriter(tmp_path)
    bad, release, _ = failing_io_callback()
    w.add_scalar("train/loss", bad, 17)
    release()
    with pytest.raises(tfevents.LoggedValueError) as info:
        w.flush()
    w.close()
    assert "'train/loss'" in str(info.value) and "step 17" in str(info.value)


def test_jax_debug_nans_raises_in_the_users_call_not_in_the_writer(tmp_path: Any) -> None:
    """jax_debug_nans checks every output on the host as it is made (a sync of its own):
    the NaN is raised by the jitted call, before add_scalar sees anything; the writer
    logs every finite value and is left working. (In a fresh interpreter: the flag is
    JAX's global state, and after the rest of the suite it did not raise in-process.)"""
    script = f"""
import jax, jax.numpy as jnp, tfevents
jax.config.update("jax_debug_nans", True)
with tfevents.SummaryWriter({str(tmp_path)!r}) as w:
    loss = jax.jit(lambda x: jnp.log(x))
    w.add_scalar("loss", loss(jnp.float32(2.0)), 0)
    try:
        w.add_scalar("loss", loss(jnp.float32(-1.0)), 1)
    except FloatingPointError:
        print("tfevents-test: FloatingPointError raised")
    w.add_scalar("loss", loss(jnp.float32(4.0)), 2)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "tfevents-test: FloatingPointError raised" in done.stdout.splitlines()
    series = run_scalars(tmp_path)
    assert series["loss"].steps.tolist() == [0, 2]
    assert_same_f32(series["loss"].values, [np.log(np.float32(2)), np.log(np.float32(4))])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_computed_array_donated_after_logging_keeps_its_value(tmp_path: Any) -> None:
    step_fn = jax.jit(lambda s: s + 1.0, donate_argnums=0)
    state = jnp.float32(0.0) + 10.0
    state.block_until_ready()
    with tfevents.SummaryWriter(tmp_path, flush_secs=60) as w:
        for step in range(3):
            w.add_scalar("state", state, step)
            state = step_fn(state)
            state.block_until_ready()
    assert_same_f32(run_scalars(tmp_path)["state"].values, [10.0, 11.0, 12.0])


# --- torch: snapshot semantics --------------------------------------------------------------


def test_torch_cpu_tensor_changed_in_place_logs_the_value_it_had(tmp_path: Any) -> None:
    t = torch.tensor(1.5)
    buffer = torch.zeros(4)
    param = torch.nn.Parameter(torch.tensor(0.25))
    with tfevents.SummaryWriter(tmp_path, flush_secs=60) as w:
        w.add_scalar("t", t, 0)
        t.add_(1.0)
        w.add_scalar("t", t, 1)
        t.fill_(-3.0)
        w.add_scalar("view", buffer[2], 0)  # a view into a larger tensor
        buffer.add_(7.0)
        w.add_scalar("param", param, 0)
        with torch.no_grad():
            param.mul_(4.0)
        w.flush()
    series = run_scalars(tmp_path)
    assert_same_f32(series["t"].values, [1.5, 2.5])
    assert_same_f32(series["view"].values, [0.0])
    assert_same_f32(series["param"].values, [0.25])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_torch_cuda_tensor_changed_in_place_logs_the_value_it_had(tmp_path: Any) -> None:
    t = torch.tensor(1.5, device="cuda")
    with tfevents.SummaryWriter(tmp_path, flush_secs=60) as w:
        w.add_scalar("t", t, 0)
        t.add_(1.0)
        w.add_scalar("t", t, 1)
        t.fill_(-3.0)
    assert_same_f32(run_scalars(tmp_path)["t"].values, [1.5, 2.5])



@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_add_scalar_of_cuda_tensors_never_synchronises(tmp_path: Any) -> None:
    """The call keeps a copy on the device; only the background write reads it back. With
    torch's sync debug mode at "error", any synchronising operation on the call's path
    raises. (The mode is process-wide: the writer's thread must not write meanwhile, so
    the calls stay below its queue's threshold and its flush interval.)"""
    values = [torch.full((), i * 0.5, device="cuda") for i in range(200)]
    torch.cuda.synchronize()
    with tfevents.SummaryWriter(tmp_path, flush_secs=600) as w:
        w.add_scalar("loss", values[0], 0)  # (the writer's first call opens the run)
        torch.cuda.set_sync_debug_mode("error")
        try:
            for i, value in enumerate(values[1:], 1):
                w.add_scalar("loss", value, i)
                w.add_scalar("double", value * 2, i)  # computed on the device, not yet run
        finally:
            torch.cuda.set_sync_debug_mode("default")
    series = run_scalars(tmp_path)
    assert_same_f32(series["loss"].values, [i * 0.5 for i in range(200)])
    assert_same_f32(series["double"].values, [i * 1.0 for i in range(1, 200)])

# --- the other methods with jax arrays ------------------------------------------------------


def log_everything(w: Any, make: Callable[[np.ndarray], Any]) -> None:
    rng = np.random.default_rng(0)
    weights = rng.normal(size=1000).astype(np.float32)
    image = rng.random((3, 16, 24), dtype=np.float32)
    labels = rng.random(200) > 0.5
    predictions = rng.random(200).astype(np.float32)
    for step in range(2):
        w.add_histogram("weights", make(weights + step), step, walltime=100.0 + step)
        w.add_image("image", make(image), step, walltime=100.0 + step)
        w.add_images("images", make(np.stack([image, 1 - image])), step, walltime=100.0 + step)
        w.add_pr_curve("pr", make(labels), make(predictions), step, walltime=100.0 + step)
        w.add_scalars("group", {"a": make(np.float32(0.5 + step)), "b": make(np.float32(-1))},
                      step, walltime=100.0 + step)
        w.add_scalar("new_style", make(np.float32(0.1 * step)), step, walltime=100.0 + step,
                     new_style=True)
    w.add_scalar_array("series", make(np.linspace(0, 1, 50, dtype=np.float32)), walltimes=100.0)


def test_other_methods_take_jax_arrays_and_write_what_numpy_would(tmp_path: Any) -> None:
    for name, make in (("numpy", np.asarray), ("jax", jnp.asarray)):
        with tfevents.SummaryWriter(tmp_path / name) as w:
            log_everything(w, make)
    def values(run: str) -> list[tuple[str, str, int, str, Any]]:
        return [(d.run, d.tag, d.step, d.kind, d.value) for d in reader.read_values(tmp_path / run)]
    got, want = values("jax"), values("numpy")
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert {g[3] for g in got} >= {"histogram", "image", "pr_curve", "scalar"}
    for g, w in zip(got, want):
        assert same(g[4], w[4]), g[:4]
    # the bytes too: the files differ only in their first record (the header's wall time)
    assert records_after_header(tmp_path / "jax") == records_after_header(tmp_path / "numpy")


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if hasattr(a, "__dataclass_fields__"):
        return type(a) is type(b) and all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return bool(a == b)


def records_after_header(run: Any) -> bytes:
    (path,) = run.glob("*tfevents*")
    data = path.read_bytes()
    first = 8 + 4 + int.from_bytes(data[:8], "little") + 4
    return data[first:]


# --- TensorBoard shows what was written ------------------------------------------------------


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    logdir = tmp_path_factory.mktemp("jax_values_tb")
    run = logdir / "run"
    w = tfevents.SummaryWriter(run)
    expected = []
    for step in range(6):
        if step == 3:
            bad, release, _ = failing_io_callback()
            w.add_scalar("loss", bad, step)
            release()
            continue
        value = jnp.float32(step) * 0.5 if step % 2 else float(step)
        w.add_scalar("loss", value, step)
        expected.append((step, float(np.float32(step * 0.5 if step % 2 else step))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(tfevents.LoggedValueError):
            w.close()
    return {"logdir": logdir, "expected": expected}


@pytest.fixture(scope="module")
def tb_logdir(failed_run: dict[str, Any]) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(failed_run["logdir"])


@pytest.mark.server
def test_tensorboard_shows_every_value_but_the_failed_one(tb: Any, failed_run: dict[str, Any]) -> None:
    expected = failed_run["expected"]

    def loaded() -> Any:
        points = tb.get_json("/data/plugin/scalars/scalars", run="run", tag="loss")
        return points if len(points) == len(expected) else None

    points = tb.wait_for(loaded, what="the run's scalars")
    assert [(p[1], p[2]) for p in points] == expected
    series = run_scalars(failed_run["logdir"] / "run")["loss"]
    assert [(int(s), float(v)) for s, v in zip(series.steps, series.values)] == expected
