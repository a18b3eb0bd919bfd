"""The public reading functions: events, values and scalar series of any path."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from tfevents.errors import ArgumentError
from tfevents.reader.discovery import runs_of, selector
from tfevents.reader.files import read_file
from tfevents.reader.scalars import _read_run_job, merge_files, read_file_scalars, read_run
from tfevents.reader.storage import RemoteStore
from tfevents.reader.types import KINDS, Datum, Event, ScalarSeries

__all__ = ["read_events", "read_run_scalars", "read_scalars", "read_values"]

def read_events(
    path: str | os.PathLike[str], *, allow_truncated: bool = True,
    storage_options: Mapping[str, Any] | None = None,
) -> Iterator[Event]:
    """Yields the events of an event file, or of every event file under a directory
    (runs in sorted order, each run's files in order); ``Event.run`` names the run.

    A torn last record ends its file quietly unless ``allow_truncated`` is false; a CRC
    mismatch raises ``CorruptRecordError`` before any event of that file is yielded."""
    store, runs = runs_of(path, storage_options)
    for run, paths in runs.items():
        for file_path, data in store.fetch(paths):
            yield from read_file(file_path, run, data=data, allow_truncated=allow_truncated)


def read_values(
    path: str | os.PathLike[str],
    *,
    kind: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    run: str | Collection[str] | None = None,
    allow_truncated: bool = True,
    storage_options: Mapping[str, Any] | None = None,
) -> Iterator[Datum]:
    """Yields every summary value under ``path`` as a ``Datum``, optionally only those of
    the given kinds, tags and runs (exact names). Values filtered out are not decoded."""
    if kind is not None:
        kinds = {kind} if isinstance(kind, str) else set(kind)
        unknown = kinds.difference(KINDS)
        if unknown:
            raise ArgumentError(f"kind must be one of {', '.join(KINDS)}; got {sorted(unknown)}")
    want_kind, want_tag = selector(kind, "kind"), selector(tag, "tag")
    want_run = selector(run, "run")

    def want(tag_: str, kind_: str) -> bool:
        return (want_tag is None or want_tag(tag_)) and (want_kind is None or want_kind(kind_))

    store, runs = runs_of(path, storage_options)
    for run_name, paths in runs.items():
        if want_run is not None and not want_run(run_name):
            continue
        for file_path, data in store.fetch(paths):
            for event in read_file(file_path, run_name, data=data, allow_truncated=allow_truncated,
                                   want=want):
                for value in event.values:
                    yield Datum(run_name, value.tag, event.step, event.wall_time, value.kind,
                                value.value, value.plugin, value.metadata)


def read_scalars(
    path: str | os.PathLike[str],
    *,
    run: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    workers: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, ScalarSeries]]:
    """Every scalar series under ``path``: ``{run: {tag: ScalarSeries}}``, always.

    Runs are named as TensorBoard names them (``"."`` for ``path`` itself, and for a
    single file); runs without scalars are left out. ``run`` and ``tag`` keep only those
    names (a string or a collection of exact names), chosen before any file is read or
    any value decoded. ``workers=N`` reads the runs in N processes (under a URL, the
    objects of all runs are fetched many at once, whatever ``workers``). A file damaged in the
    middle is read up to the damage with a ``DamagedFileWarning``; a torn last record is
    left out quietly. ``read_run_scalars(path)`` gives one run's ``{tag: series}``."""
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ArgumentError(f"workers must be a positive int or None, got {workers!r}")
    store, runs = runs_of(path, storage_options)
    want_run = selector(run, "run")
    want_tag = selector(tag, "tag")
    if want_run is not None:
        runs = {name: paths for name, paths in runs.items() if want_run(name)}
    tags = None if tag is None else ({tag} if isinstance(tag, str) else set(tag))
    if workers is not None and workers > 1 and len(runs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(runs))) as pool:
            jobs = [(path, storage_options, paths, tags) for paths in runs.values()]
            results = list(pool.map(_read_run_job, jobs))
    elif len(runs) > 1 and isinstance(store, RemoteStore):
        results = _read_remote_runs(store, runs, want_tag)
    else:
        results = [read_run(paths, want_tag, store) for paths in runs.values()]
    return {name: series for name, series in zip(runs, results) if series}


def _read_remote_runs(
    store: RemoteStore, runs: dict[str, list[str]], want_tag: Any
) -> list[dict[str, ScalarSeries]]:
    """Every run's files fetched in one stream (many objects at once), decoded in order."""
    per_run: list[list[dict[str, Any]]] = [[] for _ in runs]
    owner = [k for k, paths in enumerate(runs.values()) for _ in paths]
    everything = [p for paths in runs.values() for p in paths]
    for k, (file_path, data) in enumerate(store.fetch(everything)):
        per_run[owner[k]].append(read_file_scalars(file_path, want_tag, data).series)
    return [merge_files(files) for files in per_run]


def read_run_scalars(
    path: str | os.PathLike[str], *, tag: str | Collection[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, ScalarSeries]:
    """``{tag: ScalarSeries}`` of one run: an event file, or the event files directly in
    a directory (not those of runs in its subdirectories, such as ``add_scalars``')."""
    store, runs = runs_of(path, storage_options)
    return read_run(runs.get(".", []), selector(tag, "tag"), store)
