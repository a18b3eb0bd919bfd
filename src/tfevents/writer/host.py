"""The seam between a writer's dashboard groups and the run they write to.

Each group (``writer.scalars``, ``media``, ``distributions``, ``hparams``, ...) owns its
own state and reaches the run only through ``Host``: the run's settings, its tags'
kinds, the step and wall time of calls that give none, and the queues entries go to.
``writer.run.Run`` is the host of a ``SummaryWriter``; a group can be built on any
object with these members (tests build one on a ``Run`` of their own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tfevents.pipeline.entries import Entries, Queue


class Host(Protocol):
    """What a dashboard group may use of the run it writes to."""

    #: The run's directory (a path or a URL).
    log_dir: str
    #: False for a writer that writes nothing (``rank_policy``, ``write_to_disk=False``).
    writes_events: bool
    #: Write histograms, images, audio and text in torch's forms (``summaries.legacy``).
    legacy_forms: bool
    png_compress_level: int
    #: The live queue and its entries: ``add_scalar``'s hot path appends to ``entries``
    #: and calls ``queue.queue_full()`` at ``queue.wake_threshold``.
    entries: Entries
    queue: Queue
    #: The step of calls that give none: 0, or ``use_metadata``'s.
    default_step: int
    #: The wall time of calls that give none: ``time.time``, or ``use_metadata``'s
    #: (a callable, so that the hot path calls it without a test).
    clock: Callable[[], float]
    #: tag -> SummaryMetadata of scalar tags with a display name or description, written
    #: with the tag's first value in every event file.
    scalar_metadata: dict[str, bytes]

    def claim_tag(self, tag: Any, kind: str) -> str:
        """Checks ``tag`` and refuses one this run logged as another kind."""
        ...

    def step(self, global_step: Any) -> int:
        """The event's step: ``global_step``, or ``use_metadata``'s when None."""
        ...

    def wall_time(self, walltime: Any) -> float:
        """The event's wall time: ``walltime``, or ``use_metadata``'s or now when None."""
        ...

    def live_queue(self) -> Queue:
        """The run's queue, reopened (a new event file) if the writer was closed."""
        ...

    def add_summary(self, tag: str, metadata: bytes, field: bytes, step: int, wall_time: float) -> None:
        """Queues one encoded summary value."""
        ...

    def add_event(self, payload: bytes) -> None:
        """Queues one complete encoded Event."""
        ...

    def write_file(self, relative_path: str, data: bytes) -> None:
        """Stores a file beside the run's event file (``/``-separated, inside the run),
        replacing it whole, on a local disk or an object store alike."""
        ...

    def sub_run(self, run_dir: str) -> Queue:
        """The queue of a run beside this one (``add_scalars``' runs), opened on first
        use and closed with the writer."""
        ...

    def open_run(self, run_dir: str) -> Queue:
        """A new queue for another run; the caller closes it."""
        ...

    def warn_once(self, key: tuple[str, str], message: str) -> None:
        """A ``RuntimeWarning``, once per ``key`` for this writer."""
        ...
