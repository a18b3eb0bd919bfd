"""Hostile and odd event files: the reader, the validator and the CLI raise or report
tfevents' own errors only, never allocate what a record merely claims, and go on.

The files are built by hand from TensorBoard's own protos (``tensorboard.compat.proto``)
and framed with an independent framer, so that no tfevents writer check stands in the way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

import tfevents
from _reliability_helpers import frame
from tfevents import reader
from tfevents.validate import validate_file

HEADER = event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString()


def event_file(directory: Any, *events: bytes, name: str = "events.out.tfevents.1.host") -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(str(directory), name)
    with open(path, "wb") as f:
        f.write(frame(HEADER) + b"".join(frame(e) for e in events))
    return path


def value_event(value: summary_pb2.Summary.Value, step: int = 1) -> bytes:
    return event_pb2.Event(wall_time=2.0, step=step, summary=summary_pb2.Summary(value=[value])).SerializeToString()


def tensor_event(tag: str, dims: list[int], dtype: int = types_pb2.DT_FLOAT, **fields: Any) -> bytes:
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])
    tensor = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, **fields)
    return value_event(summary_pb2.Summary.Value(tag=tag, tensor=tensor))


def peak_bytes(call: Callable[[], Any]) -> tuple[Any, int]:
    """``call()``'s result (or the exception it raised) and its peak traced allocation
    (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        try:
            result: Any = call()
        except Exception as exc:  # (returned: the caller asserts its type)
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfevents", *args], capture_output=True, text=True, timeout=120)


def read_all(path: str) -> list[Any]:
    return list(reader.read_values(path))


# --- a memory bomb ------------------------------------------------------------------------


@pytest.mark.parametrize("claimed", [1 << 29, 1 << 40])
def test_a_tensor_claiming_more_elements_than_it_holds(tmp_path: Any, claimed: int) -> None:
    """One float, shape [2**29] (or [2**40]): TensorFlow's compact form repeats the last
    value to fill the shape, which TensorBoard's reader does (4 GB). Refused, cheaply."""
    record = tensor_event("bomb", [claimed], float_val=[1.0])
    assert len(record) < 60
    path = event_file(tmp_path, record)

    report, peak = peak_bytes(lambda: validate_file(path))
    assert peak < 1 << 20, peak
    assert report.error is None and not report.ok
    assert len(report.unreadable) == 1
    line = report.unreadable[0]
    assert "record 1 at byte" in line and "'bomb'" in line and f"claims {claimed} elements" in line, line

    error, peak = peak_bytes(lambda: read_all(path))
    assert peak < 1 << 20, peak
    assert isinstance(error, tfevents.ValueDecodeError), error
    assert error.path == path and error.offset == len(frame(HEADER)) and error.tag == "bomb"
    assert path in str(error) and "Summary.Value.tensor" in str(error)

    result = cli("validate", str(tmp_path))
    assert result.returncode == 1, result
    assert "UNREADABLE" in result.stdout and "Traceback" not in result.stderr
    assert "1 unreadable value" in result.stdout
    result = cli("export", str(tmp_path), "-k", "all", "-f", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "skipped that record" in result.stderr


def test_filling_a_small_shape_still_works(tmp_path: Any) -> None:
    """TensorFlow's compact form for small constants is read as TensorFlow reads it."""
    path = event_file(tmp_path, tensor_event("fill", [2, 3], float_val=[1.0, 2.0]))
    (datum,) = read_all(path)
    np.testing.assert_array_equal(datum.value, [[1, 2, 2], [2, 2, 2]])
    assert validate_file(path).ok


def test_tensor_content_that_does_not_match_its_shape(tmp_path: Any) -> None:
    path = event_file(tmp_path, tensor_event("short", [1 << 30], tensor_content=b"\0" * 8))
    with pytest.raises(tfevents.ValueDecodeError, match=r"needs 4294967296 bytes, the record holds 8"):
        read_all(path)


def test_a_length_field_longer_than_the_record(tmp_path: Any) -> None:
    """A length-delimited field claiming 2**62 bytes inside a CRC-valid record."""
    record = b"\x09" + b"\0" * 8 + b"\x2a" + b"\xff" * 8 + b"\x3f" + b"x"
    path = event_file(tmp_path, record)
    report = validate_file(path)
    assert report.error is not None and "does not parse" in report.error, report
    with pytest.raises(tfevents.DecodeError, match="truncated length-delimited field") as info:
        read_all(path)
    assert info.value.path == path
    result = cli("validate", str(tmp_path))
    assert result.returncode == 1 and "CORRUPT" in result.stdout and "Traceback" not in result.stderr


# --- errors of other types than tfevents' own -----------------------------------------------


def test_a_broken_png(tmp_path: Any) -> None:
    image = summary_pb2.Summary.Image(height=2, width=2, colorspace=3, encoded_image_string=b"\x89PNG\r\n\x1a\nnot")
    path = event_file(tmp_path, value_event(summary_pb2.Summary.Value(tag="img", image=image)))
    with pytest.raises(tfevents.ValueDecodeError, match="not a readable image") as info:
        read_all(path)
    assert info.value.tag == "img"
    assert validate_file(path).ok  # TensorBoard serves the bytes as they are
    result = cli("export", str(tmp_path), "-k", "image", "-f", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr


def test_a_png_claiming_gigapixels_is_not_decoded(tmp_path: Any) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 9000, 9000, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
    image = summary_pb2.Summary.Image(height=9000, width=9000, colorspace=1, encoded_image_string=png)
    path = event_file(tmp_path, value_event(summary_pb2.Summary.Value(tag="big", image=image)))
    error, peak = peak_bytes(lambda: read_all(path))
    assert isinstance(error, tfevents.ValueDecodeError) and "9000 x 9000" in str(error), error
    assert peak < 4 << 20, peak


def test_negative_dims_read_as_a_flat_array(tmp_path: Any) -> None:
    """A negative dim (TensorFlow's "unknown") makes the shape unknown: the values are
    read flat, as TensorBoard reshapes ``-1``; the file is not corrupt."""
    content = np.arange(4, dtype="<f4").tobytes()
    path = event_file(tmp_path, tensor_event("neg", [-1], tensor_content=content),
                      tensor_event("neg2", [2, -3], tensor_content=content))
    data = read_all(path)
    assert [d.kind for d in data] == ["tensor", "tensor"]
    for datum in data:
        np.testing.assert_array_equal(datum.value, [0, 1, 2, 3])
    assert validate_file(path).ok
    assert cli("validate", str(tmp_path)).returncode == 0


def test_a_tag_that_is_not_utf8(tmp_path: Any) -> None:
    """A proto3 string must be UTF-8: TensorBoard's parsers refuse the event."""
    record = tensor_event("ABCD", [], tensor_content=b"\0\0\0\0").replace(b"ABCD", b"\xff\xfeAB")
    path = event_file(tmp_path, record)
    with pytest.raises(tfevents.DecodeError, match=r"Summary\.Value\.tag is not UTF-8") as info:
        read_all(path)
    assert not isinstance(info.value, UnicodeDecodeError)
    report = validate_file(path)
    assert report.error is not None and "not UTF-8" in report.error


def test_odd_length_bfloat16(tmp_path: Any) -> None:
    path = event_file(tmp_path, tensor_event("bf", [2], dtype=types_pb2.DT_BFLOAT16, tensor_content=b"\0\0\x80"))
    with pytest.raises(tfevents.ValueDecodeError, match="3 bytes is not a whole number of 2-byte bfloat16"):
        read_all(path)
    report = validate_file(path)
    assert report.error is None and len(report.unreadable) == 1


def test_a_histogram_whose_limits_and_counts_disagree(tmp_path: Any) -> None:
    histo = summary_pb2.HistogramProto(min=0, max=1, num=3, bucket_limit=[0.5, 1.0], bucket=[3.0])
    path = event_file(tmp_path, value_event(summary_pb2.Summary.Value(tag="h", histo=histo)))
    with pytest.raises(tfevents.ValueDecodeError, match="2 bucket_limit values for 1 buckets"):
        read_all(path)


def test_a_broken_wav_clip(tmp_path: Any) -> None:
    audio = summary_pb2.Summary.Audio(sample_rate=8000, encoded_audio_string=b"RIFF\x10\0\0\0WAVEjunk")
    path = event_file(tmp_path, value_event(summary_pb2.Summary.Value(tag="a", audio=audio)))
    (datum,) = read_all(path)  # audio stays encoded in read_values ...
    with pytest.raises(tfevents.DecodeError, match="not a PCM WAV clip"):
        reader.decode_wav(datum.value[0, 0])  # ... and decoding it says why it cannot


# --- one tag, two kinds ---------------------------------------------------------------------


def two_kinds_file(directory: Any) -> str:
    """Tag "x": two scalars, then two audio clips, in TensorBoard's tensor forms, each
    kind's first value with its metadata (as tensorboardX and older writers allow)."""
    from tensorboard.plugins.audio import metadata as audio_metadata
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.util import tensor_util

    from tfevents.codecs.wav import encode_wav

    clip = encode_wav(np.zeros((80, 1), np.float32), 8000)
    events = []
    for step, (kind, first) in enumerate([("s", True), ("s", False), ("a", True), ("a", False)]):
        if kind == "s":
            tensor = tensor_util.make_tensor_proto(np.float32(step * 0.5))
            meta = scalar_metadata.create_summary_metadata("", "") if first else None
        else:
            tensor = tensor_util.make_tensor_proto(np.array([[clip, b""]], dtype=object))
            meta = audio_metadata.create_summary_metadata("", "", 1) if first else None
        value = summary_pb2.Summary.Value(tag="x", tensor=tensor)
        if meta is not None:
            value.metadata.CopyFrom(meta)
        events.append(value_event(value, step))
    return event_file(directory, *events)


def test_a_tag_logged_as_two_kinds_reads_as_both(tmp_path: Any) -> None:
    path = two_kinds_file(tmp_path)
    data = read_all(path)
    assert [(d.kind, d.step) for d in data] == [("scalar", 0), ("scalar", 1), ("audio", 2), ("audio", 3)]
    assert [d.value for d in data[:2]] == [0.0, 0.5]
    assert data[2].value[0, 0][:4] == b"RIFF"
    report = validate_file(path)
    assert report.ok and report.notes == ("tag 'x' holds scalar and audio values; TensorBoard shows one kind per tag",)
    result = cli("validate", str(tmp_path))
    assert result.returncode == 0 and "NOTE" in result.stdout and "holds scalar and audio" in result.stdout
    result = cli("export", str(tmp_path), "-k", "all", "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    assert [line.split('"kind": ')[1][:7] for line in result.stdout.splitlines()] == [
        '"scalar', '"scalar', '"audio"', '"audio"']
    result = cli("inspect", str(tmp_path))
    assert result.returncode == 0 and " x " in result.stdout, result.stdout


def test_tensorboard_shows_the_first_kind_of_a_two_kind_tag(
    tmp_path: Any, tensorboard_factory: Any, load_fast: bool
) -> None:
    """What TensorBoard makes of the same file: the tag is a scalar series (its first
    metadata decides, for both loaders) and the audio plugin does not list it; the Rust
    data server drops the audio values, the Python loader's scalars route fails (HTTP
    500). Hence tfevents' writer refuses such a call (tests/test_tag_kinds.py)."""
    from tensorboard_server import HTTPStatusError

    two_kinds_file(tmp_path / "run")
    tb = tensorboard_factory(tmp_path, load_fast)
    scalar_tags = tb.wait_for_json("/data/plugin/scalars/tags", lambda t: "run" in t)
    assert "x" in scalar_tags["run"]
    audio_tags = tb.get_json("/data/plugin/audio/tags")
    assert "x" not in audio_tags.get("run", {})
    if load_fast:
        points = tb.get_json("/data/plugin/scalars/scalars", run="run", tag="x")
        assert [(p[1], p[2]) for p in points] == [(0, 0.0), (1, 0.5)]
    else:
        with pytest.raises(HTTPStatusError) as info:
            tb.get_json("/data/plugin/scalars/scalars", run="run", tag="x")
        assert info.value.status == 500
