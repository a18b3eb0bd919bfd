"""Process exit and fork, in one place and in a fixed order.

At exit, in this order:

1. Before the interpreter shuts its threads down (``threading``'s own exit hooks, the
   ones ``concurrent.futures`` uses): queues whose storage needs the network (object
   stores) write what they hold, while asyncio clients such as s3fs and gcsfs still
   work (later, ``concurrent.futures`` refuses new work, which aiohttp needs to resolve
   host names). Registered only once such a queue exists. CPython offers no public
   hook at this point; ``threading._register_atexit`` is what the standard library
   itself uses, and where it is missing step 2 does the work.
2. ``atexit``: every open writer is closed (not just its files: a later ``add_*`` from
   another exit hook then opens a new file instead of vanishing), then every queue
   still open (one whose writer is gone). A failure is reported once, on stderr.

After a fork, in the child: writers' locks are replaced (a lock held by another thread
at fork time would stay held forever), then each queue drops what the parent had
queued (the parent writes it) and starts a file of its own at its first write, then
the background thread is started afresh.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Protocol

from tfevents.errors import WriteFailedError
from tfevents.pipeline import background

if TYPE_CHECKING:
    from tfevents.pipeline.queue import EventQueue


class Closable(Protocol):
    """What the exit and fork hooks need of a writer."""

    def close(self) -> None: ...

    def after_fork_in_child(self) -> None: ...

    def describe(self) -> str: ...


_writers: weakref.WeakSet[Closable] = weakref.WeakSet()
_queues: weakref.WeakSet[EventQueue] = weakref.WeakSet()
_early_hook = False


def register_writer(writer: Closable) -> None:
    _writers.add(writer)


def register_queue(queue: EventQueue) -> None:
    _queues.add(queue)
    if queue.storage.needs_network:
        _register_early_hook()


def unregister_queue(queue: EventQueue) -> None:
    _queues.discard(queue)


def _report(what: str, exc: BaseException) -> None:
    """One line on stderr. For a failed write, what is lost (no retry comes after exit)."""
    if isinstance(exc, WriteFailedError) and exc.__cause__ is not None:
        what = exc.path or what
        message = (
            f"{exc.unwritten_bytes} bytes of events were not written ({exc.__cause__}); "
            "the file holds everything logged before them"
            if exc.unwritten_bytes
            else str(exc.__cause__)
        )
    else:
        message = str(exc)
    print(f"tfevents: could not write {what} at exit: {message}", file=sys.stderr)


def _write_network_queues() -> None:
    """Step 1: object stores, while the network still works. The queues stay open."""
    for queue in list(_queues):
        if not queue.closed and queue.storage.needs_network:
            try:
                queue.write_pending()
            except Exception as exc:
                _report(queue.describe(), exc)


def _register_early_hook() -> None:
    global _early_hook
    if _early_hook:
        return
    _early_hook = True
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        # (RuntimeError: already shutting down; step 2 is all there is)
        with contextlib.suppress(RuntimeError):
            register(_write_network_queues)


def close_all() -> None:
    """Step 2: every writer, then every queue left open; each failure reported once."""
    reported: set[int] = set()
    for writer in list(_writers):
        try:
            writer.close()
        except Exception as exc:
            _report(writer.describe(), exc)
            reported.update(id(q) for q in getattr(writer, "open_queues", lambda: [])())
    for queue in list(_queues):
        if id(queue) in reported or queue.closed:
            continue
        try:
            queue.close()
        except Exception as exc:
            _report(queue.describe(), exc)


def _after_fork_in_child() -> None:
    for writer in list(_writers):
        writer.after_fork_in_child()
    for queue in list(_queues):
        queue.after_fork_in_child()
    background.after_fork_in_child()


atexit.register(close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
