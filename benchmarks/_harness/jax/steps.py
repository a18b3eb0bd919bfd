"""(a)-(c): jitted computations and train steps, logged and not logged."""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..stats import Summary, rotations
from .common import METRICS, Dirs, check_values, make_writer

# --- (a) a still-running computation ---------------------------------------------------------


def part_a(args: argparse.Namespace, dirs: Dirs) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    size, iters = (256, 20) if args.quick else (512, 120)

    @jax.jit
    def long_step(m: Any) -> Any:
        out = jax.lax.fori_loop(0, iters, lambda i, m: jnp.tanh(m @ m), m)
        return out[0, 0] + out.mean()

    m = jnp.full((size, size), 0.01, jnp.float32)
    long_step(m).block_until_ready()
    calls, computes, still_running = [], [], []
    for _ in range(args.reps):
        logdir = dirs.new("a")
        w = make_writer("tfevents", logdir)
        w.add_scalar("loss", jnp.float32(0.0) + 1.0, 0)  # the writer's first call, untimed
        gc.collect()
        t0 = time.perf_counter()
        value = long_step(m)
        t1 = time.perf_counter()
        w.add_scalar("loss", value, 1)
        t2 = time.perf_counter()
        still_running.append(not value.is_ready())
        value.block_until_ready()
        t3 = time.perf_counter()
        w.close()
        check_values(logdir, {"loss": [1.0, np.asarray(value)]}, "(a) tfevents")
        dirs.drop(logdir)
        calls.append(t2 - t1)
        computes.append(t3 - t0)
    return {"call": Summary.of(calls), "compute": Summary.of(computes), "running": still_running,
            "shape": f"{iters} tanh(m @ m) of {size}x{size} float32"}


# --- (b) a train step of a few ms with 8 metrics ---------------------------------------------


def _mlp(quick: bool) -> tuple[Callable[..., Any], Any, Any, Any]:
    import jax
    import jax.numpy as jnp

    width, batch = (128, 32) if quick else (512, 128)
    key = jax.random.PRNGKey(0)
    k1, k2, k3, k4 = jax.random.split(key, 4)
    params = {
        "w1": jax.random.normal(k1, (width, width)) * 0.05,
        "w2": jax.random.normal(k2, (width, width)) * 0.05,
        "w3": jax.random.normal(k3, (width, 10)) * 0.05,
    }
    x = jax.random.normal(k4, (batch, width))
    y = jnp.arange(batch) % 10

    def loss_fn(p: Any) -> tuple[Any, Any]:
        h = jax.nn.relu(x @ p["w1"])
        h = jax.nn.relu(h @ p["w2"])
        logits = h @ p["w3"]
        loss = -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(batch), y])
        return loss, logits

    @jax.jit
    def step(p: Any, ema: Any) -> tuple[Any, Any, tuple[Any, ...]]:
        (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(p)
        p = jax.tree_util.tree_map(lambda a, g: a - 0.01 * g, p, grads)
        ema = 0.9 * ema + 0.1 * loss
        metrics = (
            loss, jnp.mean(jnp.argmax(logits, 1) == y), logits.mean(), logits.std(), logits.max(),
            jnp.linalg.norm(p["w3"]), jnp.linalg.norm(grads["w3"]), ema,
        )
        return p, ema, metrics

    return step, params, jnp.zeros(()), width


def part_b(args: argparse.Namespace, dirs: Dirs) -> dict[str, Any]:
    import jax

    step, params0, ema0, width = _mlp(args.quick)
    steps = 20 if args.quick else 150
    names = [f"train/{n}" for n in METRICS]
    p, e, _ = step(params0, ema0)
    jax.block_until_ready(p)
    t = time.perf_counter()
    for _ in range(10):
        p, e, _ = step(p, e)
    jax.block_until_ready(p)
    step_ms = (time.perf_counter() - t) / 10 * 1e3

    def run(variant: str) -> float:
        logdir = dirs.new(f"b-{variant}")
        p, e = params0, ema0
        kept = []
        gc.collect()
        t0 = time.perf_counter()
        w = None if variant == "none" else make_writer(variant, logdir)
        for i in range(steps):
            p, e, metrics = step(p, e)
            if variant == "tfevents":
                for name, value in zip(names, metrics):
                    w.add_scalar(name, value, i)
            elif w is not None:  # torch's writer refuses a jax.Array: its users write float(x)
                for name, value in zip(names, metrics):
                    w.add_scalar(name, float(value), i)
            kept.append(metrics)
        if w is not None:
            w.close()
        jax.block_until_ready((p, kept))
        total = time.perf_counter() - t0
        if w is not None:
            host = np.asarray(jax.device_get(kept), dtype=np.float32)
            check_values(logdir, {n: host[:, k] for k, n in enumerate(names)}, f"(b) {variant}")
        dirs.drop(logdir)
        return total / steps

    variants = ["none", "tfevents", "torch", "tensorboardX"]
    for v in variants:  # warm-up: imports, first calls
        run(v)
    samples: dict[str, list[float]] = {v: [] for v in variants}
    for _, order in rotations(variants, args.reps):
        for v in order:
            samples[v].append(run(v))
    return {"samples": {v: Summary.of(s) for v, s in samples.items()}, "steps": steps,
            "step_ms": step_ms, "width": width}


# --- (c) a tiny step: is dispatch still pipelined? ------------------------------------------


def part_c(args: argparse.Namespace, dirs: Dirs) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    steps = 500 if args.quick else 4000

    @jax.jit
    def tiny(s: Any) -> tuple[Any, Any]:
        s = jnp.tanh(s @ s.T) * 0.5 + s * 0.5
        return s, jnp.mean(s)

    s0 = jnp.full((32, 32), 0.01, jnp.float32)
    s, _ = tiny(s0)
    s.block_until_ready()

    def run(variant: str) -> float:
        logdir = dirs.new(f"c-{variant}")
        s = s0
        losses = []
        gc.collect()
        t0 = time.perf_counter()
        w = make_writer("tfevents", logdir) if variant == "tfevents" else None
        for i in range(steps):
            s, loss = tiny(s)
            if w is not None:
                w.add_scalar("loss", loss, i)
                losses.append(loss)
            elif variant == "float":
                losses.append(float(loss))
        if w is not None:
            w.close()
        s.block_until_ready()
        total = time.perf_counter() - t0
        if w is not None:
            check_values(logdir, {"loss": np.asarray(jax.device_get(losses))}, "(c) tfevents")
        dirs.drop(logdir)
        return total / steps

    variants = ["none", "tfevents", "float"]
    for v in variants:
        run(v)
    samples: dict[str, list[float]] = {v: [] for v in variants}
    for _, order in rotations(variants, args.reps):
        for v in order:
            samples[v].append(run(v))
    return {"samples": {v: Summary.of(x) for v, x in samples.items()}, "steps": steps}
