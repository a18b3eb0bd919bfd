"""Framework values logged without a sync (issue #14), on JAX's CPU backend, every value read back."""

import gc
import importlib.util
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .report import Target, fmt, table
from .runner import MAKERS, Summary, log, rounds, scratch, version
from .verify import checked

LABELS = {"tfevents": "tfevents", "torch": "torch.utils.tensorboard", "tensorboardX": "tensorboardX"}


def _loop(new: Callable[[], str], variant: str, steps: int, step: Callable[[int], Any], tags: list[str]) -> float:
    """Seconds per step of ``steps`` calls of ``step(i)`` (a tuple of 0-d arrays), each logged
    by ``variant``'s writer (the peers given float(x)), constructor to closed file and the last
    result ready; none: not logged; float: float(x) of each, a sync. The file is checked."""
    import jax

    logdir, kept = new(), []
    gc.collect()
    t0 = time.perf_counter()
    w = MAKERS[variant](logdir) if variant in LABELS else None
    for i in range(steps):
        kept.append(values := step(i))
        for tag, x in zip(tags, values) if w is not None or variant == "float" else ():
            x = x if variant == "tfevents" else float(x)
            if w is not None:
                w.add_scalar(tag, x, i)
    if w is not None:
        w.close()
    jax.block_until_ready(kept)
    total = time.perf_counter() - t0
    if w is not None:
        host = np.asarray(jax.device_get(kept), dtype=np.float32)
        checked(logdir, {t: (range(steps), host[:, k]) for k, t in enumerate(tags)}, variant)
    return total / steps


def run(opts: Any) -> dict[str, Any] | None:
    if importlib.util.find_spec("jax") is None:
        log("jax is not installed: the jax part is left out")
        return None
    import jax
    import jax.numpy as jnp

    quick, reps, out = opts.quick, opts.reps, {"reps": opts.reps}
    with scratch(opts, "jax") as root:
        new = lambda: tempfile.mkdtemp(dir=root)  # noqa: E731
        log("jax (a) ...")  # a still-running computation
        size, iters = (256, 20) if quick else (512, 120)
        long_step = jax.jit(lambda m: (lambda o: o[0, 0] + o.mean())(jax.lax.fori_loop(0, iters, lambda i, m: jnp.tanh(m @ m), m)))
        m = jnp.full((size, size), 0.01, jnp.float32)
        long_step(m).block_until_ready()
        a: dict[str, Any] = {"call": [], "compute": [], "running": [], "shape": f"{iters} tanh(m @ m) of {size}x{size} float32"}
        for _ in range(reps):
            w = MAKERS["tfevents"](logdir := new())
            w.add_scalar("loss", jnp.float32(0.0) + 1.0, 0)  # the writer's first call, untimed
            gc.collect()
            t0 = time.perf_counter()
            value = long_step(m)
            t1 = time.perf_counter()
            w.add_scalar("loss", value, 1)
            a["call"].append(time.perf_counter() - t1)
            a["running"].append(not value.is_ready())
            value.block_until_ready()
            a["compute"].append(time.perf_counter() - t0)
            w.close()
            checked(logdir, {"loss": ([0, 1], [1.0, np.asarray(value)])}, "(a) tfevents")
        out["a"] = {**a, "call": Summary.of(a["call"]), "compute": Summary.of(a["compute"])}

        log("jax (b) ...")  # a train step of a few ms with 8 metrics
        width, batch, steps = (128, 32, 20) if quick else (512, 128, 150)
        k = jax.random.split(jax.random.PRNGKey(0), 4)
        params0 = {n: jax.random.normal(key, shape) * 0.05 for n, key, shape in zip(("w1", "w2", "w3"), k, ((width, width),) * 2 + ((width, 10),))}
        x, y = jax.random.normal(k[3], (batch, width)), jnp.arange(batch) % 10

        def loss_fn(p: Any) -> tuple[Any, Any]:
            logits = jax.nn.relu(jax.nn.relu(x @ p["w1"]) @ p["w2"]) @ p["w3"]
            return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(batch), y]), logits

        @jax.jit
        def train(p: Any, ema: Any) -> tuple[Any, Any, tuple[Any, ...]]:
            (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(p)
            p, ema = jax.tree_util.tree_map(lambda a, g: a - 0.01 * g, p, grads), 0.9 * ema + 0.1 * loss
            return p, ema, (loss, jnp.mean(jnp.argmax(logits, 1) == y), logits.mean(), logits.std(), logits.max(),
                            jnp.linalg.norm(p["w3"]), jnp.linalg.norm(grads["w3"]), ema)

        state = list(train(params0, jnp.zeros(()))[:2])
        jax.block_until_ready(state)
        t0 = time.perf_counter()
        for _ in range(10):
            state = list(train(*state)[:2])
        jax.block_until_ready(state)
        step_ms = (time.perf_counter() - t0) / 10 * 1e3

        def step_b(i: int) -> Any:
            if i == 0:
                state[:] = [params0, jnp.zeros(())]
            state[0], state[1], metrics = train(*state)
            return metrics

        tags = [f"train/{n}" for n in ("loss", "accuracy", "logit_mean", "logit_std", "logit_max", "w_norm", "g_norm", "loss_ema")]
        b = rounds(["none", "tfevents", "torch", "tensorboardX"], reps, lambda v: _loop(new, v, steps, step_b, tags))
        out["b"] = {"samples": {v: Summary.of(s) for v, s in b.items()}, "steps": steps, "step_ms": step_ms, "width": width}

        log("jax (c) ...")  # a tiny step: is dispatch still pipelined?
        tiny = jax.jit(lambda s: (lambda s: (s, jnp.mean(s)))(jnp.tanh(s @ s.T) * 0.5 + s * 0.5))
        s = [jnp.full((32, 32), 0.01, jnp.float32)]
        tiny(s[0])[0].block_until_ready()

        def step_c(i: int) -> Any:
            s[0], loss = tiny(s[0] if i else jnp.full((32, 32), 0.01, jnp.float32))
            return (loss,)

        c = rounds(["none", "tfevents", "float"], reps, lambda v: _loop(new, v, 500 if quick else 4000, step_c, ["loss"]))
        out["c"] = {"samples": {v: Summary.of(x) for v, x in c.items()}, "steps": 500 if quick else 4000}

        log("jax (d) ...")  # a computed scalar: add_scalar against float(x)
        n = 2000 if quick else 20000
        make = jax.jit(lambda k: jnp.sin(jnp.arange(n, dtype=jnp.float32) + k))

        def d_run(variant: str) -> tuple[float, float]:
            xs = list(make(1.0))  # n fresh 0-d arrays, computed
            jax.block_until_ready(xs)
            gc.collect()
            w = MAKERS["tfevents"](logdir := new()) if variant == "tfevents" else None
            add = w.add_scalar if w is not None else lambda tag, x, i: float(x)
            t0 = time.perf_counter()
            for i, x in enumerate(xs):
                add("x", x, i)
            t1 = time.perf_counter()
            if w is None:
                return (t1 - t0) / n, 0.0
            w.close()
            t2 = time.perf_counter()
            checked(logdir, {"x": (range(n), np.asarray(jax.device_get(xs)))}, "(d) tfevents")
            return (t1 - t0) / n, (t2 - t0) / n

        d = rounds(["float", "tfevents"], reps, d_run)
        out["d"] = {"calls": {v: Summary.of([r[0] for r in x]) for v, x in d.items()}, "whole": Summary.of([r[1] for r in d["tfevents"]]), "n": n}

        log("jax (e) ...")  # torch: a CPU 0-d tensor against an np.float32
        import torch

        values = np.sin(np.arange(n, dtype=np.float32))
        items = {"tensor": [torch.tensor(v) for v in values], "np.float32": [np.float32(v) for v in values]}

        def e_run(case: tuple[str, str]) -> float:
            count = n if case[0] == "tfevents" else n // 10  # the peers are ~50x slower per call
            gc.collect()
            t0 = time.perf_counter()
            w = MAKERS[case[0]](logdir := new())
            add, xs = w.add_scalar, items[case[1]]
            for i in range(count):
                add("x", xs[i], i)
            w.close()
            total = time.perf_counter() - t0
            checked(logdir, {"x": (range(count), values[:count])}, f"(e) {case[0]} {case[1]}")
            return total / count

        e = rounds([(w, k) for w in LABELS for k in items], reps, e_run, name=" ".join)
        out["e"] = {"samples": {k: Summary.of(v) for k, v in e.items()}, "n": n}
    return out


def us(seconds: float) -> str:
    return fmt(seconds * 1e6)


def targets(res: dict[str, Any]) -> list[Target]:
    a, b, c, d, e = (res[k] for k in "abcde")
    none, ours = b["samples"]["none"].median, b["samples"]["tfevents"].median
    over = (ours / none - 1) * 100
    peers = ", ".join(f"{LABELS[k]} {(b['samples'][k].median / none - 1) * 100:+.1f} %" for k in ("torch", "tensorboardX"))
    c_none, c_ours, c_float = (c["samples"][k].median for k in ("none", "tfevents", "float"))
    d_call, d_float = d["calls"]["tfevents"].median, d["calls"]["float"].median
    e_tensor, e_np = e["samples"]["tfevents tensor"].median, e["samples"]["tfevents np.float32"].median
    return [
        Target("jax_running", "add_scalar of a jax.Array still being computed", "returns at once: well under 1 ms, the computation still running",
               f"**{us(a['call'].median)} µs** call vs {fmt(a['compute'].median * 1e3)} ms computation; still running after the call in "
               f"{sum(a['running'])}/{len(a['running'])} runs", a["call"].median * 1e6, "µs", all(a["running"]) and a["call"].median < 1e-3, False),
        Target("jax_train_step", f"jitted train step ({fmt(b['step_ms'])} ms) + 8 add_scalar per step, constructor to closed file",
               "≤ 5 % over not logging", f"{fmt(ours * 1e3)} vs {fmt(none * 1e3)} ms/step: **{over:+.1f} %** ({peers}, given float(x))",
               ours / none, "x", over <= 5, False),
        Target("jax_tiny_step", "tiny jitted step + 1 add_scalar per step", "pipelining kept: logging costs less than half a sync per step",
               f"{us(c_ours)} vs {us(c_none)} µs/step not logging (**+{us(c_ours - c_none)} µs**); float(loss) per step {us(c_float)} µs/step "
               f"(+{us(c_float - c_none)} µs)", (c_ours - c_none) * 1e6, "µs/step", c_ours - c_none < 0.5 * (c_float - c_none), False),
        Target("jax_computed", "computed 0-d jax.Array: add_scalar against float(x)", "≤ 2x float(x)",
               f"{us(d_call)} vs {us(d_float)} µs: **{d_call / d_float:.2f}x** ({d['whole'].median / d_float:.2f}x with close() and the background "
               f"read)", d_call / d_float, "x", d_call / d_float <= 2 and d["whole"].median / d_float <= 2, False),
        Target("torch_cpu_scalar", "torch CPU 0-d tensor against np.float32 (tfevents)", "≤ 3x",
               f"{us(e_tensor)} vs {us(e_np)} µs/call: **{e_tensor / e_np:.2f}x**", e_tensor / e_np, "x", e_tensor / e_np <= 3, False),
    ]


def section(res: dict[str, Any]) -> str:
    a, b, c, d, e = (res[k] for k in "abcde")
    ms = lambda s: fmt(s * 1e3)  # noqa: E731
    span = lambda s, f=us: f"{f(s.low)}–{f(s.high)}"  # noqa: E731
    rows = lambda part, f, names: [[name, f(part[k].median), span(part[k], f)] for k, name in names.items()]  # noqa: E731
    b_names = {"none": "no logging (metrics computed)", "tfevents": "tfevents", "torch": LABELS["torch"], "tensorboardX": "tensorboardX"}
    b_rows = [[*row, "—" if k == "none" else f"{(b['samples'][k].median / b['samples']['none'].median - 1) * 100:+.1f} %"]
              for k, row in zip(b_names, rows(b["samples"], ms, b_names))]
    return "\n".join([
        "## JAX and torch values logged without a sync (`run_all.py --parts jax`)", "",
        f"- Repetitions: {res['reps']}; jax {version('jax')}, jaxlib {version('jaxlib')}; on JAX's CPU backend (asynchronous dispatch); every value read back.", "",
        "### (a) add_scalar of a jax.Array whose computation is still running", "",
        f"Computation: {a['shape']}, jitted, timed from dispatch to ready; the add_scalar call timed alone, `is_ready()` asked right after it.", "",
        table(["", "median", "min–max"], [["add_scalar call", f"{us(a['call'].median)} µs", f"{span(a['call'])} µs"],
                                         ["computation", f"{ms(a['compute'].median)} ms", f"{span(a['compute'], ms)} ms"]]), "",
        "### (b) a jitted train step with 8 scalar metrics per step", "",
        f"A 3-layer MLP of width {b['width']} (forward, backward, SGD update, 8 metrics as 0-d arrays) jitted; about {fmt(b['step_ms'])} ms per step "
        f"alone; {b['steps']} steps per run. Clock: writer constructor → steps → close() → the last step ready. torch.utils.tensorboard and "
        f"tensorboardX turn each array into a number on the call (a host sync each).", "",
        table(["variant", "median ms/step", "min–max", "overhead"], b_rows), "",
        "### (c) a tiny jitted step, one scalar per step", "",
        f"A 32x32 `tanh(s @ s.T)` update and its mean, jitted; {c['steps']} steps per run, to the last step ready (and the writer closed).", "",
        table(["variant", "median µs/step", "min–max"], rows(c["samples"], us, {"none": "no logging", "tfevents": "tfevents add_scalar(loss)",
                                                                              "float": "float(loss) per step (a sync)"})), "",
        "### (d) a computed 0-d jax.Array: add_scalar against float(x)", "",
        f"{d['n']} fresh computed 0-d arrays per run (float() caches an array's host value). *call*: the loop alone; *whole*: constructor to closed file.", "",
        table(["variant", "call µs/value", "min–max", "whole µs/value"], [[*r, w] for r, w in zip(
            rows(d["calls"], us, {"float": "float(x)", "tfevents": "tfevents add_scalar(x)"}), ["—", us(d["whole"].median)])]), "",
        "### (e) torch: a CPU 0-d tensor against an np.float32", "",
        f"Constructor to closed file, per call; tfevents {e['n']} calls per run, the peers a tenth of that.", "",
        table(["writer", "tensor µs/call", "np.float32 µs/call", "tensor ÷ np.float32"], [
            [name, us(t.median), us(f.median), f"{t.median / f.median:.2f}x"] for k, name in LABELS.items()
            for t, f in [(e["samples"][f"{k} tensor"], e["samples"][f"{k} np.float32"])]]), "", ""])
