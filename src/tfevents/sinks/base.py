"""The queueing, encoding and error handling shared by every sink.

Writers append ``(tag, value, step, wall_time)`` entries to ``sink.queue`` (see
``encoder.Entry``) — ``deque.append`` is atomic, so the hot path takes no lock. One
queue keeps every tag's values in call order, whatever their kind. ``write_pending``
drains it under the sink's lock, encodes it in one batch and hands the bytes to
``_write``; it runs on the shared background thread, or on the caller's thread in
``flush`` and ``close``.

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
import warnings
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from tfevents.errors import WriteFailedError, WriterClosedError
from tfevents.sinks.encoder import EncodedValue, Entry, EventEncoder, RawEvent
from tfevents.sinks.scheduler import SCHEDULER

if TYPE_CHECKING:
    import numpy as np


_OPEN_SINKS: weakref.WeakSet[Sink] = weakref.WeakSet()
# The background writer is woken early when this many entries, or bytes of encoded
# values, are pending; otherwise it writes every ``flush_secs``.
MIN_WAKE_BATCH = 1000
MAX_PENDING_BYTES = 8 << 20
# Entries a sink may hold while its wake is pending before the caller writes them itself.
MAX_BACKLOG = 1 << 16
MAX_BACKLOG_BYTES = 4 * MAX_PENDING_BYTES


def _drain(queue: deque[Any]) -> list[Any]:
    pop = queue.popleft
    return [pop() for _ in range(len(queue))]


class Sink:
    """Base class: subclasses implement ``_open``, ``_write`` and ``_close``."""

    path: str = ""  # the file (or object) being written, where there is one

    def __init__(
        self, *, flush_secs: float, max_queue: int, scalar_metadata: dict[str, bytes] | None = None
    ) -> None:
        self.queue: deque[Entry] = deque()
        # tag -> SummaryMetadata for scalars with a display name or description; a
        # writer shares one dict between its successive sinks.
        self.scalar_metadata: dict[str, bytes] = {} if scalar_metadata is None else scalar_metadata
        self.max_queue = max_queue
        # Waking the writer for a handful of events costs more per event than it saves;
        # past MAX_BACKLOG the caller writes (memory stays bounded whatever max_queue is).
        self.base_threshold = min(max(max_queue, MIN_WAKE_BATCH), MAX_BACKLOG)
        # The queue length at which the next append calls queue_full(): base_threshold,
        # or MAX_BACKLOG while a wake is pending.
        self.wake_threshold = self.base_threshold
        self.pending_bytes = 0  # encoded values queued since the last write (approximate)
        self.bytes_threshold = MAX_PENDING_BYTES
        self.flush_secs = flush_secs
        self.next_write_due = time.monotonic() + flush_secs
        self.closed = False
        self._lock = threading.RLock()
        self.wake_requested = False
        self._error: BaseException | None = None
        self._unwritten = b""
        self._encoder = EventEncoder(self.scalar_metadata)
        self._needs_new_file = False

    def _start(self) -> None:
        """Registers the sink for background writes; call at the end of ``__init__``."""
        _OPEN_SINKS.add(self)
        SCHEDULER.add(self)

    # --- called by writers ---------------------------------------------------------------

    def queue_full(self) -> None:
        """Called by an append that brings the queue to ``wake_threshold``.

        The first time, the background writer is woken. If the queue still reaches
        ``MAX_BACKLOG`` (a loop that logs faster than the background thread, starved of
        the GIL, can write), the caller writes the batch itself: memory stays bounded.
        """
        if self._error is not None:
            self._raise_error()
        if len(self.queue) >= MAX_BACKLOG or self.pending_bytes >= MAX_BACKLOG_BYTES:
            self.write_pending()
        elif not self.wake_requested:
            self.wake_requested = True
            self.wake_threshold = MAX_BACKLOG
            self.bytes_threshold = MAX_BACKLOG_BYTES
            SCHEDULER.wake(self)

    def add_scalar(
        self, tag: str, value: Any, step: int | np.ndarray, wall_time: float | np.ndarray
    ) -> None:
        # ``add_scalar_array`` queues a series as one entry: float32 values, int64 steps
        # and float64 wall times.
        self.queue.append((tag, value, step, wall_time))
        if len(self.queue) >= self.wake_threshold:
            self.queue_full()

    def add_value(
        self, tag: str, metadata: bytes, field: bytes, step: int, wall_time: float
    ) -> None:
        """Queues a summary value encoded by a ``summaries`` module."""
        self.queue.append((tag, EncodedValue(metadata, field), step, wall_time))
        self.pending_bytes += len(field)
        if len(self.queue) >= self.wake_threshold or self.pending_bytes >= self.bytes_threshold:
            self.queue_full()

    def add_event(self, event: bytes) -> None:
        """Queues a complete encoded Event (graphs, session logs)."""
        self.queue.append((None, RawEvent(event), 0, 0.0))
        self.pending_bytes += len(event)
        if not self.wake_requested:
            self.queue_full()

    def flush(self, fsync: bool = False) -> None:
        self.write_pending()
        if fsync:
            with self._lock:
                self._sync()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            # A failed write raises here and leaves the sink open, with its events kept:
            # calling close() again retries them.
            self.write_pending()
            self.closed = True
            SCHEDULER.remove(self)
            _OPEN_SINKS.discard(self)
            self._close()

    # --- the write path ------------------------------------------------------------------

    def write_pending(self, from_background: bool = False) -> None:
        with self._lock:
            self.next_write_due = time.monotonic() + self.flush_secs
            self.wake_requested = False
            self.wake_threshold = self.base_threshold
            self.bytes_threshold = MAX_PENDING_BYTES
            self.pending_bytes = 0
            if self.closed:
                if self.queue and not from_background:
                    raise WriterClosedError("this writer's event file is closed")
                return
            if self._needs_new_file:
                if not self.queue:
                    return  # a forked child that logs nothing leaves no file behind
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
                # What did not reach the file (all of it, unless a torn write could not
                # be cut back: then the file holds a prefix and the rest follows it).
                self._unwritten = getattr(exc, "unwritten", data)
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
            f"writing events to {self.describe()} failed: {exc}; the events logged so far "
            f"({len(self._unwritten)} bytes, and this call's if it logged one) are kept and "
            "will be retried by the next flush or close",
        ) from exc

    def _encode_pending(self) -> bytes:
        entries = _drain(self.queue)
        if not entries:
            return b""
        state = self._encoder.snapshot()
        try:
            return self._encoder.encode(entries)
        except Exception as exc:  # one bad entry must not take the batch with it
            self._encoder.restore(state)
            return self._encode_one_by_one(entries, exc)

    def _encode_one_by_one(self, entries: list[Entry], first_error: Exception) -> bytes:
        parts = []
        dropped = 0
        for entry in entries:
            state = self._encoder.snapshot()
            try:
                parts.append(self._encoder.encode([entry]))
            except Exception:
                self._encoder.restore(state)
                dropped += 1
        warnings.warn(
            f"tfevents: {dropped} logged value(s) could not be encoded and were dropped "
            f"({first_error!r}); the other {len(entries) - dropped} were written",
            RuntimeWarning,
            stacklevel=2,
        )
        return b"".join(parts)

    # --- fork safety ---------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        """The parent writes what it had queued; the child starts a file of its own."""
        self._lock = threading.RLock()
        self.queue.clear()
        self._unwritten = b""
        self.wake_requested = False
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

