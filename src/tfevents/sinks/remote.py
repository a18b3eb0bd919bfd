"""Remote log directories through fsspec: S3, GCS, Azure, memory:// and any fsspec URL.

Object stores cannot append, and a writer that re-uploads its one growing event file
at every flush sends the whole file again each time (quadratic in the run's length:
mosaicml/composer#1283, tensorpack#707, tensorboardX's S3/GCS writers). This sink
never rewrites an object. Each write batch (a background write or a ``flush`` that has
something to write) becomes a new, immutable **segment**: a complete event file of its
own that starts with the ``brain.Event:2`` header and in which every tag's first value
carries its metadata: the storage says ``new_file_per_write``, and the pipeline encodes
each segment afresh. A batch larger than ``segment_bytes`` is cut by the pipeline into
several segments at event boundaries.

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
bytes, never duplicated under a second name. Segments already uploaded in a partly
failed write are not uploaded again.
"""

from __future__ import annotations

import errno
import posixpath
import time
from typing import Any

from tfevents.sinks.naming import event_file_name

# A write batch whose events exceed this many bytes is cut into several segments.
DEFAULT_SEGMENT_BYTES = 16 << 20

# Stores where "directories" are key prefixes: nothing to create before an upload,
# and a missing parent means a missing bucket, which is reported, never created.
OBJECT_STORES = frozenset(
    {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2", "b2", "cos", "obs"}
)


def connect(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    """fsspec's filesystem for ``url`` and the path inside it."""
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


class RemoteSegments:
    """Stores each chunk as a new segment file under an fsspec URL (see the module doc)."""

    new_file_per_write = True
    #: The network is needed to write: flush before the interpreter shuts its threads down.
    needs_network = True

    def __init__(
        self,
        url: str,
        *,
        filename_suffix: str = "",
        storage_options: dict[str, Any] | None = None,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
    ) -> None:
        if isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int) or segment_bytes < 1:
            raise ValueError(f"segment_bytes must be a positive int, got {segment_bytes!r}")
        self.url = url
        self.logdir = url
        self.filename_suffix = filename_suffix
        self.max_write_bytes = segment_bytes
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

    def write(self, data: bytes) -> None:
        if self._reconnect:
            self._fs, self._root = connect(self.url, self._storage_options)
            self._reconnect = False
        name = self._retry_name or self._next_name()
        try:
            self._upload(name, data)
        except OSError:
            self._retry_name = name  # the pipeline passes the same bytes again
            raise
        except BaseException:
            self._retry_name = None  # not a write failure (an interrupt): dropped
            raise
        self._retry_name = None
        self.path = posixpath.join(self.url, name)
        self.segments_written += 1

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

    def sync(self) -> None:
        """Every finished upload is durable: nothing to do."""

    def close(self) -> None:
        pass

    def after_fork(self) -> None:
        # fsspec starts afresh after a fork: the parent's event loop and connections are
        # not ours to use. A filesystem of our own is made at the child's first write.
        self._reconnect = True
        self._retry_name = None
