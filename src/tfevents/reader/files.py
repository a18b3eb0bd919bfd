"""One event file: its records found and checked, its events yielded in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tfevents.errors import CorruptRecordError, DecodeError, ReadError, TruncatedRecordError
from tfevents.reader.decoding import Want, parse_event
from tfevents.reader.scanning import Records, data_crc_damage, open_buffer, scan_records
from tfevents.reader.types import Event, FileState
from tfevents.records.framing import HEADER_SIZE

__all__ = ["checked_records", "read_file"]


def checked_records(data: bytes | memoryview | object) -> Records:
    """Every whole record before the first damage, both CRCs checked (``Records.damage``
    names the first bad CRC; the records stop before it)."""
    records = scan_records(data)  # type: ignore[arg-type]
    bad = data_crc_damage(data, records.offsets, records.lengths)  # type: ignore[arg-type]
    if bad is not None:
        offset = int(records.offsets[bad]) - 12
        records.cut(bad, CorruptRecordError("data CRC mismatch", offset))
    return records


def read_file(
    path: str,
    run: str = ".",
    *,
    data: Any = None,
    allow_truncated: bool = True,
    want: Want | None = None,
    decode: bool = True,
    decode_images: bool = True,
    salvage: bool = False,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[DecodeError], None] | None = None,
) -> Iterator[Event]:
    """The events of one file. ``want(tag, kind)`` drops values before decoding them;
    ``decode=False`` keeps every value with ``value=None`` (kinds and tags only).
    A damaged record (a CRC mismatch) raises ``CorruptRecordError`` before any event is
    yielded, unless ``salvage=True``: then the events before it come first (as
    TensorBoard's Python loader reads up to it). ``progress(bytes)`` is told how far into
    the file the events yielded so far reach. A record that does not decode raises a
    ``DecodeError`` naming the file and its offset, or, given ``on_error``, is passed to
    it and skipped. ``data``: the file's bytes, already fetched (else ``path`` is opened)."""
    if data is None:
        data = open_buffer(path)
    records = checked_records(data)
    if records.damage is not None and not salvage:
        raise records.damage
    state = FileState()
    view = memoryview(data)
    offsets, lengths = records.offsets.tolist(), records.lengths.tolist()
    for index, (offset, length) in enumerate(zip(offsets, lengths)):
        try:
            event = parse_event(bytes(view[offset : offset + length]), state, run=run, want=want,
                                decode=decode, decode_images=decode_images)
        except DecodeError as exc:
            error = located(exc, path, index, offset - HEADER_SIZE)
            if on_error is None:
                raise error from None
            on_error(error)
            continue
        yield event
        if progress is not None and index % 256 == 255:
            progress(offset + length + 4)
    if records.damage is not None:
        raise records.damage
    if progress is not None:
        progress(len(view))
    if records.truncated and not allow_truncated:
        raise TruncatedRecordError(f"{len(view) - records.end} bytes of a torn last record", records.end)


def located(error: DecodeError, path: str, index: int, offset: int) -> DecodeError:
    """``error`` again, its message and attributes naming the file and the record."""
    return error.located(f"{path}: record {index} at byte {offset}: {error}", path=path, offset=offset)


def damage_message(path: str, error: ReadError | UnicodeDecodeError, records_before: int) -> str:
    """``runs/a/events...: data CRC mismatch (record at byte 49561); read the 41 records before it``."""
    count = f"{records_before} record" + ("s" if records_before != 1 else "")
    return f"{path}: {error}; read the {count} before it"

