"""Segments: the remote layout of fsspec stores that cannot grow an object in place.

``memory://``, ``sftp://``, ``hdfs://``, a chained URL such as ``simplecache::s3://``
and any other fsspec URL but S3, GCS and Azure (which get one growing object per run,
``sinks.growing``) get segments: fsspec offers them no append that keeps an object
whole for readers.

A segment store never rewrites an object. Each write batch becomes a new, immutable
segment: a complete event file of its own that starts with the ``brain.Event:2`` header
and in which every tag's first value carries its metadata (the storage says
``new_file_per_write``; the pipeline encodes each segment afresh). A batch larger than
``segment_bytes`` is cut by the pipeline into several segments at event boundaries. To
keep their number down, the background thread writes a segment at most every
``DEFAULT_SEGMENT_SECS`` (``flush()`` and ``close()`` write at once); ``memory://``,
which costs nothing per object, is written every ``flush_secs``.

Segments are named like local event files,
``events.out.tfevents.<10-digit time>.<host>.<pid>.<counter><suffix>``, with a time
that never goes backwards within a sink and a zero-padded per-process counter, so
their names sort in creation order: TensorBoard reads a run's files in name order.

fsspec (and the store's own package: s3fs, gcsfs, adlfs) is imported only when a URL
log directory is used. Credentials and endpoints come from the store's usual
configuration (environment, config files, ``fsspec.config``) or ``storage_options``.

Failures: every error of an upload surfaces as an ``OSError`` (other exceptions of
the store's client are wrapped), so the pipeline keeps the bytes and retries them on
the next write, as for local files. A retried segment keeps its name and its contents,
so an upload that landed although it reported a failure is overwritten by the same
bytes, never duplicated under a second name.
"""

from __future__ import annotations

import posixpath
import time
from typing import Any

from tfevents.errors import ArgumentError
from tfevents.sinks._fsspec import OBJECT_STORES, connect, put_file
from tfevents.sinks.base import check_relative_path
from tfevents.sinks.naming import event_file_name

# A write batch whose events exceed this many bytes is cut into several segments.
DEFAULT_SEGMENT_BYTES = 16 << 20
# Segment stores: the background thread writes at most this often (seconds).
DEFAULT_SEGMENT_SECS = 30.0

class RemoteSegments:
    """Stores each chunk as a new segment file under an fsspec URL (see the module doc)."""

    new_file_per_write = True
    needs_network = True
    full = False

    def __init__(
        self,
        url: str,
        *,
        filename_suffix: str = "",
        storage_options: dict[str, Any] | None = None,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        min_write_secs: float = DEFAULT_SEGMENT_SECS,
    ) -> None:
        if isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int) or segment_bytes < 1:
            raise ArgumentError(f"segment_bytes must be a positive int, got {segment_bytes!r}")
        if not 0 <= min_write_secs < float("inf"):
            raise ArgumentError(f"min_write_secs must be >= 0 and finite, got {min_write_secs!r}")
        self.url = url
        self.logdir = url
        self.filename_suffix = filename_suffix
        self.max_write_bytes = segment_bytes
        self.min_write_secs = float(min_write_secs)
        self._storage_options = dict(storage_options or {})
        self._protocol = url.partition("://")[0].rsplit("::", 1)[-1].lower()
        # Made now, not at the first upload: no network yet, but fsspec's I/O thread
        # starts here rather than at interpreter exit.
        self._fs, self._root = connect(url, self._storage_options)
        self._reconnect = False
        self._parent_ready = self._protocol in OBJECT_STORES
        self._retry_name: str | None = None  # the name of a segment whose upload failed
        self._last_stamp = 0.0
        self.path = ""  # the URL of the last segment written
        self.segments_written = 0

    @property
    def segment_bytes(self) -> int:
        return self.max_write_bytes

    @segment_bytes.setter
    def segment_bytes(self, value: int) -> None:
        self.max_write_bytes = value

    def describe(self) -> str:
        if self._retry_name is not None:
            return posixpath.join(self.url, self._retry_name)
        return self.path or self.url

    def _next_name(self) -> str:
        # Never earlier than a segment already named, so names sort in creation order
        # even if the wall clock steps back.
        stamp = self._last_stamp = max(time.time(), self._last_stamp)
        return event_file_name(self.filename_suffix, stamp)

    def _connection(self) -> Any:
        if self._reconnect:
            self._fs, self._root = connect(self.url, self._storage_options)
            self._reconnect = False
        return self._fs

    def write(self, data: bytes) -> None:
        fs = self._connection()
        name = self._retry_name or self._next_name()
        try:
            put_file(fs, posixpath.join(self._root, name), data, make_parent=not self._parent_ready)
        except OSError:
            self._retry_name = name  # the pipeline passes the same bytes again
            raise
        except BaseException:
            self._retry_name = None  # not a write failure (an interrupt): dropped
            raise
        self._parent_ready = True
        self._retry_name = None
        self.path = posixpath.join(self.url, name)
        self.segments_written += 1

    def roll_over(self) -> None:
        pass  # every segment is a file of its own already

    def write_file(self, relative_path: str, data: bytes) -> None:
        parts = check_relative_path(relative_path)
        path = posixpath.join(self._root, *parts)
        put_file(self._connection(), path, data, make_parent=self._protocol not in OBJECT_STORES)

    def sync(self) -> None:
        """Every finished upload is durable: nothing to do."""

    def close(self) -> None:
        pass

    def after_fork(self) -> None:
        # fsspec starts afresh after a fork: the parent's event loop and connections are
        # not ours to use. A filesystem of our own is made at the child's first write.
        self._reconnect = True
        self._retry_name = None
