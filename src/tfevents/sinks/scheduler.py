"""One background thread that writes every open sink's pending events.

A thread per writer is what makes tensorboardX run out of threads with many writers
(tensorboardX#108); one shared thread serves them all. It wakes when a sink's queue
passes ``max_queue`` entries or when a sink's ``flush_secs`` deadline comes, and calls
``sink.write_pending()``. It is a daemon: the atexit hook in ``base`` does the final
write, so interpreter exit never waits on it.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tfevents.sinks.base import Sink


class FlushScheduler:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._sinks: weakref.WeakSet[Sink] = weakref.WeakSet()
        self._urgent: list[weakref.ref[Sink]] = []
        self._thread: threading.Thread | None = None

    def add(self, sink: Sink) -> None:
        with self._cond:
            self._sinks.add(sink)
            self._ensure_thread()
            self._cond.notify()

    def remove(self, sink: Sink) -> None:
        with self._cond:
            self._sinks.discard(sink)

    def wake(self, sink: Sink) -> None:
        """Asks for ``sink`` to be written soon (its queue is full)."""
        with self._cond:
            self._urgent.append(weakref.ref(sink))
            self._cond.notify()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="tfevents-writer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            due: list[Sink] = []
            with self._cond:
                while not due:
                    now = time.monotonic()
                    urgent = [s for s in (ref() for ref in self._urgent) if s is not None]
                    self._urgent.clear()
                    due = urgent + [s for s in self._sinks if s.next_write_due <= now]
                    if due:
                        break
                    deadlines = [s.next_write_due for s in self._sinks]
                    timeout = min(deadlines) - now if deadlines else None
                    self._cond.wait(timeout)
            for sink in dict.fromkeys(due):  # de-duplicated, in order
                try:
                    sink.write_pending(from_background=True)
                except Exception as exc:  # never let one sink stop the thread
                    sink.record_background_error(exc)
            del due

    def after_fork_in_child(self) -> None:
        """The parent's thread does not exist in a forked child: start afresh lazily."""
        sinks = list(self._sinks)
        self._reset()
        for sink in sinks:
            self._sinks.add(sink)
        if sinks:
            self._ensure_thread()


SCHEDULER = FlushScheduler()
