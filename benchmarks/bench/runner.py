"""The one runner: entrants (writers, readers, variants) measured in round-robin
repetitions in one process, and a writer's run timed from its constructor to the end of
``close()``, so that every event is on disk when the clock stops."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from types import SimpleNamespace
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Summary:
    """The median and spread of repeated measurements."""

    median: float
    low: float
    high: float
    q1: float
    q3: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        data = sorted(samples)
        q1, q3 = statistics.quantiles(data, n=4, method="inclusive")[::2] if len(data) > 1 else (data[0], data[0])
        return cls(statistics.median(data), data[0], data[-1], q1, q3)


def rotations(items: Sequence[T], reps: int) -> Iterator[tuple[int, list[T]]]:
    """(repetition, order): repetition r starts with item r mod k, so that the slow drifts
    of a shared machine spread over every item."""
    for rep in range(reps):
        yield rep, [*items[rep % len(items):], *items[: rep % len(items)]]


def rounds(entrants: Sequence[T], reps: int, measure: Callable[[T], R], name: Callable[[T], str] = str,
           warm: Callable[[T], object] | None = None) -> dict[str, list[R]]:
    """One untimed warm-up per entrant (``warm``, else ``measure``: imports and first calls
    stay out of the figures), then ``reps`` round-robin repetitions; the results by
    ``name(entrant)``, in repetition order."""
    for entrant in entrants:
        (warm or measure)(entrant)
    out: dict[str, list[R]] = {name(e): [] for e in entrants}
    for _, order in rotations(entrants, reps):
        for entrant in order:
            out[name(entrant)].append(measure(entrant))
    return out


@dataclass
class Run:
    """One timed writer run; events and sizes are filled in by its read-back."""

    total_s: float
    loop_s: float
    close_s: float
    cpu_s: float  # process CPU time, all threads
    events: int = 0
    bytes: int = 0
    record_sizes: list[int] = field(default_factory=list)


def timed(make: Callable[[str], Any], drive: Callable[[Any], object], logdir: str) -> tuple[Run, tuple[float, float]]:
    """``make(logdir)``, ``drive(writer)``, ``close()``, timed; the run, and the wall-clock
    range (a second either side) every event's wall time must fall in."""
    gc.collect()
    wall0, c0, t0 = time.time(), time.process_time(), time.perf_counter()
    writer = make(logdir)
    drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2, c1, wall1 = time.perf_counter(), time.process_time(), time.time()
    return Run(t2 - t0, t1 - t0, t2 - t1, c1 - c0), (wall0 - 1.0, wall1 + 1.0)


def _make(module: str, name: str, **options: Any) -> Callable[[str], Any]:
    """A writer class's constructor on a logdir (the class imported on first use)."""

    def make(logdir: str) -> Any:
        import importlib

        cls = getattr(importlib.import_module(module), name)
        return cls(logdir, **options) if module != "tensorboardX" else cls(logdir=logdir)

    return make


# The writers compared, each made as its users make it (default constructor arguments).
MAKERS: dict[str, Callable[[str], Any]] = {
    "tfevents": _make("tfevents", "SummaryWriter"), "tfevents_tensor": _make("tfevents", "SummaryWriter", legacy_forms=False),
    "tensorboardX": _make("tensorboardX", "SummaryWriter"), "torch": _make("torch.utils.tensorboard", "SummaryWriter"),
    "tb_writer": _make("tensorboard.summary", "Writer"),
    "noop": lambda logdir: SimpleNamespace(add_scalar=lambda tag, value, step=None: None, close=lambda: None),  # the loop floor
}


def label(key: str) -> str:
    """A writer's name in the reports, with its version."""
    return {"tfevents": f"tfevents {version('tfevents')}", "tfevents_tensor": "tfevents, legacy_forms=False (tensor forms)",
            "tensorboardX": f"tensorboardX {version('tensorboardX')}", "torch": f"torch.utils.tensorboard (torch {version('torch')})",
            "tb_writer": f"tensorboard.summary.Writer (tensorboard {version('tensorboard')})", "noop": "no-op add_scalar (loop floor)"}[key]


def best_peer(medians: dict[str, float]) -> tuple[str, float] | None:
    """The fastest entrant that is neither tfevents nor a floor, and its median."""
    peers = {k: v for k, v in medians.items() if k not in ("tfevents", "tfevents_tensor", "noop", "floor") and v == v}
    return min(peers.items(), key=lambda kv: kv[1]) if peers else None
