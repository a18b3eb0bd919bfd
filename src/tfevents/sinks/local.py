"""An event file on local disk, appended to (``Storage`` with ``new_file_per_write=False``).

The file is opened unbuffered in append mode at the first write: each chunk is one
``write`` call, so what the background thread writes is visible to a running
TensorBoard at once. A write that fails part-way is cut back to the last whole chunk
with ``ftruncate``, and raises ``PartialWriteError`` saying how many bytes had fitted
(the pipeline then writes the whole records among them, see ``sinks.base``); where the
cut fails too, the torn prefix stays and the retry of the same chunk (the storage
protocol's rule) writes only the rest of it.

Files beside the event file (``write_file``) are written to a temporary file in the
same directory, then moved over the old one with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile

from tfevents.errors import PartialWriteError
from tfevents.sinks.base import check_relative_path
from tfevents.sinks.naming import event_file_name


class LocalEventFile:
    """Appends chunks to ``logdir/events.out.tfevents.*``."""

    new_file_per_write = False
    max_write_bytes = 0
    needs_network = False
    min_write_secs = 0.0
    full = False  # one file per writer, however large

    def __init__(self, logdir: str, *, filename_suffix: str = "", fsync: bool = False) -> None:
        self.logdir = logdir
        self.filename_suffix = filename_suffix
        self.fsync = fsync
        self.path = ""
        self._fd = -1
        self._size = 0  # bytes of whole chunks in the file
        self._torn = 0  # bytes of the failed chunk already in the file (not cut back)
        os.makedirs(logdir, exist_ok=True)

    def describe(self) -> str:
        return self.path or self.logdir

    def _open(self) -> None:
        path = os.path.join(self.logdir, event_file_name(self.filename_suffix))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        except OSError as exc:
            raise OSError(exc.errno, f"could not create event file {path}: {exc.strerror}") from exc
        self._fd, self.path, self._size, self._torn = fd, path, 0, 0

    def write(self, data: bytes) -> None:
        if self._fd < 0:
            self._open()
        view = memoryview(data)[self._torn :]
        written = 0
        try:
            while written < len(view):
                count = os.write(self._fd, view[written:])
                if count == 0:
                    raise OSError(errno.EIO, "write returned 0 bytes")
                written += count
        except OSError as exc:
            if self._size == 0 and self._torn == 0:
                path = self.path
                self._discard_new_file()  # a file without its header is no event file
                raise OSError(exc.errno, f"could not start event file {path}: {exc.strerror}") from exc
            if written:
                try:  # never leave half a chunk in the file
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    self._torn += written  # the retry continues the torn chunk
                else:
                    # Nothing of the chunk is left; say how much of it fitted, so that
                    # the pipeline can write the whole records that do.
                    fitted, self._torn = self._torn + written, 0
                    raise PartialWriteError(
                        exc.errno, exc.strerror or str(exc), fitted_bytes=fitted
                    ) from exc
            raise
        self._size += self._torn + written
        self._torn = 0
        if self.fsync:
            os.fsync(self._fd)

    def _discard_new_file(self) -> None:
        fd, path = self._fd, self.path
        self._fd, self.path = -1, ""
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)

    def roll_over(self) -> None:
        """Closes the file; the next write starts a new one (``full`` never asks it)."""
        self.close()

    def write_file(self, relative_path: str, data: bytes) -> None:
        parts = check_relative_path(relative_path)
        path = os.path.join(self.logdir, *parts)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def sync(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            if self.fsync:
                os.fsync(fd)
            os.close(fd)

    def after_fork(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closes the child's copy only
            self._fd = -1
        self._size = self._torn = 0
