"""SummaryWriter's public API: what each call writes, read back exactly.

Everything is checked through tfevents' own reader and, for what lands in the file,
through TensorBoard's Python loader (``EventFileLoader``) or TensorBoard's protobuf
classes over the raw records; ``validate_logdir`` must find no damage in any file.
"""

from __future__ import annotations

import bisect
import io
import itertools
import math
import os
import re
import socket
import time
import types
import warnings
from datetime import datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_file_loader import (
    EventFileLoader,
    RawEventFileLoader,
)
from tensorboard.compat.proto import event_pb2, graph_pb2, summary_pb2, types_pb2
from tensorboard.plugins.pr_curve import plugin_data_pb2
from tensorboard.util import tensor_util

import tfevents
from _reliability_helpers import assert_valid, files_in
from tfevents.reader import event_files, read_events, read_run_scalars
from tfevents.sinks import naming as event_file_module

torch = pytest.importorskip("torch")

SummaryWriter = tfevents.SummaryWriter
HOST = socket.gethostname()
FILE_NAME = re.compile(
    r"^events\.out\.tfevents\.(\d{10})\." + re.escape(HOST) + r"\.(\d+)\.(\d+)(.*)$"
)


# --- helpers ------------------------------------------------------------------------------


def only_file(logdir) -> str:
    files = files_in(logdir)
    assert len(files) == 1, files
    return files[0]


def tb_events(path: str) -> list[event_pb2.Event]:
    """TensorBoard's Python loader, with its read-time compat layers."""
    return list(EventFileLoader(path).Load())


def raw_events(path: str) -> list[event_pb2.Event]:
    """TensorBoard's protobuf parse of every record, without compat rewriting."""
    return [event_pb2.Event.FromString(r) for r in RawEventFileLoader(path).Load()]


def tb_values(path: str, tag: str) -> list[tuple[int, float, summary_pb2.Summary.Value]]:
    out = []
    for event in tb_events(path):
        for value in event.summary.value:
            if value.tag == tag:
                out.append((event.step, event.wall_time, value))
    return out


def our_values(path: str, tag: str):
    out = []
    for event in read_events(path):
        for value in event.values:
            if value.tag == tag:
                out.append((event.step, event.wall_time, value))
    return out


def decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img)


def tb_image(path: str, tag: str, index: int = 0) -> np.ndarray:
    value = tb_values(path, tag)[index][2]
    strings = list(value.tensor.string_val)
    assert len(strings) == 3
    pixels = decode_png(strings[2])
    assert int(strings[0]) == pixels.shape[1]  # width
    assert int(strings[1]) == pixels.shape[0]  # height
    return pixels


def our_image(path: str, tag: str, index: int = 0) -> np.ndarray:
    value = our_values(path, tag)[index][2]
    assert value.kind == "image"
    assert len(value.value) == 1
    return value.value[0]


def log_one_image(tmp_path, name, call):
    logdir = tmp_path / name
    with SummaryWriter(logdir) as w:
        call(w)
    assert_valid(logdir)
    path = only_file(logdir)
    ours, theirs = our_image(path, "img"), tb_image(path, "img")
    np.testing.assert_array_equal(ours, theirs)
    return ours


# --- constructor --------------------------------------------------------------------------


def _stamps_between(before: datetime, after: datetime) -> set[str]:
    stamps = set()
    t = before.replace(microsecond=0)
    while t <= after:
        stamps.add(t.strftime("%b%d_%H-%M-%S"))
        t += timedelta(seconds=1)
    return stamps


@pytest.mark.parametrize("comment", ["", "_lr0.1", " with space"])
def test_default_log_dir(tmp_path, monkeypatch, comment):
    monkeypatch.chdir(tmp_path)
    before = datetime.now()
    w = SummaryWriter(comment=comment)
    after = datetime.now()
    w.add_scalar("x", 1.0)
    w.close()
    logdir = w.get_logdir()
    head, name = os.path.split(logdir)
    assert head == "runs"
    assert name.endswith("_" + HOST + comment)
    stamp = name[: -len("_" + HOST + comment)]
    assert re.fullmatch(r"[A-Za-z]{3}\d{2}_\d{2}-\d{2}-\d{2}", stamp), stamp
    assert stamp in _stamps_between(before, after)
    assert os.path.isdir(tmp_path / "runs" / name)
    assert read_run_scalars(str(tmp_path / logdir))["x"].values.tolist() == [1.0]
    assert_valid(tmp_path / logdir)


def test_comment_ignored_with_log_dir(tmp_path):
    w = SummaryWriter(str(tmp_path / "run"), comment="_ignored")
    w.close()
    assert w.get_logdir() == str(tmp_path / "run")
    assert os.listdir(tmp_path) == ["run"]


def test_logdir_alias_and_pathlike(tmp_path):
    w1 = SummaryWriter(logdir=str(tmp_path / "a"))
    w2 = SummaryWriter(tmp_path / "b")  # os.PathLike
    w3 = SummaryWriter(log_dir=str(tmp_path / "c"))
    for w, name in ((w1, "a"), (w2, "b"), (w3, "c")):
        assert w.get_logdir() == str(tmp_path / name)
        assert w.logdir == str(tmp_path / name)
        assert w.log_dir == str(tmp_path / name)
        w.add_scalar("s", 2.0, 1)
        w.close()
        assert read_run_scalars(str(tmp_path / name))["s"].values.tolist() == [2.0]
        assert_valid(tmp_path / name)


def test_log_dir_and_logdir_together_is_an_error(tmp_path):
    with pytest.raises(TypeError, match="logdir"):
        SummaryWriter(str(tmp_path / "a"), logdir=str(tmp_path / "b"))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("suffix", ["", ".v2", "_worker-3", ".profile-empty"])
def test_file_name_pattern_and_suffix(tmp_path, suffix):
    before = int(time.time())
    with SummaryWriter(tmp_path, filename_suffix=suffix) as w:
        w.add_scalar("x", 1.0)
    after = int(time.time())
    path = only_file(tmp_path)
    assert w.event_file_path == path
    name = os.path.basename(path)
    match = FILE_NAME.match(name)
    assert match, name
    assert before <= int(match.group(1)) <= after
    assert int(match.group(2)) == os.getpid()
    assert match.group(4) == suffix
    assert name.endswith(suffix)
    assert_valid(tmp_path)


def test_two_writers_same_second_get_different_files(tmp_path, monkeypatch):
    # Freeze the file-name clock so that both files are named in the same second.
    monkeypatch.setattr(
        event_file_module, "time", types.SimpleNamespace(time=lambda: 1700000000.5)
    )
    w1 = SummaryWriter(tmp_path)
    w2 = SummaryWriter(tmp_path)
    w1.add_scalar("one", 1.0, 1)
    w2.add_scalar("two", 2.0, 2)
    w1.close()
    w2.close()
    files = files_in(tmp_path)
    assert len(files) == 2
    assert w1.event_file_path != w2.event_file_path
    for f in files:
        assert FILE_NAME.match(os.path.basename(f)).group(1) == "1700000000"
    assert read_run_scalars(w1.event_file_path).keys() == {"one"}
    assert read_run_scalars(w2.event_file_path).keys() == {"two"}
    assert_valid(tmp_path)


def test_first_record_is_file_version(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("x", 1.0)
    path = only_file(tmp_path)
    ours = list(read_events(path))
    assert ours[0].file_version == "brain.Event:2"
    assert all(e.file_version is None for e in ours[1:])
    theirs = raw_events(path)
    assert theirs[0].file_version == "brain.Event:2"
    assert theirs[0].wall_time > 0
    assert_valid(tmp_path)


@pytest.mark.parametrize("purge_step", [0, 7, 2**40, np.int64(12)])
def test_purge_step_session_log(tmp_path, purge_step):
    with SummaryWriter(tmp_path, purge_step=purge_step) as w:
        w.add_scalar("x", 1.0, int(purge_step) + 1)
    path = only_file(tmp_path)
    theirs = raw_events(path)
    assert theirs[0].file_version == "brain.Event:2"
    assert theirs[1].HasField("session_log")
    assert theirs[1].session_log.status == event_pb2.SessionLog.START
    assert theirs[1].step == int(purge_step)
    assert not theirs[1].HasField("summary")
    ours = list(read_events(path))
    assert ours[1].session_log_status == 1 and ours[1].step == int(purge_step)
    assert sum(e.session_log_status is not None for e in ours) == 1
    assert_valid(tmp_path)


def test_no_purge_step_no_session_log(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("x", 1.0, 3)
    assert not any(e.HasField("session_log") for e in raw_events(only_file(tmp_path)))


# --- add_scalar ---------------------------------------------------------------------------


SCALAR_CASES = [
    (1.5, 1.5),
    (0.1, float(np.float32(0.1))),
    (1 / 3, float(np.float32(1 / 3))),
    (-2.0, -2.0),
    (0.0, 0.0),
    (3, 3.0),
    (2**24 + 1, float(np.float32(2**24 + 1))),
    (-7, -7.0),
    (True, 1.0),
    (np.float32(0.3), float(np.float32(0.3))),
    (np.float64(0.7), float(np.float32(0.7))),
    (np.float16(1.5), 1.5),
    (np.int64(42), 42.0),
    (np.int8(-3), -3.0),
    (np.uint64(2**63), float(np.float32(2**63))),
    (np.array(2.5), 2.5),
    (np.array([4.25]), 4.25),
    (np.array([[5]], dtype=np.int32), 5.0),
    ([6.5], 6.5),
    (torch.tensor(1.25), 1.25),
    (torch.tensor([7.0]), 7.0),
    (torch.tensor(3.0, requires_grad=True) * 2, 6.0),
    (torch.tensor(9, dtype=torch.int64), 9.0),
    (torch.tensor(0.1, dtype=torch.float64), float(np.float32(0.1))),
    (torch.tensor(1.5, dtype=torch.bfloat16), 1.5),
    (torch.tensor(2.5, dtype=torch.float16), 2.5),
    (1e40, float("inf")),  # beyond float32: rounds to infinity
    (float("inf"), float("inf")),
    (float("-inf"), float("-inf")),
]


def test_add_scalar_values_read_back_exactly(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i, (value, _) in enumerate(SCALAR_CASES):
            w.add_scalar("v", value, i)
        w.add_scalar("nan", float("nan"), 0)
        w.add_scalar("nan", np.float32("nan"), 1)
    path = only_file(tmp_path)
    expected = [e for _, e in SCALAR_CASES]
    series = read_run_scalars(path)
    assert series["v"].steps.tolist() == list(range(len(SCALAR_CASES)))
    assert series["v"].values.tolist() == expected
    assert np.isnan(series["nan"].values).all() and len(series["nan"].values) == 2
    theirs = tb_values(path, "v")
    assert [s for s, _, _ in theirs] == list(range(len(SCALAR_CASES)))
    assert [float(tensor_util.make_ndarray(v.tensor)) for _, _, v in theirs] == expected
    assert_valid(tmp_path)


def test_add_scalar_value_is_taken_at_call_time(tmp_path):
    # Tensors may be kept for a batched host copy, but in-place updates after the call
    # must not change what was logged.
    t = torch.tensor(1.0)
    p = torch.nn.Parameter(torch.tensor([5.0]))
    a = np.array([7.0])
    with SummaryWriter(tmp_path, flush_secs=1e6, max_queue=10**6) as w:
        w.add_scalar("t", t, 0)
        t += 1
        w.add_scalar("t", t, 1)
        t.mul_(10)
        w.add_scalar("p", p, 0)
        with torch.no_grad():
            p.add_(1)
        w.add_scalar("a", a, 0)
        a[0] = -1
    series = read_run_scalars(only_file(tmp_path))
    assert series["t"].values.tolist() == [1.0, 2.0]
    assert series["p"].values.tolist() == [5.0]
    assert series["a"].values.tolist() == [7.0]


def test_add_scalar_emits_no_numpy_warnings(tmp_path):
    # Out-of-float32-range values become ±inf quietly, whatever else is in the batch.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with SummaryWriter(tmp_path, flush_secs=1e6, max_queue=10**6) as w:
            w.add_scalar("x", torch.tensor(1.5, dtype=torch.bfloat16), 0)
            w.add_scalar("x", 1e40, 1)
            w.add_scalar("x", -1e300, 2)
            w.add_scalar("x", torch.tensor(2.0), 3)
    assert [str(c.message) for c in caught] == []
    assert read_run_scalars(only_file(tmp_path))["x"].values.tolist() == [
        1.5, float("inf"), float("-inf"), 2.0
    ]


STEP_CASES = [
    (None, 0),
    (0, 0),
    (1, 1),
    (-1, -1),
    (-5, -5),
    (127, 127),
    (128, 128),
    (2**31, 2**31),
    (2**63 - 1, 2**63 - 1),
    (-(2**63), -(2**63)),
    (np.int64(17), 17),
    (np.int32(-17), -17),
    (np.uint8(200), 200),
    (np.uint64(2**63 - 1), 2**63 - 1),
    (3.0, 3),
    (np.float64(4.0), 4),
    (np.float32(5.0), 5),
    (-6.0, -6),
    (torch.tensor(8), 8),
    (np.array(9), 9),
]


def test_add_scalar_steps(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i, (step, _) in enumerate(STEP_CASES):
            w.add_scalar(f"s{i}", float(i), step)
    path = only_file(tmp_path)
    series = read_run_scalars(path)
    theirs = {v.tag: e.step for e in tb_events(path) for v in e.summary.value}
    raw = {v.tag: e.step for e in raw_events(path) for v in e.summary.value}
    for i, (_, expected) in enumerate(STEP_CASES):
        assert series[f"s{i}"].steps.tolist() == [expected]
        assert series[f"s{i}"].values.tolist() == [float(i)]
        assert theirs[f"s{i}"] == expected
        assert raw[f"s{i}"] == expected
    assert_valid(tmp_path)


def test_add_scalar_every_step_width_in_one_batch(tmp_path):
    steps = [0, 1, 127, 128, 2**14 - 1, 2**14, 2**21, 2**28, 2**35, 2**42, 2**49, 2**56,
             2**62, 2**63 - 1, -1, -(2**63), 5, 0, 300]
    tags = ["a", "損失/train", "emoji 🚀", "t" * 200, "long/" + "x" * 20000]
    with SummaryWriter(tmp_path, flush_secs=1e6, max_queue=10**6) as w:
        for i, step in enumerate(steps):
            for k, tag in enumerate(tags):
                w.add_scalar(tag, float(i * 10 + k), step)
    path = only_file(tmp_path)
    series = read_run_scalars(path)
    raw = [(v.tag, e.step, v.simple_value) for e in raw_events(path) for v in e.summary.value]
    assert len(raw) == len(steps) * len(tags)
    for k, tag in enumerate(tags):
        assert series[tag].steps.tolist() == steps
        assert series[tag].values.tolist() == [float(i * 10 + k) for i in range(len(steps))]
        assert [(s, v) for t, s, v in raw if t == tag] == [
            (step, float(i * 10 + k)) for i, step in enumerate(steps)
        ]
    assert_valid(tmp_path)


def test_add_scalar_walltime_verbatim(tmp_path):
    walltimes = [
        1234.5678,
        1700000000.123456789,
        0.0,
        1,
        np.float64(1600000000.25),
        np.float32(1.5),
        torch.tensor(1650000000.75, dtype=torch.float64),
    ]
    with SummaryWriter(tmp_path) as w:
        for i, wt in enumerate(walltimes):
            w.add_scalar("w", float(i), i, walltime=wt)
        before = time.time()
        w.add_scalar("now", 1.0, 0)
        after = time.time()
    path = only_file(tmp_path)
    expected = [float(wt) for wt in walltimes]
    assert read_run_scalars(path)["w"].wall_times.tolist() == expected
    assert [wt for _, wt, _ in our_values(path, "w")] == expected
    assert [wt for _, wt, _ in tb_values(path, "w")] == expected
    (now,) = read_run_scalars(path)["now"].wall_times.tolist()
    assert before <= now <= after
    assert_valid(tmp_path)


def test_scalar_order_within_tag_across_flushes(tmp_path):
    with SummaryWriter(tmp_path, max_queue=7) as w:
        for i in range(100):
            w.add_scalar("a", float(i), i)
            if i % 13 == 0:
                w.flush()
            w.add_scalar("b", float(-i), 100 - i)
    series = read_run_scalars(only_file(tmp_path))
    assert series["a"].steps.tolist() == list(range(100))
    assert series["a"].values.tolist() == [float(i) for i in range(100)]
    assert series["b"].steps.tolist() == [100 - i for i in range(100)]
    assert series["b"].values.tolist() == [float(-i) for i in range(100)]
    assert_valid(tmp_path)


def test_scalar_order_within_tag_mixing_styles(tmp_path):
    # Order within a tag is the order of the calls, whatever options each call uses.
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("m", 1.0, 1)
        w.add_scalar("m", 2.0, 2, new_style=True)
        w.add_scalar("m", 3.0, 3)
        w.add_scalar("m", 4.0, 4, display_name="M")
    path = only_file(tmp_path)
    assert [s for s, _, _ in our_values(path, "m")] == [1, 2, 3, 4]
    assert [s for s, _, _ in tb_values(path, "m")] == [1, 2, 3, 4]
    assert_valid(tmp_path)


# --- metadata -----------------------------------------------------------------------------


def _log_every_kind(w: SummaryWriter, step: int) -> None:
    w.add_scalar("scalar", 1.0, step)
    w.add_scalar("tensor_scalar", 1.0, step, new_style=True)
    w.add_histogram("hist", np.arange(10.0), step)
    w.add_image("image", np.zeros((3, 2, 2)), step)
    w.add_images("images", np.zeros((2, 3, 2, 2)), step)
    w.add_text("text", "hello", step)
    w.add_pr_curve("pr", np.array([0, 1, 1]), np.array([0.1, 0.6, 0.9]), step, num_thresholds=5)


EXPECTED_PLUGINS = {
    "scalar": ("scalars", summary_pb2.DATA_CLASS_SCALAR),
    "tensor_scalar": ("scalars", summary_pb2.DATA_CLASS_SCALAR),
    "hist": ("histograms", summary_pb2.DATA_CLASS_TENSOR),
    "image": ("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE),
    "images": ("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE),
    "text": ("text", summary_pb2.DATA_CLASS_TENSOR),
    "pr": ("pr_curves", summary_pb2.DATA_CLASS_TENSOR),
}


def _check_metadata(path: str, per_tag: int) -> None:
    """A plain scalar's first value in the file carries its metadata, later ones none (as
    torch's simple values); every other value carries its own (as TensorFlow and torch)."""
    def expected(tag: str) -> list[bool]:
        return [True] + [tag != "scalar"] * (per_tag - 1)

    seen: dict[str, list[bool]] = {}
    for event in raw_events(path):
        for value in event.summary.value:
            seen.setdefault(value.tag, []).append(value.HasField("metadata"))
            if value.HasField("metadata"):
                plugin, data_class = EXPECTED_PLUGINS[value.tag]
                assert value.metadata.plugin_data.plugin_name == plugin
                assert value.metadata.data_class == data_class
    assert seen == {tag: expected(tag) for tag in EXPECTED_PLUGINS}
    ours: dict[str, list[bool]] = {}
    for event in read_events(path):
        for value in event.values:
            ours.setdefault(value.tag, []).append(value.metadata is not None)
            if value.metadata is not None:
                assert value.metadata.plugin_name == EXPECTED_PLUGINS[value.tag][0]
                assert value.metadata.data_class == EXPECTED_PLUGINS[value.tag][1]
    assert ours == {tag: expected(tag) for tag in EXPECTED_PLUGINS}


def test_metadata_of_each_tag_in_every_file(tmp_path):
    # TensorBoard's tensor form, decoded by TensorBoard itself (the default, torch's form:
    # tests/test_legacy_forms.py)
    w = SummaryWriter(tmp_path, legacy_forms=False)
    for step in range(3):
        _log_every_kind(w, step)
        w.flush()  # metadata state must hold across batches
    w.close()
    first = only_file(tmp_path)
    _check_metadata(first, 3)
    # Logging after close opens a new file, which needs the metadata again.
    _log_every_kind(w, 10)
    _log_every_kind(w, 11)
    w.close()
    (second,) = [f for f in files_in(tmp_path) if f != first]
    _check_metadata(second, 2)
    assert_valid(tmp_path)


def test_display_name_and_description(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("d", 1.0, 0, display_name="Nice name", summary_description="Some *markdown*")
        w.add_scalar("d", 2.0, 1)
        w.add_scalar("e", 3.0, 0, new_style=True, display_name="E!", summary_description="é")
        w.add_scalar("e", 4.0, 1, new_style=True)
    path = only_file(tmp_path)
    raw = [(v.tag, v) for e in raw_events(path) for v in e.summary.value]
    d = [v for t, v in raw if t == "d"]
    e = [v for t, v in raw if t == "e"]
    assert d[0].metadata.display_name == "Nice name"
    assert d[0].metadata.summary_description == "Some *markdown*"
    assert d[0].metadata.plugin_data.plugin_name == "scalars"
    assert not d[1].HasField("metadata")
    assert e[0].metadata.display_name == "E!"
    assert e[0].metadata.summary_description == "é"
    assert e[1].metadata.display_name == "E!"  # a tensor value: its metadata every time
    assert read_run_scalars(path)["d"].values.tolist() == [1.0, 2.0]
    assert read_run_scalars(path)["e"].values.tolist() == [3.0, 4.0]
    ours = [v for _, _, v in our_values(path, "d")]
    assert ours[0].metadata.display_name == "Nice name"
    assert ours[0].metadata.description == "Some *markdown*"
    assert_valid(tmp_path)


def test_display_name_kept_in_new_file_after_reopen(tmp_path):
    # Each tag's first value in a file carries its full metadata, in every file.
    w = SummaryWriter(tmp_path)
    w.add_scalar("d", 1.0, 0, display_name="Nice", summary_description="desc")
    w.close()
    first = only_file(tmp_path)
    w.add_scalar("d", 2.0, 1)
    w.close()
    (second,) = [f for f in files_in(tmp_path) if f != first]
    (value,) = [v for e in raw_events(second) for v in e.summary.value]
    assert value.metadata.display_name == "Nice"
    assert value.metadata.summary_description == "desc"


def test_new_style_float_tensor(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("n", 0.1, 1, new_style=True)
        w.add_scalar("n", 2.5, 2, new_style=True)
    path = only_file(tmp_path)
    values = [v for e in raw_events(path) for v in e.summary.value]
    for value, expected in zip(values, [np.float32(0.1), np.float32(2.5)]):
        assert value.WhichOneof("value") == "tensor"
        assert value.tensor.dtype == types_pb2.DT_FLOAT
        assert len(value.tensor.tensor_shape.dim) == 0
        assert tensor_util.make_ndarray(value.tensor).dtype == np.float32
        assert tensor_util.make_ndarray(value.tensor) == expected
    assert read_run_scalars(path)["n"].values.tolist() == [float(np.float32(0.1)), 2.5]
    assert [s for s, _, _ in tb_values(path, "n")] == [1, 2]
    assert_valid(tmp_path)


def test_double_precision_warns_and_writes_float64(tmp_path):
    w = SummaryWriter(tmp_path)
    with pytest.warns(RuntimeWarning, match="double_precision"):
        w.add_scalar("dbl", 0.1, 1, new_style=True, double_precision=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per tag
        w.add_scalar("dbl", 1 / 3, 2, new_style=True, double_precision=True)
    w.close()
    path = only_file(tmp_path)
    values = [v for e in raw_events(path) for v in e.summary.value]
    assert [v.tensor.dtype for v in values] == [types_pb2.DT_DOUBLE] * 2
    assert [float(tensor_util.make_ndarray(v.tensor)) for v in values] == [0.1, 1 / 3]
    ours = [v.value for _, _, v in our_values(path, "dbl")]
    assert ours == [0.1, 1 / 3]
    assert_valid(tmp_path)


# --- add_scalars --------------------------------------------------------------------------


def test_add_scalars_runs(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars(
                "loss/train", {"a": step * 1.5, "b": np.float32(-step), "c_d": torch.tensor(step)}, step
            )
        w.add_scalars("acc", {"x": 0.5}, 7, walltime=1234.5)
    runs = event_files(str(tmp_path))
    assert set(runs) == {".", "loss_train_a", "loss_train_b", "loss_train_c_d", "acc_x"}
    for run, expected in (
        ("loss_train_a", [0.0, 1.5, 3.0]),
        ("loss_train_b", [0.0, -1.0, -2.0]),
        ("loss_train_c_d", [0.0, 1.0, 2.0]),
    ):
        (path,) = runs[run]
        series = read_run_scalars(path)
        assert series.keys() == {"loss/train"}
        assert series["loss/train"].steps.tolist() == [0, 1, 2]
        assert series["loss/train"].values.tolist() == expected
        theirs = tb_values(path, "loss/train")
        assert [float(tensor_util.make_ndarray(v.tensor)) for _, _, v in theirs] == expected
        assert raw_events(path)[0].file_version == "brain.Event:2"
    (acc,) = runs["acc_x"]
    assert read_run_scalars(acc)["acc"].steps.tolist() == [7]
    assert read_run_scalars(acc)["acc"].wall_times.tolist() == [1234.5]
    # The main run holds no add_scalars data.
    assert read_run_scalars(runs["."][0]) == {}
    assert_valid(tmp_path)


# --- add_histogram ------------------------------------------------------------------------


def _tensorflow_edges_snapped() -> list[float]:
    """TensorFlow's positive edges 1e-12 * 1.1^k < 1e20, each moved to the nearest
    2^e * (1 + j/128), worked out here with frexp, independently of the writer's bits."""
    edges, v = [], 1e-12
    while v < 1e20:
        mantissa, exponent = math.frexp(v)  # v = mantissa * 2^exponent, mantissa in [0.5, 1)
        edges.append(math.ldexp(1 + round((2 * mantissa - 1) * 128) / 128, exponent - 1))
        v *= 1.1
    return edges


SNAPPED = _tensorflow_edges_snapped()


def _expected_default_table(values: np.ndarray) -> np.ndarray:
    """The bins="tensorflow" table of the finite values: buckets by magnitude, [e_k-1, e_k)."""
    finite = [float(v) for v in np.asarray(values).reshape(-1) if np.isfinite(v)]
    counts: dict[tuple[bool, int], int] = {}
    for v in finite:
        key = (math.copysign(1.0, v) < 0, bisect.bisect_right(SNAPPED, abs(v)))
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for negative, k in sorted(counts, key=lambda key: (not key[0], -key[1] if key[0] else key[1])):
        inner = 0.0 if k == 0 else SNAPPED[k - 1]
        outer = math.inf if k == len(SNAPPED) else SNAPPED[k]
        left, right = (-outer, -inner) if negative else (inner, outer)
        rows.append([left, right, counts[negative, k]])
    table = np.array(rows, dtype=np.float64)
    # Empty buckets between non-empty ones stay in the table, with a zero count.
    full = []
    for row in table:
        while full and full[-1][1] != row[0]:
            gap_left = full[-1][1]
            following = [e for e in [-x for x in SNAPPED[::-1]] + [0.0] + SNAPPED if e > gap_left]
            full.append([gap_left, following[0], 0.0])
        full.append(list(row))
    out = np.array(full)
    out[0, 0], out[-1, 1] = min(finite), max(finite)
    return out


def _check_table_counts(table: np.ndarray, values: np.ndarray) -> None:
    """A bins="tensorflow" table holds exactly the expected buckets; with max_bins, runs of
    them merged."""
    expected = _expected_default_table(values)
    assert table.shape[1] == 3
    np.testing.assert_array_equal(table[:-1, 1], table[1:, 0])  # contiguous buckets
    assert table[0, 0] == expected[0, 0] and table[-1, 1] == expected[-1, 1]
    if table.shape == expected.shape:
        np.testing.assert_array_equal(table, expected)
        return
    assert table.shape[0] < expected.shape[0]
    ends = list(expected[:, 1])
    start = 0
    for left, right, count in table:
        end = ends.index(right, start) if right != table[-1, 1] else len(ends) - 1
        assert expected[start, 0] == left
        assert expected[start : end + 1, 2].sum() == count
        start = end + 1
    assert start == expected.shape[0]


def _hist_tables(path: str, tag: str) -> list[np.ndarray]:
    ours = [v.value for _, _, v in our_values(path, tag)]
    theirs = [tensor_util.make_ndarray(v.tensor) for _, _, v in tb_values(path, tag)]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    return ours


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).normal(size=1000),
        np.random.default_rng(1).normal(size=(10, 20)).astype(np.float32),
        np.arange(10),
        np.array([5.0] * 7),
        np.array([-1e25, 0.0, 1e25, 3.0]),
        torch.linspace(-3, 3, 50),
        [1, 2, 2, 3, 3, 3],
    ],
    ids=["normal", "float32-2d", "ints", "constant", "beyond-1e20", "torch", "list"],
)
def test_add_histogram_default_bins(tmp_path, values):
    # TensorBoard's tensor form, decoded by TensorBoard itself (the default, torch's form:
    # tests/test_legacy_forms.py)
    with SummaryWriter(tmp_path, legacy_forms=False) as w:
        w.add_histogram("h", values, 3)
    path = only_file(tmp_path)
    (table,) = _hist_tables(path, "h")
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    assert table[0, 0] == array.min() and table[-1, 1] == array.max()
    _check_table_counts(table, array)
    (value,) = [v for e in raw_events(path) for v in e.summary.value]
    assert value.tensor.dtype == types_pb2.DT_DOUBLE
    assert value.metadata.plugin_data.plugin_name == "histograms"
    assert_valid(tmp_path)


def test_add_histogram_int_bins_and_max_bins(tmp_path):
    # TensorBoard's tensor form, decoded by TensorBoard itself (the default, torch's form:
    # tests/test_legacy_forms.py)
    values = np.random.default_rng(2).uniform(-5, 5, size=500)
    with SummaryWriter(tmp_path, legacy_forms=False) as w:
        w.add_histogram("b5", values, 0, bins=5)
        w.add_histogram("b10m3", values, 0, bins=10, max_bins=3)
        w.add_histogram("auto", values, 0, bins="auto")
        w.add_histogram("edges", values, 0, bins=[-5, 0, 1, 5])
        w.add_histogram("tfm4", values, 0, max_bins=4)
    path = only_file(tmp_path)
    counts, edges = np.histogram(values, bins=5)
    (b5,) = _hist_tables(path, "b5")
    np.testing.assert_array_equal(b5, np.stack([edges[:-1], edges[1:], counts], axis=1))
    counts, edges = np.histogram(values, bins=10)
    (merged,) = _hist_tables(path, "b10m3")
    # ceil(10 / 3) = 4 buckets per group: [0:4], [4:8], [8:10]
    expected = np.array(
        [
            [edges[0], edges[4], counts[0:4].sum()],
            [edges[4], edges[8], counts[4:8].sum()],
            [edges[8], edges[10], counts[8:10].sum()],
        ]
    )
    np.testing.assert_array_equal(merged, expected)
    counts, edges = np.histogram(values, bins="auto")
    (auto,) = _hist_tables(path, "auto")
    np.testing.assert_array_equal(auto, np.stack([edges[:-1], edges[1:], counts], axis=1))
    (explicit,) = _hist_tables(path, "edges")
    counts, _ = np.histogram(values, bins=[-5, 0, 1, 5])
    np.testing.assert_array_equal(explicit[:, 2], counts)
    (tfm4,) = _hist_tables(path, "tfm4")
    assert 1 <= len(tfm4) <= 4
    _check_table_counts(tfm4, values)
    assert_valid(tmp_path)


def test_add_histogram_nonfinite_warns_once_per_tag(tmp_path):
    values = np.array([1.0, np.nan, np.inf, -np.inf, 2.0, 3.0])
    w = SummaryWriter(tmp_path)
    with pytest.warns(RuntimeWarning, match="NaN"):
        w.add_histogram("h", values, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.add_histogram("h", values, 1)  # same tag: no second warning
        w.add_histogram("clean", np.arange(3.0), 0)  # finite values: no warning
    with pytest.warns(RuntimeWarning, match="NaN"):
        w.add_histogram("other", values, 0)
    w.close()
    path = only_file(tmp_path)
    for table in _hist_tables(path, "h"):
        assert table[:, 2].sum() == 3
        assert table[0, 0] == 1.0 and table[-1, 1] == 3.0
        _check_table_counts(table, values)
    assert_valid(tmp_path)


@pytest.mark.parametrize("values", [np.full(5, np.nan), np.array([np.inf, -np.inf]), np.zeros(0)])
def test_add_histogram_without_finite_values_is_empty(tmp_path, values):
    # TensorBoard's tensor form, decoded by TensorBoard itself (the default, torch's form:
    # tests/test_legacy_forms.py)
    with SummaryWriter(tmp_path, legacy_forms=False) as w, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        w.add_histogram("h", values, 0)
    path = only_file(tmp_path)
    (table,) = _hist_tables(path, "h")
    assert table.shape == (0, 3)
    (value,) = [v for e in raw_events(path) for v in e.summary.value]
    assert [d.size for d in value.tensor.tensor_shape.dim] == [0, 3]
    assert_valid(tmp_path)


# --- add_image / add_images ---------------------------------------------------------------


RNG = np.random.default_rng(1234)
BASE_HWC = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
BASE_HW = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)
BASE_NHWC = RNG.integers(0, 256, size=(3, 4, 6, 3), dtype=np.uint8)
BASE_NHW = RNG.integers(0, 256, size=(3, 4, 6), dtype=np.uint8)


def _to_format(array: np.ndarray, source: str, target: str) -> np.ndarray:
    return np.transpose(array, [source.index(axis) for axis in target])


@pytest.mark.parametrize(
    "fmt", ["".join(p) for p in itertools.permutations("CHW")] + ["HW", "WH"]
)
def test_add_image_every_dataformats(tmp_path, fmt):
    if "C" in fmt:
        base, source = BASE_HWC, "HWC"
    else:
        base, source = BASE_HW, "HW"
    array = _to_format(base, source, fmt)
    pixels = log_one_image(
        tmp_path, fmt, lambda w: w.add_image("img", array, 2, dataformats=fmt)
    )
    np.testing.assert_array_equal(pixels, base)
    # Lower case is accepted, and torch tensors too.
    pixels = log_one_image(
        tmp_path,
        fmt + "-lower-torch",
        lambda w: w.add_image("img", torch.from_numpy(array.copy()), 2, dataformats=fmt.lower()),
    )
    np.testing.assert_array_equal(pixels, base)


def _expected_row(nhwc: np.ndarray) -> np.ndarray:
    return np.concatenate(list(nhwc), axis=1)


@pytest.mark.parametrize(
    "fmt", ["".join(p) for p in itertools.permutations("NCHW")]
    + ["".join(p) for p in itertools.permutations("NHW")]
)
def test_add_images_every_dataformats(tmp_path, fmt):
    if "C" in fmt:
        base, source = BASE_NHWC, "NHWC"
    else:
        base, source = BASE_NHW, "NHW"
    array = _to_format(base, source, fmt)
    pixels = log_one_image(
        tmp_path, fmt, lambda w: w.add_images("img", array, 1, dataformats=fmt)
    )
    # 3 images, fewer than 8: one row of 3.
    np.testing.assert_array_equal(pixels, _expected_row(base))


def test_add_image_default_dataformats_is_chw(tmp_path):
    pixels = log_one_image(tmp_path, "d", lambda w: w.add_image("img", BASE_HWC.transpose(2, 0, 1)))
    np.testing.assert_array_equal(pixels, BASE_HWC)
    pixels = log_one_image(tmp_path, "n", lambda w: w.add_images("img", BASE_NHWC.transpose(0, 3, 1, 2)))
    np.testing.assert_array_equal(pixels, _expected_row(BASE_NHWC))


def test_add_image_float_scaling_truncating_clipping(tmp_path):
    """torch's rule: x * 255 in float32, clipped to [0, 255], truncated to a level."""
    floats = np.array(
        [0.0, 1.0, 0.5, 0.2, 0.999, 0.001, 0.7, 1.5, -0.5, np.nan, np.inf, -np.inf, 100.0, 0.0019],
        dtype=np.float64,
    )
    expected = [0, 255, 127, 51, 254, 0, 178, 255, 0, 0, 255, 0, 255, 0]
    image_hw = floats.reshape(1, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warnings on NaN/Inf
        for dtype in (np.float64, np.float32, np.float16):
            pixels = log_one_image(
                tmp_path,
                np.dtype(dtype).name,
                lambda w, dtype=dtype: w.add_image("img", image_hw.astype(dtype), dataformats="HW"),
            )
            if dtype is np.float16:  # float16 rounds the inputs first: 0.2 is 0.19995
                assert pixels.reshape(-1).tolist() == [*expected[:3], 50, *expected[4:]]
            else:
                assert pixels.reshape(-1).tolist() == expected
    torch_pixels = log_one_image(
        tmp_path, "torch", lambda w: w.add_image("img", torch.tensor(image_hw), dataformats="HW")
    )
    assert torch_pixels.reshape(-1).tolist() == expected


def test_add_image_integer_and_bool_dtypes(tmp_path):
    u8 = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(
        log_one_image(tmp_path, "u8", lambda w: w.add_image("img", u8, dataformats="HW")), u8
    )
    i16 = np.array([[-32768, -5, 0, 1, 100, 254, 255, 256, 300, 32767]], dtype=np.int16)
    pixels = log_one_image(tmp_path, "i16", lambda w: w.add_image("img", i16, dataformats="HW"))
    assert pixels.reshape(-1).tolist() == [0, 0, 0, 1, 100, 254, 255, 255, 255, 255]
    i64 = np.array([[-(2**40), 7, 2**40]], dtype=np.int64)
    pixels = log_one_image(tmp_path, "i64", lambda w: w.add_image("img", i64, dataformats="HW"))
    assert pixels.reshape(-1).tolist() == [0, 7, 255]
    b = np.array([[True, False, True]])
    pixels = log_one_image(tmp_path, "bool", lambda w: w.add_image("img", b, dataformats="HW"))
    assert pixels.reshape(-1).tolist() == [255, 0, 255]
    t = torch.tensor([[0, 128, 255]], dtype=torch.uint8)
    pixels = log_one_image(tmp_path, "torch-u8", lambda w: w.add_image("img", t, dataformats="HW"))
    assert pixels.reshape(-1).tolist() == [0, 128, 255]


@pytest.mark.parametrize("channels,mode_shape", [(1, ()), (2, (2,)), (3, (3,)), (4, (4,))])
def test_add_image_channels(tmp_path, channels, mode_shape):
    hwc = RNG.integers(0, 256, size=(4, 5, channels), dtype=np.uint8)
    pixels = log_one_image(tmp_path, "c", lambda w: w.add_image("img", hwc, dataformats="HWC"))
    assert pixels.shape == (4, 5, *mode_shape)
    np.testing.assert_array_equal(pixels.reshape(4, 5, channels), hwc)


def test_add_images_list_input(tmp_path):
    chw = [BASE_NHWC[i].transpose(2, 0, 1) for i in range(3)]
    pixels = log_one_image(tmp_path, "np", lambda w: w.add_images("img", chw))
    np.testing.assert_array_equal(pixels, _expected_row(BASE_NHWC))
    tensors = [torch.from_numpy(c.copy()) for c in chw]
    pixels = log_one_image(tmp_path, "torch", lambda w: w.add_images("img", tensors))
    np.testing.assert_array_equal(pixels, _expected_row(BASE_NHWC))
    hwc = [BASE_NHWC[i] for i in range(3)]
    pixels = log_one_image(tmp_path, "hwc", lambda w: w.add_images("img", hwc, dataformats="NHWC"))
    np.testing.assert_array_equal(pixels, _expected_row(BASE_NHWC))


@pytest.mark.parametrize("count", [1, 7, 8, 9, 10, 16, 17])
def test_add_images_grid_layout(tmp_path, count):
    height, width = 2, 3
    batch = np.stack(
        [np.full((height, width, 3), 10 + i, dtype=np.uint8) for i in range(count)]
    )
    pixels = log_one_image(
        tmp_path, "g", lambda w: w.add_images("img", batch, dataformats="NHWC")
    )
    columns = min(count, 8)
    rows = -(-count // columns)
    assert pixels.shape == (rows * height, columns * width, 3)
    for slot in range(rows * columns):
        r, c = divmod(slot, columns)
        tile = pixels[r * height : (r + 1) * height, c * width : (c + 1) * width]
        expected = 10 + slot if slot < count else 0
        assert (tile == expected).all(), (slot, tile)


def test_add_image_metadata_and_dimensions(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_image("img", BASE_HWC, 4, walltime=99.5, dataformats="HWC")
    path = only_file(tmp_path)
    ((step, wall, value),) = tb_values(path, "img")
    assert step == 4 and wall == 99.5
    assert value.metadata.plugin_data.plugin_name == "images"
    assert value.tensor.dtype == types_pb2.DT_STRING
    assert [d.size for d in value.tensor.tensor_shape.dim] == [3]
    assert value.tensor.string_val[0] == b"7" and value.tensor.string_val[1] == b"5"
    assert_valid(tmp_path)


# --- add_pr_curve -------------------------------------------------------------------------


def _reference_pr(labels, predictions, num_thresholds, weights=None):
    labels = np.asarray(labels).reshape(-1).astype(bool)
    predictions = np.asarray(predictions, dtype=np.float64).reshape(-1)
    w = np.ones(labels.shape) if weights is None else np.asarray(weights, np.float64).reshape(-1)
    bucket = np.floor(predictions * (num_thresholds - 1))
    tp = np.zeros(num_thresholds)
    fp = np.zeros(num_thresholds)
    for j in range(num_thresholds):
        predicted = bucket >= j
        tp[j] = w[predicted & labels].sum()
        fp[j] = w[predicted & ~labels].sum()
    tn = w[~labels].sum() - fp
    fn = w[labels].sum() - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall]).astype(np.float32)


def _pr_tables(path: str, tag: str, num_thresholds: int) -> list[np.ndarray]:
    ours = [v for _, _, v in our_values(path, tag)]
    theirs = [v for _, _, v in tb_values(path, tag)]
    raw = [v for e in raw_events(path) for v in e.summary.value if v.tag == tag]
    content = raw[0].metadata.plugin_data.content
    assert raw[0].metadata.plugin_data.plugin_name == "pr_curves"
    assert plugin_data_pb2.PrCurvePluginData.FromString(content).num_thresholds == num_thresholds
    tables = []
    for a, b in zip(ours, theirs):
        their_table = tensor_util.make_ndarray(b.tensor)
        assert their_table.dtype == np.float32
        assert their_table.shape == (6, num_thresholds)
        np.testing.assert_array_equal(a.value, their_table)
        tables.append(their_table)
    return tables


@pytest.mark.parametrize("num_thresholds", [2, 3, 11, 127, 1000])
def test_add_pr_curve_matches_reference(tmp_path, num_thresholds):
    rng = np.random.default_rng(num_thresholds)
    labels = rng.integers(0, 2, size=300)
    predictions = rng.uniform(0, 1, size=300)
    predictions[:5] = [0.0, 1.0, 0.5, 0.25, 0.999999]
    weights = rng.uniform(0, 3, size=300)
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", labels, predictions, 1, num_thresholds=num_thresholds)
        w.add_pr_curve("pr", labels.astype(bool), predictions.astype(np.float32), 2,
                       num_thresholds=num_thresholds)
        w.add_pr_curve("prw", torch.tensor(labels), torch.tensor(predictions), 3,
                       num_thresholds=num_thresholds, weights=weights)
    path = only_file(tmp_path)
    first, second = _pr_tables(path, "pr", num_thresholds)
    np.testing.assert_allclose(first, _reference_pr(labels, predictions, num_thresholds), rtol=1e-6)
    np.testing.assert_allclose(
        second,
        _reference_pr(labels, predictions.astype(np.float32), num_thresholds),
        rtol=1e-6,
    )
    (weighted,) = _pr_tables(path, "prw", num_thresholds)
    np.testing.assert_allclose(
        weighted, _reference_pr(labels, predictions, num_thresholds, weights), rtol=1e-5
    )
    # Sanity of the reference itself: at threshold 0 every example is predicted positive.
    assert first[0, 0] == labels.sum() and first[1, 0] == (labels == 0).sum()
    assert [s for s, _, _ in tb_values(path, "pr")] == [1, 2]
    assert_valid(tmp_path)


def test_add_pr_curve_default_thresholds_and_shapes(tmp_path):
    labels = np.array([[0, 1], [1, 0]])
    predictions = np.array([[0.2, 0.8], [0.6, 0.4]])
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", labels, predictions, 0)
    (table,) = _pr_tables(only_file(tmp_path), "pr", 127)
    np.testing.assert_allclose(table, _reference_pr(labels, predictions, 127), rtol=1e-6)


def test_add_pr_curve_raw(tmp_path):
    n = 5
    rows = [np.arange(n) * (k + 1) for k in range(4)] + [np.linspace(0, 1, n), np.linspace(1, 0, n)]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve_raw("raw", *rows, global_step=3, num_thresholds=n)
        w.add_pr_curve_raw("raw", *[torch.tensor(r) for r in rows], global_step=4,
                           num_thresholds=n, walltime=55.0)
    path = only_file(tmp_path)
    tables = _pr_tables(path, "raw", n)
    for table in tables:
        np.testing.assert_array_equal(table, np.stack(rows).astype(np.float32))
    assert [(s, wt) for s, wt, _ in tb_values(path, "raw")][1] == (4, 55.0)
    assert_valid(tmp_path)


# --- add_text -----------------------------------------------------------------------------


TEXTS = ["hello", "", "héllo wörld ✓ 🚀 中文 ½", "# Title\n\n* a\n* b\n\n| x | y |\n|---|---|\n| 1 | 2 |",
         "null\x00byte", "x" * 100_000]


def test_add_text(tmp_path):
    # TensorBoard's tensor form, decoded by TensorBoard itself (the default, torch's form:
    # tests/test_legacy_forms.py)
    with SummaryWriter(tmp_path, legacy_forms=False) as w:
        for i, text in enumerate(TEXTS):
            w.add_text("t", text, i)
        w.add_text("ü/tag", "tag with unicode", 0)
    path = only_file(tmp_path)
    ours = our_values(path, "t")
    assert [v.value for _, _, v in ours] == TEXTS
    assert [v.kind for _, _, v in ours] == ["text"] * len(TEXTS)
    theirs = tb_values(path, "t")
    assert [s for s, _, _ in theirs] == list(range(len(TEXTS)))
    decoded = [tensor_util.make_ndarray(v.tensor).item().decode("utf-8") for _, _, v in theirs]
    assert decoded == TEXTS
    assert theirs[0][2].metadata.plugin_data.plugin_name == "text"
    assert [v.value for _, _, v in our_values(path, "ü/tag")] == ["tag with unicode"]
    assert_valid(tmp_path)


# --- add_graph ----------------------------------------------------------------------------


def _graph_def(path: str) -> graph_pb2.GraphDef:
    graphs = [e.graph_def for e in raw_events(path) if e.graph_def]
    assert len(graphs) == 1
    ours = [e.graph_def for e in read_events(path) if e.graph_def is not None]
    assert ours == graphs
    return graph_pb2.GraphDef.FromString(graphs[0])


def test_add_graph(tmp_path):
    g = tfevents.Graph()
    g.add_node("input", "Placeholder", output_shapes=[[None, 784]], dtype="float32")
    g.add_node("mlp/dense1/weight", "Variable", output_shapes=[[784, 128]])
    g.add_node("mlp/dense1/matmul", "MatMul", ["input", "mlp/dense1/weight"],
               output_shapes=[[None, 128]], device="/cpu:0")
    g.add_node("mlp/relu", "Relu", ["mlp/dense1/matmul:0", "^input"], output_shapes=[None],
               attrs={"alpha": 0.5, "axis": -1, "name": "r", "flag": True, "ks": [3, -3]})
    with SummaryWriter(tmp_path) as w:
        w.add_graph(g)
        w.add_scalar("after", 1.0)
    path = only_file(tmp_path)
    gd = _graph_def(path)
    nodes = {n.name: n for n in gd.node}
    assert [n.name for n in gd.node] == ["input", "mlp/dense1/weight", "mlp/dense1/matmul", "mlp/relu"]
    assert [n.op for n in gd.node] == ["Placeholder", "Variable", "MatMul", "Relu"]
    assert list(nodes["mlp/dense1/matmul"].input) == ["input", "mlp/dense1/weight"]
    assert list(nodes["mlp/relu"].input) == ["mlp/dense1/matmul:0", "^input"]
    assert nodes["mlp/dense1/matmul"].device == "/cpu:0"

    def shapes(node):
        out = []
        for s in node.attr["_output_shapes"].list.shape:
            out.append(None if s.unknown_rank else [d.size for d in s.dim])
        return out

    assert shapes(nodes["input"]) == [[-1, 784]]
    assert shapes(nodes["mlp/dense1/weight"]) == [[784, 128]]
    assert shapes(nodes["mlp/dense1/matmul"]) == [[-1, 128]]
    assert shapes(nodes["mlp/relu"]) == [None]
    assert nodes["input"].attr["dtype"].type == types_pb2.DT_FLOAT
    relu = nodes["mlp/relu"].attr
    assert relu["alpha"].f == 0.5 and relu["axis"].i == -1 and relu["name"].s == b"r"
    assert relu["flag"].b is True and list(relu["ks"].list.i) == [3, -3]
    # TensorBoard's loader takes the graph event.
    assert any(e.graph_def for e in tb_events(path))
    assert read_run_scalars(path)["after"].values.tolist() == [1.0]
    assert_valid(tmp_path)


def test_add_graph_bytes(tmp_path):
    g = tfevents.Graph()
    g.add_node("a", "Const")
    g.add_node("b", "Identity", ["a"])
    with SummaryWriter(tmp_path) as w:
        w.add_graph(g.to_graph_def())
    gd = _graph_def(only_file(tmp_path))
    assert [(n.name, n.op, list(n.input)) for n in gd.node] == [("a", "Const", []), ("b", "Identity", ["a"])]
    assert_valid(tmp_path)


def test_png_compress_level_is_a_writer_option(tmp_path):
    """The PNG compression level trades encoding time for file size; pixels are the same."""
    x = np.linspace(0.0, 1.0, 64)
    smooth = np.stack([np.outer(x, x), np.outer(x[::-1], x), np.outer(x, x[::-1])])  # CHW
    sizes = {}
    for level in (0, 9):
        with SummaryWriter(tmp_path / f"level{level}", png_compress_level=level) as w:
            w.add_image("img", smooth, 0)
        (value,) = [v for e in read_events(w.event_file_path) for v in e.values]
        assert np.array_equal(value.value[0], (smooth.transpose(1, 2, 0).astype(np.float32) * 255).astype(np.uint8))
        sizes[level] = os.path.getsize(w.event_file_path)
    assert sizes[9] < sizes[0]
    for bad in (-1, 10, 1.5, True, "1"):
        with pytest.raises(ValueError, match="png_compress_level"):
            SummaryWriter(tmp_path / "bad", png_compress_level=bad)
