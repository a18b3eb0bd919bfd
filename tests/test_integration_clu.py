"""``tfevents.clu.MetricWriter`` (CLU's MetricWriter interface, no TensorFlow) and the
flax training-loop example, checked in TensorBoard (both loaders)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from _integration_helpers import session_groups, text_entries, wait_scalars
from tensorboard_server import TensorBoardServer
from tfevents.clu import MetricWriter
from tfevents.reader import read_values

pytestmark = pytest.mark.server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "flax_clu_loop.py")
STEPS = 12
RUN_EXAMPLE = (
    "import json, runpy, sys\n"
    f"sys.argv = [sys.argv[1], '--logdir', sys.argv[2], '--steps', '{STEPS}', '--eval-every', '4']\n"
    "last = runpy.run_path(sys.argv[0])['main'](sys.argv[1:])\n"
    "print(json.dumps({'last': last, 'tf': 'tensorflow' in sys.modules, 'clu': 'clu' in sys.modules}))\n"
)



def write_everything(logdir: str) -> types.SimpleNamespace:
    ns = types.SimpleNamespace()
    w = MetricWriter(logdir, collection="all", flush_secs=1)
    w.write_hparams({"opt": {"name": "sgd", "lr": 0.1}, "layers": np.int64(3), "flag": True, "shape": (2, 3),
                     "none": None})
    for step in range(3):
        w.write_scalars(step, {"loss": np.float32(1.0 / (step + 1)), "acc": step / 4})
    ns.image = np.zeros((2, 4, 6, 3), dtype=np.uint8)
    ns.image[0, :, :, 0] = 255
    w.write_images(1, {"pics": ns.image, "one": np.ones((4, 6, 1), dtype=np.float32)})
    w.write_videos(1, {"clip": np.zeros((3, 4, 6, 3), dtype=np.uint8)})
    w.write_audios(1, {"tone": np.sin(np.linspace(0, 20, 800, dtype=np.float32))[None, :, None]}, sample_rate=8000)
    w.write_texts(2, {"note": "**hello**"})
    w.write_histograms(2, {"w": np.arange(100, dtype=np.float32)}, num_buckets={"w": 10})
    w.write_pointcloud(2, {"cloud": np.random.default_rng(0).normal(size=(20, 3))},
                       point_colors={"cloud": np.full((20, 3), 128, dtype=np.uint8)})
    ns.float_colors = np.random.default_rng(1).uniform(0, 1, (1, 20, 3)).astype(np.float32)
    w.write_pointcloud(2, {"soft": np.zeros((1, 20, 3), np.float32)}, point_colors={"soft": ns.float_colors},
                       configs={"soft": {"material": {"cls": "PointsMaterial", "size": 0.1}}})
    text_meta = b"\n\x06\n\x04text"  # SummaryMetadata(plugin_data=PluginData(plugin_name="text"))
    w.write_summaries(2, {"raw": np.array("from write_summaries", dtype=object)}, metadata={"raw": text_meta})
    with pytest.warns(RuntimeWarning, match=r"metadata\['junk'\] \(48 bytes\) is not a serialized SummaryMetadata"):
        w.write_summaries(2, {"junk": np.eye(3)}, metadata={"junk": np.ones((2, 3)).tobytes()})
    w.close()
    return ns


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("clu"))
    ns = write_everything(root)
    ns.root = root
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run(
        [sys.executable, "-P", "-c", RUN_EXAMPLE, EXAMPLE, os.path.join(root, "flax")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ns.example = json.loads(done.stdout.strip().splitlines()[-1])
    yield ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def test_flax_example_needs_no_tensorflow_nor_clu(logs: types.SimpleNamespace) -> None:
    assert logs.example["tf"] is False and logs.example["clu"] is False


def test_flax_example_curves(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    train = wait_scalars(tb, "flax", "train/loss", STEPS)
    assert [p[1] for p in train] == list(range(1, STEPS + 1))
    assert train[-1][2] == pytest.approx(logs.example["last"]["train/loss"], rel=1e-6)
    evals = wait_scalars(tb, "flax", "eval/loss", 3)
    assert [p[1] for p in evals] == [4, 8, 12]
    assert evals[-1][2] == pytest.approx(logs.example["last"]["eval/loss"], rel=1e-6)
    hist = tb.wait_for_json("/data/plugin/histograms/tags", lambda t: "flax" in t)["flax"]
    assert set(hist) == {"params/Dense_0/kernel", "params/Dense_0/bias", "params/Dense_1/kernel", "params/Dense_1/bias"}
    assert "fit" in tb.wait_for_json("/data/plugin/images/tags", lambda t: "flax" in t)["flax"]


def test_hparams_sessions_use_every_scalar_as_metric(tb: TensorBoardServer) -> None:
    # Only a session start, as TensorFlow's hparams_api writes: TensorBoard infers the
    # experiment, with the runs' scalar tags as the metrics.
    # Flattened as CLU flattens them: a tuple's items as shape.0, shape.1; None as "".
    hparams = {"opt.name": "sgd", "opt.lr": 0.1, "layers": 3, "flag": True, "shape.0": 2, "shape.1": 3, "none": ""}
    name = hashlib.sha256(json.dumps(hparams, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    groups = session_groups(tb, list(hparams), ["loss"], {name})  # grouped as TensorFlow groups
    assert groups[name]["hparams"] == {**hparams, "layers": 3.0, "shape.0": 2.0, "shape.1": 3.0}
    assert groups[name]["sessions"][0]["name"] == "all"
    loss = [m for m in groups[name]["sessions"][0]["metricValues"] if m["name"]["tag"] == "loss"]
    assert loss[0]["trainingStep"] == 2 and loss[0]["value"] == pytest.approx(1 / 3)


def test_scalars_texts_and_raw_summaries(tb: TensorBoardServer) -> None:
    assert [(p[1], p[2]) for p in wait_scalars(tb, "all", "acc", 3)] == [(0, 0.0), (1, 0.25), (2, 0.5)]
    assert [p[2] for p in wait_scalars(tb, "all", "loss", 3)] == pytest.approx([1.0, 0.5, 1 / 3])
    (note,) = text_entries(tb, "all", "note")
    assert note["step"] == 2 and "<strong>hello</strong>" in note["text"]
    (raw,) = text_entries(tb, "all", "raw")
    assert "from write_summaries" in raw["text"]


def test_images_video_audio_histogram_mesh(tb: TensorBoardServer) -> None:
    images = tb.wait_for_json("/data/plugin/images/tags", lambda t: "all" in t)["all"]
    assert {"pics", "one", "clip"} <= set(images)
    audio = tb.wait_for_json("/data/plugin/audio/tags", lambda t: "all" in t)["all"]
    assert "tone" in audio
    (hist,) = tb.wait_for_json("/data/plugin/histograms/histograms", bool, run="all", tag="w")
    assert hist[1] == 2 and len(hist[2]) == 10 and sum(b[2] for b in hist[2]) == 100
    meshes = tb.wait_for_json("/data/plugin/mesh/tags", lambda t: "all" in t)["all"]
    assert {"cloud", "soft"} <= set(meshes)


def test_float_colors_kept_and_junk_metadata_leaves_the_run_readable(logs: types.SimpleNamespace) -> None:
    run = os.path.join(logs.root, "all")
    (colors,) = [v.value for v in read_values(run, tag="soft_COLOR")]
    np.testing.assert_array_equal(colors, logs.float_colors)  # as TensorFlow's mesh summary keeps them
    (junk,) = [v.value for v in read_values(run, tag="junk")]
    np.testing.assert_array_equal(junk, np.eye(3))
    # TensorBoard's Python loader reads every event (a metadata it cannot parse would stop it).
    accumulator = EventAccumulator(run, size_guidance={"tensors": 0})
    accumulator.Reload()
    assert {"acc", "loss", "junk", "raw"} <= set(accumulator.Tags()["tensors"])
    assert [e.step for e in accumulator.Tensors("acc")] == [0, 1, 2]


def test_bad_step_and_shapes(tmp_path: Any) -> None:
    w = MetricWriter(str(tmp_path))
    with pytest.raises(TypeError, match="step"):
        w.write_scalars(1.5, {"a": 1.0})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="images"):
        w.write_images(0, {"x": np.zeros((4, 4))})
    with pytest.raises(ValueError, match="audios"):
        w.write_audios(0, {"x": np.zeros(10)}, sample_rate=8000)
    w.close()


@pytest.mark.parametrize(
    ("meta", "stored"),
    [
        (b"\n\x06\n\x04text\x28\x01", b"\n\x06\n\x04text\x28\x01"),  # an unknown field: protobuf keeps it
        (b"\n\x03\n\x01\xff", b"\n\x02\n\x00"),  # plugin_name not UTF-8: an empty SummaryMetadata
        (b"\n\x05\n\x03ab", b"\n\x02\n\x00"),  # truncated
        (np.ones(2).tobytes(), b"\n\x02\n\x00"),  # field number 0
    ],
)
def test_write_summaries_metadata_as_tensorflow_parses_it(tmp_path: Any, meta: bytes, stored: bytes) -> None:
    w = MetricWriter(str(tmp_path))
    if stored == meta:
        w.write_summaries(1, {"x": np.arange(3)}, {"x": meta})
    else:
        with pytest.warns(RuntimeWarning, match=r"metadata\['x'\] .* is not a serialized SummaryMetadata"):
            w.write_summaries(1, {"x": np.arange(3)}, {"x": meta})
    w.close()
    (value,) = [v for v in read_values(str(tmp_path)) if v.tag == "x"]
    np.testing.assert_array_equal(value.value, np.arange(3))
    (raw,) = [p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("events")]
    assert b"\x4a" + bytes([len(stored)]) + stored in raw  # Summary.Value.metadata (field 9)
    other = MetricWriter(str(tmp_path / "other"))
    with pytest.raises(TypeError, match=r"metadata\['x'\] must be a SummaryMetadata message"):
        other.write_summaries(1, {"x": np.arange(3)}, {"x": 5})
    other.close()
