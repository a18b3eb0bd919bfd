"""Where a tfevents run's time goes: clocks around, and cProfile inside, the pipeline's
``write_pending`` on each thread (the caller's and the background writer's), by each
thread's CPU clock. ``wrapped_write_pending`` is the one place that knows the class the
background thread calls: when it moves, only this changes."""

from __future__ import annotations

import contextlib
import cProfile
import gc
import os
import pstats
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

Rows = list[tuple[str, int, float, float]]  # (function, ncalls, tottime s, cumtime s)


@contextlib.contextmanager
def wrapped_write_pending(wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Iterator[None]:
    from tfevents.pipeline.queue import EventQueue

    original = EventQueue.write_pending
    EventQueue.write_pending = wrap(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        EventQueue.write_pending = original  # type: ignore[method-assign]


def _short(filename: str) -> str:
    for marker in ("site-packages" + os.sep, os.sep + "src" + os.sep, os.sep + "lib" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def top(profiles: list[cProfile.Profile], n: int) -> Rows:
    """The top ``n`` functions by own time of the merged profiles."""
    stats = None
    for one in profiles:
        with contextlib.suppress(TypeError):  # a profile that recorded nothing
            stats = pstats.Stats(one) if stats is None else stats.add(one)
    if stats is None:
        return []
    rows = [(func if file == "~" else f"{_short(file)}:{line}({func})", calls, tt, ct)
            for (file, line, func), (_, calls, tt, ct, _) in stats.stats.items()]  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: r[2], reverse=True)[:n]


def clocked(make: Callable[[str], Any], drive: Callable[[Any], object], logdir: str) -> dict[str, float]:
    """One run with clocks only: the caller's loop and close() (wall and thread CPU), and
    every write_pending call's, by thread, with the events each background batch held."""
    main = threading.get_ident()
    lock = threading.Lock()
    c = dict.fromkeys(("bg_n", "bg_entries", "bg_s", "bg_cpu", "fg_n", "fg_s", "fg_cpu"), 0.0)

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def write_pending(self: Any, from_background: bool = False, **options: Any) -> None:
            waiting, t, cpu = len(self.entries), time.perf_counter(), time.thread_time()
            try:
                original(self, from_background, **options)
            finally:
                side = "fg" if threading.get_ident() == main else "bg"
                with lock:
                    c[f"{side}_n"] += 1
                    c[f"{side}_s"] += time.perf_counter() - t
                    c[f"{side}_cpu"] += time.thread_time() - cpu
                    c["bg_entries"] += waiting if side == "bg" else 0

        return write_pending

    with wrapped_write_pending(wrap):
        gc.collect()
        t0, c0 = time.perf_counter(), time.thread_time()
        writer = make(logdir)
        drive(writer)
        t1, c1 = time.perf_counter(), time.thread_time()
        writer.close()
        t2, c2 = time.perf_counter(), time.thread_time()
    return {**c, "loop_s": t1 - t0, "loop_cpu": c1 - c0, "close_s": t2 - t1, "close_cpu": c2 - c1}


def profiled(make: Callable[[str], Any], drive: Callable[[Any], object], logdir: str, n: int = 12) -> dict[str, Any]:
    """One run under cProfile timed by thread CPU time (time waiting for the GIL or a lock
    is not charged): one profiler on the caller's thread, one per background write_pending
    call (merged afterwards: a profiler shared by overlapping calls mixes their stacks)."""
    main, caller = threading.get_ident(), cProfile.Profile(time.thread_time)
    background: list[cProfile.Profile] = []
    failed: list[str] = []

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def write_pending(self: Any, from_background: bool = False, **options: Any) -> Any:
            if threading.get_ident() == main or failed:
                return original(self, from_background, **options)
            profile = cProfile.Profile(time.thread_time)
            try:
                profile.enable()
            except ValueError as exc:  # Python >= 3.12 allows one profiler at a time
                failed.append(str(exc))
                return original(self, from_background, **options)
            try:
                return original(self, from_background, **options)
            finally:
                profile.disable()
                background.append(profile)

        return write_pending

    gc.collect()
    with wrapped_write_pending(wrap):
        t0, c0 = time.perf_counter(), time.thread_time()
        caller.enable()
        try:
            writer = make(logdir)
            drive(writer)
            writer.close()
        finally:
            caller.disable()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    bg = top(background, n)
    note = (f"the background thread could not be profiled: {failed[0]}" if failed
            else "" if bg else "the background thread wrote nothing during the profiled run")
    return {"caller": top([caller], n), "background": bg, "cpu_s": cpu, "wall_s": wall, "note": note}


def block(title: str, rows: Rows) -> str:
    lines = [f"{'ncalls':>9} {'tottime ms':>11} {'cumtime ms':>11}  function"]
    lines += [f"{calls:>9} {tt * 1e3:>11.1f} {ct * 1e3:>11.1f}  {name}" for name, calls, tt, ct in rows]
    return "\n".join([title, "", "```", *lines, "```"])


def lines(p: dict[str, Any], caveat: str, calls: str) -> list[str]:
    """A ``profiled`` run in a report: its clocks, then each thread's top functions."""
    out = [f"One extra untimed run under cProfile (thread CPU time{caveat}): {p['wall_s'] * 1e3:.0f} ms wall, {p['cpu_s'] * 1e3:.0f} ms of "
           f"CPU on the caller's thread.", "",
           block(f"Caller's thread (constructor, {calls}, close), top by own time:", p["caller"])]
    if p["background"]:
        out += ["", block("Background thread (its write_pending calls):", p["background"][:8])]
    return out + (["", f"({p['note']}.)"] if p["note"] else [])
