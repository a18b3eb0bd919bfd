"""An in-memory sink: the event file's bytes, kept in a bytearray (for tests and tools)."""

from __future__ import annotations

from tfevents.records.framing import frame
from tfevents.sinks.base import Sink
from tfevents.wire import messages


class MemorySink(Sink):
    def __init__(self, *, flush_secs: float = 2.0, max_queue: int = 10) -> None:
        super().__init__(flush_secs=flush_secs, max_queue=max_queue)
        self.buffer = bytearray()
        self._open()
        self._start()

    def _open(self, after_fork: bool = False) -> None:
        self.buffer.clear()
        self._write(frame(messages.event(0.0, file_version=messages.FILE_VERSION)))

    def _write(self, data: bytes) -> None:
        self.buffer += data

    def _close(self) -> None:
        pass

    def getvalue(self) -> bytes:
        """Everything written so far (flush first to include pending events)."""
        return bytes(self.buffer)
