"""Event files kept in memory (``Storage`` with ``new_file_per_write=True``): each chunk
is one complete file in ``files``. For tests and for programs that ship the bytes
elsewhere themselves."""

from __future__ import annotations


class MemoryFiles:
    new_file_per_write = True

    def __init__(self, max_write_bytes: int = 0) -> None:
        self.max_write_bytes = max_write_bytes
        self.files: list[bytes] = []
        self.path = ""
        self.closed = False

    def describe(self) -> str:
        return f"memory (file {len(self.files)})"

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ValueError("write to a closed MemoryFiles")
        self.files.append(bytes(data))
        self.path = f"memory:{len(self.files) - 1}"

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def after_fork(self) -> None:
        self.files = []
