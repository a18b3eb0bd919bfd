"""Reading a run's event files back, independently of tfevents: every TFRecord's masked
CRC32C checked with the ``crc32c`` C package and every event parsed with TensorBoard's
protos, so that a writer that loses, reorders or corrupts events fails the run instead
of being timed."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from crc32c import crc32c  # the C package, a bench dependency


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
        if end - pos < 12:
            raise BenchmarkError(f"{path}: truncated record header at byte {pos} (record {index})")
        length, length_crc = struct.unpack_from("<QI", data, pos)
        if _masked_crc(data[pos : pos + 8]) != length_crc:
            raise BenchmarkError(f"{path}: bad length CRC at byte {pos} (record {index})")
        start, stop = pos + 12, pos + 12 + length
        if stop + 4 > end:
            raise BenchmarkError(f"{path}: truncated record at byte {pos} (record {index})")
        if _masked_crc(data[start:stop]) != struct.unpack_from("<I", data, stop)[0]:
            raise BenchmarkError(f"{path}: bad data CRC at byte {pos} (record {index})")
        yield data[start:stop]
        pos, index = stop + 4, index + 1


@dataclass
class Log:
    """What a run's event files hold: their summary events (each file's file_version checked first)."""

    files: list[str]
    bytes: int
    record_sizes: list[int] = field(default_factory=list)  # framing included, headers too
    events: list[Any] = field(default_factory=list)

    def scalars(self) -> dict[str, tuple[list[int], list[float], list[float]]]:
        """Per tag: steps, values and wall times, in file order."""
        out: dict[str, tuple[list[int], list[float], list[float]]] = {}
        for event in self.events:
            for value in event.summary.value:
                steps, values, walls = out.setdefault(value.tag, ([], [], []))
                steps.append(event.step)
                values.append(_scalar_of(value))
                walls.append(event.wall_time)
        return out


def read_log(logdir: str) -> Log:
    from tensorboard.compat.proto import event_pb2

    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"no event file was written under {logdir}")
    log = Log(files, sum(os.path.getsize(p) for p in files))
    for path in files:
        for index, payload in enumerate(read_records(path)):
            log.record_sizes.append(len(payload) + 16)
            event = event_pb2.Event.FromString(payload)
            if index == 0:
                if not event.file_version.startswith("brain.Event:"):
                    raise BenchmarkError(f"{path}: first event is not a file_version event")
            elif event.HasField("summary"):
                log.events.append(event)
    return log


def tensor_array(tensor: Any) -> np.ndarray:
    """A numeric TensorProto as an array of its shape."""
    dtype = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8"}.get(tensor.dtype)
    if dtype is None:
        raise BenchmarkError(f"unexpected tensor dtype {tensor.dtype}")
    shape = [d.size for d in tensor.tensor_shape.dim]
    field_name = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val"}[tensor.dtype]
    flat = (np.frombuffer(tensor.tensor_content, dtype=dtype) if tensor.tensor_content
            else np.asarray(list(getattr(tensor, field_name)), dtype=dtype))
    size = int(np.prod(shape)) if shape else 1
    if flat.size == 1 and size > 1:  # one repeated value fills the tensor
        flat = np.full(size, flat[0], dtype=dtype)
    if flat.size != size:
        raise BenchmarkError(f"tensor holds {flat.size} values for shape {shape}")
    return flat.reshape(shape)


def _scalar_of(value: Any) -> float:
    if value.HasField("simple_value"):
        return float(value.simple_value)
    if value.HasField("tensor") and value.tensor.dtype in (1, 2):
        return float(tensor_array(value.tensor).reshape(-1)[0])
    raise BenchmarkError(f"summary value of tag {value.tag!r} holds no scalar")


def check_scalars(log: Log, expected: dict[str, tuple[Any, Any]], who: str,
                  wall_range: tuple[float, float] | None = None) -> int:
    """Raises ``BenchmarkError`` unless every tag holds exactly the expected steps and
    values (compared in float32), in call order; the number of events checked."""
    got = log.scalars()
    if set(got) != set(expected):
        raise BenchmarkError(f"{who}: tags differ from the calls: missing {sorted(set(expected) - set(got))[:5]} extra "
                             f"{sorted(set(got) - set(expected))[:5]} (files: {log.files})")
    for tag, (want_steps, want_values) in expected.items():
        steps, values, walls = (np.asarray(a) for a in got[tag])
        want_steps = np.asarray(want_steps, dtype=np.int64)
        if steps.size != want_steps.size:
            raise BenchmarkError(f"{who} LOST EVENTS: tag {tag!r} has {steps.size} events in the file(s), {want_steps.size} were logged (files: "
                                 f"{log.files})")
        if not np.array_equal(steps, want_steps):
            bad = int(np.flatnonzero(steps != want_steps)[0])
            raise BenchmarkError(f"{who}: tag {tag!r} steps differ from the call order at index {bad}: file has {int(steps[bad])}, call was "
                                 f"{int(want_steps[bad])}")
        values, want = values.astype(np.float32), np.asarray(want_values, dtype=np.float32)
        if not np.array_equal(values, want, equal_nan=True):
            bad = int(np.flatnonzero(values != want)[0])
            raise BenchmarkError(f"{who}: tag {tag!r} value at index {bad} is {values[bad]!r}, logged {want[bad]!r}")
        if wall_range is not None and (walls.min() < wall_range[0] or walls.max() > wall_range[1]):
            raise BenchmarkError(f"{who}: tag {tag!r} wall times fall outside the run {wall_range}")
    return sum(len(s) for s, _, _ in got.values())
