"""The writer's state and lifecycle: options, its queues, flush and close.

The method groups (``writer.scalars``, ``media``, ``distributions``, ``experiment``,
``graphs``) inherit from ``WriterCore``; ``SummaryWriter`` combines them. Each group
normalises its arguments, asks a ``summaries`` module for the encoded value, and hands
a typed entry to the pipeline through the helpers here.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Protocol, TypeVar

from tfevents import _args as args
from tfevents import distributed
from tfevents.errors import LoggedValueError, TagKindError
from tfevents.pipeline import lifecycle
from tfevents.pipeline.entries import ScalarEntry, SummaryEntry
from tfevents.pipeline.null import NullQueue
from tfevents.pipeline.queue import EventQueue
from tfevents.sinks import join_logdir, open_storage
from tfevents.summaries import image, legacy
from tfevents.writer.compat import FileWriter, ScalarLog
from tfevents.writer.options import DEFAULT_FLUSH_SECS, WriterOptions

_W = TypeVar("_W", bound="WriterCore")
Queue = EventQueue | NullQueue


class Entries(Protocol):
    """What the hot path appends to: a queue's deque, or a stand-in."""

    def append(self, entry: ScalarEntry, /) -> None: ...

    def __len__(self) -> int: ...


class _ReopenOnAppend:
    """Stands in for a closed writer's deque: logging again opens a new event file,
    as torch and tensorboardX do after ``close()``."""

    def __init__(self, writer: WriterCore) -> None:
        self._writer = writer

    def append(self, entry: ScalarEntry, /) -> None:
        self._writer._reopen()
        self._writer._entries.append(entry)

    def __len__(self) -> int:
        return 0


def _constant(queue: Queue) -> Callable[[], Queue]:
    return lambda: queue


class WriterCore:
    """Options, per-run state, and the lifecycle shared by every ``add_*`` method."""

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = DEFAULT_FLUSH_SECS,
        filename_suffix: str = "",
        *,
        fsync: bool = False,
        logdir: str | os.PathLike[str] | None = None,
        rank_policy: str = "zero",
        storage_options: Mapping[str, Any] | None = None,
        png_compress_level: int = image.DEFAULT_COMPRESS_LEVEL,
        write_to_disk: bool = True,
        comet_config: Mapping[str, Any] | None = None,
        legacy_forms: bool | None = None,
    ) -> None:
        options = WriterOptions.check(
            log_dir, comment, purge_step, max_queue, flush_secs, filename_suffix,
            fsync=fsync, logdir=logdir, rank_policy=rank_policy,
            storage_options=storage_options, png_compress_level=png_compress_level,
            write_to_disk=write_to_disk, comet_config=comet_config,
        )
        self._options = options
        self.log_dir = options.log_dir
        rank_info = distributed.detect()
        rank_plan = distributed.plan(options.rank_policy, rank_info)
        if rank_plan.subdir is not None:
            self.log_dir = join_logdir(self.log_dir, rank_plan.subdir)
        # The global rank (None outside a distributed job), and whether this writer writes:
        # with rank_policy="zero", the writers of ranks other than 0 write nothing.
        self.rank = rank_info.rank
        self.writes_events = rank_plan.writes and options.write_to_disk
        self.rank_policy = options.rank_policy
        self.purge_step = options.purge_step
        self.max_queue = options.max_queue
        self.flush_secs = options.flush_secs
        self.filename_suffix = options.filename_suffix
        self.fsync = options.fsync
        self.png_compress_level = options.png_compress_level
        # torch's forms of histograms, images, audio and text (summaries/legacy.py)
        self.legacy_forms = legacy.use_legacy_forms(legacy_forms)

        self._lock = threading.Lock()
        self._closed = False
        # Tags add_scalar and add_text have validated and claimed (a set lookup beats
        # validating again): add_scalar's hot path looks only here.
        self._checked_tags: set[str] = set()
        self._text_tags: set[str] = set()
        # Each tag's kind (its TensorBoard plugin), from its first call (_claim_tag).
        self._tag_kinds: dict[str, str] = {}
        # Display names and descriptions of scalar tags, kept across reopened files.
        self._scalar_metadata: dict[str, bytes] = {}
        self._warned: set[tuple[str, str]] = set()
        # add_scalars' runs (layout="runs"), by directory.
        self._sub_queues: dict[str, Queue] = {}
        # Sessions logged by add_hparams, by run directory (None: this writer's run).
        self._hparams_sessions: dict[str | None, tuple[Any, tuple[str, ...]]] = {}
        # add_mesh: each tag's config and shapes of its first call.
        self._mesh_specs: dict[str, Any] = {}
        # add_embedding: the projector config's entries, by tensor name.
        self._embeddings: dict[str, dict[str, Any]] = {}
        # Custom Scalars: the run's layout, and add_scalars(layout="same_run")'s keys.
        self._custom_scalars_layout: dict[str, dict[str, Any]] = {}
        self._scalars_chart_keys: dict[str, list[str]] = {}
        # use_metadata(): the step and wall time of calls that give none.
        self._default_step = 0
        self._default_walltime: float | None = None
        self._in_use_metadata = False
        # add_scalars' values, for export_scalars_to_json (tensorboardX keeps them too).
        self._scalar_log = ScalarLog()

        self._queue: Queue = self._new_queue(self.log_dir, purge_step=options.purge_step)
        self._entries: Entries = self._queue.entries
        lifecycle.register_writer(self)

    # --- queues --------------------------------------------------------------------------

    def _new_queue(self, logdir: str, purge_step: int | None = None) -> Queue:
        if not self.writes_events:
            return NullQueue(logdir)
        storage = open_storage(
            logdir,
            filename_suffix=self.filename_suffix,
            fsync=self.fsync,
            storage_options=self._options.storage_options,
        )
        return EventQueue(
            storage,
            flush_secs=self.flush_secs,
            max_queue=self.max_queue,
            scalar_metadata=self._scalar_metadata,
            purge_step=purge_step,
        )

    def _reopen(self) -> None:
        with self._lock:
            if self._closed:
                # purge_step is written once per writer, never again (tensorboardX#185).
                self._queue = self._new_queue(self.log_dir)
                self._entries = self._queue.entries
                self._closed = False

    def _live_queue(self) -> Queue:
        if self._closed:
            self._reopen()
        return self._queue

    def open_queues(self) -> list[Queue]:
        """This writer's queues that are open: its run's and add_scalars' runs'."""
        return [q for q in [self._queue, *self._sub_queues.values()] if not q.closed]

    def _claim_tag(self, tag: Any, kind: str) -> str:
        """Checks ``tag`` and refuses one this writer already logged as another kind:
        TensorBoard shows one kind per tag (its Python loader fails on the mix).
        Returns the tag. Called before anything of the call is converted or queued."""
        checked = args.check_tag(tag)
        known = self._tag_kinds.setdefault(checked, kind)
        if known != kind:
            raise TagKindError(
                f"tag {tag!r} was logged as {known} by this writer and cannot also hold "
                f"{kind}: TensorBoard shows one kind per tag; use another tag (for "
                f"example {checked + '_' + kind!r})"
            )
        return checked

    def _add_summary(
        self, tag: str, metadata: bytes, field: bytes, step: int, wall_time: float
    ) -> None:
        self._live_queue().add_summary(SummaryEntry(tag, metadata, field, step, wall_time))

    def _add_event(self, payload: bytes) -> None:
        self._live_queue().add_event(payload)

    def _step(self, global_step: Any) -> int:
        """The event step: ``use_metadata``'s (0 by default) when None."""
        return self._default_step if global_step is None else args.global_step(global_step)

    def _when(self, walltime: Any) -> float:
        """The event's wall time: ``use_metadata``'s, or now, when None."""
        return args.wall_time(self._default_walltime if walltime is None else walltime)

    def _warn_once(self, key: tuple[str, str], message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # --- the public lifecycle ------------------------------------------------------------

    def get_logdir(self) -> str:
        """The directory this writer writes to."""
        return self.log_dir

    @property
    def logdir(self) -> str:
        return self.log_dir

    @property
    def event_file_path(self) -> str:
        """The path of the event file being written."""
        return self._queue.path

    def describe(self) -> str:
        return self.log_dir

    # --- what callers reach past the public methods (writer/compat.py) ----------------

    def _get_file_writer(self) -> FileWriter:
        """torch's and tensorboardX's: the run's ``FileWriter``, reopened if closed."""
        self._live_queue()
        return FileWriter(self, self.log_dir, self._live_queue)

    @property
    def file_writer(self) -> FileWriter | None:
        """The run's ``FileWriter``; None once the writer is closed (as in torch)."""
        return None if self._closed else FileWriter(self, self.log_dir, self._live_queue)

    @property
    def all_writers(self) -> dict[str, FileWriter] | None:
        """``{log directory: FileWriter}`` of this run and of ``add_scalars``' runs; None
        once the writer is closed (as in torch)."""
        if self._closed:
            return None
        writers = {self.log_dir: FileWriter(self, self.log_dir, self._live_queue)}
        for logdir, queue in list(self._sub_queues.items()):
            writers[logdir] = FileWriter(self, logdir, _constant(queue))
        return writers

    @contextlib.contextmanager
    def use_metadata(
        self, *, global_step: int | None = None, walltime: float | None = None
    ) -> Iterator[WriterCore]:
        """tensorboardX's: inside, calls that give no ``global_step`` (``walltime``) use
        these. Not nested; at least one must be given."""
        if global_step is None and walltime is None:
            raise ValueError("use_metadata needs global_step or walltime (or both)")
        if self._in_use_metadata:
            raise ValueError("use_metadata is already in effect: it does not nest")
        step = None if global_step is None else args.global_step(global_step)
        when = None if walltime is None else args.wall_time(walltime)
        self._in_use_metadata = True
        self._default_step = 0 if step is None else step
        self._default_walltime = when
        try:
            yield self
        finally:
            self._default_step, self._default_walltime = 0, None
            self._in_use_metadata = False

    def export_scalars_to_json(self, path: str | os.PathLike[str]) -> None:
        """tensorboardX's: writes what ``add_scalars`` logged since the last export as
        ``{run directory: [[wall_time, step, value], ...]}``, then forgets it."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path, got {type(path).__name__}")
        self._scalar_log.export(os.fspath(path))

    def flush(self, fsync: bool | None = None) -> None:
        """Returns once everything logged before the call is in the event file(s).

        With ``fsync=True`` (or the writer's ``fsync``), also waits until it is on disk.
        """
        do_sync = self.fsync if fsync is None else bool(fsync)
        for queue in self.open_queues():
            queue.flush(fsync=do_sync)

    def close(self) -> None:
        """Writes everything pending and closes the files. Calling it again does nothing.

        If a write fails (disk full), the error is raised and the writer stays open with
        its events kept: calling ``close()`` again retries them.
        """
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
            self._entries = _ReopenOnAppend(self)
        if errors:
            raise errors[0]

    def after_fork_in_child(self) -> None:
        # A lock held by another thread at fork time would stay held forever in the child.
        self._lock = threading.Lock()

    def __enter__(self: _W) -> _W:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A writer that is only garbage-collected still writes what it holds.
        if getattr(self, "_queue", None) is not None and not getattr(self, "_closed", True):
            # (not contextlib.suppress: at interpreter exit module globals may be gone)
            try:  # noqa: SIM105
                self.close()
            except Exception:
                pass
