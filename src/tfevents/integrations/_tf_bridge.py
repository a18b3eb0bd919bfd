"""TensorFlow's default summary writer, forwarded into a tfevents run.

Keras' own ``TensorBoard`` callback makes its writers TensorFlow's default summary writer
during ``fit`` and ``evaluate`` (with ``record_if`` per ``update_freq``), so ``tf.summary.*``
calls made inside the model land in its ``train`` and ``validation`` runs, on every
backend. ``DefaultWriter`` does the same where TensorFlow is already imported (it never
imports it): the default writer is a TensorFlow writer on TensorFlow's in-memory
filesystem (``ram://``), and ``forward()`` reads what it holds back and writes each event
into the tfevents run through the writer's raw-event entry point
(``_get_file_writer().add_event``), with its own step and wall time. The run stays one
event file, written by tfevents. A flush and a read of the in-memory file cost about
40 µs, so forwarding at every recorded batch is cheap. The in-memory file is freed when
training ends (``close``), not before: a traced TensorFlow function keeps the writer it
was traced with, so the writer cannot be replaced mid-training. It holds what the model
logged, as many bytes as those events take in the run.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import Any

from tfevents.records.reader import scan
from tfevents.wire.decoding import as_double, as_int64, fields

__all__ = ["DefaultWriter"]

_WALL_TIME, _STEP, _FILE_VERSION = 1, 2, 3


class DefaultWriter:
    """A TensorFlow summary writer whose events go to ``target`` (a tfevents writer)."""

    def __init__(self, tf: Any, target: Any) -> None:
        self._tf = tf
        self._target = target
        self._folder = f"ram://tfevents/{uuid.uuid4().hex}"
        self._writer = tf.summary.create_file_writer(self._folder)
        self._read: dict[str, int] = {}  # bytes of each in-memory file already forwarded
        self._contexts: list[tuple[Any, Any]] = []

    @classmethod
    def if_tensorflow(cls, target: Any) -> DefaultWriter | None:
        """One, if TensorFlow is imported; else None (nothing can call ``tf.summary``)."""
        tf = sys.modules.get("tensorflow")
        summary = getattr(tf, "summary", None)
        if summary is None or not hasattr(summary, "create_file_writer"):
            return None
        return cls(tf, target)

    def push(self, step: int, should_record: Callable[[], bool]) -> None:
        """Makes it the default writer, at ``step``, recording when ``should_record()``
        (Keras' ``_push_writer``)."""
        contexts = (self._writer.as_default(step), self._tf.summary.record_if(should_record))
        contexts[0].__enter__()
        contexts[1].__enter__()
        self._contexts.append(contexts)

    def pop(self) -> None:
        """Undoes the last ``push`` (Keras' ``_pop_writer``)."""
        if self._contexts:
            default, record_if = self._contexts.pop()
            record_if.__exit__(None, None, None)
            default.__exit__(None, None, None)

    def forward(self) -> None:
        """Writes the events TensorFlow's writer holds that were not forwarded yet."""
        self._writer.flush()
        gfile = self._tf.io.gfile
        for path in sorted(gfile.glob(self._folder + "/*")):
            start = self._read.get(path, 0)
            with gfile.GFile(path, "rb") as f:
                f.seek(start)
                data = f.read()
            records = scan(data)
            for offset, length in zip(records.offsets.tolist(), records.lengths.tolist()):
                self._forward_event(bytes(data[offset : offset + length]))
            self._read[path] = start + records.end

    def _forward_event(self, event: bytes) -> None:
        wall_time, step = 0.0, 0
        for number, _, value in fields(event):
            if number == _FILE_VERSION:
                return  # the file's header: tfevents' file has its own
            if number == _WALL_TIME and isinstance(value, bytes):
                wall_time = as_double(value)
            elif number == _STEP and isinstance(value, int):
                step = as_int64(value)
        self._target._get_file_writer().add_event(event, step=step, walltime=wall_time)

    def close(self) -> None:
        """Forwards what is left, closes TensorFlow's writer and frees its memory."""
        while self._contexts:
            self.pop()
        self.forward()
        self._writer.close()
        if self._tf.io.gfile.exists(self._folder):
            self._tf.io.gfile.rmtree(self._folder)
