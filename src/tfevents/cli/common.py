"""What the commands share: finding files, the progress bar, walking events, wording."""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable, Iterator
from typing import Any


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``0 records``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def no_files(logdir: str) -> int:
    print(f"no event files under {logdir}", file=sys.stderr)
    return 2


def progress_enabled(args: argparse.Namespace) -> bool:
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty()


def storage_options(text: str) -> dict[str, Any]:
    """``--storage-options '{"endpoint_url": "http://127.0.0.1:9000"}'``: a JSON object."""
    import json

    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object of fsspec's options")
    return value


def add_source(parser: argparse.ArgumentParser) -> None:
    """LOGDIR and the options of where it is (a local path, or an fsspec URL)."""
    parser.add_argument("logdir", metavar="LOGDIR")
    parser.add_argument("--storage-options", type=storage_options, default=None, metavar="JSON",
                        help="fsspec's options for a URL LOGDIR (s3://, gs://, az://, ...), as a "
                        "JSON object, e.g. '{\"endpoint_url\": \"http://127.0.0.1:9000\"}'")


def open_source(args: argparse.Namespace) -> tuple[Any, dict[str, list[str]]]:
    """The store of LOGDIR and its runs ({} when there is nothing there)."""
    from tfevents.reader.storage import open_store

    store = open_store(args.logdir, args.storage_options)
    return store, (store.runs() if store.exists() else {})


def make_progress(args: argparse.Namespace, store: Any, runs: dict[str, list[str]], label: str) -> Any:
    from tfevents.progress import Progress

    sizes = [store.size(p) for paths in runs.values() for p in paths]
    return Progress(sum(sizes), files=len(sizes), label=label, enabled=progress_enabled(args))


def damage_warning(path: str, error: object) -> str:
    return f"warning: {path}: {error}; read up to it, skipped the rest (see: tfevents validate)"


def walk(
    store: Any,
    runs: dict[str, list[str]],
    bar: Any,
    errors: list[tuple[str, str]],
    *,
    want: Callable[[str, str], bool] | None = None,
    decode: bool = True,
) -> Iterator[tuple[str, str, Any]]:
    """(run, path, event) for every event; a damaged file is read up to the damage,
    reported, and the rest of it skipped; a record that does not decode is reported and
    skipped. Every report goes to ``errors`` and to stderr, a line each."""
    from tfevents.errors import DecodeError, ReadError
    from tfevents.reader.files import read_file

    def skipped(error: DecodeError) -> None:
        errors.append((error.path, str(error)))
        bar.write(f"warning: {error}; skipped that record")

    for run, paths in runs.items():
        fetched = store.fetch(paths)
        for k, path in enumerate(paths):
            try:
                try:
                    _, data = next(fetched)
                except OSError:  # (the fetch stopped: the next files are fetched afresh)
                    fetched = store.fetch(paths[k + 1 :])
                    raise
                events = read_file(path, run, data=data, want=want, decode=decode, salvage=True,
                                   progress=bar.advance_to, on_error=skipped)
                for event in events:
                    yield run, path, event
            except (ReadError, OSError) as exc:
                errors.append((path, str(exc)))
                bar.write(damage_warning(path, exc))
            bar.file_done(store.size(path))


def utc(wall_time: float) -> str:
    stamp = datetime.datetime.fromtimestamp(wall_time, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
