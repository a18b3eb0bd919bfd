"""Every exception and warning a user of tfevents may want to catch, in one place.

Every exception tfevents raises on purpose is a ``TfeventsError``, and also the builtin
a caller of torch or tensorboardX would catch there (``ValueError``, ``OSError``, ...);
every warning is a ``TfeventsWarning``. Attributes are given to the constructor, by
keyword.

Any call:
    ``ArgumentError``      an argument's value is not taken (a ValueError; names it).
    ``ArgumentTypeError``  an argument's type is not taken (a TypeError; names it).
Writing:
    ``WriterClosedError``  events were handed to a writer whose file is closed.
    ``WriteFailedError``   the event file could not be written (disk full, store down);
                           the events are kept and retried by the next flush or close.
    ``PartialWriteError``  (between storage and pipeline) part of a chunk fitted and was
                           taken back; ``fitted_bytes`` says how much.
    ``LoggedValueError``   values whose framework computation failed (read on the
                           background thread) were left out; raised by the next flush.
    ``TagKindError``       a tag logged as one kind was given to another kind's method.
Reading (``tfevents.reader``, the validator and the CLI):
    ``ReadError``          base of everything wrong with a file's contents (a ValueError).
    ``RecordError``        a TFRecord frame could not be read; ``offset`` is its start.
    ``CorruptRecordError`` a length or data CRC does not match: the file is damaged.
    ``TruncatedRecordError`` the file ends inside a record (a torn write, or a writer
                           still at work): harmless for TensorBoard.
    ``DamagedFileWarning`` a file was read up to damage in its middle (file and offset named).
    ``DecodeError``        a record's bytes are not the protobuf message they claim to be.
    ``ValueDecodeError``   the event is well formed, one of its values cannot be decoded.
Graphs:
    ``GraphInputError``    ``add_graph``'s inputs do not fit the model (a ValueError, and a
                           RuntimeError as torch's is; ``GraphInputTypeError`` a TypeError too).
    ``GraphTraceWarning``  ``add_graph`` fell back from torch.export to a less faithful tracer.
"""

from __future__ import annotations

from typing import Any


class TfeventsError(Exception):
    """The base of every exception tfevents raises."""


class TfeventsWarning(UserWarning):
    """The base of every warning tfevents gives."""


class ArgumentError(TfeventsError, ValueError):
    """An argument's value is not one the call takes; the message names the argument."""


class ArgumentTypeError(TfeventsError, TypeError):
    """An argument's type is not one the call takes; the message names the argument."""


class WriterClosedError(TfeventsError, RuntimeError):
    """Raised when events are written to a closed sink."""


class WriteFailedError(TfeventsError, OSError):
    """A write to the event file failed; the events are kept and retried on the next write.

    ``path``: the event file; ``unwritten_bytes``: how many bytes of events are kept for
    that retry (on a full disk, the whole records that fitted were written first)."""

    def __init__(
        self, errno: int | None, message: str, *, path: str = "", unwritten_bytes: int = 0
    ) -> None:
        super().__init__(errno, message)
        self.path = path
        self.unwritten_bytes = unwritten_bytes


class PartialWriteError(TfeventsError, OSError):
    """A storage write stored part of a chunk, then took all of it back (a full disk).

    ``fitted_bytes``: how many bytes of the chunk had fitted; the pipeline then writes
    the whole records among them (see ``sinks.base``). An ``OSError``, as every write
    failure is: callers that catch ``OSError`` catch it."""

    def __init__(self, errno: int | None, message: str, *, fitted_bytes: int) -> None:
        super().__init__(errno, message)
        self.fitted_bytes = fitted_bytes


class LoggedValueError(TfeventsError, ValueError):
    """Logged values could not be read when they were written (a framework value whose
    computation failed): raised by the next ``flush``/``close``; the others were written."""


class TagKindError(TfeventsError, ValueError):
    """A tag already logged as one kind (scalars, images, ...) was given to a method of
    another: TensorBoard shows one kind per tag, so the call is refused."""


class ReadError(TfeventsError, ValueError):
    """An event file's contents could not be read."""


class DecodeError(ReadError):
    """The bytes are not a well-formed protobuf message, or claim what they cannot hold
    (a size larger than the record). Where the file is known, ``path`` and ``offset``
    (the record's byte offset) name it."""

    def __init__(self, message: str = "", *, path: str = "", offset: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.offset = offset

    def located(self, message: str, *, path: str, offset: int) -> DecodeError:
        """The same error with another message, naming the file and the record."""
        return type(self)(message, path=path, offset=offset, **self._own())

    def _own(self) -> dict[str, Any]:
        """The attributes a subclass adds, for ``located``."""
        return {}


class ValueDecodeError(DecodeError):
    """The event is well formed (TensorBoard loads it) but one of its values cannot be
    decoded: a tensor whose shape and contents disagree, a broken image, text that is
    not UTF-8. ``tag`` names the value."""

    def __init__(
        self, message: str = "", *, path: str = "", offset: int | None = None, tag: str = ""
    ) -> None:
        super().__init__(message, path=path, offset=offset)
        self.tag = tag

    def _own(self) -> dict[str, Any]:
        return {"tag": self.tag}


class RecordError(ReadError):
    """A record could not be read; ``offset`` is where it starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (record at byte {offset})")
        self.offset = offset


class CorruptRecordError(RecordError):
    """A length or data CRC does not match: the file is damaged."""


class TruncatedRecordError(RecordError):
    """The file ends inside a record: a torn write or a writer still at work."""


class DamagedFileWarning(TfeventsWarning):
    """A file was read up to a damaged record (a CRC mismatch or an event that does not
    parse); the message names the file and the byte offset."""


class GraphInputError(TfeventsError, ValueError, RuntimeError):
    """``add_graph``: the model cannot run on ``input_to_model``. A ``RuntimeError`` too,
    as torch's tracer raises one there and code written for torch catches it."""


class GraphInputTypeError(GraphInputError, TypeError):
    """``add_graph``: calling the model with ``input_to_model`` raised a ``TypeError``
    (missing or unexpected arguments)."""


class GraphTraceWarning(TfeventsWarning):
    """``add_graph`` fell back from torch.export to a less faithful tracer."""


__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "CorruptRecordError",
    "DamagedFileWarning",
    "DecodeError",
    "GraphInputError",
    "GraphInputTypeError",
    "GraphTraceWarning",
    "LoggedValueError",
    "PartialWriteError",
    "ReadError",
    "RecordError",
    "TagKindError",
    "TfeventsError",
    "TfeventsWarning",
    "TruncatedRecordError",
    "ValueDecodeError",
    "WriteFailedError",
    "WriterClosedError",
]
