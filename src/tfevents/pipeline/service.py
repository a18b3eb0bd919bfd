"""Putting a queue into service: the exit and fork hooks, and the background writer.

The owner of a queue (the writer's run) calls ``serve`` once it has made it; the queue
knows neither process-wide service, only the ``Service`` it is attached to.
"""

from __future__ import annotations

from tfevents.pipeline import background, lifecycle
from tfevents.pipeline.queue import EventQueue


class _BackgroundService:
    """The ``Service`` of every served queue: the one background thread."""

    def wake(self, queue: EventQueue) -> None:
        background.wake(queue)

    def ensure_running(self) -> None:
        background.ensure_running()

    def release(self, queue: EventQueue) -> None:
        lifecycle.unregister_queue(queue)
        background.remove(queue)


_SERVICE = _BackgroundService()


def serve(queue: EventQueue) -> None:
    """Registers ``queue`` for the exit and fork hooks and has the background thread
    write it every ``flush_secs``."""
    lifecycle.register_queue(queue)
    queue.attach(_SERVICE)
    background.add(queue)
