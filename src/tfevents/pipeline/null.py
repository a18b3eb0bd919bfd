"""The pipeline of a writer that writes nothing: a rank that does not write
(``rank_policy``), or tensorboardX's ``write_to_disk=False``.

The writer in front of it still checks every argument and builds every value, so a bug
in what a rank logs raises on that rank too, but nothing is queued, no thread wakes,
and no file, directory or object is ever created.
"""

from __future__ import annotations

from tfevents.convert import Deferred
from tfevents.pipeline.entries import ScalarEntry, SeriesEntry, SummaryEntry, TensorScalarEntry


class DropEntries:
    """Stands in for a queue's deque: appending drops the entry."""

    __slots__ = ()

    def append(self, entry: ScalarEntry, /) -> None:
        pass

    def __len__(self) -> int:
        return 0


class NullQueue:
    """Has the writer-facing methods of ``EventQueue``; each does nothing."""

    wake_threshold = 1 << 62
    path = ""

    def __init__(self, logdir: str = "") -> None:
        self.entries = DropEntries()
        self.logdir = logdir
        self.closed = False

    def describe(self) -> str:
        return f"nothing (this process does not write {self.logdir})"

    def queue_full(self) -> None:
        pass

    def add_scalar(self, tag: str, value: float | Deferred, step: int, wall_time: float) -> None:
        pass

    def add_series(self, entry: SeriesEntry) -> None:
        pass

    def add_summary(self, entry: SummaryEntry) -> None:
        pass

    def add_tensor_scalar(self, entry: TensorScalarEntry) -> None:
        pass

    def add_event(self, payload: bytes) -> None:
        pass

    def write_file(self, relative_path: str, data: bytes) -> None:
        pass

    def flush(self, fsync: bool = False) -> None:
        pass

    def close(self) -> None:
        self.closed = True
