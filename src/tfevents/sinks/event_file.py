"""The event file on local disk."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import platform
import time

from tfevents.records.framing import frame
from tfevents.sinks.base import Sink
from tfevents.wire import messages

_file_counter = itertools.count()
SOURCE_WRITER = "tfevents"


def hostname() -> str:
    """This machine's name, as torch puts it in file names (``socket.gethostname()``;
    ``platform.node()`` is the same name without importing socket, 2.5 ms at import)."""
    return platform.node() or "localhost"


def event_file_name(filename_suffix: str = "", wall_time: float | None = None) -> str:
    """``events.out.tfevents.<10-digit time>.<host>.<pid>.<counter><suffix>``.

    The pid and a per-process counter make names unique across processes and across
    writers opened in the same second, so two writers never share a file. The counter
    is zero-padded so that names sort in creation order (TensorBoard's Python loader
    reads a run's files in name order and never goes back to an earlier one).
    """
    stamp = int(time.time() if wall_time is None else wall_time)
    return (
        f"events.out.tfevents.{stamp:010d}.{hostname()}."
        f"{os.getpid()}.{next(_file_counter):06d}{filename_suffix}"
    )


def header_record(wall_time: float) -> bytes:
    """The framed first record of every event file: ``file_version: "brain.Event:2"``."""
    return frame(
        messages.event(wall_time, file_version=messages.FILE_VERSION, source_writer=SOURCE_WRITER)
    )


def purge_record(wall_time: float, step: int) -> bytes:
    """The framed ``SessionLog.START`` at ``step`` that ``purge_step`` asks for."""
    return frame(
        messages.event(wall_time, step, session_log=messages.session_log(messages.SESSION_START))
    )


class EventFileSink(Sink):
    """Appends framed events to ``logdir/events.out.tfevents.*``.

    The file is opened unbuffered in append mode: each batch is one ``write`` call,
    so what the background thread writes is visible to a running TensorBoard at once.
    If a write fails part-way, the file is truncated back to its last whole record.
    """

    def __init__(
        self,
        logdir: str,
        *,
        filename_suffix: str = "",
        flush_secs: float = 2.0,
        max_queue: int = 10,
        purge_step: int | None = None,
        fsync: bool = False,
        scalar_metadata: dict[str, bytes] | None = None,
    ) -> None:
        super().__init__(
            flush_secs=flush_secs, max_queue=max_queue, scalar_metadata=scalar_metadata
        )
        self.logdir = logdir
        self.filename_suffix = filename_suffix
        self.fsync = fsync
        self._fd = -1
        self._size = 0
        self.path = ""
        os.makedirs(logdir, exist_ok=True)
        self._open(purge_step=purge_step)
        self._start()

    def describe(self) -> str:
        return self.path or self.logdir

    def _open(self, after_fork: bool = False, purge_step: int | None = None) -> None:
        wall_time = time.time()
        path = os.path.join(self.logdir, event_file_name(self.filename_suffix, wall_time))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        except OSError as exc:
            raise OSError(exc.errno, f"could not create event file {path}: {exc.strerror}") from exc
        self._fd, self.path, self._size = fd, path, 0
        header = header_record(wall_time)
        if purge_step is not None:
            header += purge_record(wall_time, purge_step)
        try:
            self._write(header)
        except OSError as exc:
            os.close(fd)
            self._fd = -1
            with contextlib.suppress(OSError):
                os.unlink(path)  # a file without its header is no event file: leave none
            raise OSError(exc.errno, f"could not start event file {path}: {exc.strerror}") from exc

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        try:
            while written < len(view):
                count = os.write(self._fd, view[written:])
                if count == 0:
                    raise OSError(errno.EIO, "write returned 0 bytes")
                written += count
        except OSError as exc:
            if written:
                try:  # never leave half a record in the file
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    # The torn prefix stays: the retry must continue it, not repeat it.
                    self._size += written
                    exc.unwritten = bytes(view[written:])  # type: ignore[attr-defined]
            raise
        self._size += written
        if self.fsync:
            os.fsync(self._fd)

    def _sync(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)

    def _close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            if self.fsync:
                os.fsync(fd)
            os.close(fd)

    def _forget_parent_file(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closes the child's copy only
            self._fd = -1
