"""Framework values logged without a sync (#14), on CPU: jax.Arrays and torch tensors.

    python benchmarks/bench_jax.py [--reps N] [--quick] [--write-results]

Parts, in this one process, each repeated ``--reps`` times with its variants in
round-robin order (after an untimed warm-up of each):

  (a) add_scalar of a jax.Array whose computation (a matmul loop of a few hundred ms) is
      still running: the add_scalar call's time against the computation's (dispatch to
      ready). The value is read back after close() and checked.
  (b) a jitted train step of a few ms (an MLP's forward, backward and SGD update, on CPU)
      returning 8 scalar metrics, 8 add_scalar calls per step, against the same loop
      without logging. The clock runs from the writer's constructor to the end of close()
      and the last step's result being ready. Reference: torch.utils.tensorboard and
      tensorboardX, given float(x) as their users must (torch's writer refuses a
      jax.Array): a sync per value.
  (c) a tiny jitted step (~20 µs) logging one scalar per step, against not logging, and
      against float(loss) per step (a sync per step: pipelining lost): does logging keep
      JAX's asynchronous dispatch?
  (d) a computed (ready) 0-d jax.Array: add_scalar's cost per call against float(x),
      each on fresh arrays (float() caches its host copy): the call alone, and the whole
      run with close() (the background read included).
  (e) torch: add_scalar of a CPU 0-d tensor against an np.float32, for tfevents and, for
      reference, torch.utils.tensorboard and tensorboardX (constructor to closed file).

Every event file is read back with tfevents.reader and its values checked. No figure is
asserted anywhere; ``--write-results`` writes benchmarks/RESULTS-jax.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.machine import load_average, machine_info, package_version
from _harness.markdown import fmt_num, markdown_table, report_head
from _harness.paths import BENCH_DIR
from _harness.stats import Summary, rotations

RESULTS_PATH = os.path.join(BENCH_DIR, "RESULTS-jax.md")
METRICS = ("loss", "accuracy", "logit_mean", "logit_std", "logit_max", "w_norm", "g_norm", "loss_ema")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--write-results", action="store_true", help="write benchmarks/RESULTS-jax.md")
    parser.add_argument("--results", default=RESULTS_PATH)
    parser.add_argument("--tmpdir", default=None)
    args = cli.parse(parser, argv)
    args.reps = args.reps or (1 if args.quick else 3)
    return args


# --- writers -------------------------------------------------------------------------------


def make_writer(key: str, logdir: str) -> Any:
    if key == "tfevents":
        import tfevents

        return tfevents.SummaryWriter(logdir)
    if key == "tensorboardX":
        import tensorboardX

        return tensorboardX.SummaryWriter(logdir=logdir)
    if key == "torch":
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=logdir)
    raise KeyError(key)


WRITER_LABELS = {
    "tfevents": "tfevents",
    "tensorboardX": "tensorboardX",
    "torch": "torch.utils.tensorboard",
}


def check_values(logdir: str, expected: dict[str, Any], who: str) -> int:
    """Every tag's values (float32) equal ``expected``, in order; the number of events."""
    from tfevents import reader

    series = reader.read_run_scalars(logdir)
    count = 0
    for tag, values in expected.items():
        want = np.asarray(values, dtype=np.float32)
        got = series[tag].values.astype(np.float32) if tag in series else np.array([], np.float32)
        if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
            raise AssertionError(f"{who}: tag {tag!r} holds {got[:5]}... ({got.size}), expected {want[:5]}... ({want.size})")
        count += got.size
    return count


class Dirs:
    def __init__(self, root: str | None) -> None:
        self.root = tempfile.mkdtemp(prefix="tfevents-bench-jax-", dir=root)
        self.n = 0

    def new(self, name: str) -> str:
        self.n += 1
        path = os.path.join(self.root, f"{self.n:04d}-{name}")
        os.makedirs(path)
        return path

    def drop(self, path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)


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


def run(args: argparse.Namespace) -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    dirs = Dirs(args.tmpdir)
    report: dict[str, Any] = {"argv": args.argv, "reps": args.reps, "quick": args.quick,
                              "load_before": load_average()}
    started = time.perf_counter()
    try:
        for key, part in (("a", part_a), ("b", part_b), ("c", part_c), ("d", part_d), ("e", part_e)):
            t0 = time.perf_counter()
            cli.log(f"=== ({key}) ===")
            report[key] = part(args, dirs)
            cli.log(f"=== ({key}) took {time.perf_counter() - t0:.0f} s ===")
    finally:
        shutil.rmtree(dirs.root, ignore_errors=True)
    report["wall_s"] = time.perf_counter() - started
    report["load_after"] = load_average()
    report["machine"] = machine_info()
    return report


def us(seconds: float) -> str:
    return fmt_num(seconds * 1e6)


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = report_head("tfevents: JAX and torch values logged without a sync (`bench_jax.py`)",
                        report["argv"], __file__)
    lines += [
        "Generated by `benchmarks/bench_jax.py --write-results`; do not edit by hand.",
        "",
        f"- Date: {m['date']}; the whole run took {report['wall_s']:.0f} s; "
        f"{report['reps']} repetitions{' (--quick)' if report['quick'] else ''}, variants in round-robin order.",
        f"- Machine: {m['cpu']}, {m['cores']}; {m['os']}. Load average {report['load_before']} at the start, "
        f"{report['load_after']} at the end (a shared machine: read the ratios, measured in the same run).",
        f"- {m['python']}, numpy {m['numpy']}, jax {package_version('jax')}, jaxlib {package_version('jaxlib')}, "
        f"torch {m['torch']}, tensorboardX {m['tensorboardX']}, tensorboard {m['tensorboard']}.",
        f"- tfevents source: {m['source']}.",
        "- All on CPU (the JAX CPU backend, with its asynchronous dispatch). Every event file read back "
        "and every value checked.",
        "",
    ]
    a, b, c, d, e = (report[k] for k in "abcde")
    b_none = b["samples"]["none"].median
    b_tfe = b["samples"]["tfevents"].median
    b_over = (b_tfe / b_none - 1) * 100
    c_none, c_tfe, c_float = (c["samples"][k].median for k in ("none", "tfevents", "float"))
    d_ratio_call = d["calls"]["tfevents"].median / d["calls"]["float"].median
    d_ratio_whole = d["wholes"]["tfevents"].median / d["calls"]["float"].median
    e_s = e["samples"]
    e_ratio = e_s[("tfevents", "tensor")].median / e_s[("tfevents", "np.float32")].median
    a_frac = a["call"].median / a["compute"].median
    rows = [
        ["(a) add_scalar of a jax.Array still being computed", "returns before the computation ends (no sync)",
         f"{us(a['call'].median)} µs call vs {fmt_num(a['compute'].median * 1e3)} ms computation "
         f"({a_frac * 100:.3f} %); still running after the call in {sum(a['running'])}/{len(a['running'])} runs",
         verdict(all(a["running"]) and a_frac < 0.01)],
        ["(b) jitted train step + 8 add_scalar per step, constructor to closed file",
         "overhead ≤ 5 % (this benchmark's own bar; the issue names none)",
         f"{fmt_num(b_tfe * 1e3)} vs {fmt_num(b_none * 1e3)} ms/step: **{b_over:+.1f} %** "
         f"(torch.utils.tensorboard {(b['samples']['torch'].median / b_none - 1) * 100:+.1f} %, "
         f"tensorboardX {(b['samples']['tensorboardX'].median / b_none - 1) * 100:+.1f} %)",
         verdict(b_over <= 5)],
        ["(c) tiny jitted step + 1 add_scalar per step", "pipelining kept: cost ≈ the call's, far below a sync per step",
         f"{us(c_tfe)} vs {us(c_none)} µs/step not logging (+{us(c_tfe - c_none)} µs); float(loss) per step: "
         f"{us(c_float)} µs/step (+{us(c_float - c_none)} µs)",
         verdict(c_tfe - c_none < 0.5 * (c_float - c_none))],
        ["(d) computed 0-d jax.Array: add_scalar vs float(x)", "≤ 2x float(x)",
         f"call {us(d['calls']['tfevents'].median)} µs vs float(x) {us(d['calls']['float'].median)} µs: "
         f"**{d_ratio_call:.2f}x**; with close() and the background read: {d_ratio_whole:.2f}x",
         verdict(d_ratio_call <= 2) + ("" if d_ratio_whole <= 2 else " (call); whole run missed")],
        ["(e) torch CPU 0-d tensor vs np.float32, tfevents", "within 3x",
         f"{us(e_s[('tfevents', 'tensor')].median)} vs {us(e_s[('tfevents', 'np.float32')].median)} µs/call: "
         f"**{e_ratio:.2f}x**", verdict(e_ratio <= 3)],
    ]
    lines += ["## Targets", "", markdown_table(["workload", "target", "this run", "verdict"], rows, "llll"), ""]

    lines += ["## (a) add_scalar of a jax.Array whose computation is still running", "",
              f"Computation: {a['shape']}, jitted; its time is from dispatch to ready. The add_scalar call "
              "is timed alone; `is_ready()` is asked right after it returns.", "",
              markdown_table(["", "median", "min–max"], [
                  ["add_scalar call", f"{us(a['call'].median)} µs", f"{us(a['call'].low)}–{us(a['call'].high)} µs"],
                  ["computation", f"{fmt_num(a['compute'].median * 1e3)} ms",
                   f"{fmt_num(a['compute'].low * 1e3)}–{fmt_num(a['compute'].high * 1e3)} ms"],
              ]), ""]

    lines += ["## (b) a jitted train step with 8 scalar metrics per step", "",
              f"A 3-layer MLP of width {b['width']} (forward, backward, SGD update, 8 metrics as 0-d arrays) "
              f"jitted; about {fmt_num(b['step_ms'])} ms per step alone; {b['steps']} steps per run. "
              "Clock: writer constructor → steps → close() → the last step ready. torch.utils.tensorboard and "
              "tensorboardX turn each array into a number on the call (a host sync each).", "",
              markdown_table(["variant", "median ms/step", "min–max", "overhead"], [
                  [name, fmt_num(s.median * 1e3), f"{fmt_num(s.low * 1e3)}–{fmt_num(s.high * 1e3)}",
                   "—" if key == "none" else f"{(s.median / b_none - 1) * 100:+.1f} %"]
                  for key, name in (("none", "no logging (metrics computed)"), ("tfevents", "tfevents"),
                                    ("torch", "torch.utils.tensorboard"), ("tensorboardX", "tensorboardX"))
                  for s in [b["samples"][key]]
              ]), ""]

    lines += ["## (c) a tiny jitted step, one scalar per step", "",
              f"A 32x32 `tanh(s @ s.T)` update and its mean, jitted; {c['steps']} steps per run, clock to the "
              "last step ready (and the writer closed).", "",
              markdown_table(["variant", "median µs/step", "min–max"], [
                  [name, us(s.median), f"{us(s.low)}–{us(s.high)}"]
                  for key, name in (("none", "no logging"), ("tfevents", "tfevents add_scalar(loss)"),
                                    ("float", "float(loss) per step (a sync)"))
                  for s in [c["samples"][key]]
              ]), ""]

    lines += ["## (d) a computed 0-d jax.Array: add_scalar against float(x)", "",
              f"{d['n']} fresh, computed 0-d arrays per run (float() caches an array's host value, so "
              "every call gets a new one). *call*: the loop alone; *whole*: constructor to closed file, "
              "the background thread's read of every value included.", "",
              markdown_table(["variant", "call µs/value", "min–max", "whole µs/value"], [
                  ["float(x)", us(d["calls"]["float"].median),
                   f"{us(d['calls']['float'].low)}–{us(d['calls']['float'].high)}", "—"],
                  ["tfevents add_scalar(x)", us(d["calls"]["tfevents"].median),
                   f"{us(d['calls']['tfevents'].low)}–{us(d['calls']['tfevents'].high)}",
                   us(d["wholes"]["tfevents"].median)],
              ]), ""]

    lines += ["## (e) torch: a CPU 0-d tensor against an np.float32", "",
              f"Constructor to closed file, per call; tfevents {e['n']} calls per run, the peers a tenth of that.", "",
              markdown_table(["writer", "tensor µs/call", "np.float32 µs/call", "tensor ÷ np.float32"], [
                  [WRITER_LABELS[w], us(e_s[(w, "tensor")].median), us(e_s[(w, "np.float32")].median),
                   f"{e_s[(w, 'tensor')].median / e_s[(w, 'np.float32')].median:.2f}x"]
                  for w in ("tfevents", "torch", "tensorboardX")
              ]), ""]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    return cli.finish(render(report), args.results if args.write_results else None)


if __name__ == "__main__":
    sys.exit(main())
