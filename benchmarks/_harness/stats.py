"""Medians and spreads of repeated runs, and the round-robin order they run in."""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Summary:
    median: float
    low: float
    high: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            raise ValueError("no samples")
        data = sorted(samples)
        if len(data) >= 2:
            q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
        else:
            q1 = q3 = data[0]
        return cls(statistics.median(data), data[0], data[-1], q1, q3, len(data))


def rotations(items: Sequence[T], reps: int) -> Iterator[tuple[int, list[T]]]:
    """(repetition, order): repetition r starts with item r mod k, so slow drifts of a
    shared machine spread over all items."""
    ordered = list(items)
    for rep in range(reps):
        shift = rep % len(ordered) if ordered else 0
        yield rep, ordered[shift:] + ordered[:shift]


def best_peer(medians: dict[str, float], exclude: Sequence[str] = ("tfevents",)) -> tuple[str, float] | None:
    peers = {k: v for k, v in medians.items() if k not in exclude and v == v}
    if not peers:
        return None
    key = min(peers, key=peers.__getitem__)
    return key, peers[key]
