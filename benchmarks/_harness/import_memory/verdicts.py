"""The import and memory figures against the performance issue's targets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .imports import IMPORT_TARGETS, PEER_IMPORTS, framework_modules
from .suite import Report

IMPORT_TARGET_MS = 100.0
FLAT_MB_PER_MILLION = 5.0


@dataclass
class Verdicts:
    import_ms: float
    numpy_ms: float
    frameworks: list[str]
    rss_growth_mb_per_million: float | None
    rss_span: tuple[int, int] | None
    tfevents_bytes_per_event: float | None
    best_peer_bytes_per_event: float | None
    best_peer_bytes_label: str
    tfevents_file_bytes: int | None = None  # the whole file(s), header included
    best_peer_file_bytes: int | None = None

    @property
    def import_met(self) -> bool:
        return self.import_ms < IMPORT_TARGET_MS and not self.frameworks

    @property
    def rss_met(self) -> bool | None:
        if self.rss_growth_mb_per_million is None:
            return None
        return self.rss_growth_mb_per_million < FLAT_MB_PER_MILLION

    @property
    def bytes_met(self) -> bool | None:
        if self.tfevents_bytes_per_event is None or self.best_peer_bytes_per_event is None:
            return None
        return self.tfevents_bytes_per_event <= self.best_peer_bytes_per_event


def label(key: str) -> str:
    for t in (*IMPORT_TARGETS, *PEER_IMPORTS):
        if t.key == key:
            return t.label
    return key


def verdicts(report: Report) -> Verdicts:
    imp = report.imports
    tf_runs = sorted((r for r in report.rss if r.writer == "tfevents" and r.n > 0), key=lambda r: r.n)
    growth = span = None
    if len(tf_runs) >= 2:
        lo, hi = tf_runs[0], tf_runs[-1]
        growth = (hi.peak_mb - lo.peak_mb) / ((hi.n - lo.n) / 1e6)
        span = (lo.n, hi.n)
    at_count = {r.writer: r for r in report.rss if r.n == report.bytes_count and r.n > 0}
    per_event = {k: r.steady_bytes for k, r in at_count.items() if r.steady_bytes is not None}
    peers = {k: v for k, v in per_event.items() if k != "tfevents"}
    best = min(peers, key=peers.__getitem__) if peers else None
    whole = {k: r.bytes_on_disk for k, r in at_count.items()}
    return Verdicts(
        import_ms=statistics.median(imp["tfevents"].import_s) * 1e3,
        numpy_ms=statistics.median(imp["numpy"].import_s) * 1e3,
        frameworks=framework_modules(imp["tfevents"].modules),
        rss_growth_mb_per_million=growth,
        rss_span=span,
        tfevents_bytes_per_event=per_event.get("tfevents"),
        best_peer_bytes_per_event=peers.get(best) if best else None,
        best_peer_bytes_label=label(best) if best else "",
        tfevents_file_bytes=whole.get("tfevents"),
        best_peer_file_bytes=whole.get(best) if best else None,
    )
