"""What a writer hands the pipeline: one entry per logged value, in call order.

The hot path (``add_scalar`` of a number) appends a bare tuple, ``ScalarEntry``:
building a named object per call would cost more than the rest of the call. Every
other kind of entry is a small object of its own type, and not a tuple: the encoder
tells them apart by type, and a batch of scalar tuples is read as columns at once
(indexing any other entry fails), with no pass over the batch to check its types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tfevents.convert import Deferred

#: ``(tag, value, step, wall_time)``: a number, or a framework value read later.
ScalarEntry = tuple[str, float | Deferred, int, float]


@dataclass(slots=True)
class SeriesEntry:
    """A whole scalar series of one tag (``add_scalar_array``), one event per value."""

    tag: str
    values: np.ndarray  # float32
    steps: np.ndarray  # int64
    wall_times: np.ndarray  # float64


@dataclass(slots=True)
class SummaryEntry:
    """A summary value encoded on the caller's thread (images, histograms, text, ...)."""

    tag: str
    metadata: bytes  # SummaryMetadata, written with the tag's first value in a file
    field: bytes  # the Summary.Value field that holds the value
    step: int
    wall_time: float


@dataclass(slots=True)
class TensorScalarEntry:
    """``add_scalar(new_style=True)``: a rank-0 float32 tensor whose value may be a
    framework scalar still being computed (a ``Deferred``), read when it is written."""

    tag: str
    metadata: bytes
    value: float | Deferred
    step: int
    wall_time: float


@dataclass(slots=True)
class EventEntry:
    """A complete encoded Event (graphs, session logs), written as it is."""

    payload: bytes


Entry = ScalarEntry | SeriesEntry | SummaryEntry | TensorScalarEntry | EventEntry


class Entries(Protocol):
    """What the hot path appends to: a queue's deque, or a stand-in."""

    def append(self, entry: ScalarEntry, /) -> None: ...

    def __len__(self) -> int: ...


class Queue(Protocol):
    """What a writer hands entries to: an ``EventQueue`` (one event file), or a
    ``NullQueue`` (a writer that writes nothing)."""

    #: When ``len(entries)`` reaches this, the appender calls ``queue_full()``.
    wake_threshold: int
    closed: bool

    @property
    def entries(self) -> Entries: ...

    @property
    def path(self) -> str: ...

    def describe(self) -> str: ...

    def queue_full(self) -> None: ...

    def add_scalar(self, tag: str, value: float | Deferred, step: int, wall_time: float) -> None: ...

    def add_series(self, entry: SeriesEntry) -> None: ...

    def add_summary(self, entry: SummaryEntry) -> None: ...

    def add_tensor_scalar(self, entry: TensorScalarEntry) -> None: ...

    def add_event(self, payload: bytes) -> None: ...

    def write_file(self, relative_path: str, data: bytes) -> None: ...

    def flush(self, fsync: bool = False) -> None: ...

    def close(self) -> None: ...


def estimated_size(entry: Entry) -> int:
    """Roughly the framed bytes of one entry (used only to cut oversized batches)."""
    if isinstance(entry, SummaryEntry):
        return len(entry.field) + len(entry.metadata) + len(entry.tag) + 48
    if isinstance(entry, TensorScalarEntry):
        return len(entry.metadata) + len(entry.tag) + 56
    if isinstance(entry, EventEntry):
        return len(entry.payload) + 16
    if isinstance(entry, SeriesEntry):
        return (len(entry.tag) + 40) * int(entry.values.size)
    return len(entry[0]) + 40


def describe_entry(entry: Entry) -> str:
    """An entry's tag and step, for error messages."""
    if isinstance(entry, EventEntry):
        return "an event"
    if isinstance(entry, (SummaryEntry, TensorScalarEntry, SeriesEntry)):
        step = int(entry.steps[0]) if isinstance(entry, SeriesEntry) else entry.step
        return f"{entry.tag!r} step {step}"
    return f"{entry[0]!r} step {entry[2]}"


def cut_by_size(entries: list[Entry], limit: int, first: int = 0) -> list[list[Entry]]:
    """``entries`` in runs of about ``limit`` bytes at most (one run if ``limit`` is 0);
    ``first`` bytes are already in the first run."""
    groups: list[list[Entry]] = [[]]
    size = first
    for entry in entries:
        entry_size = estimated_size(entry) if limit else 0
        if limit and groups[-1] and size + entry_size > limit:
            groups.append([])
            size = 0
        groups[-1].append(entry)
        size += entry_size
    return groups
