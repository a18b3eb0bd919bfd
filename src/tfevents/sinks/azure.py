"""Azure Blob Storage: the run's event object is an append blob.

The blob is created as an append blob (one request; until the next one lands it is an
empty file, which both TensorBoard loaders read as a file with no events yet), and each
append is one Append Block request that Azure applies whole, so readers see the blob
before or after it.
The requests go through adlfs' own connection (its ``service_client``), as its ``"ab"``
mode does, with one addition that mode cannot pass: ``appendpos_condition``, the
offset the block must land at. The Azure SDK retries a request whose connection
dropped; without the condition, a retried block that had landed the first time would
be appended twice.

An Append Block holds at most 4 MiB here (older service versions' limit, and
Azurite's), so a larger append is sent as several blocks, each at its offset; a failure
between two of them leaves the blob ending inside a record until the retry sends the
rest (both TensorBoard loaders wait at a torn last record, as they do for a local file
being written). An append blob takes at most 50,000 blocks: the object is rolled over
1,000 blocks before that, or at ``MAX_BYTES``.
"""

from __future__ import annotations

from typing import Any

from tfevents.sinks._fsspec import store_errors

MAX_BLOCKS = 50_000  # Azure's limit per append blob
BLOCK_BYTES = 4 << 20
MAX_BYTES = 1 << 30


class AzureAppender:
    """Grows append blobs through adlfs' connection (see the module doc)."""

    max_appends = MAX_BLOCKS - 1000  # room for a large last batch
    max_bytes = MAX_BYTES

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def _run(self, path: str, action: str, *args: Any, **kwargs: Any) -> None:
        from fsspec.asyn import sync

        container, blob, _ = self.fs.split_path(path)

        async def call() -> None:
            async with self.fs.service_client.get_blob_client(container, blob) as client:
                await getattr(client, action)(*args, **kwargs)

        with store_errors():
            sync(self.fs.loop, call)

    def create(self, path: str, data: bytes) -> int:
        self._run(path, "create_append_blob")
        return self.append(path, data, 0)

    def append(self, path: str, data: bytes, size: int) -> int:
        view = memoryview(data)
        for start in range(0, len(data), BLOCK_BYTES):
            block = view[start : start + BLOCK_BYTES]
            self._run(
                path, "append_block", bytes(block), length=len(block),
                appendpos_condition=size + start,
            )
        return -(-len(data) // BLOCK_BYTES)

    def forget(self) -> None:
        pass  # nothing of the blob is held

    def close(self) -> None:
        pass
