"""The files read back: what each writer wrote, and what every reader must find there.

Scalars: T tags x S steps, value ``step * 0.5 + tag`` (exact in float32), wall time
1.7e9. Histograms: 30 buckets of width 0.25 from ``step * 0.5`` with small integer
counts, all exact in float64, written with ``add_histogram_raw`` (so the expected table
is known without recomputing a histogram). PR curves: ``add_pr_curve_raw`` of six rows
of exact float32 values.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

WALL = 1.7e9
BUCKETS = 30
THRESHOLDS = 127


@dataclass(frozen=True)
class FileSpec:
    """One file to write: ``kind`` of values, by ``source`` (a writer and its call)."""

    kind: str  # "scalar", "histogram" or "pr_curve"
    source: str  # a key of WRITERS
    tags: int
    steps: int

    @property
    def count(self) -> int:
        return self.tags * self.steps

    @property
    def dirname(self) -> str:
        # ("tfevents" in a directory name makes EventAccumulator take it for a file)
        return f"{self.kind}_{self.source.replace('tfevents', 'ours')}_{self.tags}x{self.steps}"


def scalar_tag(t: int) -> str:
    return f"metric/tag_{t}"


def value_tag(kind: str, t: int) -> str:
    return f"{kind}/tag_{t}"


def expected_scalars(tag: int, steps: int) -> np.ndarray:
    values: np.ndarray = (np.arange(steps, dtype=np.float32) * np.float32(0.5) + np.float32(tag)).astype(np.float64)
    return values


def histogram_raw(tag: int, step: int) -> dict[str, Any]:
    """``add_histogram_raw``'s arguments: every bucket non-empty, ``max`` the last limit."""
    low = step * 0.5 + tag
    limits = low + np.arange(1, BUCKETS + 1) * 0.25
    counts = (1 + (np.arange(BUCKETS) * 7 + step + tag) % 13).astype(np.float64)
    mids = (np.concatenate([[low], limits[:-1]]) + limits) / 2
    return {"min": low, "max": float(limits[-1]), "num": int(counts.sum()),
            "sum": float((counts * mids).sum()), "sum_squares": float((counts * mids**2).sum()),
            "bucket_limits": limits.tolist(), "bucket_counts": counts.tolist()}


def expected_histogram(tag: int, step: int) -> np.ndarray:
    """The ``[k, 3]`` table of ``histogram_raw(tag, step)``: [left, right, count] rows."""
    raw = histogram_raw(tag, step)
    limits = np.array(raw["bucket_limits"])
    lefts = np.concatenate([[raw["min"]], limits[:-1]])
    return np.stack([lefts, limits, np.array(raw["bucket_counts"])], axis=1)


def expected_pr_curve(tag: int, step: int) -> np.ndarray:
    """``[6, THRESHOLDS]`` float32: tp, fp, tn, fn, precision, recall (exact values)."""
    base = np.arange(THRESHOLDS, dtype=np.float32)
    rows = [base + np.float32(step + tag + k) for k in range(4)]
    rows += [base / np.float32(128), np.float32(1) - base / np.float32(128)]
    return np.stack(rows)


def _scalar_array(w: Any, spec: FileSpec) -> None:
    for t in range(spec.tags):
        w.add_scalar_array(scalar_tag(t), expected_scalars(t, spec.steps), walltimes=WALL)


def _scalar_loop(w: Any, spec: FileSpec) -> None:
    values = [expected_scalars(t, spec.steps).tolist() for t in range(spec.tags)]
    for s in range(spec.steps):
        for t in range(spec.tags):
            w.add_scalar(scalar_tag(t), values[t][s], s, walltime=WALL)


def _histograms(w: Any, spec: FileSpec) -> None:
    for s in range(spec.steps):
        for t in range(spec.tags):
            w.add_histogram_raw(value_tag("histogram", t), global_step=s, walltime=WALL, **histogram_raw(t, s))


def _pr_curves(w: Any, spec: FileSpec) -> None:
    for s in range(spec.steps):
        for t in range(spec.tags):
            rows = expected_pr_curve(t, s)
            w.add_pr_curve_raw(value_tag("pr_curve", t), *rows, global_step=s,
                               num_thresholds=THRESHOLDS, walltime=WALL)


def _tfevents(legacy: bool) -> Callable[[str], Any]:
    def make(directory: str) -> Any:
        import tfevents

        return tfevents.SummaryWriter(directory, legacy_forms=legacy)
    return make


def _torch(directory: str) -> Any:
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(directory, max_queue=10_000)


# source -> (label, make writer, what it calls per kind)
WRITERS: dict[str, tuple[str, Callable[[str], Any], dict[str, Callable[[Any, FileSpec], None]]]] = {
    "tfevents-array": ("tfevents, `add_scalar_array`", _tfevents(False), {"scalar": _scalar_array}),
    "tfevents-loop": ("tfevents, `add_scalar` loop", _tfevents(False), {"scalar": _scalar_loop}),
    "tfevents": ("tfevents (tensor form)", _tfevents(False), {"histogram": _histograms, "pr_curve": _pr_curves}),
    "tfevents-legacy": ("tfevents, `legacy_forms=True`", _tfevents(True), {"histogram": _histograms}),
    "torch": ("torch.utils.tensorboard", _torch,
              {"scalar": _scalar_loop, "histogram": _histograms, "pr_curve": _pr_curves}),
}


def label(source: str) -> str:
    return WRITERS[source][0]


def write(spec: FileSpec, root: str) -> str:
    """Writes ``spec``'s file into a new directory under ``root``; the directory."""
    directory = os.path.join(root, spec.dirname)
    _, make, calls = WRITERS[spec.source]
    writer = make(directory)
    calls[spec.kind](writer, spec)
    writer.close()
    return directory


def file_size(directory: str) -> int:
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))
