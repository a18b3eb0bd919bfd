"""``read_hparams``: the HParams dashboard's table, checked against TensorBoard's own.

One log directory holds sessions written by tfevents (same run and sub-run layouts),
torch's ``add_hparams`` (a sub-run per call), tensorboardX and Lightning's
TensorBoardLogger, all declaring the hyperparameters ``lr`` and ``opt`` and the metric
``acc``; a real TensorBoard (its Rust data server) answers ``/session_groups`` for it,
and every session's hyperparameters and metric values must equal ``read_hparams``'.
(Keras' and TensorFlow's hparams API: tests/tf_env/test_hparams_tf.py.)
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import tfevents
from tfevents.reader import read_hparams

ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
SWEEP = [(0.1, "adam"), (0.03, "sgd")]


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("hparams")
    for k, (lr, opt) in enumerate(SWEEP):
        with tfevents.SummaryWriter(str(root / f"ours/{opt}")) as w:
            for step in range(4):
                w.add_scalar("acc", 0.5 + step / 10 + k, step)
            w.add_hparams({"lr": lr, "opt": opt}, {"acc": 0.9 + k})  # the run's own session
        with tfevents.SummaryWriter(str(root / "ours_sub")) as w:
            w.add_hparams({"lr": lr, "opt": opt}, {"acc": 0.2 + k}, run_name=f"trial_{k}")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    for k, (lr, opt) in enumerate(SWEEP):
        with TorchWriter(str(root / f"torch/{opt}")) as w:
            w.add_hparams({"lr": lr, "opt": opt}, {"acc": 0.6 + k})  # a sub-run named by time
    import tensorboardX

    with tensorboardX.SummaryWriter(str(root / "tensorboardx")) as w:
        w.add_hparams({"lr": 0.5, "opt": "rmsprop"}, {"acc": 0.25}, name="tbx_trial")
    from lightning.pytorch.loggers import TensorBoardLogger

    logger = TensorBoardLogger(str(root), name="lightning", default_hp_metric=False)
    logger.log_hyperparams({"lr": 0.01, "opt": "adamw"}, metrics={"acc": 0.0})
    for step in range(3):
        logger.log_metrics({"acc": 0.3 * step}, step=step)
    logger.finalize("success")
    return str(root)


def test_every_writer_gives_its_sessions(logdir: str) -> None:
    table = read_hparams(logdir)
    assert table.attrs == {"hparams": ["lr", "opt"], "metrics": ["acc"]}
    sessions = table.index.tolist()
    # (no run is named "tfevents...": TensorBoard's Python loader takes any path with
    # "tfevents" in its name for an event file, directories too)
    assert sessions[:3] == ["lightning/version_0", "ours/adam", "ours/sgd"]
    assert sessions[3:6] == ["ours_sub/trial_0", "ours_sub/trial_1", "tensorboardx/tbx_trial"]
    assert [s.rsplit("/", 1)[0] for s in sessions[6:]] == ["torch/adam", "torch/sgd"]
    assert table["opt"].tolist() == ["adamw", "adam", "sgd", "adam", "sgd", "rmsprop", "adam", "sgd"]
    assert table["lr"].tolist() == [0.01, 0.1, 0.03, 0.1, 0.03, 0.5, 0.1, 0.03]
    assert table["acc"].tolist() == pytest.approx([0.6, 0.9, 1.9, 0.2, 1.2, 0.25, 0.6, 1.6], rel=1e-6)
    assert (table["group"] == table.index).all()
    assert table.loc["ours/adam", "status"] == "STATUS_SUCCESS"


@pytest.fixture(scope="module")
def tb_logdir(logdir: str) -> str:
    return logdir  # (its own servers: the HParams dashboard takes the whole log directory)


def session_groups(tb: Any, count: int) -> list[dict[str, Any]]:
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES,
            "colParams": [{"hparam": "lr"}, {"hparam": "opt"}, {"metric": {"group": "", "tag": "acc"}}],
            "startIndex": 0, "sliceSize": 100}

    def ready() -> list[dict[str, Any]] | None:
        _, _, raw = tb.request("/data/plugin/hparams/session_groups", data=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
        groups = json.loads(raw).get("sessionGroups", [])
        complete = [g for g in groups if g["sessions"][0].get("metricValues")]
        return groups if len(complete) == count else None

    return tb.wait_for(ready, what=f"{count} hparams sessions with metrics")  # type: ignore[no-any-return]


@pytest.mark.server
def test_table_equals_tensorboards_session_groups(tb: Any, logdir: str) -> None:
    table = read_hparams(logdir)
    groups = session_groups(tb, len(table))
    seen = {}
    for group in groups:
        (session,) = group["sessions"]
        (metric,) = session["metricValues"]
        assert metric["name"] == {"group": "", "tag": "acc"}
        seen[session["name"]] = (group["name"], group["hparams"], metric["value"], session["status"])
    assert sorted(seen) == table.index.tolist()
    for run, row in table.iterrows():
        name, hparams, value, status = seen[run]
        assert name == row["group"] and status == row["status"]
        assert hparams == {"lr": row["lr"], "opt": row["opt"]}
        assert math.isclose(value, row["acc"], rel_tol=0, abs_tol=0), run
