"""What a run's event files hold, scalar by scalar, and the check that it is exactly what
was logged. ``loader="tensorboard"`` reads through TensorBoard's own ``EventFileLoader``
instead of this package's CRC-checking walker, as a second witness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import BenchmarkError
from .records import event_files, read_records


def _tensorboard_events(path: str) -> Iterator[object]:
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    yield from EventFileLoader(path).Load()


def _scalar_of(value: object) -> float:
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    if kind == "simple_value":
        return float(value.simple_value)  # type: ignore[attr-defined]
    if kind == "tensor":
        tensor = value.tensor  # type: ignore[attr-defined]
        if tensor.float_val:
            return float(tensor.float_val[0])
        if tensor.double_val:
            return float(tensor.double_val[0])
        if tensor.tensor_content:
            dtype = {1: "<f4", 2: "<f8"}.get(tensor.dtype)
            if dtype is None:
                raise BenchmarkError(f"unexpected scalar tensor dtype {tensor.dtype}")
            return float(np.frombuffer(tensor.tensor_content, dtype=dtype)[0])
    raise BenchmarkError(f"summary value of tag {value.tag!r} holds no scalar ({kind})")  # type: ignore[attr-defined]


@dataclass
class ScalarLog:
    """What a run's event files hold: per tag, steps, values and wall times in file order."""

    files: list[str]
    bytes_on_disk: int
    records: int
    record_sizes: list[int] = field(default_factory=list)
    steps: dict[str, list[int]] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)
    wall_times: dict[str, list[float]] = field(default_factory=dict)
    file_versions: list[str] = field(default_factory=list)

    @property
    def scalar_events(self) -> int:
        return sum(len(s) for s in self.steps.values())


def read_scalar_log(logdir: str, loader: str = "fast") -> ScalarLog:
    """Reads every event file under ``logdir``.

    ``loader="fast"``: the CRC-checking TFRecord walker of ``records`` and protobuf parsing.
    ``loader="tensorboard"``: TensorBoard's ``EventFileLoader`` (slow: pure-Python CRC).
    """
    from tensorboard.compat.proto import event_pb2

    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"no event file was written under {logdir}")
    log = ScalarLog(files=files, bytes_on_disk=sum(os.path.getsize(p) for p in files), records=0)
    for path in files:
        if loader == "fast":
            events: Iterator[object] = _parse_all(read_records(path), event_pb2.Event, log)
        elif loader == "tensorboard":
            events = _tensorboard_events(path)
        else:
            raise ValueError(f"unknown loader {loader!r}")
        first = True
        for event in events:
            if loader != "fast":
                log.records += 1
            if first:
                first = False
                version = event.file_version  # type: ignore[attr-defined]
                if not version.startswith("brain.Event:"):
                    raise BenchmarkError(f"{path}: first event is not a file_version event")
                log.file_versions.append(version)
            if not event.HasField("summary"):  # type: ignore[attr-defined]
                continue
            step = event.step  # type: ignore[attr-defined]
            wall_time = event.wall_time  # type: ignore[attr-defined]
            for value in event.summary.value:  # type: ignore[attr-defined]
                tag = value.tag
                if tag not in log.steps:
                    log.steps[tag], log.values[tag], log.wall_times[tag] = [], [], []
                log.steps[tag].append(step)
                log.values[tag].append(_scalar_of(value))
                log.wall_times[tag].append(wall_time)
    return log


def _parse_all(payloads: Iterator[bytes], event_cls: type, log: ScalarLog) -> Iterator[object]:
    parse = event_cls.FromString  # type: ignore[attr-defined]
    sizes = log.record_sizes
    for payload in payloads:
        log.records += 1
        sizes.append(len(payload) + 16)  # length, its CRC, payload, its CRC
        yield parse(payload)


def check_scalars(
    log: ScalarLog,
    expected: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    who: str,
    wall_time_range: tuple[float, float] | None = None,
) -> None:
    """Raises ``BenchmarkError`` unless every tag holds exactly the expected (step, value)
    sequence, in call order (values compared after rounding to float32)."""
    missing = sorted(set(expected) - set(log.steps))
    extra = sorted(set(log.steps) - set(expected))
    if missing or extra:
        raise BenchmarkError(
            f"{who}: tags differ from the calls: missing {missing[:5]} extra {extra[:5]} "
            f"(files: {log.files})"
        )
    for tag, (want_steps, want_values) in expected.items():
        got_steps = np.asarray(log.steps[tag], dtype=np.int64)
        if got_steps.size != want_steps.size:
            raise BenchmarkError(
                f"{who} LOST EVENTS: tag {tag!r} has {got_steps.size} events in the file(s), "
                f"{want_steps.size} were logged (files: {log.files})"
            )
        if not np.array_equal(got_steps, want_steps):
            bad = int(np.flatnonzero(got_steps != want_steps)[0])
            raise BenchmarkError(
                f"{who}: tag {tag!r} steps differ from the call order at index {bad}: "
                f"file has {int(got_steps[bad])}, call was {int(want_steps[bad])}"
            )
        got_values = np.asarray(log.values[tag], dtype=np.float32)
        want32 = np.asarray(want_values, dtype=np.float32)
        if not np.array_equal(got_values, want32):
            bad = int(np.flatnonzero(got_values != want32)[0])
            raise BenchmarkError(
                f"{who}: tag {tag!r} value at index {bad} is {got_values[bad]!r}, "
                f"logged {want32[bad]!r}"
            )
        if wall_time_range is not None:
            lo, hi = wall_time_range
            walls = np.asarray(log.wall_times[tag], dtype=np.float64)
            if walls.min() < lo or walls.max() > hi:
                raise BenchmarkError(
                    f"{who}: tag {tag!r} wall times [{walls.min()}, {walls.max()}] fall outside "
                    f"the run [{lo}, {hi}]"
                )
