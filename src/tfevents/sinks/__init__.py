"""Where encoded events go: an event file on disk, or memory (for tests)."""

from tfevents.sinks.base import Sink, WriterClosedError, WriteFailedError
from tfevents.sinks.event_file import EventFileSink, event_file_name
from tfevents.sinks.memory import MemorySink

__all__ = [
    "EventFileSink",
    "MemorySink",
    "Sink",
    "WriteFailedError",
    "WriterClosedError",
    "event_file_name",
]
