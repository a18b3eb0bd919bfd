"""Checks event files the way TensorBoard's readers would see them.

Every record's length CRC and data CRC are checked and every event is parsed. A torn
last record is reported apart from corruption: TensorBoard waits for the rest of it,
so it loses nothing, whereas a bad CRC or an unparsable event stops its Python loader
at that record and makes its Rust loader drop the whole file. For a damaged file the
report says how many records were valid before the damage, and where the damage is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from tfevents.errors import DecodeError
from tfevents.reader.decoding import parse_event
from tfevents.reader.discovery import event_files
from tfevents.reader.files import checked_records
from tfevents.reader.scanning import open_buffer
from tfevents.reader.types import FileState

__all__ = ["FileReport", "validate_file", "validate_logdir"]


@dataclass(frozen=True)
class FileReport:
    """What ``validate_file`` found. ``records`` counts the valid records (for a damaged
    file: those before the damage, which starts at byte ``damage_offset``)."""

    path: str
    records: int
    truncated_bytes: int  # bytes of a torn last record (harmless)
    error: str | None  # corruption: the file is damaged
    damage_offset: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_file(path: str) -> FileReport:
    """Checks one event file: both CRCs of every record, and that every event parses."""
    data = open_buffer(path)
    records = checked_records(data)
    state = FileState()
    first_version = None
    view = memoryview(data)
    for index, (offset, length) in enumerate(zip(records.offsets.tolist(), records.lengths.tolist())):
        try:
            # Images stay encoded: TensorBoard serves their bytes as they are.
            event = parse_event(bytes(view[offset : offset + length]), state, decode_images=False)
        except (DecodeError, UnicodeDecodeError, ValueError) as exc:
            return FileReport(path, index, 0, f"record {index} at byte {offset - 12} does not parse: {exc}",
                              offset - 12)
        if index == 0:
            first_version = event.file_version
    count = int(records.offsets.size)
    if records.damage is not None:
        return FileReport(path, count, 0, str(records.damage), records.damage.offset)
    if count and first_version is None:
        return FileReport(path, count, 0, "first record has no file_version", 0)
    return FileReport(path, count, len(view) - records.end, None)


def validate_logdir(
    logdir: str, *, on_file: Callable[[str, FileReport], None] | None = None
) -> list[FileReport]:
    """Reports on every event file of every run under ``logdir`` (or on one file);
    ``on_file(path, report)`` is called as each file is done (the CLI's progress bar)."""
    paths = [logdir] if os.path.isfile(logdir) else [
        p for files in event_files(logdir).values() for p in files
    ]
    reports = []
    for path in paths:
        report = validate_file(path)
        reports.append(report)
        if on_file is not None:
            on_file(path, report)
    return reports
