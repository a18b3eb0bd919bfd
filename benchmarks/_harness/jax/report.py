"""The JAX benchmark's report: its targets with verdicts, and its tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..machine import package_version
from ..markdown import fmt_num, markdown_table
from .common import WRITER_LABELS


def us(seconds: float) -> str:
    return fmt_num(seconds * 1e6)


@dataclass
class Verdict:
    key: str
    what: str
    target: str
    measured: str
    value: float  # the figure compared with the previous run's
    unit: str
    met: bool
    higher_is_better: bool = False


def verdicts(report: dict[str, Any]) -> list[Verdict]:
    """The targets of the JAX issue (#14), from this run's figures."""
    a, b, c, d, e = (report[k] for k in "abcde")
    b_none = b["samples"]["none"].median
    b_tfe = b["samples"]["tfevents"].median
    b_over = (b_tfe / b_none - 1) * 100
    c_none, c_tfe, c_float = (c["samples"][k].median for k in ("none", "tfevents", "float"))
    d_call = d["calls"]["tfevents"].median / d["calls"]["float"].median
    d_whole = d["wholes"]["tfevents"].median / d["calls"]["float"].median
    e_s = e["samples"]
    e_ratio = e_s[("tfevents", "tensor")].median / e_s[("tfevents", "np.float32")].median
    a_call, a_compute = a["call"].median, a["compute"].median
    peers = ", ".join(f"{WRITER_LABELS[k]} {(b['samples'][k].median / b_none - 1) * 100:+.1f} %"
                      for k in ("torch", "tensorboardX"))
    return [
        Verdict("jax_running", "add_scalar of a jax.Array still being computed",
                "returns at once: well under 1 ms, the computation still running",
                f"**{us(a_call)} µs** call vs {fmt_num(a_compute * 1e3)} ms computation; still running "
                f"after the call in {sum(a['running'])}/{len(a['running'])} runs",
                a_call * 1e6, "µs", all(a["running"]) and a_call < 1e-3),
        Verdict("jax_train_step", f"jitted train step ({fmt_num(b['step_ms'])} ms) + 8 add_scalar per step, "
                "constructor to closed file", "≤ 5 % over not logging",
                f"{fmt_num(b_tfe * 1e3)} vs {fmt_num(b_none * 1e3)} ms/step: **{b_over:+.1f} %** ({peers}, "
                "given float(x))", b_tfe / b_none, "x", b_over <= 5),
        Verdict("jax_tiny_step", "tiny jitted step + 1 add_scalar per step",
                "pipelining kept: logging costs less than half a sync per step",
                f"{us(c_tfe)} vs {us(c_none)} µs/step not logging (**+{us(c_tfe - c_none)} µs**); "
                f"float(loss) per step {us(c_float)} µs/step (+{us(c_float - c_none)} µs)",
                (c_tfe - c_none) * 1e6, "µs/step", c_tfe - c_none < 0.5 * (c_float - c_none)),
        Verdict("jax_computed", "computed 0-d jax.Array: add_scalar against float(x)", "≤ 2x float(x)",
                f"{us(d['calls']['tfevents'].median)} vs {us(d['calls']['float'].median)} µs: "
                f"**{d_call:.2f}x** ({d_whole:.2f}x with close() and the background read)",
                d_call, "x", d_call <= 2 and d_whole <= 2),
        Verdict("torch_cpu_scalar", "torch CPU 0-d tensor against np.float32 (tfevents)", "≤ 3x",
                f"{us(e_s[('tfevents', 'tensor')].median)} vs {us(e_s[('tfevents', 'np.float32')].median)} "
                f"µs/call: **{e_ratio:.2f}x**", e_ratio, "x", e_ratio <= 3),
    ]


def versions() -> str:
    return f"jax {package_version('jax')}, jaxlib {package_version('jaxlib')}"


def render_body(report: dict[str, Any], heading: str = "##") -> str:
    """The tables of every part, under headings of level ``heading``."""
    h = heading
    e_s = report["e"]["samples"]
    a, b, c, d, e = (report[k] for k in "abcde")
    b_none = b["samples"]["none"].median
    lines = [f"{h} (a) add_scalar of a jax.Array whose computation is still running", "",
              f"Computation: {a['shape']}, jitted; its time is from dispatch to ready. The add_scalar call "
              "is timed alone; `is_ready()` is asked right after it returns.", "",
              markdown_table(["", "median", "min–max"], [
                  ["add_scalar call", f"{us(a['call'].median)} µs", f"{us(a['call'].low)}–{us(a['call'].high)} µs"],
                  ["computation", f"{fmt_num(a['compute'].median * 1e3)} ms",
                   f"{fmt_num(a['compute'].low * 1e3)}–{fmt_num(a['compute'].high * 1e3)} ms"],
              ]), ""]

    lines += [f"{h} (b) a jitted train step with 8 scalar metrics per step", "",
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

    lines += [f"{h} (c) a tiny jitted step, one scalar per step", "",
              f"A 32x32 `tanh(s @ s.T)` update and its mean, jitted; {c['steps']} steps per run, clock to the "
              "last step ready (and the writer closed).", "",
              markdown_table(["variant", "median µs/step", "min–max"], [
                  [name, us(s.median), f"{us(s.low)}–{us(s.high)}"]
                  for key, name in (("none", "no logging"), ("tfevents", "tfevents add_scalar(loss)"),
                                    ("float", "float(loss) per step (a sync)"))
                  for s in [c["samples"][key]]
              ]), ""]

    lines += [f"{h} (d) a computed 0-d jax.Array: add_scalar against float(x)", "",
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

    lines += [f"{h} (e) torch: a CPU 0-d tensor against an np.float32", "",
              f"Constructor to closed file, per call; tfevents {e['n']} calls per run, the peers a tenth of that.", "",
              markdown_table(["writer", "tensor µs/call", "np.float32 µs/call", "tensor ÷ np.float32"], [
                  [WRITER_LABELS[w], us(e_s[(w, "tensor")].median), us(e_s[(w, "np.float32")].median),
                   f"{e_s[(w, 'tensor')].median / e_s[(w, 'np.float32')].median:.2f}x"]
                  for w in ("tfevents", "torch", "tensorboardX")
              ]), ""]
    return "\n".join(lines) + "\n"
