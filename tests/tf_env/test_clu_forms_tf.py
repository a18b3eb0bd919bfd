"""``tfevents.clu.MetricWriter`` writes what CLU's TensorFlow ``SummaryWriter`` writes: the
same calls go to both, and every value is compared as TensorFlow reads it back
(``tf.make_ndarray``: dtype, shape, numbers; PNG pixels, WAV bytes, strings exactly; the
plugin name and content of the metadata). Point clouds are compared with TensorBoard's own
mesh summary (``write_pointcloud`` is newer than the clu installed here)."""

from __future__ import annotations

import glob
import os
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("clu")
import tensorflow as tf
from clu.metric_writers.tf.summary_writer import SummaryWriter
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.plugins.mesh import summary_v2 as mesh_summary

from tfevents.clu import MetricWriter

RNG = np.random.default_rng(0)
TEXT_METADATA = b"\n\x06\n\x04text"  # SummaryMetadata(plugin_data=PluginData(plugin_name="text"))
JUNK = np.ones((2, 3)).tobytes()  # not a SummaryMetadata (CLU's own test passes it)
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("write_scalars", (1, {"py_float": 0.6, "py_int": 15, "np_f64": np.float64(0.1), "np_f32": np.float32(-2.5)}), {}),
    ("write_summaries", (2, {"u8": np.eye(3, dtype=np.uint8), "f32": np.eye(2, dtype=np.float32),
                             "f64": np.arange(3.0), "float": 1.5, "int": 7, "list": [[1, 2]],
                             "text": "words", "strings": np.array([b"a", b"bc"])},
                         {"u8": TEXT_METADATA, "f32": JUNK}), {}),
    ("write_images", (3, {"f32_image": RNG.random((2, 4, 5, 3)).astype(np.float32),
                          "hwc_u8": RNG.integers(0, 256, (4, 5, 1), dtype=np.uint8),
                          "f64_out_of_range": RNG.uniform(-0.5, 1.5, (1, 3, 3, 4)),
                          "u16": RNG.integers(0, 65536, (1, 2, 2, 3), dtype=np.uint16)}), {}),
    ("write_audios", (4, {"stereo": RNG.uniform(-1.2, 1.2, (2, 50, 2)).astype(np.float32),
                          "mono": np.linspace(-1, 1, 33, dtype=np.float32)[None, :, None]}),
     {"sample_rate": 8000}),
    ("write_texts", (5, {"note": "**hello**"}), {}),
    ("write_histograms", (6, {"normal": RNG.normal(size=1000), "flat": np.full(5, 2.0),
                              "empty": np.array([]), "ints": np.arange(10)}, {"normal": 7, "ints": 3}), {}),
    ("write_hparams", ({"list": [1, 2], "tuple": (3, 4), "sub": {"value": "a", "none": None, "list": [10]},
                        "flag": True, "np": np.float32(0.5), "n": np.int64(3)},), {}),
]


def values(logdir: str) -> dict[tuple[int, str], Any]:
    out = {}
    for path in glob.glob(os.path.join(logdir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out[(event.step, value.tag)] = value
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[Any, Any], dict[Any, Any]]:
    root = tmp_path_factory.mktemp("clu_forms")
    theirs, ours = SummaryWriter(str(root / "theirs")), MetricWriter(root / "ours")
    for method, args, kwargs in CALLS:
        getattr(theirs, method)(*args, **kwargs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(ours, method)(*args, **kwargs)
        warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        assert (method == "write_summaries") == any("metadata['f32']" in m for m in warned), warned
    theirs.close()
    ours.close()
    return values(str(root / "theirs")), values(str(root / "ours"))


def test_same_tags_and_steps(written: tuple[dict[Any, Any], dict[Any, Any]]) -> None:
    theirs, ours = written
    assert sorted(ours) == sorted(theirs)
    assert len(ours) == 24  # every key of every call


@pytest.mark.parametrize("method", [c[0] for c in CALLS if c[0] != "write_hparams"])
def test_same_tensors(written: tuple[dict[Any, Any], dict[Any, Any]], method: str) -> None:
    theirs, ours = written
    step = next(args[0] for m, args, _ in CALLS if m == method)
    keys = [k for k in theirs if k[0] == step]
    assert keys
    for key in keys:
        a, b = theirs[key], ours[key]
        assert b.tensor.dtype == a.tensor.dtype, key
        want, got = tf.make_ndarray(a.tensor), tf.make_ndarray(b.tensor)
        assert got.shape == want.shape, key
        if method == "write_images":
            assert list(got[:2]) == list(want[:2])  # width, height
            for png_a, png_b in zip(want[2:], got[2:]):
                np.testing.assert_array_equal(tf.io.decode_png(png_b).numpy(), tf.io.decode_png(png_a).numpy())
        elif method == "write_histograms":
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(got, want)  # WAV files byte for byte, strings, numbers
        assert b.metadata.plugin_data.plugin_name == a.metadata.plugin_data.plugin_name, key
        assert b.metadata.plugin_data.content == a.metadata.plugin_data.content, key
        assert b.HasField("metadata") == a.HasField("metadata"), key  # CLU's test: junk bytes keep one


def test_same_hparams(written: tuple[dict[Any, Any], dict[Any, Any]]) -> None:
    theirs, ours = written
    key = (0, "_hparams_/session_start_info")

    def start(value: Any) -> Any:
        return plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content).session_start_info

    a, b = start(theirs[key]), start(ours[key])
    assert dict(b.hparams) == dict(a.hparams)
    assert set(a.hparams) == {"list.0", "list.1", "tuple.0", "tuple.1", "sub.value", "sub.none", "sub.list.0",
                              "flag", "np", "n"}
    assert b.group_name == a.group_name  # TensorFlow's hash of the values


def test_pointcloud_as_tensorboards_mesh_summary(tmp_path: Any) -> None:
    points = RNG.normal(size=(1, 64, 3)).astype(np.float32)
    colors = RNG.uniform(0, 1, (1, 64, 3)).astype(np.float32)  # floats in [0, 1]: kept, not cast to 0
    config = {"material": {"cls": "PointsMaterial", "size": 0.09}}
    theirs = tf.summary.create_file_writer(str(tmp_path / "theirs"))
    with theirs.as_default():
        mesh_summary.mesh("pcd", vertices=points, colors=colors, config_dict=config, step=0)
        mesh_summary.mesh("plain", vertices=points.astype(np.float64), step=0)
    theirs.close()
    ours = MetricWriter(tmp_path / "ours")
    ours.write_pointcloud(0, {"pcd": points, "plain": points.astype(np.float64)},
                          point_colors={"pcd": colors}, configs={"pcd": config})
    ours.close()
    a, b = values(str(tmp_path / "theirs")), values(str(tmp_path / "ours"))
    assert sorted(b) == sorted(a) == [(0, "pcd_COLOR"), (0, "pcd_VERTEX"), (0, "plain_VERTEX")]
    for key in a:
        np.testing.assert_array_equal(tf.make_ndarray(b[key].tensor), tf.make_ndarray(a[key].tensor))
        assert b[key].tensor.dtype == a[key].tensor.dtype
    np.testing.assert_array_equal(tf.make_ndarray(b[(0, "pcd_COLOR")].tensor), colors)
    from tensorboard.plugins.mesh import metadata as mesh_metadata

    for key in a:
        want = mesh_metadata.parse_plugin_metadata(a[key].metadata.plugin_data.content)
        got = mesh_metadata.parse_plugin_metadata(b[key].metadata.plugin_data.content)
        for field in ("name", "content_type", "json_config", "shape", "components"):
            assert getattr(got, field) == getattr(want, field), (key, field)
