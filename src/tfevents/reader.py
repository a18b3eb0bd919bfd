"""Reads event files back: from any writer, with every CRC checked.

    >>> from tfevents.reader import read_scalars
    >>> read_scalars("runs/demo/lr_0.02")["loss/train"].values   # doctest: +SKIP

``read_events(path)`` yields ``Event`` objects whose summary values are decoded to numpy
(scalars as floats, histograms as ``[k, 3]`` tables, images as HWC uint8 arrays, text
as ``str``, other tensors as arrays). ``event_files(logdir)`` maps runs to their files,
as TensorBoard discovers them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfevents.records.reader import TruncatedRecordError, iter_records
from tfevents.wire import messages
from tfevents.wire.decoding import as_double, as_float, as_int64, fields

_DTYPE_TO_NUMPY = {code: dtype for dtype, code in messages.NUMPY_TO_DTYPE.items()}


@dataclass(frozen=True)
class Metadata:
    plugin_name: str = ""
    content: bytes = b""
    display_name: str = ""
    description: str = ""
    data_class: int = 0


@dataclass(frozen=True)
class Value:
    """One decoded ``Summary.Value``; ``kind`` follows the tag's plugin."""

    tag: str
    kind: str  # scalar, histogram, image, text, pr_curve, tensor, unknown
    value: Any
    metadata: Metadata | None = None


@dataclass(frozen=True)
class Event:
    wall_time: float
    step: int
    file_version: str | None = None
    values: tuple[Value, ...] = ()
    graph_def: bytes | None = None
    session_log_status: int | None = None


@dataclass
class ScalarSeries:
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray


@dataclass
class _FileState:
    """Plugin of each tag, from the first metadata seen in the file."""

    plugins: dict[str, str] = field(default_factory=dict)


def event_files(logdir: str) -> dict[str, list[str]]:
    """Run name (relative directory, "." for the root) -> its event files, sorted."""
    runs: dict[str, list[str]] = {}
    for directory, _, files in os.walk(logdir):
        names = sorted(f for f in files if "tfevents" in f)
        if names:
            run = os.path.relpath(directory, logdir)
            runs[run] = [os.path.join(directory, f) for f in names]
    return dict(sorted(runs.items()))


def read_events(path: str, *, allow_truncated: bool = True) -> Iterator[Event]:
    """Yields the events of one file. A torn last record ends the file quietly unless
    ``allow_truncated`` is false; a CRC mismatch raises ``CorruptRecordError``."""
    with open(path, "rb") as f:
        data = f.read()
    state = _FileState()
    try:
        for record in iter_records(data):
            yield _parse_event(record, state)
    except TruncatedRecordError:
        if not allow_truncated:
            raise


def read_scalars(path: str) -> dict[str, ScalarSeries]:
    """Every scalar series of an event file or of the files directly in a run directory."""
    paths = (
        [path]
        if os.path.isfile(path)
        else sorted(os.path.join(path, f) for f in os.listdir(path) if "tfevents" in f)
    )
    collected: dict[str, list[tuple[int, float, float]]] = {}
    for file_path in paths:
        for event in read_events(file_path):
            for value in event.values:
                if value.kind == "scalar":
                    collected.setdefault(value.tag, []).append(
                        (event.step, value.value, event.wall_time)
                    )
    series = {}
    for tag, points in collected.items():
        steps, values, walls = zip(*points)
        series[tag] = ScalarSeries(
            np.array(steps, dtype=np.int64),
            np.array(values, dtype=np.float32),
            np.array(walls, dtype=np.float64),
        )
    return series


def _parse_event(data: bytes, state: _FileState) -> Event:
    wall_time, step = 0.0, 0
    file_version = graph_def = None
    status = None
    values: tuple[Value, ...] = ()
    for number, _, raw in fields(data):
        if number == 1:
            wall_time = as_double(raw)  # type: ignore[arg-type]
        elif number == 2:
            step = as_int64(raw)  # type: ignore[arg-type]
        elif number == 3:
            file_version = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == 4:
            graph_def = raw  # type: ignore[assignment]
        elif number == 5:
            values = tuple(
                _parse_value(v, state) for n, _, v in fields(raw) if n == 1  # type: ignore[arg-type]
            )
        elif number == 7:
            status = next((v for n, _, v in fields(raw) if n == 1), 0)  # type: ignore[arg-type]
    return Event(wall_time, step, file_version, values, graph_def, status)  # type: ignore[arg-type]


def _parse_metadata(data: bytes) -> Metadata:
    plugin_name, content, display, description, data_class = "", b"", "", "", 0
    for number, _, raw in fields(data):
        if number == 1:
            for n, _, v in fields(raw):  # type: ignore[arg-type]
                if n == 1:
                    plugin_name = v.decode("utf-8")  # type: ignore[union-attr]
                elif n == 2:
                    content = v  # type: ignore[assignment]
        elif number == 2:
            display = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == 3:
            description = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == 4:
            data_class = raw  # type: ignore[assignment]
    return Metadata(plugin_name, content, display, description, data_class)


def _parse_value(data: bytes, state: _FileState) -> Value:
    tag = ""
    metadata = None
    simple = None
    tensor = None
    for number, _, raw in fields(data):
        if number == 1:
            tag = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == 2:
            simple = as_float(raw)  # type: ignore[arg-type]
        elif number == 8:
            tensor = raw
        elif number == 9:
            metadata = _parse_metadata(raw)  # type: ignore[arg-type]
    if metadata is not None and tag not in state.plugins:
        state.plugins[tag] = metadata.plugin_name
    if simple is not None:
        return Value(tag, "scalar", simple, metadata)
    plugin = state.plugins.get(tag, "")
    array = _parse_tensor(tensor) if tensor is not None else np.zeros(0, np.float32)  # type: ignore[arg-type]
    if plugin == "scalars":
        return Value(tag, "scalar", float(array.reshape(())), metadata)
    if plugin == "histograms":
        return Value(tag, "histogram", array, metadata)
    if plugin == "pr_curves":
        return Value(tag, "pr_curve", array, metadata)
    if plugin == "text":
        text = array.reshape(-1)[0].decode("utf-8") if array.ndim == 0 else array
        return Value(tag, "text", text, metadata)
    if plugin == "images":
        return Value(tag, "image", [_decode_png(b) for b in array.reshape(-1)[2:]], metadata)
    return Value(tag, "tensor" if plugin else "unknown", array, metadata)


def _parse_tensor(data: bytes) -> np.ndarray:
    dtype_code, shape, content = 0, [], b""
    strings: list[bytes] = []
    packed: dict[int, bytes] = {}
    for number, _, raw in fields(data):
        if number == 1:
            dtype_code = raw  # type: ignore[assignment]
        elif number == 2:
            for n, _, dim in fields(raw):  # type: ignore[arg-type]
                if n == 2:
                    size = next((as_int64(v) for k, _, v in fields(dim) if k == 1), 0)  # type: ignore[arg-type]
                    shape.append(size)
        elif number == 4:
            content = raw  # type: ignore[assignment]
        elif number == 8:
            strings.append(raw)  # type: ignore[arg-type]
        elif number in (5, 6):
            packed[number] = packed.get(number, b"") + raw  # type: ignore[operator]
    if dtype_code == messages.DT_STRING:
        array = np.empty(len(strings), dtype=object)
        array[:] = strings
        return array.reshape(shape) if int(np.prod(shape)) == len(strings) else array
    dtype = _DTYPE_TO_NUMPY.get(dtype_code)
    if dtype is None:
        return np.zeros(0, np.float32)
    if content:
        return np.frombuffer(content, dtype=dtype.newbyteorder("<")).reshape(shape)
    if 5 in packed:
        values = np.frombuffer(packed[5], dtype="<f4")
    elif 6 in packed:
        values = np.frombuffer(packed[6], dtype="<f8")
    else:
        values = np.zeros(0, dtype=dtype)
    size = int(np.prod(shape))
    if values.size == 1 and size != 1:
        return np.full(shape, values[0], dtype=dtype)
    return values.astype(dtype).reshape(shape)


def _decode_png(encoded: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(encoded)) as img:
        return np.asarray(img)
