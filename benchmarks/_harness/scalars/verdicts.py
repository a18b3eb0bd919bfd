"""The scalar figures against the performance issue's targets."""

from __future__ import annotations

from dataclasses import dataclass

from ..stats import Summary, best_peer
from ..timing import RunResult
from .suite import Report

SCALAR_TARGETS = {"a": 50.0, "b": 50.0}  # x the best peer, constructor to closed file
ARRAY_TARGET_EVENTS_PER_S = 5e6
ARRAY_TARGET_FLOOR_RATIO = 3.0  # at most this many times the buffered-write floor's time


def per_call_us(runs: list[RunResult], attr: str, calls: int) -> Summary:
    return Summary.of([getattr(r, attr) / calls * 1e6 for r in runs])


def label_of(report: Report, key: str) -> str:
    return next(s.label for s in report.writers if s.key == key)


@dataclass
class ScalarVerdict:
    key: str
    title: str
    tfevents_us: float
    best_peer: str
    best_peer_us: float
    target: float

    @property
    def ratio(self) -> float:
        return self.best_peer_us / self.tfevents_us

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def scalar_verdicts(report: Report) -> list[ScalarVerdict]:
    out = []
    for workload in report.workloads:
        if workload.key not in SCALAR_TARGETS:
            continue
        runs = report.results[workload.key]
        if "tfevents" not in runs:
            continue
        medians = {k: per_call_us(v, "total_s", workload.calls).median for k, v in runs.items() if k != "noop"}
        best = best_peer(medians)
        if best is None:
            continue
        out.append(ScalarVerdict(
            workload.key, workload.title, medians["tfevents"], label_of(report, best[0]), best[1],
            SCALAR_TARGETS[workload.key],
        ))
    return out


@dataclass
class ArrayVerdict:
    n: int
    events_per_s: float
    floor_events_per_s: float
    best_peer: str  # from workload (a), per add_scalar call
    best_peer_us: float

    @property
    def floor_ratio(self) -> float:
        """tfevents' time over the floor's (target: at most ARRAY_TARGET_FLOOR_RATIO)."""
        return self.floor_events_per_s / self.events_per_s

    @property
    def peer_ratio(self) -> float:
        return self.best_peer_us * self.events_per_s / 1e6 if self.best_peer_us == self.best_peer_us else float("nan")

    @property
    def met(self) -> bool:
        return self.events_per_s >= ARRAY_TARGET_EVENTS_PER_S and self.floor_ratio <= ARRAY_TARGET_FLOOR_RATIO


def array_verdicts(report: Report) -> list[ArrayVerdict]:
    peer_label, peer_us = "", float("nan")
    a = next((w for w in report.workloads if w.key == "a"), None)
    if a is not None:
        medians = {k: per_call_us(v, "total_s", a.calls).median for k, v in report.results["a"].items()}
        best = best_peer(medians, exclude=("tfevents", "noop"))
        if best is not None:
            peer_label, peer_us = label_of(report, best[0]), best[1]
    out = []
    for n, runs in report.array_results.items():
        eps = Summary.of([n / r.total_s for r in runs["tfevents"]]).median
        floor = Summary.of([n / r.total_s for r in runs["floor"]]).median
        out.append(ArrayVerdict(n, eps, floor, peer_label, peer_us))
    return out
