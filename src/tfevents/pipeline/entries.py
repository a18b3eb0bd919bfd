"""What a writer hands the pipeline: one entry per logged value, in call order.

The hot path (``add_scalar`` of a number) appends a bare tuple, ``ScalarEntry``:
building a named object per call would cost more than the rest of the call. Every
other kind of entry is a small named tuple of its own type, so the encoder tells them
apart by type (``type(entry) is tuple`` is a scalar), never by what a slot holds.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tfevents.convert import Deferred

#: ``(tag, value, step, wall_time)``: a number, or a framework value read later.
ScalarEntry = tuple[str, float | Deferred, int, float]


class SeriesEntry(NamedTuple):
    """A whole scalar series of one tag (``add_scalar_array``), one event per value."""

    tag: str
    values: np.ndarray  # float32
    steps: np.ndarray  # int64
    wall_times: np.ndarray  # float64


class SummaryEntry(NamedTuple):
    """A summary value encoded on the caller's thread (images, histograms, text, ...)."""

    tag: str
    metadata: bytes  # SummaryMetadata, written with the tag's first value in a file
    field: bytes  # the Summary.Value field that holds the value
    step: int
    wall_time: float


class EventEntry(NamedTuple):
    """A complete encoded Event (graphs, session logs), written as it is."""

    payload: bytes


Entry = ScalarEntry | SeriesEntry | SummaryEntry | EventEntry
