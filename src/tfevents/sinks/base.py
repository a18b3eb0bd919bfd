"""The queueing, encoding and error handling shared by every sink.

Writers append entries to ``sink.scalars`` (tag, value, step, wall_time) and
``sink.values`` (summary values and complete events) — ``deque.append`` is atomic, so
the hot path takes no lock. ``write_pending`` drains both queues under the sink's lock,
encodes them in one batch and hands the bytes to ``_write``; it runs on the shared
background thread, or on the caller's thread in ``flush`` and ``close``.

Guarantees: ``flush`` returns once everything appended before it is written;
``close`` is idempotent; pending data is written at interpreter exit; a failed write
leaves no partial record behind, keeps the bytes for a retry, and is reported to the
caller by the next ``flush``/``close`` or queue-full check; a forked child never writes
to its parent's file.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections import deque
from typing import Any

import numpy as np

from tfevents.sinks.encoder import EventEncoder
from tfevents.sinks.scheduler import SCHEDULER


class WriterClosedError(RuntimeError):
    """Raised when events are written to a closed sink."""


class WriteFailedError(OSError):
    """A write to the event file failed; the events are kept and retried on the next write."""


_OPEN_SINKS: weakref.WeakSet[Sink] = weakref.WeakSet()


def _drain(queue: deque[Any]) -> list[Any]:
    pop = queue.popleft
    return [pop() for _ in range(len(queue))]


class Sink:
    """Base class: subclasses implement ``_open``, ``_write`` and ``_close``."""

    def __init__(self, *, flush_secs: float, max_queue: int) -> None:
        self.scalars: deque[tuple[str, Any, int, float]] = deque()
        self.values: deque[Any] = deque()
        # tag -> SummaryMetadata for scalars with a display name or description.
        self.scalar_metadata: dict[str, bytes] = {}
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.next_write_due = time.monotonic() + flush_secs
        self.closed = False
        self._lock = threading.RLock()
        self._wake_requested = False
        self._error: BaseException | None = None
        self._unwritten = b""
        self._encoder = EventEncoder(self.scalar_metadata)
        self._needs_new_file = False

    def _start(self) -> None:
        """Registers the sink for background writes; call at the end of ``__init__``."""
        _OPEN_SINKS.add(self)
        SCHEDULER.add(self)

    # --- called by writers ---------------------------------------------------------------

    def request_write(self) -> None:
        """Called when a queue reaches ``max_queue``: wake the background writer once."""
        if self._error is not None:
            self._raise_error()
        if not self._wake_requested:
            self._wake_requested = True
            SCHEDULER.wake(self)

    def add_event(self, event: bytes) -> None:
        """Queues a complete encoded Event (graphs, session logs)."""
        self.values.append(event)
        if len(self.values) >= self.max_queue:
            self.request_write()

    def flush(self, fsync: bool = False) -> None:
        self.write_pending()
        if fsync:
            with self._lock:
                self._sync()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                self.write_pending()
            finally:
                self.closed = True
                SCHEDULER.remove(self)
                _OPEN_SINKS.discard(self)
                self._close()

    # --- the write path ------------------------------------------------------------------

    def write_pending(self, from_background: bool = False) -> None:
        with self._lock:
            self.next_write_due = time.monotonic() + self.flush_secs
            self._wake_requested = False
            if self.closed:
                if (self.scalars or self.values) and not from_background:
                    raise WriterClosedError("this writer's event file is closed")
                return
            if self._needs_new_file:
                self._needs_new_file = False
                self._encoder = EventEncoder(self.scalar_metadata)
                self._open(after_fork=True)
            data = self._unwritten + self._encode_pending()
            self._unwritten = b""
            if not data:
                if self._error is not None and not from_background:
                    self._raise_error()
                return
            try:
                self._write(data)
            except OSError as exc:
                self._unwritten = data
                self._error = exc
                if not from_background:
                    self._raise_error()
            else:
                self._error = None

    def record_background_error(self, exc: BaseException) -> None:
        """Keeps an unexpected error of the background thread for the caller to see."""
        self._error = exc

    def _raise_error(self) -> None:
        exc = self._error
        self._error = None
        raise WriteFailedError(
            getattr(exc, "errno", None),
            f"writing events to {self.describe()} failed: {exc}; "
            f"{len(self._unwritten)} bytes of events are kept and will be retried "
            "on the next flush",
        ) from exc

    def _encode_pending(self) -> bytes:
        parts = []
        values = _drain(self.values)
        if values:
            parts.append(self._encoder.encode_values(values))
        scalars = _drain(self.scalars)
        if scalars:
            tags, raw_values, steps, wall_times = zip(*scalars)
            parts.append(
                self._encoder.encode_scalars(
                    tags,
                    _float32_array(raw_values),
                    np.array(steps, dtype=np.int64),
                    np.array(wall_times, dtype=np.float64),
                )
            )
        return b"".join(parts)

    # --- fork safety ---------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        """The parent writes what it had queued; the child starts a file of its own."""
        self._lock = threading.RLock()
        self.scalars.clear()
        self.values.clear()
        self._unwritten = b""
        self._wake_requested = False
        self._error = None
        if not self.closed:
            self._forget_parent_file()
            self._needs_new_file = True

    # --- subclass hooks ------------------------------------------------------------------

    def describe(self) -> str:
        return type(self).__name__

    def _open(self, after_fork: bool = False) -> None:
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _sync(self) -> None:
        """Makes written data durable (fsync)."""

    def _close(self) -> None:
        raise NotImplementedError

    def _forget_parent_file(self) -> None:
        """Drops the file inherited from the parent without touching it."""


def _float32_array(values: tuple[Any, ...]) -> np.ndarray:
    with np.errstate(over="ignore"):
        try:
            return np.array(values, dtype=np.float32)
        except (TypeError, ValueError):
            from tfevents.convert import to_float

            return np.array([to_float(v, "scalar_value") for v in values], dtype=np.float32)


def _close_all_at_exit() -> None:
    for sink in list(_OPEN_SINKS):
        try:
            sink.close()
        except Exception as exc:  # exit must go on; say what was lost
            import sys

            print(f"tfevents: could not write {sink.describe()} at exit: {exc}", file=sys.stderr)


def _after_fork_in_child() -> None:
    for sink in list(_OPEN_SINKS):
        sink._after_fork_in_child()
    SCHEDULER.after_fork_in_child()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

