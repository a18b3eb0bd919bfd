"""Checks event files the way TensorBoard's readers would see them.

Every record's length CRC and data CRC are checked and every event is parsed. A torn
last record is reported apart from corruption: TensorBoard waits for the rest of it,
so it loses nothing, whereas a bad CRC or an unparsable event stops its Python loader
at that record and makes its Rust loader drop the whole file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from tfevents.reader import _FileState, _parse_event, event_files
from tfevents.records.reader import CorruptRecordError, scan
from tfevents.wire.decoding import DecodeError


@dataclass(frozen=True)
class FileReport:
    path: str
    records: int
    truncated_bytes: int  # bytes of a torn last record (harmless)
    error: str | None  # corruption: the file is damaged

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_file(path: str) -> FileReport:
    with open(path, "rb") as f:
        data = f.read()
    try:
        result = scan(data)
    except CorruptRecordError as exc:
        return FileReport(path, 0, 0, str(exc))
    state = _FileState()
    first_version = None
    for index, (offset, length) in enumerate(zip(result.offsets.tolist(), result.lengths.tolist())):
        try:
            # Images stay encoded: TensorBoard serves their bytes as they are.
            event = _parse_event(data[offset : offset + length], state, decode_images=False)
        except (DecodeError, UnicodeDecodeError, ValueError) as exc:
            return FileReport(path, index, 0, f"record {index} at byte {offset - 12} does not parse: {exc}")
        if index == 0:
            first_version = event.file_version
    if result.offsets.size and first_version is None:
        return FileReport(path, int(result.offsets.size), 0, "first record has no file_version")
    return FileReport(path, int(result.offsets.size), len(data) - result.end, None)


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
