"""One growing object per run on S3, GCS and Azure (``Storage``, appendable).

An object store cannot append to a file, but each of these three can grow an object in
place without the client sending its bytes again (``sinks.s3``, ``sinks.gcs``,
``sinks.azure``: an ``Appender`` each). So a run on them is one event object, created
by its first write (the header and the first batch, in one upload; on Azure, an empty
append blob first) and grown by every later write: TensorBoard lists one file and reads
only what is new, and each flushed byte is sent once (S3 objects under 5 MiB excepted:
see ``sinks.s3``). After every write the object is a whole event file, as each append
is atomic for readers (S3 and GCS replace the object in one step; an Azure append block
lands whole).

The object is rolled over (the pipeline starts a new one with the header and each tag's
metadata again) only when it reaches ``max_bytes`` or its store's limit on appends
(GCS: 1,024 components per composite object; Azure: 50,000 blocks per append blob).

A failed request leaves the last good object. The retry (the pipeline passes the same
bytes again) first asks the store how large the object is: if the failed append landed
after all, nothing is sent again; if part of it landed (an Azure append of several
blocks), only the rest is; so nothing is duplicated. An object that shrank or grew by
something else is reported, never overwritten.
"""

from __future__ import annotations

import errno
import posixpath
import time
from collections.abc import Callable
from typing import Any, Protocol

from tfevents.sinks._fsspec import connect, put_file, store_errors
from tfevents.sinks.base import check_relative_path
from tfevents.sinks.naming import event_file_name


class Appender(Protocol):
    """How one store grows an object in place (one instance per fsspec filesystem)."""

    #: Appends (GCS components, Azure blocks) an object may take before a roll-over.
    max_appends: int
    #: Size at which the object is rolled over.
    max_bytes: int

    def create(self, path: str, data: bytes) -> int:
        """Makes ``path`` a new object holding ``data``; returns the appends it used."""
        ...

    def append(self, path: str, data: bytes, size: int) -> int:
        """Grows ``path``, ``size`` bytes now, by ``data``; returns the appends it used.
        Readers see the old object or the new one, never a torn record (one Azure block
        aside, see ``sinks.azure``)."""
        ...

    def forget(self) -> None:
        """Drops what it holds of the current object (after a failure, a roll-over, a
        fork): the next call starts from the store's state. No request."""
        ...

    def close(self) -> None:
        """Releases what it holds; may make requests (cleaning up)."""
        ...


def object_size(fs: Any, path: str) -> int | None:
    """The object's size in the store now (no cache), ``None`` if there is none."""
    with store_errors():
        fs.invalidate_cache(path)
        try:
            return int(fs.info(path)["size"])
        except FileNotFoundError:
            return None


def appender_for(protocol: str) -> Callable[[Any], Appender]:
    """The ``Appender`` class of a store: s3, gs or az (and their aliases)."""
    if protocol in ("s3", "s3a"):
        from tfevents.sinks.s3 import S3Appender

        return S3Appender
    if protocol in ("gs", "gcs"):
        from tfevents.sinks.gcs import GCSAppender

        return GCSAppender
    from tfevents.sinks.azure import AzureAppender

    return AzureAppender


def open_growing(
    url: str, protocol: str, *, filename_suffix: str = "", storage_options: dict[str, Any] | None = None
) -> GrowingObject:
    """A ``GrowingObject`` on ``url``, grown by the appender of ``protocol``."""
    return GrowingObject(
        url, appender_for(protocol), filename_suffix=filename_suffix, storage_options=storage_options
    )


class GrowingObject:
    """A run's event object, grown in place by an ``Appender`` (see the module doc)."""

    new_file_per_write = False
    max_write_bytes = 0
    needs_network = True
    min_write_secs = 0.0

    def __init__(
        self,
        url: str,
        appender: Callable[[Any], Appender],
        *,
        filename_suffix: str = "",
        storage_options: dict[str, Any] | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.url = url
        self.logdir = url
        self.filename_suffix = filename_suffix
        self._storage_options = dict(storage_options or {})
        self._make_appender = appender
        # Connected now, not at the first write: fsspec's I/O thread starts here.
        self._fs, self._root = connect(url, self._storage_options)
        self._appender: Appender = appender(self._fs)
        self.max_bytes = self._appender.max_bytes if max_bytes is None else max_bytes
        self.max_appends = self._appender.max_appends
        self._reconnect = False
        self._name: str | None = None  # the live object, None before its first write
        self.size = 0  # its bytes, as far as this writer knows
        self.appends = 0  # appends (components, blocks) it has taken
        # After a failed write: the retry (same bytes) first asks what landed.
        self._uncertain = False
        # After an interrupted write (the pipeline dropped its bytes): the object's size
        # is asked and taken as it is.
        self._resync = False
        self._last_stamp = 0.0
        self.path = ""  # the live object's URL
        self.objects_started = 0

    @property
    def full(self) -> bool:
        return self._name is not None and (
            self.size >= self.max_bytes or self.appends >= self.max_appends
        )

    def describe(self) -> str:
        return posixpath.join(self.url, self._name) if self._name else self.url

    def _connection(self) -> Appender:
        if self._reconnect:
            self._fs, self._root = connect(self.url, self._storage_options)
            self._appender = self._make_appender(self._fs)
            self._reconnect = False
        return self._appender

    def write(self, data: bytes) -> None:
        appender = self._connection()
        if self._name is None:
            # Never earlier than an object already named: names sort in creation order.
            stamp = self._last_stamp = max(time.time(), self._last_stamp)
            self._name = event_file_name(self.filename_suffix, stamp)
            self.size = self.appends = 0
            self.objects_started += 1
        path = posixpath.join(self._root, self._name)
        try:
            if self._resync:
                self.size = object_size(self._fs, path) or 0
                self._resync = False
            landed = self._landed(path, len(data)) if self._uncertain else 0
            rest = bytes(memoryview(data)[landed:])
            if rest and self.size + landed == 0:
                used = appender.create(path, rest)
            elif rest:
                used = appender.append(path, rest, self.size + landed)
            else:
                used = 0
        except OSError:
            self._uncertain = True  # the pipeline passes the same bytes again
            appender.forget()
            raise
        except BaseException:
            self._uncertain, self._resync = False, True  # (an interrupt: bytes dropped)
            appender.forget()
            raise
        self._uncertain = False
        self.size += len(data)
        self.appends += used
        self.path = posixpath.join(self.url, self._name)

    def _landed(self, path: str, length: int) -> int:
        """How much of the retried chunk the failed request stored."""
        current = object_size(self._fs, path)
        if current is None:
            if self.size == 0:
                return 0  # never created: create it now
            raise OSError(
                errno.ENOENT,
                f"{self.describe()} is gone from the store ({self.size} bytes were written "
                "to it); the events kept for it are not written elsewhere",
            )
        extra = current - self.size
        if 0 <= extra <= length:
            return extra
        raise OSError(
            errno.EIO,
            f"{self.describe()} holds {current} bytes where this writer left {self.size} "
            f"(or up to {self.size + length}): something else changed it; it is not overwritten",
        )

    def roll_over(self) -> None:
        self._name, self.size, self.appends = None, 0, 0
        self._appender.forget()

    def write_file(self, relative_path: str, data: bytes) -> None:
        parts = check_relative_path(relative_path)
        self._connection()
        put_file(self._fs, posixpath.join(self._root, *parts), data, make_parent=False)

    def sync(self) -> None:
        """Every finished request is durable: nothing to do."""

    def close(self) -> None:
        if not self._reconnect:
            self._appender.close()

    def after_fork(self) -> None:
        # The parent's object, event loop and connections are not the child's: a new
        # filesystem at the child's first write, and a new object.
        self._appender.forget()
        self._reconnect = True
        self._name, self.size, self.appends = None, 0, 0
        self._uncertain = self._resync = False
