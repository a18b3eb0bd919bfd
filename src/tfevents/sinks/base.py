"""The storage protocol: where a run's bytes go, knowing nothing of records or events.

The pipeline (``tfevents.pipeline.queue``) frames events into TFRecord bytes and hands
them to a ``Storage`` in chunks; the storage keeps them. Two kinds exist:

- an appendable file (``new_file_per_write = False``, ``sinks.local``): every chunk is
  appended to one event file, which the pipeline starts with its header chunk;
- a store of immutable objects (``new_file_per_write = True``, ``sinks.remote``, and
  ``sinks.memory``): every chunk becomes a complete event file of its own, so the
  pipeline starts every chunk with a header and gives each tag's metadata again.

The one rule every storage may rely on: when ``write`` raises ``OSError``, the next call
to ``write`` passes the same bytes again (the pipeline retries them before anything
newer). A local file continues a torn write instead of repeating it; an object store
uploads the retried chunk under the name it chose the first time. One exception: a
storage that stored part of the chunk, then took all of it back, may set
``fitted_bytes`` on the error; the next call may then pass a prefix of the same bytes
(the whole records that fitted, on a full disk) and the rest after it.
"""

from __future__ import annotations

from typing import Protocol


class Storage(Protocol):
    """A run's destination for framed event bytes."""

    #: Whether every ``write`` makes a new, complete event file (object stores).
    new_file_per_write: bool
    #: A chunk for a new file should stay under this many bytes (object stores), else 0.
    max_write_bytes: int
    #: The event file (or object URL) written last, "" before the first write.
    path: str

    def describe(self) -> str:
        """Where the bytes go, for error messages."""
        ...

    def write(self, data: bytes) -> None:
        """Stores ``data``; raises ``OSError`` on failure (then gets the same bytes again)."""
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
