"""Every run's event files read back independently of tfevents (CRC32C by the crc32c C package, events
by TensorBoard's protos), so that a writer that loses, reorders or corrupts events fails instead of being timed."""

import os
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from crc32c import crc32c  # the C package, a bench dependency
from tensorboard.compat.proto import event_pb2
from tensorboard.util.tensor_util import make_ndarray


class BenchmarkError(RuntimeError):
    """A writer produced wrong or missing events: the run's figures would mean nothing."""


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def event_files(logdir: str) -> list[str]:
    return sorted(os.path.join(d, n) for d, _, names in os.walk(logdir) for n in names if n.startswith("events.out.tfevents."))


def read_records(path: str) -> Iterator[bytes]:
    """The payload of every TFRecord of ``path``; raises on a torn record or a bad CRC."""
    with open(path, "rb") as f:
        data = f.read()
    pos, end, index = 0, len(data), 0
    while pos < end:
        length, length_crc = struct.unpack_from("<QI", data, pos) if end - pos >= 12 else (-1, 0)
        start, stop = pos + 12, pos + 12 + length
        if why := ("truncated record header" if length < 0 else "bad length CRC" if _masked_crc(data[pos : pos + 8]) != length_crc else
                   "truncated record" if stop + 4 > end else "bad data CRC" if _masked_crc(data[start:stop]) != struct.unpack_from("<I", data, stop)[0] else ""):
            raise BenchmarkError(f"{path}: at byte {pos} (record {index}): {why}")
        yield data[start:stop]
        pos, index = stop + 4, index + 1


@dataclass
class Log:
    """What a run's event files hold: their summary events (each file's file_version checked first)."""

    files: list[str]
    bytes: int
    record_sizes: list[int] = field(default_factory=list)  # framing included, headers too
    events: list[Any] = field(default_factory=list)

    def scalars(self) -> dict[str, tuple[np.ndarray, ...]]:
        """Per tag: its events' steps, values and wall times, in file order."""
        out: dict[str, list[tuple[int, float, float]]] = {}
        for event in self.events:
            for value in event.summary.value:
                out.setdefault(value.tag, []).append((event.step, _scalar_of(value), event.wall_time))
        return {tag: tuple(np.asarray(rows).reshape(-1, 3).T) for tag, rows in out.items()}


def read_log(logdir: str) -> Log:
    if not (files := event_files(logdir)):
        raise BenchmarkError(f"no event file was written under {logdir}")
    log = Log(files, sum(os.path.getsize(p) for p in files))
    for path in files:
        for index, payload in enumerate(read_records(path)):
            log.record_sizes.append(len(payload) + 16)
            event = event_pb2.Event.FromString(payload)
            if index == 0 and not event.file_version.startswith("brain.Event:"):
                raise BenchmarkError(f"{path}: first event is not a file_version event")
            if index and event.HasField("summary"):
                log.events.append(event)
    return log


def _scalar_of(value: Any) -> float:
    if value.HasField("simple_value"):
        return float(value.simple_value)
    if value.HasField("tensor") and value.tensor.dtype in (1, 2):
        return float(np.asarray(make_ndarray(value.tensor)).reshape(-1)[0])
    raise BenchmarkError(f"summary value of tag {value.tag!r} holds no scalar")


def check_scalars(log: Log | dict[str, tuple[Any, Any]], expected: dict[str, tuple[Any, Any]], who: str,
                  wall_range: tuple[float, float] | None = None) -> int:
    """Raises unless every tag of ``log`` (a run's, or a reader's: tag -> (steps, values)) holds exactly the expected
    steps and values (compared in float32), in call order; the number of events checked."""
    got, files = (log.scalars(), f" (files: {log.files})") if isinstance(log, Log) else (log, "")
    if set(got) != set(expected):
        raise BenchmarkError(f"{who}: tags differ from the calls: missing {sorted(set(expected) - set(got))[:5]} extra "
                             f"{sorted(set(got) - set(expected))[:5]}{files}")
    for tag, (want_steps, want_values) in expected.items():
        steps, values, *walls = (np.asarray(a) for a in got[tag])
        want_steps, want = np.asarray(want_steps, dtype=np.int64), np.asarray(want_values, dtype=np.float32)
        if steps.size != want_steps.size:
            raise BenchmarkError(f"{who} LOST EVENTS: tag {tag!r} has {steps.size} events, {want_steps.size} were logged{files}")
        if not np.array_equal(steps := steps.astype(np.int64), want_steps):
            bad = int(np.flatnonzero(steps != want_steps)[0])
            raise BenchmarkError(f"{who}: tag {tag!r} steps differ from the call order at index {bad}: file has {int(steps[bad])}, call was "
                                 f"{int(want_steps[bad])}")
        if not np.array_equal(values := values.astype(np.float32), want, equal_nan=True):
            bad = int(np.flatnonzero(values != want)[0])
            raise BenchmarkError(f"{who}: tag {tag!r} value at index {bad} is {values[bad]!r}, logged {want[bad]!r}")
        if wall_range is not None and (walls[0].min() < wall_range[0] or walls[0].max() > wall_range[1]):
            raise BenchmarkError(f"{who}: tag {tag!r} wall times fall outside the run {wall_range}")
    return sum(len(series[0]) for series in got.values())


def checked(logdir: str, expected: dict[str, tuple[Any, Any]], who: str, wall_range: tuple[float, float] | None = None) -> Log:
    """``logdir``'s events read back and checked (``check_scalars``), then the folder removed."""
    check_scalars(log := read_log(logdir), expected, who, wall_range)
    shutil.rmtree(logdir, ignore_errors=True)
    return log
