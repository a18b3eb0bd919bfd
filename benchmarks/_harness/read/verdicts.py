"""The figures against issue #16's targets, computed from the numbers of a ``Report``
(never written by hand): scalars per CPU second for every file of >= 1 M scalars from
each writer, the ratio to tbparse wherever tbparse read scalars, and tfevents' peak memory
against the decoded arrays for every file of >= 1 M scalars."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .files import label
from .suite import Report, Row

RATE_TARGET = 5e6  # scalars per CPU second
RATE_MIN_SCALARS = 1_000_000  # the rate target is for files at least this large
TBPARSE_TARGET = 30.0  # times tbparse's CPU time
MEMORY_TARGET = 3.0  # peak bytes / decoded bytes


@dataclass(frozen=True)
class Target:
    workload: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run
    key: str = ""  # the combined report's name for the figure, kept for the next run's comparison
    value: float = 0.0  # the figure compared with the previous run
    unit: str = ""
    higher_is_better: bool = True

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else "met" if self.met else "MISSED"

    def cells(self) -> tuple[str, str, str, str]:
        return self.workload, self.target, self.measured, self.verdict


def median_cpu(row: Row, reader: str) -> float | None:
    samples = row.cpu_s.get(reader)
    return statistics.median(samples) if samples else None


def rate(row: Row) -> float:
    """tfevents' values per CPU second (median)."""
    ours = median_cpu(row, "tfevents")
    return row.spec.count / ours if ours else float("inf")


def ratio(row: Row, peer: str) -> float | None:
    """The peer's median CPU time over tfevents'; None where the peer did not run."""
    ours, theirs = median_cpu(row, "tfevents"), median_cpu(row, peer)
    if ours is None or theirs is None:
        return None
    return theirs / ours if ours > 0 else float("inf")


def _key(kind: str, row: Row) -> str:
    return f"read_{kind}_{row.spec.source.replace('-', '_')}_{row.spec.count}"


def _name(row: Row) -> str:
    unit = "scalars" if row.spec.kind == "scalar" else f"{row.spec.kind.replace('_', ' ')}s"
    return f"{label(row.spec.source)}, {row.spec.count:,} {unit}"


def target_list(report: Report) -> list[Target]:
    out: list[Target] = []
    scalars = [r for r in report.rows if r.spec.kind == "scalar"]
    big = [r for r in scalars if r.spec.count >= RATE_MIN_SCALARS]
    for row in big:
        out.append(Target(f"read_scalars: {_name(row)}", "≥ 5 M scalars per CPU s",
                          f"{rate(row) / 1e6:.1f} M/s", rate(row) >= RATE_TARGET,
                          _key("rate", row), rate(row) / 1e6, "M scalars/s"))
    for row in scalars:
        r = ratio(row, "tbparse")
        if r is not None:
            out.append(Target(f"vs tbparse: {_name(row)}", f"≥ {TBPARSE_TARGET:.0f}x tbparse",
                              f"{r:.0f}x", r >= TBPARSE_TARGET, _key("vs_tbparse", row), r, "x"))
    for row in big:
        if row.peak_bytes is not None:
            times = row.peak_bytes / row.decoded_bytes
            out.append(Target(f"peak memory: {_name(row)}", f"≤ {MEMORY_TARGET:.0f}x decoded arrays",
                              f"{times:.2f}x ({row.peak_bytes / 1e6:.0f} MB for "
                              f"{row.decoded_bytes / 1e6:.0f} MB)", times <= MEMORY_TARGET,
                              _key("memory", row), times, "x decoded", higher_is_better=False))
    if not big:
        out.append(Target(f"read_scalars, files of ≥ {RATE_MIN_SCALARS:,} scalars",
                          "≥ 5 M scalars per CPU s", "no such file in this run", None))
    return out


def targets(report: Report) -> list[tuple[str, str, str, str]]:
    """(workload, target, this run, verdict) rows, all strings, for the combined report."""
    return [t.cells() for t in target_list(report)]
