"""Storage only: where a run's framed bytes go (see ``sinks.base.Storage``).

``open_storage(logdir, ...)`` picks it by the log directory:

- ``s3://``, ``gs://``, ``az://`` (and ``s3a``, ``gcs``, ``abfs``, ``abfss``): one
  growing object per run (``sinks.growing``), grown in place with what each store
  offers (S3 multipart copy, GCS compose, Azure append blobs) and rolled over only at a
  large size or near the store's limit on appends;
- any other URL with a scheme other than ``file`` (``memory://``, any fsspec URL,
  chained ones such as ``simplecache::s3://`` included): ``RemoteSegments``, immutable
  segment files (``sinks.remote``);
- a plain path or a ``file://`` URL: a ``LocalEventFile``.

``MemoryFiles`` keeps the files in a list.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from tfevents.errors import ArgumentError
from tfevents.sinks.base import Storage
from tfevents.sinks.local import LocalEventFile
from tfevents.sinks.memory import MemoryFiles
from tfevents.sinks.naming import event_file_name, hostname

__all__ = [
    "LocalEventFile",
    "MemoryFiles",
    "Storage",
    "event_file_name",
    "hostname",
    "is_remote",
    "join_logdir",
    "logdir_string",
    "open_storage",
]

# The stores whose objects grow in place (sinks.growing); a chained URL never does.
GROWING_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
# scheme://..., or fsspec's chained form proto1::proto2://...
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(?:::[A-Za-z][A-Za-z0-9+.\-]*)*://")


def is_remote(logdir: str) -> bool:
    """Whether ``logdir`` is a URL for fsspec (any scheme but ``file://``)."""
    match = _URL.match(logdir)
    return match is not None and match.group(0).lower() != "file://"


def logdir_string(log_dir: str | os.PathLike[str]) -> str:
    """The log directory as a string: a local path, or a normalised remote URL.

    A path-like object that stands for a URL (``upath.UPath("s3://b/run")``) keeps its
    URL (``os.fspath`` would drop the scheme or fail). ``file://`` URLs become local
    paths. A remote URL loses trailing slashes, and backslashes become slashes (joined
    on Windows with ``os.path.join``, a URL would get them).
    """
    text = log_dir if isinstance(log_dir, str) else str(log_dir)
    if not _URL.match(text):
        return os.fspath(log_dir)
    if not is_remote(text):
        from urllib.parse import unquote, urlsplit  # (only here: 3 ms at import)

        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise ArgumentError(f"log_dir {text!r}: a file:// URL must name a local path")
        from urllib.request import url2pathname

        return url2pathname(unquote(parts.path)) if os.name == "nt" else unquote(parts.path)
    head, sep, rest = text.partition("://")
    return head + sep + rest.replace("\\", "/").rstrip("/")


def join_logdir(logdir: str, *parts: str) -> str:
    """``os.path.join`` for local paths, ``posixpath.join`` for URLs."""
    return posixpath.join(logdir, *parts) if is_remote(logdir) else os.path.join(logdir, *parts)


def open_storage(
    logdir: str,
    *,
    filename_suffix: str = "",
    fsync: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> Storage:
    """The storage for ``logdir``: ``storage_options`` (fsspec's options for the store:
    credentials, endpoint, ...) apply to URLs and are ignored for local paths."""
    logdir = logdir_string(logdir)
    if is_remote(logdir):
        # fsspec is imported only now
        protocol = logdir.partition("://")[0].lower()
        if protocol in GROWING_PROTOCOLS:
            from tfevents.sinks.growing import open_growing

            return open_growing(
                logdir, protocol, filename_suffix=filename_suffix, storage_options=storage_options
            )
        from tfevents.sinks.remote import DEFAULT_SEGMENT_SECS, RemoteSegments

        return RemoteSegments(
            logdir,
            filename_suffix=filename_suffix,
            storage_options=storage_options,
            # memory:// costs nothing per object: a segment every flush_secs
            min_write_secs=0.0 if protocol == "memory" else DEFAULT_SEGMENT_SECS,
        )
    return LocalEventFile(logdir, filename_suffix=filename_suffix, fsync=fsync)
