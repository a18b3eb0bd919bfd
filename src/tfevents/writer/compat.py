"""The ``FileWriter`` of torch's and tensorboardX's writers, which callers reach past the
public methods (``file_writer``, ``all_writers``, ``_get_file_writer()``).

Lightning's ``TensorBoardLogger`` writes hparams with
``writer._get_file_writer().add_summary(summary)``; stable-baselines3 and Ray Tune call
``writer.file_writer.add_summary(...)``. A ``FileWriter`` here takes the protobuf
messages of torch, tensorboardX or TensorBoard (anything with ``SerializeToString``) or
their encoded bytes, with no protobuf dependency of ours.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from tfevents.errors import ArgumentError
from tfevents.pipeline.entries import Queue
from tfevents.wire import messages, validate
from tfevents.wire.decoding import fields
from tfevents.wire.encoding import FIXED32, FIXED64, LENGTH_DELIMITED, bytes_field, key, uint_field
from tfevents.writer.run import Run

_EVENT_WALL_TIME, _EVENT_STEP = 1, 2


def _with_time_and_step(event: bytes, wall_time: float, step: int | None) -> bytes:
    """``event`` with its wall_time set (and its step, if given), as torch's add_event does."""
    parts = [messages.event(wall_time, step or 0)]
    for number, wire_type, value in fields(event):
        if number == _EVENT_WALL_TIME or (number == _EVENT_STEP and step is not None):
            continue
        if wire_type == LENGTH_DELIMITED:
            assert isinstance(value, bytes)
            parts.append(bytes_field(number, value))
        elif wire_type in (FIXED64, FIXED32):
            assert isinstance(value, bytes)
            parts.append(key(number, wire_type) + value)
        else:
            assert isinstance(value, int)
            parts.append(uint_field(number, value))
    return b"".join(parts)


class FileWriter:
    """torch's ``FileWriter`` for one run of a ``SummaryWriter`` (its own, or one of the
    runs ``add_scalars`` makes)."""

    def __init__(self, run: Run, logdir: str, queue: Callable[[], Queue]) -> None:
        self._run = run
        self._logdir = logdir
        self._queue = queue

    def get_logdir(self) -> str:
        return self._logdir

    @property
    def event_writer(self) -> _EventWriterView:
        """tensorboardX's ``FileWriter.event_writer``, as far as code that reads the path
        of the event file being written goes: ``event_writer._ev_writer._file_name``
        (tensorboardX's own tests do)."""
        return _EventWriterView(self._queue().path, self)

    def add_event(self, event: Any, step: int | None = None, walltime: float | None = None) -> None:
        """Writes an ``Event`` message; its wall time is ``walltime`` (default now), and
        its step ``step`` when given."""
        data = validate.message_bytes(event, validate.EVENT, "event", "Event")
        number, wall_time = self._run.event_step(step), self._run.wall_time(walltime)
        self._queue().add_event(_with_time_and_step(data, wall_time, number))

    def add_summary(
        self, summary: Any, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Writes a ``Summary`` message in an event of its own."""
        data = validate.message_bytes(summary, validate.SUMMARY, "summary", "Summary")
        self.add_event(messages.event(0.0, summary=data), global_step, walltime)

    def add_graph(self, graph_profile: Any, walltime: float | None = None) -> None:
        """Writes a graph: a ``GraphDef`` (message or bytes), or torch's ``(GraphDef,
        RunMetadata)`` pair, whose step stats go with it as ``tagged_run_metadata``."""
        run_metadata = None
        if isinstance(graph_profile, (tuple, list)):
            if not 1 <= len(graph_profile) <= 2:
                raise ArgumentError("graph_profile must be a GraphDef or a (GraphDef, RunMetadata) pair")
            graph = graph_profile[0]
            if len(graph_profile) == 2 and graph_profile[1] is not None:
                run_metadata = validate.message_bytes(graph_profile[1], validate.RUN_METADATA, "graph_profile[1]", "RunMetadata")
        else:
            graph = graph_profile
        self.add_event(messages.event(0.0, graph_def=validate.message_bytes(graph, validate.GRAPH_DEF, "graph_profile", "GraphDef")), None, walltime)
        if run_metadata is not None:
            tagged = messages.tagged_run_metadata("step1", run_metadata)
            self.add_event(messages.event(0.0, tagged_run_metadata=tagged), None, walltime)

    @contextlib.contextmanager
    def use_metadata(
        self, *, global_step: int | None = None, walltime: float | None = None
    ) -> Iterator[FileWriter]:
        """tensorboardX's: the default step and wall time of the calls inside."""
        with self._run.use_metadata(global_step=global_step, walltime=walltime):
            yield self

    def flush(self) -> None:
        self._queue().flush()

    def close(self) -> None:
        if self._logdir == self._run.log_dir:
            self._run.close()
        else:
            self._queue().close()

    def reopen(self) -> None:
        """After ``close()``: the next event goes to a new event file."""
        if self._logdir == self._run.log_dir:
            self._run.live_queue()


class _RecordWriterView:
    """tensorboardX's ``EventFileWriter._ev_writer``: the file being written."""

    def __init__(self, file_name: str) -> None:
        self._file_name = file_name


class _EventWriterView:
    """tensorboardX's ``EventFileWriter``: its file (``_ev_writer._file_name``), and the
    ``FileWriter``'s logdir, flush and close."""

    def __init__(self, file_name: str, owner: FileWriter) -> None:
        self._ev_writer = _RecordWriterView(file_name)
        self._owner = owner

    def get_logdir(self) -> str:
        return self._owner.get_logdir()

    def flush(self) -> None:
        self._owner.flush()

    def close(self) -> None:
        self._owner.close()
