"""Reads TensorBoard event files back: from any writer, with every CRC checked.

Files from tfevents, ``torch.utils.tensorboard``, tensorboardX, TensorFlow and
TensorBoard's own writer all read the same way, legacy value forms included. Nothing
here needs protobuf: the records and messages are decoded by the project's own code.

    >>> from tfevents.reader import read_scalars, read_values
    >>> read_scalars("runs/demo")["lr_0.02"]["loss/train"].values    # doctest: +SKIP
    >>> for d in read_values("runs/demo", kind="histogram"):          # doctest: +SKIP
    ...     print(d.run, d.tag, d.step, d.value.shape)                # [k, 3] tables

Paths
    Every reading function takes an event file, a run directory, or a log directory.
    Runs are discovered as TensorBoard discovers them: every directory (the root
    included) holding at least one file whose name contains ``tfevents`` is a run,
    named by its path relative to the directory given (``"."`` for the root itself, and
    for a single file). Runs come in sorted order, and each run's files in sorted order
    (their names start with the creation time). A path that does not exist raises
    ``FileNotFoundError`` (``event_files`` alone returns ``{}`` for it).

Functions
    ``event_files(path) -> {run: [file, ...]}``
        The runs under ``path`` and their event files.
    ``read_events(path, *, allow_truncated=True) -> Iterator[Event]``
        Every event of every file, in order; ``Event.run`` names its run.
    ``read_values(path, *, kind=None, tag=None, run=None) -> Iterator[Datum]``
        Every summary value, flattened to one ``Datum(run, tag, step, wall_time, kind,
        value, plugin, metadata)`` each. ``kind``, ``tag`` and ``run`` filter (a string or
        a collection of strings); values filtered out are never decoded, so reading the
        scalars of a directory full of images is fast.
    ``read_scalars(path, *, by_run=None)``
        Scalar series as numpy arrays. A log directory (no event file directly in it)
        gives ``{run: {tag: ScalarSeries}}``; an event file, or a run directory (event
        files directly in it), gives ``{tag: ScalarSeries}`` of those files only.
        ``by_run=True`` always gives the nested form with every run below ``path``
        (``"."`` for ``path`` itself); ``by_run=False`` always the flat form.
    ``decode_wav(data) -> (samples, sample_rate)``
        A 16-bit PCM WAV clip as float32 ``[frames, channels]`` in [-1, 1], and its rate.

Integrity
    Both CRCs of every record are checked before any event of the file is returned: a
    mismatch raises ``tfevents.records.reader.CorruptRecordError`` (a ``ValueError``); a
    record that does not parse raises ``tfevents.wire.decoding.DecodeError``. A torn last
    record (a writer still writing, or killed mid-write) ends the file quietly, unless
    ``allow_truncated=False``, which raises ``TruncatedRecordError``. ``tfevents.validate``
    reports on whole directories without raising.

Values, by ``kind`` (``Value.kind`` / ``Datum.kind``)
    ``scalar``      ``float``: ``simple_value`` (torch, tensorboardX, tfevents), or a rank-0
                    tensor of plugin ``scalars`` (``new_style=True``, TensorFlow 2).
    ``histogram``   ``[k, 3]`` array of ``[left edge, right edge, count]`` rows, in the
                    dtype it was stored in (tfevents writes float64).
                    Legacy ``HistogramProto`` values (torch's and tensorboardX's
                    ``add_histogram``) are converted as TensorBoard converts them: empty
                    buckets at both ends dropped, ``min``/``max`` as the outer edges; the
                    result is float64 (TensorBoard's float32 is its exact rounding).
    ``image``       ``list`` of numpy arrays, one per sample: ``[H, W, C]`` uint8, or ``[H, W]``
                    for a grayscale PNG (exactly what Pillow decodes; palette images are
                    expanded to RGB/RGBA). An animated GIF (``add_video``) gives
                    ``[T, H, W, C]``. Legacy ``Summary.Image`` values (torch's and
                    tensorboardX's ``add_image``) give a one-sample list.
    ``audio``       ``[k, 2]`` object array of ``[wav bytes, label bytes]`` rows, TensorBoard's
                    form; ``decode_wav(value[i, 0])`` gives the samples and the rate. Legacy
                    ``Summary.Audio`` values (torch) give ``[[encoded clip, b""]]``.
    ``text``        ``str`` for a rank-0 string (tfevents' markdown, TensorFlow); any other
                    shape (tables; torch and tensorboardX write shape ``[1]``) is an object
                    array of UTF-8 ``bytes`` cells, as stored.
    ``pr_curve``    ``[6, num_thresholds]`` float array; rows are true positives, false
                    positives, true negatives, false negatives, precision, recall.
    ``hparams``     the plugin's ``HParamsPluginData`` bytes (from the metadata content).
    ``tensor``      numpy array (strings as an object array of ``bytes``): ``add_tensor``,
                    meshes, custom-scalar layouts and any other plugin's tensors;
                    ``Value.plugin`` names the plugin ("" if none).
    ``unknown``     ``None``: a value with nothing TensorBoard can read (torch's
                    ``add_video`` without moviepy writes these).

A tag's plugin comes from the first value of that tag in the file that carries metadata,
as both TensorBoard loaders decide it; ``Value.metadata`` is set only on the values
that carry it (tfevents writes it on each tag's first value in each file).

Data classes
    ``Event(wall_time, step, file_version, values, graph_def, session_log_status, run)``:
    ``graph_def`` is the serialized GraphDef of ``add_graph``; ``session_log_status`` is
    ``SessionLog.status`` (1 START, 2 STOP, 3 CHECKPOINT) of session-log events.
    ``Value(tag, kind, value, metadata, plugin)``; ``Metadata(plugin_name, content,
    display_name, description, data_class)``; ``Datum`` as above; ``ScalarSeries(steps
    int64, values float64, wall_times float64)``, in file order (the order of the calls).
"""

from __future__ import annotations

import io
import os
import re
import struct
import wave
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfevents.records.reader import CorruptRecordError, TruncatedRecordError, scan
from tfevents.wire import messages
from tfevents.wire.decoding import DecodeError, as_double, as_float, as_int64, fields, read_varint

__all__ = [
    "KINDS",
    "Datum",
    "Event",
    "Metadata",
    "ScalarSeries",
    "Value",
    "decode_wav",
    "event_files",
    "read_events",
    "read_scalars",
    "read_values",
]

KINDS = ("scalar", "histogram", "image", "audio", "text", "pr_curve", "hparams", "tensor", "unknown")

_DTYPE_TO_NUMPY: dict[int, np.dtype[Any]] = {
    code: np.dtype(dtype) for dtype, code in messages.NUMPY_TO_DTYPE.items()  # type: ignore[call-overload]
}
_PLUGIN_KINDS = {
    "scalars": "scalar",
    "histograms": "histogram",
    "images": "image",
    "audio": "audio",
    "text": "text",
    "pr_curves": "pr_curve",
    "hparams": "hparams",
}
# Summary.Value fields
_TAG, _SIMPLE, _OLD_HISTO, _IMAGE, _HISTO, _AUDIO, _NODE_NAME, _TENSOR, _METADATA = 1, 2, 3, 4, 5, 6, 7, 8, 9
_LEGACY_KINDS = {_SIMPLE: "scalar", _HISTO: "histogram", _IMAGE: "image", _AUDIO: "audio"}


@dataclass(frozen=True)
class Metadata:
    """A value's ``SummaryMetadata``: which plugin reads it, and how it is labelled."""

    plugin_name: str = ""
    content: bytes = b""
    display_name: str = ""
    description: str = ""
    data_class: int = 0


@dataclass(frozen=True)
class Value:
    """One decoded ``Summary.Value``; ``kind`` and the form of ``value`` follow the tag's
    plugin (see the module docstring)."""

    tag: str
    kind: str  # one of KINDS
    value: Any
    metadata: Metadata | None = None
    plugin: str = ""  # the tag's plugin name in this file ("" if none, or a legacy value)


@dataclass(frozen=True)
class Event:
    """One event: a file version, a summary (``values``), a graph, or a session log."""

    wall_time: float
    step: int
    file_version: str | None = None
    values: tuple[Value, ...] = ()
    graph_def: bytes | None = None
    session_log_status: int | None = None
    run: str = "."


@dataclass(frozen=True)
class Datum:
    """One summary value with where and when it was logged (``read_values``)."""

    run: str
    tag: str
    step: int
    wall_time: float
    kind: str
    value: Any
    plugin: str = ""
    metadata: Metadata | None = None


@dataclass
class ScalarSeries:
    """One scalar tag of one run, in the order it was logged."""

    steps: np.ndarray  # int64
    values: np.ndarray  # float64 (float32 values convert exactly)
    wall_times: np.ndarray  # float64, seconds since the epoch

    def __len__(self) -> int:
        return int(self.steps.size)


@dataclass
class _FileState:
    """Plugin of each tag, from the first metadata seen in the file."""

    plugins: dict[str, str] = field(default_factory=dict)


# --- finding and walking files --------------------------------------------------------------


def _is_event_file(name: str) -> bool:
    return "tfevents" in name


def event_files(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Run name (relative directory, ``"."`` for the root) -> its event files, sorted.

    A file gives ``{".": [path]}``; a path that does not exist gives ``{}`` (TensorBoard
    waits for a log directory to appear, and so does this)."""
    path = os.fspath(path)
    if os.path.isfile(path):
        return {".": [path]}
    runs: dict[str, list[str]] = {}
    for directory, subdirs, files in os.walk(path):
        subdirs.sort()
        names = sorted(f for f in files if _is_event_file(f))
        if names:
            run = os.path.relpath(directory, path).replace(os.sep, "/")
            runs[run] = [os.path.join(directory, f) for f in names]
    return dict(sorted(runs.items()))


def _runs_of(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file or directory: {path!r}")
    return event_files(path)


def _selector(option: str | Collection[str] | None, name: str) -> Callable[[str], bool] | None:
    if option is None:
        return None
    if isinstance(option, str):
        return option.__eq__
    chosen = set(option)
    if not all(isinstance(item, str) for item in chosen):
        raise TypeError(f"{name} must be a string or a collection of strings")
    return chosen.__contains__


# --- public readers ------------------------------------------------------------------------------


def read_events(path: str | os.PathLike[str], *, allow_truncated: bool = True) -> Iterator[Event]:
    """Yields the events of an event file, or of every event file under a directory
    (runs in sorted order, each run's files in order); ``Event.run`` names the run.

    A torn last record ends its file quietly unless ``allow_truncated`` is false; a CRC
    mismatch raises ``CorruptRecordError`` before any event of that file is yielded."""
    for run, paths in _runs_of(path).items():
        for file_path in paths:
            yield from _read_file(file_path, run, allow_truncated=allow_truncated)


def read_values(
    path: str | os.PathLike[str],
    *,
    kind: str | Collection[str] | None = None,
    tag: str | Collection[str] | None = None,
    run: str | Collection[str] | None = None,
    allow_truncated: bool = True,
) -> Iterator[Datum]:
    """Yields every summary value under ``path`` as a ``Datum``, optionally only those of
    the given kinds, tags and runs (exact names). Values filtered out are not decoded."""
    if kind is not None:
        kinds = {kind} if isinstance(kind, str) else set(kind)
        unknown = kinds.difference(KINDS)
        if unknown:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {sorted(unknown)}")
    want_kind, want_tag = _selector(kind, "kind"), _selector(tag, "tag")
    want_run = _selector(run, "run")

    def want(tag_: str, kind_: str) -> bool:
        return (want_tag is None or want_tag(tag_)) and (want_kind is None or want_kind(kind_))

    for run_name, paths in _runs_of(path).items():
        if want_run is not None and not want_run(run_name):
            continue
        for file_path in paths:
            for event in _read_file(file_path, run_name, allow_truncated=allow_truncated, want=want):
                for value in event.values:
                    yield Datum(run_name, value.tag, event.step, event.wall_time, value.kind,
                                value.value, value.plugin, value.metadata)


def read_scalars(
    path: str | os.PathLike[str], *, by_run: bool | None = None
) -> dict[str, ScalarSeries] | dict[str, dict[str, ScalarSeries]]:
    """Every scalar series under ``path``, as numpy arrays.

    An event file, or a directory with event files directly in it (a run), gives
    ``{tag: ScalarSeries}`` of those files only (not of runs in subdirectories, such as
    the ones ``add_scalars`` makes). A directory with no event file directly in it (a
    log directory of runs) gives ``{run: {tag: ScalarSeries}}``. ``by_run=True`` always
    gives the nested form, with every run below ``path`` (``"."`` for ``path`` itself);
    ``by_run=False`` always the flat one. Runs without scalars are left out of the
    nested form."""
    runs = _runs_of(path)
    nested = by_run if by_run is not None else "." not in runs
    if not nested:
        runs = {".": runs.get(".", [])}
    collected: dict[str, dict[str, list[tuple[int, float, float]]]] = {}
    wanted = _selector("scalar", "kind")
    for run_name, paths in runs.items():
        tags = collected.setdefault(run_name, {})
        for file_path in paths:
            for event in _read_file(file_path, run_name, want=lambda t, k: wanted(k)):  # type: ignore[misc]
                for value in event.values:
                    tags.setdefault(value.tag, []).append((event.step, value.value, event.wall_time))
    result = {
        run_name: {tag: _series(points) for tag, points in tags.items()}
        for run_name, tags in collected.items()
        if tags or not nested
    }
    return result if nested else result["."]


def _series(points: list[tuple[int, float, float]]) -> ScalarSeries:
    steps, values, walls = zip(*points)
    return ScalarSeries(
        np.array(steps, dtype=np.int64),
        np.array(values, dtype=np.float64),
        np.array(walls, dtype=np.float64),
    )


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """A PCM WAV clip (8, 16 or 32 bits) as float32 samples ``[frames, channels]`` in
    [-1, 1] (16-bit: ``pcm / 32767``, the inverse of tfevents' ``add_audio``), and its
    sample rate."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    if width == 1:
        pcm = (np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128) / 127
    elif width == 2:
        pcm = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767
    elif width == 4:
        pcm = (np.frombuffer(frames, dtype="<i4").astype(np.float64) / 2147483647).astype(np.float32)
    else:
        raise ValueError(f"unsupported WAV sample width: {width} bytes")
    return pcm.reshape(-1, channels), rate


# --- one file -----------------------------------------------------------------------------------


def _read_file(
    path: str,
    run: str = ".",
    *,
    allow_truncated: bool = True,
    want: Callable[[str, str], bool] | None = None,
    decode: bool = True,
    salvage: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Event]:
    """The events of one file. ``want(tag, kind)`` drops values before decoding them;
    ``decode=False`` keeps every value with ``value=None`` (kinds and tags only);
    ``salvage=True`` yields the events before a corrupt record, then raises (as
    TensorBoard's Python loader reads up to it); ``progress(bytes)`` is told how far
    into the file the events yielded so far reach."""
    with open(path, "rb") as f:
        data = f.read()
    damage = None
    try:
        result = scan(data)
    except CorruptRecordError as exc:
        if not salvage:
            raise
        damage = exc
        result = scan(memoryview(data)[: exc.offset])
    state = _FileState()
    view = memoryview(data)
    offsets, lengths = result.offsets.tolist(), result.lengths.tolist()
    for index, (offset, length) in enumerate(zip(offsets, lengths)):
        yield _parse_event(bytes(view[offset : offset + length]), state, run=run, want=want, decode=decode)
        if progress is not None and index % 256 == 255:
            progress(offset + length + 4)
    if damage is not None:
        raise damage
    if progress is not None:
        progress(len(data))
    if result.truncated and not allow_truncated:
        raise TruncatedRecordError(f"{len(data) - result.end} bytes of a torn last record", result.end)


def _parse_event(
    data: bytes,
    state: _FileState,
    *,
    run: str = ".",
    want: Callable[[str, str], bool] | None = None,
    decode: bool = True,
    decode_images: bool = True,
) -> Event:
    fast = _parse_simple_scalar(data, state, run, want, decode)
    if fast is not None:
        return fast
    try:
        return _parse_event_fields(data, state, run, want, decode, decode_images)
    except (TypeError, AttributeError, IndexError, struct.error) as exc:
        # A field with the wrong wire type (bytes where a number belongs, or the reverse).
        raise DecodeError(f"malformed event: {exc}") from None


# The usual scalar event, as tfevents, torch and tensorboardX write it once a tag's
# metadata is out: wall_time (field 1), step (field 2, absent when 0), and a summary of one
# value with a tag and a simple_value, every length under 128 (one byte).
_SIMPLE_SCALAR_HEAD = re.compile(
    rb"\x09(.{8})(?:\x10([\x80-\xff]{0,9}[\x00-\x7f]))?\x2a(.)\x0a(.)\x0a(.)", re.DOTALL
)
_unpack_double = struct.Struct("<d").unpack
_unpack_float = struct.Struct("<f").unpack


def _parse_simple_scalar(
    data: bytes,
    state: _FileState,
    run: str,
    want: Callable[[str, str], bool] | None,
    decode: bool,
) -> Event | None:
    """The fast path for the usual scalar event (about 3x faster than the general
    parse); None for anything else, which the general parse then reads."""
    match = _SIMPLE_SCALAR_HEAD.match(data)
    if match is None:
        return None
    summary_len, value_len, tag_len = match.group(3)[0], match.group(4)[0], match.group(5)[0]
    start = match.end()
    end = start + tag_len
    if (
        tag_len >= 0x80
        or value_len != tag_len + 7  # 0a len tag 15 float
        or summary_len != value_len + 2
        or end + 5 != len(data)
        or data[end] != 0x15
    ):
        return None
    try:
        tag = data[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if want is not None and not want(tag, "scalar"):
        values: tuple[Value, ...] = ()
    else:
        value = _unpack_float(data[end + 1 :])[0] if decode else None
        values = (Value(tag, "scalar", value, None, state.plugins.get(tag, "")),)
    step_bytes = match.group(2)
    if step_bytes is None:
        step = 0
    elif len(step_bytes) == 1:
        step = step_bytes[0]
    else:
        step = as_int64(read_varint(step_bytes, 0)[0])
    return Event(_unpack_double(match.group(1))[0], step, None, values, None, None, run)


def _parse_event_fields(
    data: bytes,
    state: _FileState,
    run: str,
    want: Callable[[str, str], bool] | None,
    decode: bool,
    decode_images: bool,
) -> Event:
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
            graph_def = raw
        elif number == 5:
            parsed = (
                _parse_value(v, state, want, decode, decode_images)  # type: ignore[arg-type]
                for n, _, v in fields(raw)  # type: ignore[arg-type]
                if n == 1
            )
            values = tuple(v for v in parsed if v is not None)
        elif number == 7:
            status = next((v for n, _, v in fields(raw) if n == 1), 0)  # type: ignore[arg-type]
    return Event(wall_time, step, file_version, values, graph_def, status, run)  # type: ignore[arg-type]


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


def _parse_value(
    data: bytes,
    state: _FileState,
    want: Callable[[str, str], bool] | None = None,
    decode: bool = True,
    decode_images: bool = True,
) -> Value | None:
    tag = node_name = ""
    metadata = None
    payload_field, payload = 0, None
    for number, _, raw in fields(data):
        if number == _TAG:
            tag = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == _NODE_NAME:
            node_name = raw.decode("utf-8")  # type: ignore[union-attr]
        elif number == _METADATA:
            metadata = _parse_metadata(raw)  # type: ignore[arg-type]
        elif number in (_SIMPLE, _OLD_HISTO, _IMAGE, _HISTO, _AUDIO, _TENSOR):
            payload_field, payload = number, raw
    tag = tag or node_name  # the Python loader's rule for values without a tag
    if metadata is not None and tag not in state.plugins:
        state.plugins[tag] = metadata.plugin_name
    plugin = state.plugins.get(tag, "")
    if payload_field in _LEGACY_KINDS:
        kind = _LEGACY_KINDS[payload_field]
    elif plugin in _PLUGIN_KINDS:
        kind = _PLUGIN_KINDS[plugin]
    elif payload_field == _TENSOR:
        kind = "tensor"
    else:
        kind = "unknown"
    if want is not None and not want(tag, kind):
        return None
    value = _decode_payload(kind, payload_field, payload, metadata, decode_images) if decode else None
    return Value(tag, kind, value, metadata, plugin)


def _decode_payload(
    kind: str, field_number: int, payload: Any, metadata: Metadata | None, decode_images: bool = True
) -> Any:
    """The ``value`` of a ``Value``; ``decode_images=False`` leaves images encoded (bytes)."""
    image = _decode_image if decode_images else bytes
    if field_number == _SIMPLE:
        return as_float(payload)
    if field_number == _HISTO:
        return _histo_to_table(payload)
    if field_number == _IMAGE:
        encoded = next((v for n, _, v in fields(payload) if n == 4), b"")
        return [image(encoded)]  # type: ignore[arg-type]
    if field_number == _AUDIO:
        clip = np.empty((1, 2), dtype=object)
        clip[0, 0] = next((v for n, _, v in fields(payload) if n == 4), b"")
        clip[0, 1] = b""
        return clip
    if kind == "hparams":
        return metadata.content if metadata is not None else b""
    if field_number != _TENSOR:
        return None
    array = _parse_tensor(payload)
    if kind == "scalar":
        return float(array.reshape(-1)[0]) if array.size else float("nan")
    if kind == "text":
        return bytes(array.reshape(())[()]).decode("utf-8") if array.ndim == 0 else array
    if kind == "image":
        return [image(b) for b in array.reshape(-1)[2:]]
    return array


# --- tensors ------------------------------------------------------------------------------------

# TensorProto's repeated value fields: number -> (dtype of one element, wire form)
_FIXED_FIELDS = {5: "<f4", 6: "<f8", 9: "<f4", 12: "<f8"}  # float, double, scomplex, dcomplex
_VARINT_FIELDS = {7, 10, 11, 13, 16, 17}  # int, int64, bool, half, uint32, uint64
_DTYPE_FIELD = {
    messages.DT_FLOAT: 5, messages.DT_DOUBLE: 6, messages.DT_COMPLEX64: 9,
    messages.DT_COMPLEX128: 12, messages.DT_INT32: 7, messages.DT_INT16: 7, messages.DT_INT8: 7,
    messages.DT_UINT8: 7, messages.DT_UINT16: 7, messages.DT_INT64: 10, messages.DT_BOOL: 11,
    messages.DT_HALF: 13, messages.DT_BFLOAT16: 13, messages.DT_UINT32: 16, messages.DT_UINT64: 17,
}


def _packed_varints(raw: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(raw):
        value, pos = read_varint(raw, pos)
        out.append(value)
    return out


def _parse_tensor(data: bytes) -> np.ndarray:
    dtype_code, shape, content = 0, [], b""
    strings: list[bytes] = []
    fixed: dict[int, list[bytes]] = {}
    varints: dict[int, list[int]] = {}
    for number, wire_type, raw in fields(data):
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
        elif number in _FIXED_FIELDS:
            fixed.setdefault(number, []).append(raw)  # type: ignore[arg-type]
        elif number in _VARINT_FIELDS:
            collected = varints.setdefault(number, [])
            if wire_type == 2:
                collected.extend(_packed_varints(raw))  # type: ignore[arg-type]
            else:
                collected.append(raw)  # type: ignore[arg-type]
    size = int(np.prod(shape)) if shape else 1
    if dtype_code == messages.DT_STRING:
        array = np.empty(len(strings), dtype=object)
        array[:] = strings
        return array.reshape(shape) if size == len(strings) else array
    bfloat16 = dtype_code == messages.DT_BFLOAT16
    dtype: np.dtype[Any] | None = np.dtype(np.uint16) if bfloat16 else _DTYPE_TO_NUMPY.get(dtype_code)
    if dtype is None:
        return np.zeros(0, np.float32)
    values: np.ndarray
    if content:
        values = np.frombuffer(content, dtype=dtype.newbyteorder("<")).astype(dtype)
    else:
        number = _DTYPE_FIELD.get(dtype_code, 0)
        if number in _FIXED_FIELDS:
            values = np.frombuffer(b"".join(fixed.get(number, [])), dtype=_FIXED_FIELDS[number])
            if dtype.kind == "c":
                values = values[0::2] + 1j * values[1::2]
        else:
            ints = varints.get(number, [])
            if number in (7, 10):  # signed: negative numbers are 10-byte varints
                values = np.array([as_int64(v) for v in ints], dtype=np.int64)
            else:
                values = np.array(ints, dtype=np.uint64)
            if dtype_code in (messages.DT_HALF, messages.DT_BFLOAT16):
                values = values.astype(np.uint16)
                if not bfloat16:
                    values = values.view(np.float16)
        values = values.astype(dtype)
        if 0 < values.size < size:  # TensorFlow repeats the last value to fill the shape
            values = np.concatenate([values, np.full(size - values.size, values[-1], dtype=dtype)])
        elif values.size == 0 and size:
            values = np.zeros(size, dtype=dtype)
    if bfloat16:
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return np.asarray(values.reshape(shape) if values.size == size else values)


def _histo_to_table(data: bytes) -> np.ndarray:
    """A legacy ``HistogramProto`` as a ``[k, 3]`` table, by TensorBoard's own rule
    (``tensorboard.data_compat``): empty buckets at both ends dropped, ``min`` and
    ``max`` as the outer edges."""
    low = high = 0.0
    limits: list[float] = []
    counts: list[float] = []
    for number, wire_type, raw in fields(data):
        if number == 1:
            low = as_double(raw)  # type: ignore[arg-type]
        elif number == 2:
            high = as_double(raw)  # type: ignore[arg-type]
        elif number in (6, 7):
            target = limits if number == 6 else counts
            if wire_type == 2:
                target.extend(struct.unpack(f"<{len(raw) // 8}d", raw))  # type: ignore[arg-type]
            else:
                target.append(as_double(raw))  # type: ignore[arg-type]
    nonzero = [i for i, count in enumerate(counts) if count > 0]
    if not nonzero:
        return np.zeros((0, 3), dtype=np.float64)
    start, end = nonzero[0], nonzero[-1]
    inner = limits[start:end]
    table = np.array([[low, *inner], [*inner, high], counts[start : end + 1]], dtype=np.float64)
    return np.ascontiguousarray(table.T)


def _decode_image(encoded: bytes) -> np.ndarray:
    """PNG (or any format Pillow reads) to an array; an animated GIF to ``[T, H, W, C]``."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(encoded)) as img:
        if getattr(img, "n_frames", 1) > 1:
            has_alpha = "transparency" in img.info or img.mode in ("RGBA", "LA", "PA")
            mode = "RGBA" if has_alpha else "RGB"
            return np.stack([np.asarray(frame.convert(mode)) for frame in ImageSequence.Iterator(img)])
        if img.mode in ("P", "PA"):
            has_alpha = "transparency" in img.info or img.mode == "PA"
            return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
        if img.mode == "1":
            return np.asarray(img.convert("L"))
        return np.asarray(img)

