"""The storage protocol: where a run's bytes go, knowing nothing of records or events.

The pipeline (``tfevents.pipeline.queue``) frames events into TFRecord bytes and hands
them to a ``Storage`` in chunks; the storage keeps them. Two kinds exist:

- an appendable file (``new_file_per_write = False``): every chunk is appended to one
  event file, which the pipeline starts with the header and in which each tag's first
  value carries its metadata. A local file (``sinks.local``) and a growing object on
  S3, GCS or Azure (``sinks.growing``) are such files. When the storage says ``full``
  (an object at its size or request limit), the pipeline calls ``roll_over`` between
  two batches and starts the next file afresh (header, metadata);
- a store of immutable objects (``new_file_per_write = True``, ``sinks.remote`` for
  the other fsspec stores, and ``sinks.memory``): every chunk becomes a complete event
  file of its own, so the pipeline starts every chunk with a header and gives each
  tag's metadata again.

The one rule every storage may rely on: when ``write`` raises ``OSError``, the next call
to ``write`` passes the same bytes again (the pipeline retries them before anything
newer, and never rolls over in between). A local file continues a torn write instead of
repeating it; an object store finds out what of the failed request landed and sends
only the rest. One exception: a storage that stored part of the chunk, then took all
of it back, raises ``PartialWriteError`` (an ``OSError``) with ``fitted_bytes``; the
next call may then pass a prefix of the same bytes (the whole records that fitted, on a
full disk) and the rest after it.

Files beside the event file (the Projector's ``projector_config.pbtxt``, tensors,
metadata and sprites) go through ``write_file``, which replaces a file whole.
"""

from __future__ import annotations

import posixpath
from typing import Protocol

from tfevents.errors import ArgumentError, ArgumentTypeError


class Storage(Protocol):
    """A run's destination for framed event bytes, and for the files beside them."""

    #: Whether every ``write`` makes a new, complete event file (immutable segments).
    new_file_per_write: bool
    #: A chunk for a new file should stay under this many bytes (segments), else 0.
    max_write_bytes: int
    #: Whether writing needs the network (an object store): such storage is written
    #: before the interpreter shuts its threads down, and its file is created at the
    #: first write rather than when the writer opens.
    needs_network: bool
    #: The background thread writes to this storage at most this often, in seconds
    #: (0: every ``flush_secs``); ``flush()`` and ``close()`` always write at once.
    min_write_secs: float
    #: The event file (or object URL) written last, "" before the first write.
    path: str

    @property
    def full(self) -> bool:
        """Whether the current file reached its size or request limit: the pipeline
        should ``roll_over`` before its next batch (never true for a local file)."""
        ...

    def describe(self) -> str:
        """Where the bytes go, for error messages."""
        ...

    def write(self, data: bytes) -> None:
        """Stores ``data``; raises ``OSError`` on failure (then gets the same bytes again)."""
        ...

    def roll_over(self) -> None:
        """Ends the current file: the next ``write`` starts a new one (the pipeline
        begins it with a header)."""
        ...

    def write_file(self, relative_path: str, data: bytes) -> None:
        """Stores ``data`` as the file ``relative_path`` ('/'-separated, inside the run's
        directory), replacing it whole: readers see the old file or the new one, never a
        mix (local: a temporary file and ``os.replace``; an object store: one upload).
        Raises ``OSError`` on failure and ``ValueError`` for a path outside the run."""
        ...

    def sync(self) -> None:
        """Makes what was written durable (fsync), where that means anything."""
        ...

    def close(self) -> None:
        """Releases the file; a later ``write`` is not allowed."""
        ...

    def after_fork(self) -> None:
        """In a forked child: forget the parent's file without touching it; the next
        ``write`` starts a new one."""
        ...


def check_relative_path(relative_path: str) -> list[str]:
    """The parts of ``write_file``'s path; a ``ValueError`` naming it for anything that
    is not a plain relative path inside the run (absolute, empty, ``..``, backslashes)."""
    if not isinstance(relative_path, str):
        raise ArgumentTypeError(f"relative_path must be a string, got {type(relative_path).__name__}")
    parts = relative_path.split("/")
    if (
        not relative_path
        or relative_path.startswith("/")
        or "\\" in relative_path
        or "\x00" in relative_path
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.isabs(relative_path)
    ):
        raise ArgumentError(
            f"relative_path must be a '/'-separated path inside the run, got {relative_path!r}"
        )
    return parts
