"""TensorFlow values, as they are, in every method that takes arrays: EagerTensor,
tf.Variable, float16 and bfloat16 tensors (tensorflow-cpu; run with the TF venv).

Each call is made twice into one run, once with the TF value (tag ``tf/...``) and once
with the numpy array it holds (tag ``np/...``): what tfevents.reader reads back must be
the same, and a few are checked against exact expected values, and through a real
TensorBoard server (scalars, histograms, tensors, both loaders).

Two cases that once failed are tested apart: a 0-d bfloat16 EagerTensor (TF's
``__array__`` gives an ``ml_dtypes.bfloat16`` scalar, not an array) and ``add_text`` of
``tf.string`` tensors.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter
from tfevents.reader import decode_wav, read_values

tf = pytest.importorskip("tensorflow")

RUN = "tf_values"

# name -> (method, positional args after the tag with a TF value first, kwargs)
# each TF value is built by a function, so that the numpy twin is its .numpy()
CASES: dict[str, tuple[str, Callable[[], Any], dict[str, Any]]] = {
    "scalar_eager": ("add_scalar", lambda: tf.constant(0.25), {}),
    "scalar_variable": ("add_scalar", lambda: tf.Variable(1.5), {}),
    "scalar_float16": ("add_scalar", lambda: tf.constant(0.125, tf.float16), {}),
    "scalar_bfloat16_variable": ("add_scalar", lambda: tf.Variable(0.5, dtype=tf.bfloat16), {}),
    "scalar_int64": ("add_scalar", lambda: tf.constant(7, tf.int64), {}),
    "histogram_variable": ("add_histogram", lambda: tf.Variable(tf.range(-5.0, 5.0, 0.5)), {}),
    "histogram_float16": ("add_histogram", lambda: tf.range(-5.0, 5.0, 0.5, tf.float16), {}),
    "histogram_bfloat16": ("add_histogram", lambda: tf.cast(tf.range(-5.0, 5.0, 0.5), tf.bfloat16), {}),
    "image_chw": ("add_image", lambda: tf.reshape(tf.range(60, dtype=tf.float32) / 59.0, (3, 4, 5)), {}),
    "image_hwc_variable": ("add_image", lambda: tf.Variable(tf.fill((4, 5, 3), 0.75)), {"dataformats": "HWC"}),
    "image_float16": ("add_image", lambda: tf.fill((3, 4, 5), tf.constant(0.5, tf.float16)), {}),
    "image_bfloat16": ("add_image", lambda: tf.fill((3, 4, 5), tf.constant(0.25, tf.bfloat16)), {}),
    "image_uint8": ("add_image", lambda: tf.constant(np.arange(60, dtype=np.uint8).reshape(3, 4, 5)), {}),
    "images_nchw": ("add_images", lambda: tf.reshape(tf.range(120, dtype=tf.float32) / 119.0, (2, 3, 4, 5)), {}),
    "audio": ("add_audio", lambda: tf.constant([0.0, 0.5, -0.5, 1.0, -1.0]), {"sample_rate": 8000}),
    "audio_float16_variable": ("add_audio", lambda: tf.Variable(tf.constant([0.0, 0.25, -0.75], tf.float16)),
                               {"sample_rate": 8000}),
    "tensor_int32": ("add_tensor", lambda: tf.constant([[1, 2], [3, 4]], tf.int32), {}),
    "tensor_variable": ("add_tensor", lambda: tf.Variable([1.0, -2.5, 3.0]), {}),
    "tensor_bfloat16": ("add_tensor", lambda: tf.constant([1.5, -2.0, 0.0078125], tf.bfloat16), {}),
    "tensor_float16": ("add_tensor", lambda: tf.constant([[0.5], [65504.0]], tf.float16), {}),
}
PR_LABELS = [0, 1, 1, 0, 1]
PR_SCORES = [0.1, 0.875, 0.75, 0.25, 0.5]  # exact in bfloat16


def _twin(value: Any) -> np.ndarray:
    """The numpy array a TF value holds (bfloat16 as float32: numpy has no bfloat16)."""
    array = np.asarray(value.numpy())
    return array.astype(np.float32) if array.dtype.name == "bfloat16" else array


def _values(logdir: str, tag: str) -> list[Any]:
    return [d.value for d in read_values(logdir, tag=tag)]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> types.SimpleNamespace:
    logdir = str(tmp_path_factory.mktemp("tf_values"))
    run_dir = os.path.join(logdir, RUN)
    ns = types.SimpleNamespace(logdir=logdir, run_dir=run_dir, inputs={})
    with SummaryWriter(run_dir) as writer:
        for name, (method, make, kwargs) in CASES.items():
            value = make()
            ns.inputs[name] = value
            getattr(writer, method)(f"tf/{name}", value, 1, **kwargs)
            getattr(writer, method)(f"np/{name}", _twin(value), 1, **kwargs)
        labels, scores = tf.Variable(PR_LABELS), tf.constant(PR_SCORES, tf.bfloat16)
        writer.add_pr_curve("tf/pr_curve", labels, scores, 1)
        writer.add_pr_curve("np/pr_curve", np.array(PR_LABELS), np.array(PR_SCORES, np.float32), 1)
        mat = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        thumbs = tf.Variable(tf.fill((2, 3, 4, 4), 0.5))
        writer.add_embedding(mat, metadata=["a", "b"], label_img=thumbs, global_step=1, tag="tf")
        writer.add_embedding(mat.numpy(), metadata=["a", "b"], label_img=thumbs.numpy(),
                             global_step=1, tag="np")
        writer.add_embedding(tf.Variable(tf.constant([[0.5, -1.0]], tf.float16)), global_step=2, tag="f16")
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def tensorboard_ready(tb: TensorBoardServer) -> None:
    """Called by conftest.py's ``tb`` once the server answers."""
    tb.wait_for_json("/data/runs", lambda runs: RUN in runs, timeout=90)


# --- read back --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*CASES, "pr_curve"])
def test_same_as_numpy(logs: types.SimpleNamespace, name: str) -> None:
    got, want = _values(logs.logdir, f"tf/{name}"), _values(logs.logdir, f"np/{name}")
    assert len(got) == len(want) == 1
    (g,), (w,) = got, want
    if isinstance(g, list):  # images: one decoded array per image
        assert len(g) == len(w) and all(np.array_equal(a, b) for a, b in zip(g, w))
    elif isinstance(g, np.ndarray) and g.dtype == object:  # audio: WAV bytes
        assert g[0, 0] == w[0, 0]
    else:
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def test_exact_values(logs: types.SimpleNamespace) -> None:
    expected_scalars = {"scalar_eager": 0.25, "scalar_variable": 1.5, "scalar_float16": 0.125,
                        "scalar_bfloat16_variable": 0.5, "scalar_int64": 7.0}
    for name, value in expected_scalars.items():
        assert _values(logs.logdir, f"tf/{name}") == [value], name

    (int32,) = _values(logs.logdir, "tf/tensor_int32")
    assert int32.dtype == np.int32 and int32.tolist() == [[1, 2], [3, 4]]
    (bf16,) = _values(logs.logdir, "tf/tensor_bfloat16")
    # bfloat16 is widened to float32, as for numpy (ml_dtypes) and torch bfloat16 arrays
    assert bf16.dtype == np.float32 and bf16.tolist() == [1.5, -2.0, 0.0078125]
    (f16,) = _values(logs.logdir, "tf/tensor_float16")
    assert f16.dtype == np.float16 and f16.tolist() == [[0.5], [65504.0]]
    (variable,) = _values(logs.logdir, "tf/tensor_variable")
    assert variable.tolist() == [1.0, -2.5, 3.0]

    (histogram,) = _values(logs.logdir, "tf/histogram_bfloat16")
    assert histogram[:, 2].sum() == 20  # 20 values, all counted
    (images,) = _values(logs.logdir, "tf/image_uint8")
    assert images[0].shape == (4, 5, 3) and images[0][0, 0].tolist() == [0, 20, 40]
    (images,) = _values(logs.logdir, "tf/image_hwc_variable")
    assert (images[0] == round(0.75 * 255)).all()
    (batch,) = _values(logs.logdir, "tf/images_nchw")
    assert batch[0].shape[:2] == (4, 10)  # two 4x5 images side by side
    (clip,) = _values(logs.logdir, "tf/audio")
    samples, rate = decode_wav(clip[0, 0])
    assert rate == 8000 and samples[:, 0].tolist() == pytest.approx([0, 0.5, -0.5, 1, -1], abs=1e-4)


def test_embeddings(logs: types.SimpleNamespace) -> None:
    def files(tag: str, step: int) -> dict[str, bytes]:
        folder = os.path.join(logs.run_dir, f"{step:05d}", tag)
        return {name: open(os.path.join(folder, name), "rb").read() for name in sorted(os.listdir(folder))}

    tf_files, np_files = files("tf", 1), files("np", 1)
    assert set(tf_files) == {"metadata.tsv", "sprite.png", "tensors.tsv"}
    assert tf_files == np_files
    assert tf_files["tensors.tsv"].decode().split() == ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"]
    rows = [line.split("\t") for line in files("f16", 2)["tensors.tsv"].decode().splitlines()]
    assert [[float(v) for v in row] for row in rows] == [[0.5, -1.0]]


# --- through TensorBoard ----------------------------------------------------------------


def test_served_by_tensorboard(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    for name, value in {"scalar_eager": 0.25, "scalar_float16": 0.125,
                        "scalar_bfloat16_variable": 0.5}.items():
        points = tb.wait_for_json("/data/plugin/scalars/scalars", lambda p: len(p) >= 1,
                                  run=RUN, tag=f"tf/{name}")
        assert [(step, v) for _, step, v in points] == [(1, value)], name
    for name in ("histogram_variable", "histogram_bfloat16"):
        got = tb.wait_for_json("/data/plugin/histograms/histograms", lambda h: len(h) >= 1,
                               run=RUN, tag=f"tf/{name}")
        want = tb.wait_for_json("/data/plugin/histograms/histograms", lambda h: len(h) >= 1,
                                run=RUN, tag=f"np/{name}")
        assert [h[1:] for h in got] == [h[1:] for h in want]
        assert sum(bucket[2] for bucket in got[0][2]) == 20


# --- once failed (see the module docstring) ---------------------------------------------


def test_scalar_of_a_0d_bfloat16_eager_tensor(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("bf16", tf.constant(0.5, tf.bfloat16), 1)
    assert _values(str(tmp_path), "bf16") == [0.5]


def test_text_of_a_string_tensor(tmp_path: Any) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_text("note", tf.constant("**hello**"), 1)
        writer.add_text("table", tf.constant([["a", "b"], ["c", "d"]]), 1)
    # add_text's default form (torch's): under tag/text_summary, a string as a one-cell table
    (note,) = _values(str(tmp_path), "note/text_summary")
    assert note.tolist() == [b"**hello**"]
    (table,) = _values(str(tmp_path), "table/text_summary")
    assert table.tolist() == [[b"a", b"b"], [b"c", b"d"]]
