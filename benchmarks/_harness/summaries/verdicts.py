"""The summary figures against the performance issue's targets."""

from __future__ import annotations

from dataclasses import dataclass

from ..stats import Summary, best_peer
from ..timing import RunResult
from ..writers import TENSOR_FORMS_KEY
from .suite import FLOOR_KEY, Report
from .workloads import SummaryWorkload


def per_call(runs: list[RunResult], workload: SummaryWorkload, attr: str = "total_s") -> Summary:
    return Summary.of([getattr(r, attr) / workload.calls * workload.scale for r in runs])


@dataclass
class Verdict:
    workload: str
    title: str
    tfevents: float  # median per call, in the workload's unit
    unit: str
    best_peer: str
    best_peer_value: float
    ratio: float
    target: float
    tensor_forms: float | None = None  # tfevents' median with legacy_forms=False, if timed

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def verdicts(report: Report) -> list[Verdict]:
    out = []
    for workload in report.workloads:
        runs = report.results[workload.key]
        if "tfevents" not in runs:
            continue
        medians = {k: per_call(v, workload).median for k, v in runs.items() if k != FLOOR_KEY}
        best = best_peer(medians, exclude=("tfevents", TENSOR_FORMS_KEY))
        if best is None:
            continue
        label = next(s.label for s in report.writers[workload.key] if s.key == best[0])
        out.append(Verdict(
            workload.key, workload.title, medians["tfevents"], workload.unit, label, best[1],
            best[1] / medians["tfevents"], workload.target, medians.get(TENSOR_FORMS_KEY),
        ))
    return out
