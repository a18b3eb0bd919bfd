"""Where a tfevents run's time goes: cProfile by each thread's CPU clock, on the caller's
thread and inside the background thread's ``write_pending`` calls.

``wrapped_write_pending`` and ``queued`` are the one place that knows the class whose
``write_pending(from_background=False)`` the background thread calls, and where it keeps
the pending events: when that class moves, only these two change.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

ProfileRows = list[tuple[str, int, float, float]]
WritePending = Callable[..., Any]


@contextlib.contextmanager
def wrapped_write_pending(wrap: Callable[[WritePending], WritePending]) -> Iterator[None]:
    """Inside the block, ``write_pending`` is ``wrap(original)``; restored on the way out."""
    from tfevents.pipeline.queue import EventQueue

    original = EventQueue.write_pending
    EventQueue.write_pending = wrap(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        EventQueue.write_pending = original  # type: ignore[method-assign]


def queued(pending: Any) -> int:
    """How many events wait in ``pending``, an object whose write_pending is wrapped."""
    return len(pending.entries)


def _short_path(filename: str) -> str:
    for marker in ("site-packages" + os.sep, os.sep + "src" + os.sep, os.sep + "lib" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def top_functions(profile: object, n: int) -> ProfileRows:
    """cProfile rows (where, ncalls, tottime s, cumtime s), the top ``n`` by own time, of
    one profile or a list of them (merged)."""
    import pstats

    profiles = profile if isinstance(profile, list) else [profile]
    stats = None
    for one in profiles:
        try:
            if stats is None:
                stats = pstats.Stats(one)  # type: ignore[arg-type]
            else:
                stats.add(one)  # type: ignore[arg-type]
        except TypeError:  # nothing was recorded
            continue
    if stats is None:
        return []
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{func}" if filename == "~" else f"{_short_path(filename)}:{line}({func})"
        rows.append((where, ncalls, tottime, cumtime))
    rows.sort(key=lambda r: r[2], reverse=True)
    return rows[:n]


@dataclass
class RunProfile:
    """A cProfile of one tfevents run, by each thread's CPU clock."""

    caller_top: ProfileRows
    background_top: ProfileRows
    caller_cpu_s: float
    wall_s: float
    note: str = ""


def profile_tfevents_run(body: Callable[[], object], top: int = 12) -> RunProfile:
    """Runs ``body()`` (constructor, calls, close of a tfevents writer) under cProfile timed
    by thread CPU time: one profiler on the caller's thread, one switched on inside the
    background thread's ``write_pending`` calls (time waiting for the GIL or a lock is
    not charged to whatever the thread was running)."""
    import cProfile
    import threading
    import time

    main_thread = threading.get_ident()
    caller = cProfile.Profile(time.thread_time)
    # one profiler per background call, merged afterwards: a profiler object shared by
    # calls that overlap (or by threads) mixes their clocks and call stacks
    background: list[cProfile.Profile] = []
    failed: list[str] = []

    def wrap(original: WritePending) -> WritePending:
        def profiled(self: object, from_background: bool = False, **options: Any) -> Any:
            if threading.get_ident() == main_thread or failed:
                return original(self, from_background, **options)
            profile = cProfile.Profile(time.thread_time)
            try:
                profile.enable()
            except ValueError as exc:  # Python >= 3.12 allows one profiler per process
                failed.append(str(exc))
                return original(self, from_background, **options)
            try:
                return original(self, from_background, **options)
            finally:
                profile.disable()
                background.append(profile)

        return profiled

    with wrapped_write_pending(wrap):
        t0, c0 = time.perf_counter(), time.thread_time()
        caller.enable()
        try:
            body()
        finally:
            caller.disable()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    bg = top_functions(background, top) if background else []
    note = f"the background thread could not be profiled: {failed[0]}" if failed else (
        "" if bg else "the background thread wrote nothing during the profiled run"
    )
    return RunProfile(top_functions(caller, top), bg, cpu, wall, note)


def profile_writer_run(
    make: Callable[[str], Any], drive: Callable[[Any], object], logdir: str, top: int = 12
) -> RunProfile:
    """``profile_tfevents_run`` of ``make(logdir)``, ``drive(writer)`` and ``close()``."""

    def body() -> None:
        writer = make(logdir)
        drive(writer)
        writer.close()

    gc.collect()
    return profile_tfevents_run(body, top)


def profile_block(title: str, rows: ProfileRows) -> str:
    out = [title, "", "```", f"{'ncalls':>9} {'tottime ms':>11} {'cumtime ms':>11}  function"]
    out += [f"{n:>9} {tt * 1e3:>11.1f} {ct * 1e3:>11.1f}  {name}" for name, n, tt, ct in rows]
    out.append("```")
    return "\n".join(out)


def run_profile_lines(p: RunProfile, caveat: str, calls: str) -> list[str]:
    """A ``RunProfile`` in a report: its clocks, then the top functions of each thread.
    ``caveat`` follows "thread CPU time" in the opening parenthesis; ``calls`` names what
    the caller's thread ran between the constructor and close."""
    out = [
        f"One extra untimed run under cProfile (thread CPU time{caveat}): {p.wall_s * 1e3:.0f} ms "
        f"wall, {p.caller_cpu_s * 1e3:.0f} ms of CPU on the caller's thread.",
        "",
        profile_block(f"Caller's thread (constructor, {calls}, close), top by own time:", p.caller_top),
    ]
    if p.background_top:
        out += ["", profile_block("Background thread (its write_pending calls):", p.background_top[:8])]
    if p.note:
        out += ["", f"({p.note}.)"]
    return out
