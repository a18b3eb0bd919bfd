"""Remote log directories through fsspec: S3, GCS, Azure, memory:// and any fsspec URL.

Object stores cannot append, and a writer that re-uploads its one growing event file
at every flush sends the whole file again each time (quadratic in the run's length:
mosaicml/composer#1283, tensorpack#707, tensorboardX's S3/GCS writers). This sink
never rewrites an object. Each write batch (a background write or a ``flush`` that has
something to write) becomes a new, immutable **segment**: a complete event file of its
own that starts with the ``brain.Event:2`` header and in which every tag's first value
carries its metadata (a fresh ``EventEncoder`` per segment). A batch larger than
``segment_bytes`` is cut into several segments at event boundaries.

Segments are named like local event files,
``events.out.tfevents.<10-digit time>.<host>.<pid>.<counter><suffix>``, with a time
that never goes backwards within a sink and a zero-padded per-process counter, so
their names sort in creation order: TensorBoard reads a run's files in name order.

fsspec (and the store's own package: s3fs, gcsfs, adlfs) is imported only when a URL
log directory is used. Credentials and endpoints come from the store's usual
configuration (environment, config files, ``fsspec.config``) or ``storage_options``.

Failures: every error of an upload surfaces as an ``OSError`` (other exceptions of
the store's client are wrapped), so the base class keeps the bytes and retries them
on the next write, as for local files. A retried segment keeps its name and its
contents, so an upload that landed although it reported a failure is overwritten by
the same bytes, never duplicated under a second name. Segments already uploaded in a
partly failed write are not uploaded again.
"""

from __future__ import annotations

import errno
import posixpath
import sys
import threading
import time
import weakref
from collections import deque
from typing import Any

from tfevents.sinks.base import Sink, _drain
from tfevents.sinks.encoder import EncodedValue, Entry, EventEncoder, RawEvent
from tfevents.sinks.event_file import event_file_name, header_record, purge_record

# A write batch whose events exceed this many bytes is cut into several segments.
DEFAULT_SEGMENT_BYTES = 16 << 20

# Stores where "directories" are key prefixes: nothing to create before an upload,
# and a missing parent means a missing bucket, which is reported, never created.
OBJECT_STORES = frozenset(
    {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2", "b2", "cos", "obs"}
)


_REMOTE_SINKS: weakref.WeakSet[FsspecSink] = weakref.WeakSet()
_exit_hook = False


def _write_before_shutdown() -> None:
    """Uploads what remote sinks hold while the interpreter can still do network I/O.

    The exit hook of ``base`` runs too late for clients built on asyncio (s3fs, gcsfs):
    by then ``concurrent.futures`` refuses new work ("cannot schedule new futures after
    interpreter shutdown"), which aiohttp needs to resolve host names. Hooks registered
    with ``threading._register_atexit`` run before that. The sinks stay open: anything
    logged later (by a thread still running) is written by ``base``'s exit hook.
    """
    for sink in list(_REMOTE_SINKS):
        if sink.closed:
            continue
        try:
            sink.write_pending()
        except Exception as exc:  # exit must go on; say what is at stake
            print(f"tfevents: could not write {sink.describe()} before exit: {exc}", file=sys.stderr)


def _register_exit_hook() -> None:
    global _exit_hook
    if not _exit_hook:
        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            try:
                register(_write_before_shutdown)
            except RuntimeError:  # already shutting down: base's hook is all there is
                return
        _exit_hook = True


def _connect(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"log_dir {url!r} is a URL: writing to it needs fsspec and the package of its "
            "store (s3fs for s3://, gcsfs for gs://, adlfs for az://): "
            "pip install 'tfevents[remote]' (or fsspec and that package)"
        ) from exc
    fs, root = fsspec.core.url_to_fs(url, **storage_options)
    return fs, root.rstrip("/") or root


def _estimated_size(entry: Entry) -> int:
    """Roughly the framed bytes of one entry (used only to cut oversized batches)."""
    tag, value, _, _ = entry
    kind = value.__class__
    if kind is EncodedValue:
        return len(value.field) + len(value.metadata) + len(tag) + 48
    if kind is RawEvent:
        return len(value.payload) + 16
    size = getattr(value, "size", 1)  # a whole series from add_scalar_array
    return (len(tag) + 40) * (size if isinstance(size, int) else 1)


class FsspecSink(Sink):
    """Writes a run to an fsspec URL as immutable segment files (see the module doc)."""

    def __init__(
        self,
        url: str,
        *,
        filename_suffix: str = "",
        flush_secs: float = 2.0,
        max_queue: int = 10,
        purge_step: int | None = None,
        fsync: bool = False,
        scalar_metadata: dict[str, bytes] | None = None,
        storage_options: dict[str, Any] | None = None,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
    ) -> None:
        super().__init__(
            flush_secs=flush_secs, max_queue=max_queue, scalar_metadata=scalar_metadata
        )
        if isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int) or segment_bytes < 1:
            raise ValueError(f"segment_bytes must be a positive int, got {segment_bytes!r}")
        self.url = url
        self.logdir = url
        self.filename_suffix = filename_suffix
        self.segment_bytes = segment_bytes
        self.fsync = fsync  # every finished upload is durable: nothing more to do
        self._storage_options = dict(storage_options or {})
        self._protocol = url.partition("://")[0].rsplit("::", 1)[-1].lower()
        # Made now, not at the first upload: no network yet, but fsspec's I/O thread
        # starts here rather than at interpreter exit.
        self._fs, self._root = _connect(url, self._storage_options)
        self._parent_ready = self._protocol in OBJECT_STORES
        # Segments encoded but not yet uploaded: (name, header, body size). Their bodies,
        # in order, are what the base class passes to ``_write`` after
        # ``_uploaded_prefix`` bytes already uploaded by a write that failed part-way.
        self._segments: deque[tuple[str, bytes, int]] = deque()
        self._uploaded_prefix = 0
        self._last_stamp = 0.0
        self._prelude = b""
        if purge_step is not None:  # goes at the head of the first segment
            self._prelude = purge_record(time.time(), purge_step)
        self.path = ""  # the URL of the last segment written
        self.segments_written = 0
        _REMOTE_SINKS.add(self)
        _register_exit_hook()
        self._start()

    def describe(self) -> str:
        if self._segments:
            return self._segment_url(self._segments[0][0])
        return self.path or self.url

    def _segment_url(self, name: str) -> str:
        return posixpath.join(self.url, name)

    # --- encoding: one fresh encoder per segment -----------------------------------------

    def _encode_pending(self) -> bytes:
        entries = _drain(self.queue)
        prelude, self._prelude = self._prelude, b""
        if not entries and not prelude:
            return b""
        bodies = [prelude + EventEncoder(self.scalar_metadata).encode(entries) if entries else prelude]
        if len(bodies[0]) > self.segment_bytes and len(entries) > 1:
            bodies = self._encode_cut(entries, prelude)
        # Never earlier than a segment already named, so names sort in creation order
        # even if the wall clock steps back.
        stamp = self._last_stamp = max(time.time(), self._last_stamp)
        header = header_record(stamp)
        for body in bodies:
            self._segments.append((event_file_name(self.filename_suffix, stamp), header, len(body)))
        return b"".join(bodies)

    def _encode_cut(self, entries: list[Entry], prelude: bytes) -> list[bytes]:
        """Encodes an oversized batch as several segments of about ``segment_bytes``."""
        chunks: list[list[Entry]] = [[]]
        size = len(prelude)
        for entry in entries:
            entry_size = _estimated_size(entry)
            if chunks[-1] and size + entry_size > self.segment_bytes:
                chunks.append([])
                size = 0
            chunks[-1].append(entry)
            size += entry_size
        bodies = [EventEncoder(self.scalar_metadata).encode(chunk) for chunk in chunks]
        bodies[0] = prelude + bodies[0]
        return bodies

    # --- the hooks of the base class -----------------------------------------------------

    def _open(self, after_fork: bool = False) -> None:
        # In a forked child: a filesystem object of our own (fsspec starts afresh
        # after a fork; the parent's event loop and connections are not ours to use).
        if after_fork:
            self._fs, self._root = _connect(self.url, self._storage_options)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        offset = self._uploaded_prefix
        try:
            while self._segments:
                name, header, size = self._segments[0]
                self._upload(name, header + view[offset : offset + size])
                self._segments.popleft()
                offset += size
                self.path = self._segment_url(name)
                self.segments_written += 1
        except OSError:
            # The base class keeps ``data`` and passes it again, followed by new
            # events: skip what is uploaded, retry the rest under the same names.
            self._uploaded_prefix = offset
            raise
        except BaseException:
            # Not a write failure (an interrupt): the base class drops ``data``.
            self._segments.clear()
            self._uploaded_prefix = 0
            raise
        self._uploaded_prefix = 0

    def _upload(self, name: str, blob: bytes) -> None:
        path = posixpath.join(self._root, name)
        try:
            try:
                self._fs.pipe_file(path, blob)
            except FileNotFoundError:
                if self._parent_ready:
                    raise
                # A filesystem with real directories (memory, sftp, ...): make the run's.
                self._fs.makedirs(self._root, exist_ok=True)
                self._parent_ready = True
                self._fs.pipe_file(path, blob)
            else:
                self._parent_ready = True
        except OSError:
            raise
        except Exception as exc:  # the store client's own errors (botocore, aiohttp, ...)
            raise OSError(errno.EIO, f"{type(exc).__name__}: {exc}") from exc

    def _close(self) -> None:
        pass

    def _forget_parent_file(self) -> None:
        self._segments.clear()
        self._uploaded_prefix = 0
        self._prelude = b""
