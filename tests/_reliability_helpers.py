"""Shared helpers of the reliability tests (crash safety, exit, I/O errors, fuzzing,
validation, resume). Not a test module: pytest does not collect it (leading underscore).

Everything here reads files with code independent of the writer where that matters:
records are framed and walked with TensorBoard's own ``masked_crc32c`` (the stub in
``tensorboard.compat.tensorflow_stub``), so a bug shared by tfevents' writer and reader
cannot hide itself.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from tfevents.reader import read_events
from tfevents.validate import FileReport, validate_logdir

PYTHON = sys.executable
SUBPROCESS_TIMEOUT = 90.0  # overall limit for any child interpreter: a hang fails, never blocks
POLL_TIMEOUT = 60.0
NEVER = 1e6  # a flush_secs that never comes during a test
HUGE_QUEUE = 10**9


# --- child interpreters ----------------------------------------------------------------


def run_python(
    source: str, *args: str, timeout: float = SUBPROCESS_TIMEOUT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs ``source`` in a fresh interpreter; a hang raises ``TimeoutExpired`` (and the
    child is killed by ``subprocess.run``)."""
    return subprocess.run(
        [PYTHON, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def validate_cli(*args: str, timeout: float = SUBPROCESS_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``python -m tfevents validate ARGS...``."""
    return subprocess.run(
        [PYTHON, "-m", "tfevents", "validate", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- files and records ---------------------------------------------------------------


def event_files_under(logdir: Any) -> list[str]:
    """Every event file below ``logdir`` (any depth), sorted."""
    found = []
    for directory, _, names in os.walk(os.fspath(logdir)):
        found.extend(os.path.join(directory, n) for n in names if "tfevents" in n)
    return sorted(found)


def frame(payload: bytes) -> bytes:
    """A TFRecord framed with TensorBoard's own CRC code."""
    length = struct.pack("<Q", len(payload))
    return (
        length
        + struct.pack("<I", masked_crc32c(length))
        + payload
        + struct.pack("<I", masked_crc32c(payload))
    )


def record_offsets(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """``([(record start, payload length), ...], end of the last whole record)``,
    walked without checking CRCs (an independent walker for the tests)."""
    records = []
    pos = 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        if pos + 12 + length + 4 > len(data):
            break
        records.append((pos, length))
        pos += 12 + length + 4
    return records, pos


def reports(logdir: Any) -> list[FileReport]:
    found = validate_logdir(os.fspath(logdir))
    assert found, f"no event files under {logdir}"
    return found


def assert_valid(logdir: Any, *, allow_truncated: bool = False) -> list[FileReport]:
    """No file below ``logdir`` is corrupt (and none has a torn tail unless allowed)."""
    found = reports(logdir)
    for report in found:
        assert report.ok, report
        if not allow_truncated:
            assert report.truncated_bytes == 0, report
    return found


def files_in(logdir: Any) -> list[str]:
    """The event files directly in ``logdir``, by name."""
    return sorted(
        os.path.join(str(logdir), f) for f in os.listdir(str(logdir)) if "tfevents" in f
    )


def record_count(logdir: Any) -> int:
    """Whole records in every event file below ``logdir`` (all of them must be valid)."""
    if not event_files_under(logdir):
        return 0
    return sum(r.records for r in assert_valid(logdir))


def summary_values(path: str) -> list[tuple[str, int, Any]]:
    """``(tag, step, value)`` of every summary value of one file, in file order."""
    return [(v.tag, e.step, v.value) for e in read_events(path) for v in e.values]


def values_of(path: str, tag: str) -> list[tuple[int, Any]]:
    return [(step, value) for t, step, value in summary_values(path) if t == tag]


def wait_until(predicate: Callable[[], Any], timeout: float = POLL_TIMEOUT) -> Any:
    """Polls ``predicate`` until it is truthy or ``timeout`` passes (an overall limit
    on waiting, never a timing assertion); returns its last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(0.02)


class FaultyOs:
    """Stands in for the ``os`` module inside ``tfevents.sinks.local``.

    Every attribute is the real ``os``'s except ``write`` (and, when asked, ``fsync``),
    so faults reach only the event-file sink, never pytest's own output. ``plan`` is
    called for each ``write(fd, data)`` and returns what to do:

    * ``None``: write for real;
    * an ``OSError`` instance: raise it, writing nothing;
    * an int ``k``: write the first ``k`` bytes for real and return ``k`` (a short write).
    """

    def __init__(self, plan: Callable[[int, bytes], Any] | None = None) -> None:
        self._plan = plan or (lambda fd, data: None)
        self.writes: list[tuple[int, int]] = []  # (fd, bytes asked) of every write call
        self.calls: list[tuple[str, int]] = []  # ("write" | "fsync", fd) in call order
        self.fsyncs = 0

    def set_plan(self, plan: Callable[[int, bytes], Any] | None) -> None:
        self._plan = plan or (lambda fd, data: None)

    def write(self, fd: int, data: Any) -> int:
        data = bytes(data)
        self.writes.append((fd, len(data)))
        self.calls.append(("write", fd))
        action = self._plan(fd, data)
        if action is None:
            return os.write(fd, data)
        if isinstance(action, BaseException):
            raise action
        return os.write(fd, data[: int(action)])

    def fsync(self, fd: int) -> None:
        self.fsyncs += 1
        self.calls.append(("fsync", fd))
        os.fsync(fd)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)
