"""One event file's pending entries, their encoder, and the storage they go to.

Writers append entries to ``EventQueue.entries`` (``deque.append`` is atomic, so the
hot path takes no lock). One deque keeps every tag's values in call order, whatever
their kind. ``write_pending`` drains it under the queue's lock, encodes it in one batch
and hands the bytes to the storage; it runs on the shared background thread, or on the
caller's thread in ``flush`` and ``close`` (and when the backlog is full).

Guarantees: ``flush`` returns once everything appended before it is written;
``close`` is idempotent; a failed write keeps its bytes, in order, for a retry (on a
full disk, the whole records that fit are written first), and is
reported to the caller by the next ``flush``/``close`` or backlog check; a forked
child never writes to its parent's file.

Files: an appendable storage's file starts with the header (and ``purge_step``'s
marker), and each tag's first value in it carries its metadata. A local file gets its
header when the queue opens; an object store's file is created by the first write,
the header and the first batch in one chunk. When the storage says ``full``, the queue
rolls it over between two batches (never while failed chunks wait for their retry)
and starts the next file the same way.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import deque
from itertools import repeat, starmap
from typing import Protocol

from tfevents.convert import Deferred
from tfevents.errors import (
    LoggedValueError,
    PartialWriteError,
    WriteFailedError,
    WriterClosedError,
)
from tfevents.pipeline.encoder import EventEncoder, file_header, purge_marker
from tfevents.pipeline.entries import (
    Entry,
    EventEntry,
    SeriesEntry,
    SummaryEntry,
    TensorScalarEntry,
    cut_by_size,
    describe_entry,
)
from tfevents.records.reader import scan
from tfevents.sinks.base import Storage


class Service(Protocol):
    """Who writes a queue in the background (``pipeline.service`` attaches one)."""

    def wake(self, queue: EventQueue) -> None:
        """Asks for ``queue`` to be written soon."""
        ...

    def ensure_running(self) -> None:
        """Starts the background thread again if it was stopped."""
        ...

    def release(self, queue: EventQueue) -> None:
        """``queue`` is closed: it is served no more."""
        ...


class _Unserved:
    """A queue no one serves: written only by its own flush, close and backlog."""

    def wake(self, queue: EventQueue) -> None:
        pass

    def ensure_running(self) -> None:
        pass

    def release(self, queue: EventQueue) -> None:
        pass

# The background writer is woken early when this many entries, or bytes of encoded
# values, are pending; otherwise it writes every ``flush_secs``.
MIN_WAKE_BATCH = 1000
MAX_PENDING_BYTES = 8 << 20
# Entries a queue may hold while its wake is pending before the caller writes them itself.
MAX_BACKLOG = 1 << 16
MAX_BACKLOG_BYTES = 4 * MAX_PENDING_BYTES


def _drain(entries: deque[Entry]) -> list[Entry]:
    """What is queued now, oldest first (appends that come meanwhile stay queued): one
    ``popleft`` per entry, called from C (half the cost of a comprehension's loop)."""
    return list(starmap(entries.popleft, repeat((), len(entries))))


class EventQueue:
    """The pipeline of one event file (an object, a local file; or, on a store that cannot
    grow an object, one series of segments)."""

    def __init__(
        self,
        storage: Storage,
        *,
        flush_secs: float,
        max_queue: int,
        scalar_metadata: dict[str, bytes] | None = None,
        purge_step: int | None = None,
    ) -> None:
        self.storage = storage
        self.entries: deque[Entry] = deque()
        # tag -> SummaryMetadata for scalars with a display name or description; a
        # writer shares one dict between its successive queues.
        self.scalar_metadata: dict[str, bytes] = {} if scalar_metadata is None else scalar_metadata
        # Waking the writer for a handful of events costs more per event than it saves;
        # past MAX_BACKLOG the caller writes (memory stays bounded whatever max_queue is).
        self.base_threshold = min(max(max_queue, MIN_WAKE_BATCH), MAX_BACKLOG)
        # The queue length at which the next append calls queue_full(): base_threshold,
        # or MAX_BACKLOG while a wake is pending.
        self.wake_threshold = self.base_threshold
        self.pending_bytes = 0  # encoded values queued since the last write (approximate)
        self.bytes_threshold = MAX_PENDING_BYTES
        self.flush_secs = flush_secs
        self.next_write_due = time.monotonic() + self.write_interval
        self.closed = False
        self.wake_requested = False
        self._lock = threading.RLock()
        self._error: BaseException | None = None
        self._lost: str | None = None  # values that could not be read, reported once
        self._unwritten: list[bytes] = []  # chunks whose write failed, oldest first
        self._encoder = EventEncoder(self.scalar_metadata)
        self._purge = b"" if purge_step is None else purge_marker(time.time(), purge_step)
        self._needs_header = True
        self._service: Service = _Unserved()
        if not storage.new_file_per_write and not storage.needs_network:
            self._write_header()  # the file exists, header first, from the start

    def attach(self, service: Service) -> None:
        """Has ``service`` write this queue in the background from now on."""
        self._service = service

    @property
    def needs_network(self) -> bool:
        """Whether writing needs the network (written before the interpreter shuts its
        threads down)."""
        return self.storage.needs_network

    @property
    def path(self) -> str:
        """The event file (or last segment) written."""
        return self.storage.path

    @property
    def write_interval(self) -> float:
        """Seconds between background writes: ``flush_secs``, or the storage's minimum."""
        return max(self.flush_secs, self.storage.min_write_secs)

    def describe(self) -> str:
        return self.storage.describe()

    def _write_header(self) -> None:
        self.storage.write(file_header(time.time()) + self._purge)
        self._purge = b""  # purge_step is written once per writer
        self._needs_header = False

    # --- called by writers -------------------------------------------------------------

    def queue_full(self) -> None:
        """Called by an append that brings the queue to ``wake_threshold``.

        The first time, the background writer is woken. If the queue still reaches
        ``MAX_BACKLOG`` (a loop that logs faster than the background thread, starved of
        the GIL, can write), the caller writes the batch itself: memory stays bounded.
        """
        if self.closed:
            # An append that raced with close() on another thread: the writer has moved
            # on to a new queue (or is about to); this one takes nothing more.
            return
        if self._error is not None:
            self._raise_error()
        self._service.ensure_running()
        if len(self.entries) >= MAX_BACKLOG or self.pending_bytes >= MAX_BACKLOG_BYTES:
            self.write_pending(appending=True)
        elif not self.wake_requested:
            self.wake_requested = True
            self.wake_threshold = MAX_BACKLOG
            self.bytes_threshold = MAX_BACKLOG_BYTES
            self._service.wake(self)

    def add_scalar(self, tag: str, value: float | Deferred, step: int, wall_time: float) -> None:
        """Queues one number (the writer's hot path appends to ``entries`` itself)."""
        self.entries.append((tag, value, step, wall_time))
        if len(self.entries) >= self.wake_threshold:
            self.queue_full()

    def add_series(self, entry: SeriesEntry) -> None:
        """Queues a whole series (float32 values, int64 steps, float64 wall times)."""
        self.entries.append(entry)
        if len(self.entries) >= self.wake_threshold:
            self.queue_full()

    def add_summary(self, entry: SummaryEntry) -> None:
        """Queues a summary value encoded by a ``summaries`` module."""
        self.entries.append(entry)
        self.pending_bytes += len(entry.field)
        if len(self.entries) >= self.wake_threshold or self.pending_bytes >= self.bytes_threshold:
            self.queue_full()

    def add_tensor_scalar(self, entry: TensorScalarEntry) -> None:
        """Queues a rank-0 tensor scalar (``add_scalar(new_style=True)``)."""
        self.entries.append(entry)
        if len(self.entries) >= self.wake_threshold:
            self.queue_full()

    def add_event(self, payload: bytes) -> None:
        """Queues a complete encoded Event (graphs, session logs)."""
        self.entries.append(EventEntry(payload))
        self.pending_bytes += len(payload)
        if not self.wake_requested:
            self.queue_full()

    def write_file(self, relative_path: str, data: bytes) -> None:
        """Stores a file beside the event file (the projector's), replacing it whole,
        through the storage (``Storage.write_file``); on the caller's thread, raising
        its ``OSError`` or ``ValueError`` there."""
        with self._lock:  # (one request at a time on the storage's connection)
            self.storage.write_file(relative_path, data)

    def flush(self, fsync: bool = False) -> None:
        self.write_pending()
        if fsync:
            with self._lock:
                self.storage.sync()
        self._report_lost()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            # A failed write raises here and leaves the queue open, with its events kept:
            # calling close() again retries them.
            self.write_pending()
            self.closed = True
            self.storage.close()
        self._service.release(self)  # (outside the lock: it may wait for the thread to end)
        self._report_lost()

    # --- the write path ------------------------------------------------------------------

    def write_pending(self, from_background: bool = False, *, appending: bool = False) -> None:
        """Writes what is queued. ``appending``: called by an append (``queue_full``), which
        may race with ``close()`` on another thread; then a closed queue takes nothing."""
        with self._lock:
            self.next_write_due = time.monotonic() + self.write_interval
            self.wake_requested = False
            self.wake_threshold = self.base_threshold
            self.bytes_threshold = MAX_PENDING_BYTES
            self.pending_bytes = 0
            if self.closed:
                if self.entries and not (from_background or appending):
                    raise WriterClosedError("this writer's event file is closed")
                return
            if not self._unwritten and self.entries and self.storage.full:
                self.storage.roll_over()  # (between batches: nothing waits for the old file)
                self._needs_header = True
            head = b""
            if self._needs_header and not self.storage.new_file_per_write:
                if not self.entries and not self._unwritten:
                    return  # nothing logged: no file (a forked child, an object store)
                self._encoder = EventEncoder(self.scalar_metadata)
                head, self._purge = file_header(time.time()) + self._purge, b""
                self._needs_header = False
            chunks = self._unwritten + self._encode_pending()
            if head:  # one request for the header and the first batch
                chunks = [head + chunks[0], *chunks[1:]] if chunks else [head]
            self._unwritten = []
            for index, chunk in enumerate(chunks):
                try:
                    self.storage.write(chunk)
                except OSError as exc:
                    self._unwritten = self._write_what_fits(chunks[index:], exc)
                    self._error = exc
                    if not from_background:
                        self._raise_error()
                    return
            if not chunks and self._error is not None and not from_background:
                self._raise_error()
            self._error = None

    def _write_what_fits(self, chunks: list[bytes], exc: OSError) -> list[bytes]:
        """After ``chunks[0]`` failed: writes the whole records of it that fitted (a full
        disk takes what it has room for), and returns what is still to write, in order."""
        fitted = exc.fitted_bytes if isinstance(exc, PartialWriteError) else 0
        cut = scan(memoryview(chunks[0])[:fitted], verify=False).end if fitted else 0
        if not cut:
            return chunks
        head, tail = chunks[0][:cut], chunks[0][cut:]
        try:
            self.storage.write(head)
        except OSError:
            return [head, tail, *chunks[1:]]  # (the space went meanwhile: all kept)
        return [tail, *chunks[1:]] if tail else chunks[1:]

    def restart_background_on_next_append(self) -> None:
        """After the background thread was stopped: the next append calls ``queue_full``,
        which starts it again and has it write that append soon."""
        self.wake_requested = False
        self.wake_threshold = 1
        self.bytes_threshold = 0

    def record_background_error(self, exc: BaseException) -> None:
        """Keeps an unexpected error of the background thread for the caller to see."""
        self._error = exc

    def _raise_error(self) -> None:
        exc = self._error
        self._error = None
        kept = sum(len(chunk) for chunk in self._unwritten)
        raise WriteFailedError(
            getattr(exc, "errno", None),
            f"writing events to {self.describe()} failed: {exc}; the events logged so far "
            f"({kept} bytes, and this call's if it logged one) are kept and "
            "will be retried by the next flush or close",
            path=self.describe(),
            unwritten_bytes=kept,
        ) from exc

    def _report_lost(self) -> None:
        lost, self._lost = self._lost, None
        if lost is not None:
            raise LoggedValueError(lost)

    def _encode_pending(self) -> list[bytes]:
        entries = _drain(self.entries)
        if self.storage.new_file_per_write:
            return self._encode_segments(entries)
        return [self._encode_safely(self._encoder, entries)] if entries else []

    def _encode_segments(self, entries: list[Entry]) -> list[bytes]:
        """One complete event file per chunk of about ``storage.max_write_bytes``."""
        purge, self._purge = self._purge, b""
        if not entries and not purge:
            return []
        groups = cut_by_size(entries, self.storage.max_write_bytes, len(purge))
        header = file_header(time.time())
        bodies = [self._encode_safely(EventEncoder(self.scalar_metadata), group) for group in groups]
        return [header + (purge if i == 0 else b"") + body for i, body in enumerate(bodies)]

    def _encode_safely(self, encoder: EventEncoder, entries: list[Entry]) -> bytes:
        """Encodes ``entries``; one bad entry does not take the batch with it."""
        state = encoder.snapshot()
        try:
            return encoder.encode(entries)
        except Exception as exc:
            encoder.restore(state)
            first_error = exc
        parts = []
        dropped: list[str] = []
        for entry in entries:
            state = encoder.snapshot()
            try:
                parts.append(encoder.encode([entry]))
            except Exception:
                encoder.restore(state)
                dropped.append(describe_entry(entry))
        named = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        self._lost = (
            f"{len(dropped)} logged value(s) could not be read and were not written: "
            f"{named} ({first_error!r}); the other {len(entries) - len(dropped)} were written"
        )
        warnings.warn(f"tfevents: {self._lost}", RuntimeWarning, stacklevel=2)
        return b"".join(parts)

    # --- fork safety ---------------------------------------------------------------------

    def after_fork_in_child(self) -> None:
        """The parent writes what it had queued; the child starts a file of its own."""
        self._lock = threading.RLock()
        self.entries.clear()
        self._unwritten = []
        self.wake_requested = False
        self._error = None
        self._lost = None
        if not self.closed:
            self.storage.after_fork()
            self._needs_header = True
