"""A writer's run: its directory, its queues, its tags' kinds, flush and close.

``Run`` is the ``Host`` (``writer.host``) of a ``SummaryWriter``'s dashboard groups: it
owns what the groups share (the live queue and the runs beside it, which kind each tag
holds, ``use_metadata``'s defaults, warnings already given) and nothing of any one
group. Closing it closes every queue; a later call reopens a new event file, as torch
and tensorboardX do after ``close()``.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from tfevents import _args as args
from tfevents import distributed
from tfevents.errors import ArgumentError, LoggedValueError, TagKindError
from tfevents.pipeline.entries import Entries, Queue, ScalarEntry, SummaryEntry
from tfevents.pipeline.null import NullQueue
from tfevents.pipeline.queue import EventQueue
from tfevents.pipeline.service import serve
from tfevents.sinks import join_logdir, open_storage
from tfevents.writer.options import WriterOptions


class _ReopenOnAppend:
    """Stands in for a closed run's deque: logging again opens a new event file."""

    __slots__ = ("_run",)

    def __init__(self, run: Run) -> None:
        self._run = run

    def append(self, entry: ScalarEntry, /) -> None:
        self._run.live_queue().entries.append(entry)

    def __len__(self) -> int:
        return 0


class Run:
    """The host of a writer's groups (see the module doc and ``writer.host.Host``)."""

    def __init__(self, options: WriterOptions, *, legacy_forms: bool) -> None:
        self._options = options
        rank_info = distributed.detect(stacklevel=3)  # (the caller of SummaryWriter())
        rank_plan = distributed.plan(options.rank_policy, rank_info)
        self.log_dir = options.log_dir
        if rank_plan.subdir is not None:
            self.log_dir = join_logdir(self.log_dir, rank_plan.subdir)
        #: The global rank (None outside a distributed job).
        self.rank = rank_info.rank
        self.writes_events = rank_plan.writes and options.write_to_disk
        self.legacy_forms = legacy_forms
        self.png_compress_level = options.png_compress_level
        self.scalar_metadata: dict[str, bytes] = {}
        self.default_step = 0
        self.clock: Callable[[], float] = args.now
        self._metadata_step: int | None = None  # use_metadata's global_step, if given
        self._in_use_metadata = False
        self._lock = threading.Lock()
        self._closed = False
        self._tag_kinds: dict[str, str] = {}
        self._warned: set[tuple[str, str]] = set()
        self._sub_queues: dict[str, Queue] = {}
        self.queue: Queue = self._new_queue(self.log_dir, purge_step=options.purge_step)
        self.entries: Entries = self.queue.entries

    # --- queues --------------------------------------------------------------------------

    def _new_queue(self, logdir: str, purge_step: int | None = None) -> Queue:
        if not self.writes_events:
            return NullQueue(logdir)
        options = self._options
        storage = open_storage(
            logdir,
            filename_suffix=options.filename_suffix,
            fsync=options.fsync,
            storage_options=options.storage_options,
        )
        queue = EventQueue(
            storage,
            flush_secs=options.flush_secs,
            max_queue=options.max_queue,
            scalar_metadata=self.scalar_metadata,
            purge_step=purge_step,
        )
        serve(queue)
        return queue

    def live_queue(self) -> Queue:
        if self._closed:
            with self._lock:
                if self._closed:
                    # purge_step is written once per writer, never again (tensorboardX#185).
                    self.queue = self._new_queue(self.log_dir)
                    self.entries = self.queue.entries
                    self._closed = False
        return self.queue

    def sub_run(self, run_dir: str) -> Queue:
        self.live_queue()
        with self._lock:
            queue = self._sub_queues.get(run_dir)
            if queue is None:
                queue = self._sub_queues[run_dir] = self._new_queue(run_dir)
        return queue

    def open_run(self, run_dir: str) -> Queue:
        return self._new_queue(run_dir)

    def sub_runs(self) -> dict[str, Queue]:
        """The runs beside this one that are open, by directory."""
        return dict(self._sub_queues)

    def open_queues(self) -> list[Queue]:
        return [q for q in [self.queue, *self._sub_queues.values()] if not q.closed]

    @property
    def closed(self) -> bool:
        return self._closed

    # --- what the groups share -------------------------------------------------------------

    def claim_tag(self, tag: Any, kind: str) -> str:
        """Checks ``tag`` and refuses one this writer already logged as another kind:
        TensorBoard shows one kind per tag (its Python loader fails on the mix). Called
        before anything of the call is converted or queued."""
        checked = args.check_tag(tag)
        known = self._tag_kinds.setdefault(checked, kind)
        if known != kind:
            raise TagKindError(
                f"tag {tag!r} was logged as {known} by this writer and cannot also hold "
                f"{kind}: TensorBoard shows one kind per tag; use another tag (for "
                f"example {checked + '_' + kind!r})"
            )
        return checked

    def step(self, global_step: Any) -> int:
        return self.default_step if global_step is None else args.step(global_step)

    def event_step(self, step: Any) -> int | None:
        """A raw event's step: ``step``, else ``use_metadata``'s if it gave one, else
        None (the event keeps its own)."""
        return self._metadata_step if step is None else args.step(step, "step")

    def wall_time(self, walltime: Any) -> float:
        return self.clock() if walltime is None else args.wall_time(walltime)

    def add_summary(self, tag: str, metadata: bytes, field: bytes, step: int, wall_time: float) -> None:
        self.live_queue().add_summary(SummaryEntry(tag, metadata, field, step, wall_time))

    def add_event(self, payload: bytes) -> None:
        self.live_queue().add_event(payload)

    def write_file(self, relative_path: str, data: bytes) -> None:
        self.live_queue().write_file(relative_path, data)

    def warn_once(self, key: tuple[str, str], message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=4)

    @contextlib.contextmanager
    def use_metadata(self, *, global_step: Any = None, walltime: Any = None) -> Iterator[None]:
        """tensorboardX's: inside, calls that give no ``global_step`` (``walltime``) use
        these. Not nested; at least one must be given."""
        if global_step is None and walltime is None:
            raise ArgumentError("use_metadata needs global_step or walltime (or both)")
        if self._in_use_metadata:
            raise ArgumentError("use_metadata is already in effect: it does not nest")
        step = 0 if global_step is None else args.step(global_step)
        when = None if walltime is None else args.wall_time(walltime)
        clock = args.now if when is None else lambda: when
        self._in_use_metadata = True
        self.default_step, self.clock = step, clock
        self._metadata_step = None if global_step is None else step
        try:
            yield
        finally:
            self.default_step, self.clock, self._metadata_step = 0, args.now, None
            self._in_use_metadata = False

    # --- lifecycle -------------------------------------------------------------------------

    def flush(self, fsync: bool) -> None:
        for queue in self.open_queues():
            queue.flush(fsync=fsync)

    def close(self) -> None:
        """Closes every queue. If a write fails, the error is raised and the run stays
        open with its events kept: calling ``close()`` again retries them."""
        with self._lock:
            if self._closed:
                return
            queues = self.open_queues()
        errors: list[Exception] = []
        for queue in queues:
            try:
                queue.close()
            except (OSError, LoggedValueError) as exc:
                errors.append(exc)
        if any(isinstance(exc, OSError) for exc in errors):
            raise next(exc for exc in errors if isinstance(exc, OSError))
        with self._lock:
            self._closed = True
            self._sub_queues = {}
            self.entries = _ReopenOnAppend(self)
        if errors:
            raise errors[0]

    def describe(self) -> str:
        return self.log_dir

    def after_fork_in_child(self) -> None:
        # A lock held by another thread at fork time would stay held forever in the child.
        self._lock = threading.Lock()
