"""tfevents.reader on files from tfevents, torch.utils.tensorboard and tensorboardX.

Every value is checked exactly: against what was logged where the writer keeps it
exactly, and otherwise against TensorBoard's own protobuf parse of the same record
(``RawEventFileLoader`` + ``event_pb2``, and ``tensor_util.make_ndarray``), or against
TensorBoard's own conversion of legacy values (``data_compat.migrate_value``).
"""

from __future__ import annotations

import io
import math
import os
import wave

import numpy as np
import pytest
from tensorboard import data_compat
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.util import tensor_util

import tfevents
from tfevents.reader import (
    KINDS,
    Datum,
    ScalarSeries,
    decode_wav,
    event_files,
    read_events,
    read_run_scalars,
    read_scalars,
    read_values,
)
from tfevents.records.framing import frame
from tfevents.records.reader import CorruptRecordError, TruncatedRecordError
from tfevents.wire.decoding import DecodeError

WALL = 1_700_000_000.25  # an exact float64: wall times are compared with ==
RNG = np.random.default_rng(7)
IMAGE_HWC = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
IMAGE_GRAY = RNG.integers(0, 256, (1, 4, 6), dtype=np.uint8)
PR_LABELS = np.array([1, 0, 1, 1, 0, 1])
PR_PREDICTIONS = np.array([0.9, 0.1, 0.4, 0.8, 0.6, 0.2])
HIST_VALUES = np.array([1.0, 2.0, 2.0, 5.0, -3.5, 0.25])


def only_file(directory: str) -> str:
    (path,) = event_files(directory)["."]
    return path


def raw_values(path: str) -> dict[str, list]:
    """TensorBoard's protobuf parse of every Summary.Value of a file, by tag, in order."""
    out: dict[str, list] = {}
    for record in RawEventFileLoader(path).Load():
        event = event_pb2.Event.FromString(record)
        for value in event.summary.value:
            out.setdefault(value.tag, []).append(value)
    return out


def by_tag(path: str) -> dict[str, list[Datum]]:
    out: dict[str, list[Datum]] = {}
    for datum in read_values(path):
        out.setdefault(datum.tag, []).append(datum)
    return out


# --- files written by tfevents ----------------------------------------------------------------


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every kind in TensorBoard's tensor forms, checked against TensorBoard's own decoding
    of them; the default forms (torch's) are read back in tests/test_legacy_forms.py."""
    logdir = str(tmp_path_factory.mktemp("tfevents_run"))
    with tfevents.SummaryWriter(logdir, legacy_forms=False) as w:
        for step, value in enumerate([0.1, -2.5, float("nan"), float("inf")]):
            w.add_scalar("loss", value, step, walltime=WALL + step)
        w.add_histogram("hist", HIST_VALUES, 3, bins=4, walltime=WALL)
        w.add_image("rgb", IMAGE_HWC, 4, dataformats="HWC", walltime=WALL)
        w.add_image("gray", IMAGE_GRAY, 4, walltime=WALL)
        w.add_images("batch", np.stack([IMAGE_HWC, IMAGE_HWC[::-1]]), 5, dataformats="NHWC")
        w.add_audio("clip", np.array([0.0, 0.5, -0.5, 1.0, -1.0]), 6, sample_rate=8000)
        w.add_text("note", "héllo *markdown*", 7)
        w.add_text("table", [["a", "b"], ["c", "d"]], 7)
        w.add_pr_curve("pr", PR_LABELS, PR_PREDICTIONS, 8, num_thresholds=5)
        w.add_tensor("ints", np.array([[-3, 0], [7, 2**40]], dtype=np.int64), 9)
        w.add_tensor("halves", np.array([0.5, -1.25, 65504], dtype=np.float16), 9)
        w.add_video("video", RNG.integers(0, 256, (1, 3, 3, 4, 6), dtype=np.uint8), 10, fps=5)
        graph = tfevents.Graph()
        graph.add_node("x", "Placeholder", output_shapes=[[None, 2]])
        w.add_graph(graph)
    return logdir


def test_tfevents_scalars_exact(ours: str) -> None:
    series = read_scalars(ours)["."]["loss"]
    assert series.steps.tolist() == [0, 1, 2, 3]
    assert series.steps.dtype == np.int64 and series.values.dtype == np.float64
    assert series.values[:2].tolist() == [float(np.float32(0.1)), -2.5]
    assert np.isnan(series.values[2]) and series.values[3] == np.inf
    assert series.wall_times.tolist() == [WALL, WALL + 1, WALL + 2, WALL + 3]
    assert len(series) == 4


def test_double_scalars_kept_exact(tmp_path) -> None:
    with tfevents.SummaryWriter(str(tmp_path)) as w, pytest.warns(RuntimeWarning):
        w.add_scalar("d", 1 / 3, 0, new_style=True, double_precision=True)
    assert read_run_scalars(str(tmp_path))["d"].values.tolist() == [1 / 3]
    (datum,) = read_values(str(tmp_path))
    assert datum.kind == "scalar" and datum.plugin == "scalars" and datum.value == 1 / 3


def test_tfevents_every_kind(ours: str) -> None:
    path = only_file(ours)
    got = by_tag(path)
    raw = raw_values(path)
    kinds = {tag: data[0].kind for tag, data in got.items()}
    assert kinds["hist"] == "histogram" and kinds["rgb"] == "image" and kinds["clip"] == "audio"
    assert kinds["note"] == "text" and kinds["pr"] == "pr_curve" and kinds["ints"] == "tensor"
    assert kinds["video"] == "image"
    assert got["hist"][0].plugin == "histograms" and got["ints"][0].plugin == "tensor"

    (hist,) = got["hist"]
    expected = tensor_util.make_ndarray(raw["hist"][0].tensor)
    assert hist.value.shape == (4, 3) and hist.value.dtype == expected.dtype
    assert np.array_equal(hist.value, expected)
    assert hist.value[:, 2].sum() == HIST_VALUES.size
    assert hist.value[0, 0] == HIST_VALUES.min() and hist.value[-1, 1] == HIST_VALUES.max()

    (rgb,) = got["rgb"]
    assert len(rgb.value) == 1 and np.array_equal(rgb.value[0], IMAGE_HWC)
    (gray,) = got["gray"]
    assert np.array_equal(gray.value[0], IMAGE_GRAY[0])  # a grayscale PNG: [H, W]
    (batch,) = got["batch"]
    assert len(batch.value) == 1 and batch.value[0].shape == (5, 14, 3)  # tiled into one grid
    assert np.array_equal(batch.value[0][:, :7], IMAGE_HWC)
    assert np.array_equal(batch.value[0][:, 7:], IMAGE_HWC[::-1])

    (clip,) = got["clip"]
    assert clip.value.shape == (1, 2) and clip.value[0, 1] == b""
    samples, rate = decode_wav(clip.value[0, 0])
    assert rate == 8000 and samples.shape == (5, 1)
    pcm = (np.array([0, 0.5, -0.5, 1, -1]) * 32767).astype(np.int16)  # truncated, as torch
    assert samples[:, 0].tolist() == (pcm / 32767).astype(np.float32).tolist()

    assert got["note"][0].value == "héllo *markdown*"
    assert got["table"][0].value.tolist() == [[b"a", b"b"], [b"c", b"d"]]

    (pr,) = got["pr"]
    assert pr.value.shape == (6, 5)
    assert np.array_equal(pr.value, tensor_util.make_ndarray(raw["pr"][0].tensor))
    assert pr.value[0, 0] == PR_LABELS.sum() and pr.value[1, 0] == (PR_LABELS == 0).sum()

    assert got["ints"][0].value.tolist() == [[-3, 0], [7, 2**40]]
    assert got["ints"][0].value.dtype == np.int64
    assert got["halves"][0].value.dtype == np.float16
    assert got["halves"][0].value.tolist() == [0.5, -1.25, 65504.0]

    (video,) = got["video"]
    assert video.value[0].shape == (3, 4, 6, 3)  # an animated GIF: [T, H, W, C]


def test_events_carry_run_graph_and_version(ours: str) -> None:
    events = list(read_events(ours))
    assert events[0].file_version == "brain.Event:2"
    assert all(e.run == "." for e in events)
    (graph,) = [e.graph_def for e in events if e.graph_def is not None]
    raw = [event_pb2.Event.FromString(r) for r in RawEventFileLoader(only_file(ours)).Load()]
    assert graph == next(e.graph_def for e in raw if e.graph_def)
    metadata = [v.metadata for e in events for v in e.values if v.tag == "loss"]
    assert metadata[0].plugin_name == "scalars" and metadata[1:] == [None] * 3


# --- files written by torch.utils.tensorboard and tensorboardX ----------------------------------


def write_with(module: str, logdir: str) -> None:
    if module == "torch":
        from torch.utils.tensorboard import SummaryWriter
    else:
        from tensorboardX import SummaryWriter
    writer = SummaryWriter(logdir)
    writer.add_scalar("s", 1.5, 3, walltime=WALL)
    writer.add_scalar("s", 0.1, 4, walltime=WALL + 1)
    writer.add_histogram("h", HIST_VALUES, 1, walltime=WALL)
    writer.add_image("img", IMAGE_HWC, 2, dataformats="HWC", walltime=WALL)
    writer.add_image("gray", IMAGE_GRAY, 2, walltime=WALL)
    writer.add_text("t", "hello", 6, walltime=WALL)
    writer.add_pr_curve("pr", PR_LABELS, PR_PREDICTIONS, 7, num_thresholds=5, walltime=WALL)
    writer.add_scalars("multi", {"a": 1.0, "b": 2.0}, 1, walltime=WALL)
    if module == "torch":  # tensorboardX's audio needs soundfile, not installed
        writer.add_audio("au", np.linspace(-1, 1, 100), 5, sample_rate=8000, walltime=WALL)
        writer.add_scalar("new", 1.25, 8, walltime=WALL, new_style=True)
    writer.close()


@pytest.fixture(scope="module", params=["torch", "tensorboardX"])
def theirs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    logdir = str(tmp_path_factory.mktemp(request.param))
    write_with(request.param, logdir)
    return request.param, logdir


def test_other_writers_scalars(theirs: tuple[str, str]) -> None:
    module, logdir = theirs
    flat = read_run_scalars(logdir)  # the run directory's own files (add_scalars' runs are below)
    assert flat["s"].steps.tolist() == [3, 4]
    assert flat["s"].values.tolist() == [1.5, float(np.float32(0.1))]
    assert flat["s"].wall_times.tolist() == [WALL, WALL + 1]
    if module == "torch":
        assert flat["new"].values.tolist() == [1.25]
    nested = read_scalars(logdir)
    sub = {"torch": ("multi_a", "multi_b"), "tensorboardX": ("multi/a", "multi/b")}[module]
    assert set(nested) == {".", *sub}
    assert [nested[run]["multi"].values.tolist() for run in sub] == [[1.0], [2.0]]
    assert nested["."]["s"].steps.tolist() == [3, 4]


def test_other_writers_values(theirs: tuple[str, str]) -> None:
    module, logdir = theirs
    path = only_file(logdir)
    got = by_tag(path)
    raw = raw_values(path)

    # legacy HistogramProto, converted as TensorBoard converts it
    (hist,) = got["h"]
    assert hist.kind == "histogram" and hist.plugin == ""
    migrated = tensor_util.make_ndarray(data_compat.migrate_value(raw["h"][0]).tensor)
    assert hist.value.shape == migrated.shape and hist.value.shape[1] == 3
    assert np.array_equal(hist.value.astype(np.float32), migrated)
    assert hist.value[:, 2].sum() == HIST_VALUES.size
    assert hist.value[0, 0] == HIST_VALUES.min() and hist.value[-1, 1] == HIST_VALUES.max()

    # legacy Summary.Image: the pixels logged (a grayscale image comes back as RGB)
    assert got["img"][0].kind == "image" and np.array_equal(got["img"][0].value[0], IMAGE_HWC)
    assert np.array_equal(got["gray"][0].value[0], np.repeat(IMAGE_GRAY[0][:, :, None], 3, axis=2))

    # text under "<tag>/text_summary", a [1] string tensor
    (text,) = got["t/text_summary"]
    assert text.kind == "text" and text.value.tolist() == [b"hello"]

    (pr,) = got["pr"]
    assert pr.kind == "pr_curve" and pr.value.shape == (6, 5)
    assert np.array_equal(pr.value, tensor_util.make_ndarray(raw["pr"][0].tensor))
    assert pr.value[0].tolist() == [4, 3, 2, 2, 0]  # true positives at thresholds 0, .25, .5, .75, 1

    if module == "torch":  # legacy Summary.Audio: the WAV clip, as written
        (au,) = got["au"]
        assert au.kind == "audio" and au.value.shape == (1, 2)
        assert au.value[0, 0] == raw["au"][0].audio.encoded_audio_string
        samples, rate = decode_wav(au.value[0, 0])
        assert rate == 8000 and samples.shape == (100, 1)
        assert np.abs(samples[:, 0] - np.linspace(-1, 1, 100)).max() <= 1 / 32767


def test_other_writers_hparams_runs(tmp_path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1}, {"hp/acc": 0.5})
    runs = event_files(str(tmp_path))
    (session,) = [run for run in runs if run != "."]
    data = list(read_values(str(tmp_path), run=session))
    hparams = [d for d in data if d.kind == "hparams"]
    assert [d.tag for d in hparams] == ["_hparams_/experiment", "_hparams_/session_start_info",
                                        "_hparams_/session_end_info"]
    raw = raw_values(runs[session][0])
    assert [d.value for d in hparams] == [raw[d.tag][0].metadata.plugin_data.content for d in hparams]
    assert [(d.tag, d.value) for d in data if d.kind == "scalar"] == [("hp/acc", 0.5)]
    assert read_scalars(str(tmp_path))[session]["hp/acc"].values.tolist() == [0.5]


# --- paths, runs, filters -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("logdir"))
    for run, offset in (("a", 0.0), ("b/deep", 10.0)):
        with tfevents.SummaryWriter(os.path.join(root, run)) as w:
            for step in range(3):
                w.add_scalar("x", offset + step, step, walltime=WALL + step)
            w.add_text("t", f"run {run}", 0)
            w.add_image("img", IMAGE_HWC, 0, dataformats="HWC")
    return root


def test_runs_named_as_tensorboard_names_them(logdir: str) -> None:
    runs = event_files(logdir)
    assert list(runs) == ["a", "b/deep"]
    assert event_files(runs["a"][0]) == {".": runs["a"]}
    assert event_files(os.path.join(logdir, "missing")) == {}
    assert [e.run for e in read_events(logdir) if e.values] == ["a"] * 5 + ["b/deep"] * 5


def test_read_scalars_forms(logdir: str) -> None:
    nested = read_scalars(logdir)  # always {run: {tag: series}}, whatever the path holds
    assert set(nested) == {"a", "b/deep"}
    assert nested["b/deep"]["x"].values.tolist() == [10.0, 11.0, 12.0]
    assert set(read_scalars(os.path.join(logdir, "a"))) == {"."}
    flat = read_run_scalars(os.path.join(logdir, "a"))
    assert set(flat) == {"x"} and isinstance(flat["x"], ScalarSeries)
    assert read_run_scalars(logdir) == {}  # no file directly in the log directory
    one_file = event_files(logdir)["a"][0]
    assert read_scalars(one_file)["."]["x"].wall_times.tolist() == [WALL, WALL + 1, WALL + 2]
    assert list(read_scalars(logdir, run="b/deep")) == ["b/deep"]
    assert read_scalars(logdir, run=["a"], tag="nope") == {}
    with pytest.raises(TypeError, match="run must be"):
        read_scalars(logdir, run=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers must be"):
        read_scalars(logdir, workers=0)


def test_read_scalars_workers(logdir: str) -> None:
    """Runs read in two processes give what one process gives."""
    one, two = read_scalars(logdir), read_scalars(logdir, workers=2)
    assert list(one) == list(two) == ["a", "b/deep"]
    for run in one:
        for tag, series in one[run].items():
            assert series.steps.tolist() == two[run][tag].steps.tolist()
            assert series.values.tolist() == two[run][tag].values.tolist()
            assert series.wall_times.tolist() == two[run][tag].wall_times.tolist()


def test_read_scalars_is_always_by_run(logdir: str) -> None:
    run_dir = os.path.join(logdir, "a")
    assert read_scalars(run_dir)["."]["x"].steps.tolist() == [0, 1, 2]  # the directory is run "."
    with pytest.raises(KeyError):
        read_scalars(run_dir)["x"]
    with pytest.raises(TypeError, match="by_run"):
        read_scalars(run_dir, by_run=False)  # type: ignore[call-arg]


def test_read_values_filters(logdir: str) -> None:
    texts = list(read_values(logdir, kind="text"))
    # add_text's default form (torch's): a one-cell table under t/text_summary
    assert [(d.run, d.tag, d.value.tolist()) for d in texts] == [
        ("a", "t/text_summary", [b"run a"]), ("b/deep", "t/text_summary", [b"run b/deep"])]
    xs = list(read_values(logdir, tag="x", run="b/deep"))
    assert [(d.step, d.value, d.wall_time) for d in xs] == [(s, 10.0 + s, WALL + s) for s in range(3)]
    both = list(read_values(logdir, kind={"image", "text"}, run=["a"]))
    assert sorted(d.kind for d in both) == ["image", "text"]
    assert np.array_equal(next(d for d in both if d.kind == "image").value[0], IMAGE_HWC)
    with pytest.raises(ValueError, match="kind must be one of"):
        list(read_values(logdir, kind="scalars"))
    assert "scalar" in KINDS


def test_missing_path_raises(tmp_path) -> None:
    for reader in (read_events, read_values, read_scalars, read_run_scalars):
        with pytest.raises(FileNotFoundError):
            result = reader(str(tmp_path / "nope"))
            list(result) if not isinstance(result, dict) else None


# --- damage ------------------------------------------------------------------------------------------


def test_corrupt_and_truncated_files(tmp_path) -> None:
    with tfevents.SummaryWriter(str(tmp_path)) as w:
        for step in range(4):
            w.add_scalar("x", float(step), step)
    path = only_file(str(tmp_path))
    with open(path, "rb") as f:
        data = f.read()

    torn = str(tmp_path / "torn" / "events.out.tfevents.torn")
    os.makedirs(os.path.dirname(torn))
    with open(torn, "wb") as f:
        f.write(data[:-7])
    assert read_run_scalars(torn)["x"].values.tolist() == [0.0, 1.0, 2.0]  # the torn last record ends it
    with pytest.raises(TruncatedRecordError):
        list(read_events(torn, allow_truncated=False))

    bad = bytearray(data)
    bad[-6] ^= 0xFF  # inside the last record's payload: its data CRC no longer matches
    corrupt = str(tmp_path / "corrupt" / "events.out.tfevents.corrupt")
    os.makedirs(os.path.dirname(corrupt))
    with open(corrupt, "wb") as f:
        f.write(bytes(bad))
    with pytest.raises(CorruptRecordError):
        list(read_events(corrupt))

    garbage = str(tmp_path / "garbage" / "events.out.tfevents.garbage")
    os.makedirs(os.path.dirname(garbage))
    with open(garbage, "wb") as f:  # a well-framed record that is not an Event: wire type 7
        f.write(frame(b"\x0f\x00"))
    with pytest.raises(DecodeError):
        list(read_events(garbage))


# --- tensors of every dtype, both encodings --------------------------------------------------------


TENSORS = [
    np.array([[1.5, -2.0], [np.inf, 0.1]], dtype=np.float32),
    np.array([1e300, -0.0], dtype=np.float64),
    np.array([-2**31, 2**31 - 1, 0], dtype=np.int32),
    np.array([-128, 127], dtype=np.int8),
    np.array([-32768, 5], dtype=np.int16),
    np.array([0, 255], dtype=np.uint8),
    np.array([65535, 1], dtype=np.uint16),
    np.array([-2**63, 2**63 - 1], dtype=np.int64),
    np.array([2**32 - 1], dtype=np.uint32),
    np.array([2**64 - 1], dtype=np.uint64),
    np.array([True, False, True]),
    np.array([0.5, -65504, np.inf], dtype=np.float16),
    np.array([1 + 2j, -3.5j], dtype=np.complex64),
    np.array([1e-300 + 2j], dtype=np.complex128),
    np.array(7.25, dtype=np.float32),  # rank 0
]


def tensor_value_event(tensor: tensor_pb2.TensorProto) -> bytes:
    event = event_pb2.Event(wall_time=WALL, step=1)
    value = event.summary.value.add(tag="t", tensor=tensor)
    value.metadata.plugin_data.plugin_name = "tensor"
    return event.SerializeToString()


def write_records(path: str, records: list[bytes]) -> None:
    version = event_pb2.Event(wall_time=WALL, file_version="brain.Event:2").SerializeToString()
    with open(path, "wb") as f:
        f.write(b"".join(frame(r) for r in [version, *records]))


def repeated_form(array: np.ndarray) -> tensor_pb2.TensorProto:
    """The TensorProto with the values in the typed repeated field (TensorFlow's form for
    small tensors), not in tensor_content."""
    proto = tensor_pb2.TensorProto(
        dtype=types_pb2.DataType.Value("DT_" + {
            "float32": "FLOAT", "float64": "DOUBLE", "int32": "INT32", "int8": "INT8",
            "int16": "INT16", "uint8": "UINT8", "uint16": "UINT16", "int64": "INT64",
            "uint32": "UINT32", "uint64": "UINT64", "bool": "BOOL", "float16": "HALF",
            "complex64": "COMPLEX64", "complex128": "COMPLEX128",
        }[array.dtype.name]),
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=n) for n in array.shape]
        ),
    )
    flat = array.reshape(-1)
    field = {
        "float32": "float_val", "float64": "double_val", "int32": "int_val", "int8": "int_val",
        "int16": "int_val", "uint8": "int_val", "uint16": "int_val", "int64": "int64_val",
        "uint32": "uint32_val", "uint64": "uint64_val", "bool": "bool_val",
    }.get(array.dtype.name)
    if field:
        getattr(proto, field).extend(flat.tolist())
    elif array.dtype == np.float16:
        proto.half_val.extend(flat.view(np.uint16).tolist())
    else:
        pairs = np.stack([flat.real, flat.imag], axis=1).reshape(-1).tolist()
        (proto.scomplex_val if array.dtype == np.complex64 else proto.dcomplex_val).extend(pairs)
    return proto


def test_tensor_dtypes_both_encodings(tmp_path) -> None:
    records = []
    for array in TENSORS:
        records.append(tensor_value_event(tensor_util.make_tensor_proto(array)))  # tensor_content
        records.append(tensor_value_event(repeated_form(array)))
    # a shorter repeated field fills the shape with its last value (TensorFlow's rule)
    filled = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_INT32,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=4)]),
        int_val=[-5, 9],
    )
    records.append(tensor_value_event(filled))
    bf16 = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_BFLOAT16,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=2)]),
        half_val=[0x3FC0, 0xC120],  # 1.5, -10.0
    )
    records.append(tensor_value_event(bf16))
    path = str(tmp_path / "events.out.tfevents.dtypes")
    write_records(path, records)
    got = [d.value for d in read_values(path)]
    assert len(got) == 2 * len(TENSORS) + 2
    for i, array in enumerate(TENSORS):
        for form, value in zip(("tensor_content", "repeated"), got[2 * i : 2 * i + 2]):
            assert value.dtype == array.dtype, (array.dtype, form)
            assert value.shape == array.shape, (array.dtype, form)
            assert np.array_equal(value, array), (array.dtype, form, value)
            if array.dtype not in (np.uint32, np.uint64):  # TensorBoard's own parser lacks these
                assert np.array_equal(value, tensor_util.make_ndarray(repeated_form(array))), form
    assert got[-2].tolist() == [-5, 9, 9, 9]
    assert got[-1].dtype == np.float32 and got[-1].tolist() == [1.5, -10.0]


def test_decode_wav_widths() -> None:
    for width, dtype, scale, offset in ((1, np.uint8, 127, 128), (2, "<i2", 32767, 0), (4, "<i4", 2147483647, 0)):
        pcm = np.array([[offset, offset], [offset + scale, offset - scale]], dtype=dtype)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(width)
            wav.setframerate(22050)
            wav.writeframes(pcm.tobytes())
        samples, rate = decode_wav(buffer.getvalue())
        assert rate == 22050 and samples.dtype == np.float32
        assert samples.tolist() == [[0.0, 0.0], [1.0, -1.0]], width


def test_scalar_fast_path_agrees_with_the_general_parse() -> None:
    from tfevents.reader.decoding import parse_event_fields, parse_simple_scalar
    from tfevents.reader.types import FileState

    cases = []
    for step in (0, 1, 127, 128, 300, -1, -(2**40), 2**62):
        for tag in ("x", "loss/train", "é✓🚀", "t" * 118, "t" * 119, "t" * 200):
            for value in (0.1, float("nan"), -float("inf")):
                event = event_pb2.Event(wall_time=WALL + step, step=step)
                event.summary.value.add(tag=tag, simple_value=value)
                cases.append(event.SerializeToString())
    with_metadata = event_pb2.Event(wall_time=WALL, step=3)
    value = with_metadata.summary.value.add(tag="m", simple_value=1.0)
    value.metadata.plugin_data.plugin_name = "scalars"
    cases.append(with_metadata.SerializeToString())
    fast_count = 0
    for data in cases:
        state = FileState()
        general = parse_event_fields(data, FileState(), ".", None, True, True)
        fast = parse_simple_scalar(data, state, ".", None, True)
        if fast is None:
            continue
        fast_count += 1
        assert (fast.wall_time, fast.step, fast.run) == (general.wall_time, general.step, general.run)
        ((f,), (g,)) = (fast.values, general.values)
        assert (f.tag, f.kind, f.plugin, f.metadata) == (g.tag, g.kind, g.plugin, g.metadata)
        assert f.value == g.value or (math.isnan(f.value) and math.isnan(g.value))
    # tags of up to 118 bytes keep every length in one byte: the fast path reads those
    assert fast_count == 8 * 4 * 3
