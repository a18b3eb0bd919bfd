"""A sink that drops everything: the sink of a writer on a rank that does not write.

The writer in front of it still checks every argument and builds every value, so a bug
in what a rank logs raises on that rank too, but nothing is queued, no thread wakes,
and no file, directory or object is ever created.
"""

from __future__ import annotations

from typing import Any

from tfevents.sinks.base import Sink


class _DropQueue:
    """Stands in for a sink's queue: appending drops the entry."""

    __slots__ = ()

    def append(self, entry: Any) -> None:
        pass

    def extend(self, entries: Any) -> None:
        pass

    def clear(self) -> None:
        pass

    def __len__(self) -> int:
        return 0


DROP_QUEUE = _DropQueue()


class NullSink(Sink):
    def __init__(self, logdir: str = "", **ignored: Any) -> None:
        super().__init__(flush_secs=float("inf"), max_queue=1)
        self.queue = DROP_QUEUE  # type: ignore[assignment]
        self.logdir = logdir
        self.path = ""
        # Never registered with the background thread or the exit hook: nothing to write.

    def describe(self) -> str:
        return f"nothing (this process does not write {self.logdir})"

    def queue_full(self) -> None:
        pass

    def add_scalar(self, tag: str, value: Any, step: Any, wall_time: Any) -> None:
        pass

    def add_value(self, tag: str, metadata: bytes, field: bytes, step: int, wall_time: float) -> None:
        pass

    def add_event(self, event: bytes) -> None:
        pass

    def write_pending(self, from_background: bool = False) -> None:
        pass

    def flush(self, fsync: bool = False) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def _open(self, after_fork: bool = False) -> None:
        pass

    def _write(self, data: bytes) -> None:
        pass

    def _close(self) -> None:
        pass
