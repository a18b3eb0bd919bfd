"""(d) and (e): the cost of one add_scalar call on a framework scalar."""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import numpy as np

from ..stats import Summary, rotations
from .common import Dirs, check_values, make_writer

# --- (d) a computed jax scalar: add_scalar vs float(x) ---------------------------------------


def part_d(args: argparse.Namespace, dirs: Dirs) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    n = 2000 if args.quick else 20000

    def pool() -> list[Any]:
        base = jax.jit(lambda k: jnp.sin(jnp.arange(n, dtype=jnp.float32) + k))(1.0)
        xs = list(base)  # n fresh 0-d arrays, computed
        jax.block_until_ready(xs)
        return xs

    def run(variant: str) -> tuple[float, float]:
        xs = pool()
        logdir = dirs.new(f"d-{variant}")
        gc.collect()
        if variant == "float":
            t0 = time.perf_counter()
            out = [float(x) for x in xs]
            t1 = time.perf_counter()
            del out
            dirs.drop(logdir)
            return (t1 - t0) / n, (t1 - t0) / n
        w = make_writer("tfevents", logdir)
        add = w.add_scalar
        t0 = time.perf_counter()
        for i, x in enumerate(xs):
            add("x", x, i)
        t1 = time.perf_counter()
        w.close()
        t2 = time.perf_counter()
        check_values(logdir, {"x": np.asarray(jax.device_get(xs))}, "(d) tfevents")
        dirs.drop(logdir)
        return (t1 - t0) / n, (t2 - t0) / n

    variants = ["float", "tfevents"]
    for v in variants:
        run(v)
    calls: dict[str, list[float]] = {v: [] for v in variants}
    wholes: dict[str, list[float]] = {v: [] for v in variants}
    for _, order in rotations(variants, args.reps):
        for v in order:
            c, wh = run(v)
            calls[v].append(c)
            wholes[v].append(wh)
    return {"calls": {v: Summary.of(x) for v, x in calls.items()},
            "wholes": {v: Summary.of(x) for v, x in wholes.items()}, "n": n}


# --- (e) torch CPU 0-d tensor vs np.float32 --------------------------------------------------


def part_e(args: argparse.Namespace, dirs: Dirs) -> dict[str, Any]:
    import torch

    n = 2000 if args.quick else 20000
    values = np.sin(np.arange(n, dtype=np.float32))
    tensors = [torch.tensor(v) for v in values]
    scalars = [np.float32(v) for v in values]

    def run(writer: str, kind: str) -> float:
        items = tensors if kind == "tensor" else scalars
        count = n if writer == "tfevents" else n // 10  # the peers are ~50x slower per call
        logdir = dirs.new(f"e-{writer}-{kind}")
        gc.collect()
        t0 = time.perf_counter()
        w = make_writer(writer, logdir)
        add = w.add_scalar
        for i in range(count):
            add("x", items[i], i)
        w.close()
        total = time.perf_counter() - t0
        check_values(logdir, {"x": values[:count]}, f"(e) {writer} {kind}")
        dirs.drop(logdir)
        return total / count

    cases = [(w, k) for w in ("tfevents", "torch", "tensorboardX") for k in ("tensor", "np.float32")]
    for c in cases:
        run(*c)
    samples: dict[tuple[str, str], list[float]] = {c: [] for c in cases}
    for _, order in rotations(cases, args.reps):
        for c in order:
            samples[c].append(run(*c))
    return {"samples": {c: Summary.of(x) for c, x in samples.items()}, "n": n}


# --- the report ------------------------------------------------------------------------------
