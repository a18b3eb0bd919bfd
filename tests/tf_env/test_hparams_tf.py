"""``read_hparams`` on sessions of Keras' ``hp.KerasCallback`` and TensorFlow's
``hp.hparams`` (runs in the TensorFlow venv).

Keras: a sweep of two fits, the experiment declared at the root by ``hp.hparams_config``
with metrics of the ``train`` and ``validation`` sub-runs that Keras' TensorBoard
callback writes; TensorBoard's ``/session_groups`` must give the same table.
TensorFlow: ``hp.hparams`` and ``tf.summary.scalar`` in the session's own run, no
experiment (the columns are inferred, as TensorBoard infers them).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tensorboard.plugins.hparams import api as hp  # noqa: E402

from tfevents.reader import read_hparams  # noqa: E402

ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
UNITS = hp.HParam("units", hp.Discrete([4, 8]))
OPTIMIZER = hp.HParam("optimizer", hp.Discrete(["adam", "sgd"]))
METRIC_NAMES = [("validation", "epoch_accuracy"), ("train", "epoch_loss")]
METRICS = [hp.Metric(tag, group=group) for group, tag in METRIC_NAMES]


@pytest.fixture(scope="module")
def keras_logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    import keras

    root = str(tmp_path_factory.mktemp("keras_hparams"))
    with tf.summary.create_file_writer(root).as_default():
        hp.hparams_config(hparams=[UNITS, OPTIMIZER], metrics=METRICS)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    for k, (units, optimizer) in enumerate([(4, "adam"), (8, "sgd")]):
        run = os.path.join(root, f"run-{k}")
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0,
                  callbacks=[keras.callbacks.TensorBoard(run),
                             hp.KerasCallback(run, {UNITS: units, OPTIMIZER: optimizer})])
    return root


@pytest.fixture(scope="module")
def tf_logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("tf_hparams"))
    for k, rate in enumerate([0.5, 0.25]):
        with tf.summary.create_file_writer(os.path.join(root, f"trial_{k}")).as_default():
            hp.hparams({"rate": rate, "deep": bool(k)}, trial_id=f"t{k}")
            for step in range(3):
                tf.summary.scalar("accuracy", rate * step, step=step)
    return root


def test_keras_sessions_with_sub_run_metrics(keras_logdir: str) -> None:
    table = read_hparams(keras_logdir)
    assert table.attrs == {"hparams": ["units", "optimizer"],
                           "metrics": ["validation/epoch_accuracy", "train/epoch_loss"]}
    assert table.index.tolist() == ["run-0", "run-1"]
    assert table["units"].tolist() == [4.0, 8.0] and table["optimizer"].tolist() == ["adam", "sgd"]
    assert table["status"].tolist() == ["STATUS_SUCCESS", "STATUS_SUCCESS"]
    from tfevents.reader import read_scalars

    scalars = read_scalars(keras_logdir)
    for run in ("run-0", "run-1"):
        assert table.loc[run, "train/epoch_loss"] == scalars[f"{run}/train"]["epoch_loss"].values[-1]
        assert table.loc[run, "validation/epoch_accuracy"] == \
            scalars[f"{run}/validation"]["epoch_accuracy"].values[-1]


def test_tensorflow_sessions_inferred_columns(tf_logdir: str) -> None:
    table = read_hparams(tf_logdir)
    assert table.attrs == {"hparams": ["deep", "rate"], "metrics": ["accuracy"]}  # (map order)
    assert table["group"].tolist() == ["t0", "t1"]
    assert table["rate"].tolist() == [0.5, 0.25] and table["deep"].tolist() == [False, True]
    assert table["accuracy"].tolist() == [1.0, 0.5]


@pytest.fixture(scope="module")
def tb_logdir(keras_logdir: str) -> str:
    return keras_logdir  # (its own servers: the HParams dashboard takes the whole log directory)


@pytest.mark.server
def test_keras_table_equals_tensorboards(tb: Any, keras_logdir: str) -> None:
    table = read_hparams(keras_logdir)
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES,
            "colParams": [{"hparam": "units"}, {"hparam": "optimizer"}]
            + [{"metric": {"group": group, "tag": tag}} for group, tag in METRIC_NAMES],
            "startIndex": 0, "sliceSize": 100}

    def ready() -> list[dict[str, Any]] | None:
        _, _, raw = tb.request("/data/plugin/hparams/session_groups", data=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
        groups = json.loads(raw).get("sessionGroups", [])
        full = [g for g in groups if len(g["sessions"][0].get("metricValues", [])) == len(METRICS)]
        return groups if len(full) == len(table) else None

    groups = tb.wait_for(ready, what="the Keras sessions with their metrics")
    for group in groups:
        (session,) = group["sessions"]
        row = table.loc[session["name"]]
        assert group["name"] == row["group"] and session["status"] == row["status"]
        assert group["hparams"] == {"units": row["units"], "optimizer": row["optimizer"]}
        for metric in session["metricValues"]:
            column = f"{metric['name']['group']}/{metric['name']['tag']}"
            assert metric["value"] == row[column], (session["name"], column)
