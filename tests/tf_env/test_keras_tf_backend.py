"""``tfevents.keras.TensorBoard`` on Keras' tensorflow backend, next to Keras' own
``keras.callbacks.TensorBoard`` on the same fit (runs in the TensorFlow venv).

Both write into one log directory (``ours/``, ``stock/``); TensorBoard (both loaders)
must show the same runs, scalar tags, steps and epoch values for the two, the same
histogram tags, and a graph for each; the model's own ``tf.summary`` calls land in both
runs of both (tfevents forwards them from TensorFlow's default writer).
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator

import pytest

pytest.importorskip("tensorflow")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _integration_helpers import wait_scalars
from tensorboard_server import TensorBoardServer
from test_integration_keras import (
    KERAS_PROJECTOR_CONFIG,
    TRAIN_SCALARS,
    VAL_SCALARS,
    WEIGHTS,
    run_fits,
)

pytestmark = pytest.mark.server

ACTIVITY = "/logs_activity"  # in the tag of the model's own summary (tests/_keras_fit.py)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("keras_tf"))
    ours = run_fits(os.path.join(root, "ours"), ["tensorflow"])["tensorflow"]
    stock = run_fits(os.path.join(root, "stock"), ["tensorflow"], stock=True)["tensorflow"]
    yield types.SimpleNamespace(root=root, ours=ours, stock=stock)


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def test_same_fit(logs: types.SimpleNamespace) -> None:
    assert logs.ours["backend"] == logs.stock["backend"] == "tensorflow"
    assert logs.ours["loss"] == pytest.approx(logs.stock["loss"], rel=1e-5)  # same seed, same data


def test_same_runs_and_tags_as_keras_own_callback(tb: TensorBoardServer) -> None:
    runs = {f"{w}/tensorflow/{r}" for w in ("ours", "stock") for r in ("train", "validation")}
    tags = tb.wait_for_json(
        "/data/plugin/scalars/tags",
        lambda t: runs <= set(t)
        and all(set(t[f"{w}/tensorflow/train"]) >= TRAIN_SCALARS for w in ("ours", "stock")),
    )
    for which in ("train", "validation"):
        assert set(tags[f"ours/tensorflow/{which}"]) == set(tags[f"stock/tensorflow/{which}"])
    for which, expected in (("train", TRAIN_SCALARS), ("validation", VAL_SCALARS)):
        own = {t for t in tags[f"ours/tensorflow/{which}"] if ACTIVITY in t}
        assert len(own) == 1 and set(tags[f"ours/tensorflow/{which}"]) - own == expected


def test_same_steps_and_values(tb: TensorBoardServer) -> None:
    for which, tag, count in [
        ("train", "epoch_loss", 2), ("train", "epoch_accuracy", 2), ("train", "epoch_learning_rate", 2),
        ("train", "batch_loss", 4), ("validation", "epoch_loss", 2),
        ("validation", "evaluation_loss_vs_iterations", 2),
    ]:
        ours = wait_scalars(tb, f"ours/tensorflow/{which}", tag, count)
        stock = wait_scalars(tb, f"stock/tensorflow/{which}", tag, count)
        assert [p[1] for p in ours] == [p[1] for p in stock], (which, tag)
        if tag != "batch_loss":
            assert [p[2] for p in ours] == pytest.approx([p[2] for p in stock], rel=1e-5), (which, tag)


def test_same_histograms_and_graphs(tb: TensorBoardServer) -> None:
    for who in ("ours", "stock"):
        run = f"{who}/tensorflow/train"
        hist_tags = tb.wait_for_json("/data/plugin/histograms/tags", lambda t, run=run: run in t)[run]
        assert {f"{w}/histogram" for w in WEIGHTS} <= set(hist_tags)
    info = tb.wait_for_json(
        "/data/plugin/graphs/info", lambda i: "ours/tensorflow/train" in i and "stock/tensorflow/train" in i
    )
    assert info["ours/tensorflow/train"]["run_graph"] == info["stock/tensorflow/train"]["run_graph"]
    assert info["ours/tensorflow/train"]["tags"]["keras"]["conceptual_graph"] is True
    assert info["stock/tensorflow/train"]["tags"]["keras"]["conceptual_graph"] is True


def test_projector_shows_ours_and_not_keras_own(tb: TensorBoardServer) -> None:
    # Keras 3 saves its embeddings as .weights.h5, which TensorBoard's Projector cannot
    # read (it reads TensorFlow checkpoints): it lists no run of Keras' own callback.
    runs = tb.wait_for_json("/data/plugin/projector/runs", lambda r: "ours/tensorflow/train" in r)
    assert runs == ["ours/tensorflow/train"]
    assert os.path.exists(os.path.join(tb.logdir, "stock", "tensorflow", "train", "keras_embedding.ckpt-1.weights.h5"))
    for who in ("ours", "stock"):
        with open(os.path.join(tb.logdir, who, "tensorflow", "projector_config.pbtxt"), encoding="utf-8") as f:
            assert f.read() == KERAS_PROJECTOR_CONFIG, who


def test_model_summaries_reach_the_runs_as_with_keras_own_callback(tb: TensorBoardServer, load_fast: bool) -> None:
    # The layer's tf.summary.scalar runs inside the traced train and test functions: the
    # tag has the layer's name scope, the step is the batch step when they were traced
    # (1, each batch: the Rust data server keeps the last point of a repeated step).
    for which, batches in (("train", 8), ("validation", 4)):
        runs = {w: f"{w}/tensorflow/{which}" for w in ("ours", "stock")}
        tags = tb.wait_for_json("/data/plugin/scalars/tags", lambda t, runs=runs: all(
            any(ACTIVITY in tag for tag in t.get(r, {})) for r in runs.values()))
        (tag,) = [t for t in tags[runs["stock"]] if ACTIVITY in t]
        assert tag in tags[runs["ours"]]
        points = {w: wait_scalars(tb, r, tag, 1 if load_fast else batches) for w, r in runs.items()}
        assert [p[1] for p in points["ours"]] == [p[1] for p in points["stock"]] == [1] * len(points["ours"])
        assert len(points["ours"]) == (1 if load_fast else batches), which
        assert [p[2] for p in points["ours"]] == pytest.approx([p[2] for p in points["stock"]], rel=1e-5), which
