"""Event files kept in memory (``Storage`` with ``new_file_per_write=True``): each chunk
is one complete file in ``files``, and ``write_file``'s files are in ``other_files`` by
relative path. For tests and for programs that ship the bytes elsewhere themselves."""

from __future__ import annotations

from tfevents.errors import ArgumentError
from tfevents.sinks.base import check_relative_path


class MemoryFiles:
    new_file_per_write = True
    needs_network = False
    min_write_secs = 0.0
    full = False

    def __init__(self, max_write_bytes: int = 0) -> None:
        self.max_write_bytes = max_write_bytes
        self.files: list[bytes] = []
        self.other_files: dict[str, bytes] = {}
        self.path = ""
        self.closed = False

    def describe(self) -> str:
        return f"memory (file {len(self.files)})"

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ArgumentError("write to a closed MemoryFiles")
        self.files.append(bytes(data))
        self.path = f"memory:{len(self.files) - 1}"

    def roll_over(self) -> None:
        pass  # every write is a file of its own already

    def write_file(self, relative_path: str, data: bytes) -> None:
        check_relative_path(relative_path)
        self.other_files[relative_path] = bytes(data)

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def after_fork(self) -> None:
        self.files = []
        self.other_files = {}
