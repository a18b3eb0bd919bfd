"""Where event files are read from: local paths, or fsspec URLs (s3://, gs://, az://,
memory://, any fsspec URL).

``open_store(path, storage_options)`` gives a ``Store`` that lists a log directory's runs
as TensorBoard finds them and fetches files. A local store memory-maps large files; a
remote store lists the whole tree in one recursive listing (sizes included, so no
request per file) and fetches many objects at once: through fsspec's async ``cat_ranges``
for async stores (s3fs, gcsfs, adlfs), a thread pool for the others. ``fetch`` yields the
files in the order asked, fetching the next window of files while the caller decodes the
current one, so memory holds at most two windows (``WINDOW_BYTES`` each).

fsspec and the store's own package (s3fs, gcsfs, adlfs) are imported only for a URL.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from tfevents.errors import ArgumentTypeError
from tfevents.reader.scanning import open_buffer
from tfevents.sinks import is_remote, logdir_string

__all__ = ["WINDOW_BYTES", "WINDOW_FILES", "LocalStore", "RemoteStore", "Store", "open_store"]

WINDOW_BYTES = 256 << 20  # bytes fetched at once (a window), at most (one file may exceed it)
WINDOW_FILES = 512  # files fetched at once, at most
_THREADS = 16  # concurrent fetches on stores without an async interface


def is_event_file(name: str) -> bool:
    """TensorBoard's rule: a file whose name contains ``tfevents``."""
    return "tfevents" in name


Buffer = Any  # bytes, or an mmap of a large local file


class Store(Protocol):
    """A log directory's files: listed, sized and fetched."""

    root: str

    def exists(self) -> bool: ...
    def runs(self) -> dict[str, list[str]]: ...
    def size(self, path: str) -> int: ...
    def fetch(self, paths: Sequence[str], starts: Sequence[int] | None = None) -> Iterator[tuple[str, Buffer]]: ...


class LocalStore:
    """Local files; large ones memory-mapped."""

    def __init__(self, root: str) -> None:
        self.root = root

    def exists(self) -> bool:
        return os.path.exists(self.root)

    def runs(self) -> dict[str, list[str]]:
        if os.path.isfile(self.root):
            return {".": [self.root]}
        runs: dict[str, list[str]] = {}
        for directory, subdirs, files in os.walk(self.root):
            subdirs.sort()
            names = sorted(f for f in files if is_event_file(f))
            if names:
                run = os.path.relpath(directory, self.root).replace(os.sep, "/")
                runs[run] = [os.path.join(directory, f) for f in names]
        return dict(sorted(runs.items()))

    def size(self, path: str) -> int:
        return os.path.getsize(path)

    def fetch(self, paths: Sequence[str], starts: Sequence[int] | None = None) -> Iterator[tuple[str, Buffer]]:
        for k, path in enumerate(paths):
            start = 0 if starts is None else starts[k]
            if not start:
                yield path, open_buffer(path)
                continue
            with open(path, "rb") as f:
                f.seek(start)
                yield path, f.read()


class RemoteStore:
    """Objects under an fsspec URL; paths are given back as full URLs."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        try:
            import fsspec
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"{url!r} is a URL: reading it needs fsspec and the package of its store "
                "(s3fs for s3://, gcsfs for gs://, adlfs for az://): pip install 'tfevents[remote]'"
            ) from exc
        self.root = url
        self.fs, path = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
        self._path = path.rstrip("/") or path
        self._sizes: dict[str, int] = {}

    def _url(self, path: str) -> str:
        return str(self.fs.unstrip_protocol(path))

    def _inner(self, url: str) -> str:
        return str(self.fs._strip_protocol(url))

    def exists(self) -> bool:
        return bool(self.fs.exists(self._path))

    def runs(self) -> dict[str, list[str]]:
        """One recursive listing of the whole tree (S3: a paginated list without delimiter),
        never from fsspec's listings cache (a run that grows shows its new objects)."""
        self.fs.invalidate_cache(self._path)
        if self.fs.isfile(self._path):
            listing = {self._path: self.fs.info(self._path)}
            base = posixpath.dirname(self._path)
            single = True
        else:
            listing = self.fs.find(self._path, detail=True)
            base, single = self._path, False
        runs: dict[str, list[str]] = {}
        for path, info in listing.items():
            name = posixpath.basename(path)
            if info.get("type", "file") != "file" or not is_event_file(name):
                continue
            url = self._url(path)
            if info.get("size") is not None:
                self._sizes[url] = int(info["size"])
            run = "." if single else (posixpath.relpath(posixpath.dirname(path), base) or ".")
            runs.setdefault(run, []).append(url)
        return {run: sorted(urls) for run, urls in sorted(runs.items())}

    def size(self, path: str) -> int:
        if path not in self._sizes:
            self._sizes[path] = int(self.fs.size(self._inner(path)))
        return self._sizes[path]

    def fetch(self, paths: Sequence[str], starts: Sequence[int] | None = None) -> Iterator[tuple[str, Buffer]]:
        """The files' bytes (from ``starts``), in order, a window fetched concurrently while
        the one before is consumed."""
        starts = [0] * len(paths) if starts is None else list(starts)
        windows = list(self._windows(paths, starts))
        if not windows:
            return
        with ThreadPoolExecutor(1) as ahead:
            pending: Future[list[Buffer]] = ahead.submit(self._fetch_window, *windows[0])
            for k, (window_paths, _) in enumerate(windows):
                blobs = pending.result()
                if k + 1 < len(windows):
                    pending = ahead.submit(self._fetch_window, *windows[k + 1])
                yield from zip(window_paths, blobs)
                del blobs

    def _windows(self, paths: Sequence[str], starts: list[int]) -> Iterator[tuple[list[str], list[int]]]:
        window: list[str] = []
        offsets: list[int] = []
        size = 0
        for path, start in zip(paths, starts):
            grows = max(self._sizes.get(path, 0) - start, 0)
            if window and (len(window) >= WINDOW_FILES or size + grows > WINDOW_BYTES):
                yield window, offsets
                window, offsets, size = [], [], 0
            window.append(path)
            offsets.append(start)
            size += grows
        if window:
            yield window, offsets

    def _fetch_window(self, paths: list[str], starts: list[int]) -> list[Buffer]:
        inner = [self._inner(p) for p in paths]
        if getattr(self.fs, "async_impl", False):
            # one gather of every request of the window (fsspec batches them)
            blobs = self.fs.cat_ranges(inner, starts, [None] * len(inner), on_error="return")
        else:
            with ThreadPoolExecutor(min(_THREADS, len(inner))) as pool:
                blobs = list(pool.map(self._cat_one, inner, starts))
        for path, blob in zip(paths, blobs):
            if isinstance(blob, BaseException):
                if isinstance(blob, OSError):
                    raise blob
                raise OSError(f"{path}: {type(blob).__name__}: {blob}") from blob
        return list(blobs)

    def _cat_one(self, path: str, start: int) -> Any:
        try:
            return self.fs.cat_file(path, start=start or None)
        except Exception as exc:  # reported for its file by _fetch_window
            return exc


def open_store(path: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None) -> Store:
    """The store of ``path``: a local path or ``file://`` URL, or any other fsspec URL
    (``storage_options`` are fsspec's options for it: credentials, ``endpoint_url``...)."""
    if storage_options is not None and not isinstance(storage_options, Mapping):
        raise ArgumentTypeError(f"storage_options must be a mapping or None, not {type(storage_options).__name__}")
    text = logdir_string(path)
    if is_remote(text):
        return RemoteStore(text, storage_options)
    return LocalStore(text)
