"""Checks event files the way TensorBoard's readers would see them.

Every record's length CRC and data CRC are checked and every event is parsed. A torn
last record is reported apart from corruption: TensorBoard waits for the rest of it,
so it loses nothing, whereas a bad CRC or an unparsable event stops its Python loader
at that record and makes its Rust loader drop the whole file. For a damaged file the
report says how many records were valid before the damage, and where the damage is.
A value that cannot be decoded in an event that parses (TensorBoard loads the event, its
dashboard cannot show the value) is reported as unreadable, and the check goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tfevents.errors import DecodeError, ValueDecodeError
from tfevents.reader.decoding import parse_event
from tfevents.reader.files import checked_records
from tfevents.reader.scanning import open_buffer
from tfevents.reader.storage import open_store
from tfevents.reader.types import FileState

__all__ = ["FileReport", "validate_file", "validate_logdir"]


@dataclass(frozen=True)
class FileReport:
    """What ``validate_file`` found. ``records`` counts the valid records (for a damaged
    file: those before the damage, which starts at byte ``damage_offset``).
    ``unreadable``: values in well-formed events that cannot be decoded (TensorBoard
    loads the file; its dashboard cannot show them), a line each. ``notes``: what
    TensorBoard reads but may not show as meant (a tag logged as two kinds)."""

    path: str
    records: int
    truncated_bytes: int  # bytes of a torn last record (harmless)
    error: str | None  # corruption: the file is damaged
    damage_offset: int | None = None
    unreadable: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No damage and every value readable."""
        return self.error is None and not self.unreadable


def validate_file(path: str, data: Any = None) -> FileReport:
    """Checks one event file (``data``: its bytes, if already fetched): both CRCs of every
    record, that every event parses, and that every value decodes (sizes checked before
    anything is allocated)."""
    if data is None:
        data = open_buffer(path)
    records = checked_records(data)
    state = FileState()
    first_version = None
    view = memoryview(data)
    unreadable: list[str] = []
    kinds: dict[str, list[str]] = {}
    for index, (offset, length) in enumerate(zip(records.offsets.tolist(), records.lengths.tolist())):
        try:
            # Images stay encoded: TensorBoard serves their bytes as they are.
            event = parse_event(bytes(view[offset : offset + length]), state, decode_images=False)
        except ValueDecodeError as exc:
            unreadable.append(f"record {index} at byte {offset - 12}: {exc}")
            continue
        except DecodeError as exc:
            return FileReport(path, index, 0, f"record {index} at byte {offset - 12} does not parse: {exc}",
                              offset - 12, tuple(unreadable), _two_kinds(kinds))
        if index == 0:
            first_version = event.file_version
        for value in event.values:
            seen = kinds.setdefault(value.tag, [])
            if value.kind not in seen:
                seen.append(value.kind)
    count = int(records.offsets.size)
    found = tuple(unreadable), _two_kinds(kinds)
    if records.damage is not None:
        return FileReport(path, count, 0, str(records.damage), records.damage.offset, *found)
    if count and first_version is None:
        return FileReport(path, count, 0, "first record has no file_version", 0, *found)
    return FileReport(path, count, len(view) - records.end, None, None, *found)


def _two_kinds(kinds: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(
        f"tag {tag!r} holds {' and '.join(seen)} values; TensorBoard shows one kind per tag"
        for tag, seen in kinds.items() if len(seen) > 1
    )


def validate_logdir(
    logdir: str, *, on_file: Callable[[str, FileReport], None] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> list[FileReport]:
    """Reports on every event file of every run under ``logdir`` (or on one file; a local
    path or an fsspec URL, with fsspec's ``storage_options``); ``on_file(path, report)``
    is called as each file is done (the CLI's progress bar)."""
    store = open_store(logdir, storage_options)
    paths = [p for files in (store.runs() if store.exists() else {}).values() for p in files]
    reports = []
    for path, data in store.fetch(paths):
        report = validate_file(path, data)
        reports.append(report)
        if on_file is not None:
            on_file(path, report)
    return reports
