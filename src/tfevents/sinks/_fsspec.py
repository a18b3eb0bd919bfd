"""fsspec plumbing shared by the remote storages (``sinks.remote``, ``sinks.growing``):
the connection, one upload, and store clients' errors as ``OSError``."""

from __future__ import annotations

import contextlib
import errno
import posixpath
from collections.abc import Iterator
from typing import Any

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
            "pip install 'tfevents[s3]' (or [gcs], [azure])"
        ) from exc
    fs, root = fsspec.core.url_to_fs(url, **storage_options)
    return fs, root.rstrip("/") or root


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """Every failure of the store's client as an ``OSError`` (botocore's, aiohttp's,
    the Azure SDK's ...), so that the pipeline keeps the bytes and retries them."""
    try:
        yield
    except OSError:
        raise
    except Exception as exc:
        raise OSError(errno.EIO, f"{type(exc).__name__}: {exc}") from exc


def put_file(fs: Any, path: str, data: bytes, *, make_parent: bool) -> None:
    """One upload of ``data`` to ``path`` (replacing it whole); ``make_parent``: on a
    filesystem with real directories (memory, sftp, ...), create them if missing."""
    with store_errors():
        try:
            fs.pipe_file(path, data)
        except FileNotFoundError:
            if not make_parent:
                raise
            fs.makedirs(posixpath.dirname(path), exist_ok=True)
            fs.pipe_file(path, data)
