"""``tfevents validate LOGDIR``: every CRC of every record, every event parsed."""

from __future__ import annotations

import argparse

from tfevents.cli.common import add_source, make_progress, no_files, open_source, plural
from tfevents.validate import FileReport


def add_parser(commands: argparse._SubParsersAction, with_progress) -> None:  # type: ignore[type-arg, no-untyped-def]
    validate = commands.add_parser("validate", help="check every record's CRCs and every event",
                                   description="Check both CRCs of every record, parse every "
                                   "event and decode every value. Exit status: 0 if every file is "
                                   "whole (a torn last record is harmless; notes such as a tag "
                                   "logged as two kinds do not count), 1 if a file is corrupt or "
                                   "a value cannot be decoded, 2 if LOGDIR holds no event file.")
    add_source(validate)
    validate.add_argument("-v", "--verbose", action="store_true", help="list good files too")
    with_progress(validate)


def run(args: argparse.Namespace) -> int:
    from tfevents.validate import validate_logdir

    store, runs = open_source(args)
    if not runs:
        return no_files(args.logdir)
    with make_progress(args, store, runs, "validate") as bar:
        reports = validate_logdir(
            args.logdir, on_file=lambda path, report: bar.file_done(store.size(path)),
            storage_options=args.storage_options,
        )
    corrupt = unreadable = 0
    for report in reports:
        for line in report.unreadable:
            print(f"UNREADABLE {report.path}: {line}")
        unreadable += len(report.unreadable)
        for line in report.notes:
            print(f"NOTE       {report.path}: {line}")
        if report.error:
            corrupt += 1
            print(f"CORRUPT    {report.path}: {_damage_line(report)}")
        elif report.truncated_bytes and not report.unreadable:
            print(f"TRUNCATED  {report.path}: {plural(report.records, 'record')}, then a torn "
                  f"last record of {plural(report.truncated_bytes, 'byte')} (harmless)")
        elif args.verbose and not report.unreadable:
            print(f"ok         {report.path}: {plural(report.records, 'record')}")
    total = sum(r.records for r in reports)
    tail = f", {plural(unreadable, 'unreadable value')}" if unreadable else ""
    print(f"{plural(len(reports), 'file')}, {plural(total, 'record')}, {corrupt} corrupt{tail}")
    return 1 if corrupt or unreadable else 0


def _damage_line(report: FileReport) -> str:
    """``data CRC mismatch; 41 valid records before the damage at byte 49561``."""
    offset = report.damage_offset
    if offset is None:
        return str(report.error)
    reason = str(report.error).replace(f" (record at byte {offset})", "").replace(f" at byte {offset}", "")
    return f"{reason}; {plural(report.records, 'valid record')} before the damage at byte {offset}"
