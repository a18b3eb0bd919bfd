"""``tfevents.clu.MetricWriter`` inside CLU's own ``AsyncWriter`` and ``MultiWriter``,
next to CLU's TensorFlow ``SummaryWriter`` fed the same calls (TensorFlow venv, where
clu imports). TensorBoard (both loaders) must show the same tags and values for both."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("clu")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from clu import metric_writers

from _integration_helpers import session_groups, wait_scalars
from tensorboard_server import TensorBoardServer
from tfevents.clu import MetricWriter

pytestmark = pytest.mark.server



@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("clu_tf"))
    ours = MetricWriter(os.path.join(root, "ours"), flush_secs=1)
    theirs = metric_writers.SummaryWriter(os.path.join(root, "theirs"))
    writer = metric_writers.AsyncWriter(metric_writers.MultiWriter([ours, theirs]))
    writer.write_hparams({"lr": 0.1, "name": "sgd"})
    for step in range(4):
        writer.write_scalars(step, {"loss": 1.0 / (step + 1)})
    writer.write_histograms(3, {"w": np.arange(50, dtype=np.float32)})
    writer.write_images(3, {"img": np.zeros((1, 4, 4, 3), dtype=np.uint8)})
    writer.write_texts(3, {"note": "hi"})
    writer.close()
    yield types.SimpleNamespace(root=root, ours=ours)


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def test_is_a_clu_metric_writer(logs: types.SimpleNamespace) -> None:
    assert isinstance(logs.ours, metric_writers.MetricWriter)


def test_same_scalars_as_clu_summary_writer(tb: TensorBoardServer) -> None:
    ours = wait_scalars(tb, "ours", "loss", 4)
    theirs = wait_scalars(tb, "theirs", "loss", 4)
    assert [(p[1], p[2]) for p in ours] == [(p[1], p[2]) for p in theirs]


def test_same_histogram_image_text_tags(tb: TensorBoardServer) -> None:
    for plugin in ("histograms", "images", "text"):
        tags = tb.wait_for_json(f"/data/plugin/{plugin}/tags", lambda t: "ours" in t and "theirs" in t)
        assert set(tags["ours"]) == set(tags["theirs"]), plugin


def test_same_hparams_sessions(tb: TensorBoardServer) -> None:
    # TensorFlow names the session group by a hash of the hparams: both runs, one group.
    group_name = "5d6b5bc67fc09675d21a0d13d16029d7288c281008c26976385438ee66c3ce97"
    groups = session_groups(tb, ["lr", "name"], ["loss"], {group_name})
    assert list(groups) == [group_name]
    group = groups[group_name]
    assert group["hparams"] == {"lr": 0.1, "name": "sgd"}
    sessions = {s["name"]: s for s in group["sessions"]}
    assert set(sessions) == {"ours", "theirs"}
    for session in sessions.values():
        assert [(m["value"], m["trainingStep"]) for m in session["metricValues"]] == [(0.25, 3)]
