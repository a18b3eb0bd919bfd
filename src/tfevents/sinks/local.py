"""An event file on local disk, appended to (``Storage`` with ``new_file_per_write=False``).

The file is opened unbuffered in append mode at the first write: each chunk is one
``write`` call, so what the background thread writes is visible to a running
TensorBoard at once. A write that fails part-way is cut back to the last whole chunk
with ``ftruncate``, and the error says how many bytes had fitted (``fitted_bytes``: the
pipeline then writes the whole records among them, see ``sinks.base``); where the cut
fails too, the torn prefix stays and the retry of the same chunk (the storage
protocol's rule) writes only the rest of it.
"""

from __future__ import annotations

import contextlib
import errno
import os

from tfevents.sinks.naming import event_file_name


class LocalEventFile:
    """Appends chunks to ``logdir/events.out.tfevents.*``."""

    new_file_per_write = False
    max_write_bytes = 0

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
                    exc.fitted_bytes = self._torn + written  # type: ignore[attr-defined]
                    self._torn = 0
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
