"""The one background thread that writes every open queue's pending events.

A thread per writer is what makes tensorboardX run out of threads with many writers
(tensorboardX#108); one shared thread serves them all. It wakes when a queue passes
its wake threshold or when a queue's ``flush_secs`` deadline comes, and calls
``queue.write_pending()``. It runs only while a queue is open: closing the last one
ends it (test suites that check for leaked threads, Lightning's among them, see none),
and the next queue starts it again. It is a daemon: the exit hook in ``lifecycle``
does the final write, so interpreter exit never waits on it.

Like torch's writer thread, it has ``stop()``: it writes everything pending and ends.
Test suites call it on every daemon thread a test leaves behind and check that the
thread is gone (Lightning's conftest does); the next event logged starts a new thread.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Protocol


class Served(Protocol):
    """What the background thread needs of a queue it writes."""

    closed: bool
    #: ``time.monotonic()`` at which the queue's ``flush_secs`` deadline comes.
    next_write_due: float

    def write_pending(self, from_background: bool = False) -> None: ...

    def record_background_error(self, exc: BaseException) -> None: ...

    def restart_background_on_next_append(self) -> None: ...

THREAD_NAME = "tfevents-writer"
_JOIN_SECONDS = 10.0


class WriterThread(threading.Thread):
    """The background thread, with torch's ``stop()``."""

    def __init__(self, owner: BackgroundWriter) -> None:
        super().__init__(target=owner._run, name=THREAD_NAME, daemon=True)
        self._owner = owner

    def stop(self) -> None:
        """Writes every queue's pending events, then ends the thread; the next event
        logged starts a new one."""
        self._owner.stop(self)


class BackgroundWriter:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._queues: weakref.WeakSet[Served] = weakref.WeakSet()
        self._urgent: list[weakref.ref[Served]] = []
        self._thread: WriterThread | None = None
        self._stopping: WriterThread | None = None

    def add(self, queue: Served) -> None:
        with self._cond:
            self._queues.add(queue)
            self._start_locked()
            self._cond.notify()

    def ensure_running(self) -> None:
        """Starts the thread again after ``stop()`` (called by the next append)."""
        if self._thread is None and self._queues:
            with self._cond:
                self._start_locked()

    def _start_locked(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._stopping is None:
            return
        thread = WriterThread(self)
        try:
            thread.start()
        except RuntimeError:
            # At interpreter shutdown no thread can start: the queue is written
            # by its flush or close (or the caller, once its backlog is full).
            self._thread = None
        else:
            self._thread = thread

    def stop(self, thread: WriterThread) -> None:
        with self._cond:
            if self._thread is not thread:
                return  # already stopped
            self._stopping = thread
            self._cond.notify()
        if thread is not threading.current_thread():
            thread.join()

    def remove(self, queue: Served) -> None:
        """Stops serving ``queue``; if it was the last one, waits for the thread to end."""
        with self._cond:
            self._queues.discard(queue)
            thread = self._thread if not self._queues else None
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(_JOIN_SECONDS)

    def wake(self, queue: Served) -> None:
        """Asks for ``queue`` to be written soon (its queue is full)."""
        with self._cond:
            self._urgent.append(weakref.ref(queue))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            due: list[Served] = []
            with self._cond:
                while not due:
                    if self._stopping is threading.current_thread():
                        self._finish_stop()
                        return
                    if not self._queues:
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return
                    now = time.monotonic()
                    urgent = [q for q in (ref() for ref in self._urgent) if q is not None]
                    self._urgent.clear()
                    due = urgent + [q for q in self._queues if q.next_write_due <= now]
                    if due:
                        break
                    timeout = min(q.next_write_due for q in self._queues) - now
                    self._cond.wait(timeout)
            for queue in dict.fromkeys(due):  # de-duplicated, in order
                try:
                    queue.write_pending(from_background=True)
                except Exception as exc:  # never let one queue stop the thread
                    queue.record_background_error(exc)
            del due, queue

    def _finish_stop(self) -> None:
        """On the stopping thread, under the lock: writes everything, then lets the next
        append of each queue start a new thread."""
        queues = list(self._queues)
        self._stopping = None
        if self._thread is threading.current_thread():
            self._thread = None
        self._urgent.clear()
        for queue in queues:
            try:
                queue.write_pending(from_background=True)
            except Exception as exc:
                queue.record_background_error(exc)
            queue.restart_background_on_next_append()

    def after_fork_in_child(self) -> None:
        """The parent's thread does not exist in a forked child: start afresh."""
        queues = [q for q in self._queues if not q.closed]
        self._reset()
        for queue in queues:
            self.add(queue)

    @property
    def thread(self) -> WriterThread | None:
        return self._thread


_WRITER = BackgroundWriter()
add = _WRITER.add
remove = _WRITER.remove
wake = _WRITER.wake
ensure_running = _WRITER.ensure_running
after_fork_in_child = _WRITER.after_fork_in_child


def running_thread() -> WriterThread | None:
    """The background thread, while one runs."""
    return _WRITER.thread
