"""GCS: an object grown by composing the new bytes onto it under its own name.

Each append uploads the new bytes as a small temporary object beside the run's event
object, composes ``[live object, temporary]`` onto the live object's name (GCS swaps the
object in one step, so readers see the old one or the new one, and copies nothing),
then deletes the temporary object: three requests, each byte sent once. The compose is
gcsfs' ``merge`` request with one addition, ``ifGenerationMatch`` (the live object's
generation): a compose that gcsfs retries after its response was lost cannot append
the same bytes twice. The temporary objects' names hold no "tfevents", so TensorBoard
never takes one for an event file; one that could not be deleted is tried again at the
next append and at close (a killed process may leave one behind).

A composite object holds at most 1,024 components, one per compose here: the object is
rolled over after 1,023 appends (at a ``flush_secs`` of 2 s, every 34 minutes of
continuous logging), or at ``MAX_BYTES``.
"""

from __future__ import annotations

import itertools
import os
import posixpath
from typing import Any

from tfevents.sinks._fsspec import put_file, store_errors

MAX_COMPONENTS = 1024  # GCS's limit per composite object
MAX_BYTES = 1 << 30

_counter = itertools.count()


class GCSAppender:
    """Grows objects through gcsfs (see the module doc)."""

    max_appends = MAX_COMPONENTS - 1  # the first upload is a component too
    max_bytes = MAX_BYTES

    def __init__(self, fs: Any) -> None:
        self.fs = fs
        self._garbage: list[str] = []  # temporary objects still to delete
        self._generation: str | None = None  # the live object's, when known

    def create(self, path: str, data: bytes) -> int:
        put_file(self.fs, path, data, make_parent=False)
        self._generation = None
        return 0  # (the object's first component: counted in max_appends)

    def append(self, path: str, data: bytes, size: int) -> int:
        part = posixpath.join(
            posixpath.dirname(path), f".append.{os.getpid()}.{next(_counter):06d}"
        )
        bucket, key, _ = self.fs.split_path(path)
        with store_errors():
            if self._generation is None:
                self.fs.invalidate_cache(path)
                self._generation = str(self.fs.info(path)["generation"])
        self._garbage.append(part)  # (first: an upload that fails may have landed)
        put_file(self.fs, part, data, make_parent=False)
        with store_errors():
            composed = self.fs.call(
                "POST",
                "b/{}/o/{}/compose",
                bucket,
                key,
                ifGenerationMatch=self._generation,
                headers={"Content-Type": "application/json"},
                json={
                    "sourceObjects": [{"name": key}, {"name": self.fs.split_path(part)[1]}],
                    "kind": "storage#composeRequest",
                    "destination": {"name": key, "bucket": bucket},
                },
                json_out=True,
            )
        self._generation = str(composed["generation"])
        self._collect()
        return 1

    def _collect(self) -> None:
        """Deletes the temporary objects; one that fails waits for the next try."""
        for part in list(self._garbage):
            try:
                self.fs.rm_file(part)
            except FileNotFoundError:
                pass  # (never uploaded, or deleted by a request that reported a failure)
            except Exception:
                continue
            self._garbage.remove(part)

    def forget(self) -> None:
        self._generation = None  # asked again before the next compose

    def close(self) -> None:
        self._collect()
