"""``tfevents.lightning.TensorBoardLogger`` in a real ``Trainer.fit``, checked in TensorBoard.

One module-wide run (CPU, a tiny linear model, a few batches): a fit of two epochs into
``exp/version_0`` with hyperparameters, a graph and validation, then a resume from its
last checkpoint for a third epoch into the same version, then a second logger without a
version (``version_1``). Every check asks a real TensorBoard (both loaders).
"""

from __future__ import annotations

import os
import pickle
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("lightning")
import torch
import yaml
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

import tfevents
from _integration_helpers import metric_values, session_groups, wait_scalars
from tensorboard_server import TensorBoardServer
from tfevents.lightning import TensorBoardLogger

pytestmark = pytest.mark.server

BATCHES = 4  # training batches per epoch



class TinyModule(LightningModule):  # type: ignore[misc]
    def __init__(self, lr: float = 0.05, hidden: int = 8, use_bias: bool = True, note: str = "x") -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, hidden, bias=use_bias), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )
        self.example_input_array = torch.zeros(2, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # type: ignore[no-any-return]

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("val_loss", loss)
        self.log("hp_metric", loss)  # Lightning's convention: the real value of hp_metric

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader() -> torch.utils.data.DataLoader[Any]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(BATCHES * 8, 4, generator=g)
    y = x.sum(dim=1, keepdim=True)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)


def trainer(logger: TensorBoardLogger, root: str, epochs: int) -> Trainer:
    return Trainer(
        max_epochs=epochs,
        logger=logger,
        accelerator="cpu",
        devices=1,
        log_every_n_steps=1,
        limit_val_batches=2,
        callbacks=[ModelCheckpoint(dirpath=os.path.join(root, "ckpt"), save_last=True)],
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=root,
    )


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("lightning"))
    ns = types.SimpleNamespace(root=root)
    torch.manual_seed(0)
    logger = TensorBoardLogger(root, name="exp", log_graph=True, flush_secs=1)
    ns.first_version = logger.version
    model = TinyModule(lr=0.05, hidden=8, use_bias=True, note="x")
    trainer(logger, root, 2).fit(model, loader(), loader())
    ns.logger = logger
    # Resume: the checkpoint carries the step counter; the same version gets the rest.
    resumed = TensorBoardLogger(root, name="exp", version=0, flush_secs=1)
    trainer(resumed, root, 3).fit(TinyModule(), loader(), loader(), ckpt_path=os.path.join(root, "ckpt", "last.ckpt"))
    ns.resumed = resumed
    ns.second = TensorBoardLogger(root, name="exp")
    ns.second.log_hyperparams({"a": 1, "b": {"c": 2.5}, 123: 3, "s": "z"}, metrics=torch.tensor([0.5]))
    ns.second.log_metrics({"hp_metric": 0.75}, step=3)
    ns.second.finalize("success")
    yield ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def test_versions_and_files(logs: types.SimpleNamespace) -> None:
    assert logs.first_version == 0
    assert logs.second.version == 1
    assert isinstance(logs.logger.experiment, tfevents.SummaryWriter)
    assert logs.logger.log_dir == os.path.join(logs.root, "exp", "version_0")
    assert sorted(os.listdir(os.path.join(logs.root, "exp"))) == ["version_0", "version_1"]
    files = os.listdir(logs.logger.log_dir)
    assert len([f for f in files if f.startswith("events.out.tfevents.")]) == 2  # fit + resume
    with open(os.path.join(logs.logger.log_dir, "hparams.yaml")) as f:
        assert yaml.safe_load(f) == {"lr": 0.05, "hidden": 8, "use_bias": True, "note": "x"}
    # Lightning's pickling rule: the writer is not part of the logger's state.
    clone = pickle.loads(pickle.dumps(logs.logger))
    assert clone._experiment is None and clone.log_dir == logs.logger.log_dir


def test_training_curve_continues_after_resume(tb: TensorBoardServer) -> None:
    points = wait_scalars(tb, "exp/version_0", "train_loss", 3 * BATCHES)
    assert [p[1] for p in points] == list(range(3 * BATCHES))  # no step twice, no gap
    val = wait_scalars(tb, "exp/version_0", "val_loss", 3)
    assert [p[1] for p in val] == [BATCHES - 1, 2 * BATCHES - 1, 3 * BATCHES - 1]
    epochs = wait_scalars(tb, "exp/version_0", "epoch", 3 * BATCHES)
    assert {p[2] for p in epochs} == {0.0, 1.0, 2.0}


def test_hparams_session_is_the_run(tb: TensorBoardServer) -> None:
    groups = session_groups(tb, ["lr", "hidden", "use_bias", "note"], ["hp_metric"], {"exp/version_0"})
    group = groups["exp/version_0"]  # the run itself, not a timestamped sub-run
    assert group["hparams"] == {"lr": 0.05, "hidden": 8.0, "use_bias": True, "note": "x"}
    val = wait_scalars(tb, "exp/version_0", "val_loss", 3)
    value, step = metric_values(group)["hp_metric"]
    # hp_metric: -1 at the start, then the logged validation loss; the latest is shown.
    assert step == 3 * BATCHES - 1 and value == pytest.approx(val[-1][2])
    assert not [run for run in tb.get_json("/data/runs") if run.startswith("exp/version_0/")]


def test_hparams_of_a_direct_call(tb: TensorBoardServer) -> None:
    # A bare metric is hp_metric; Lightning's key rules (nesting with "/", str keys).
    groups = session_groups(tb, ["a", "b/c", "123", "s"], ["hp_metric"], {"exp/version_1"})
    group = groups["exp/version_1"]
    assert group["hparams"] == {"a": 1.0, "b/c": 2.5, "123": 3.0, "s": "z"}
    assert metric_values(group)["hp_metric"] == (0.75, 3)
    points = wait_scalars(tb, "exp/version_1", "hp_metric", 2)
    assert [(p[1], p[2]) for p in points] == [(0, 0.5), (3, 0.75)]


def test_graph_logged_through_torch_adapter(tb: TensorBoardServer) -> None:
    info = tb.wait_for_json("/data/plugin/graphs/info", lambda i: "exp/version_0" in i)
    assert info["exp/version_0"]["run_graph"] is True
    graph = tb.get_text("/data/plugin/graphs/graph", run="exp/version_0")
    assert "Linear" in graph or "linear" in graph or "addmm" in graph


def test_importing_tfevents_imports_no_framework() -> None:
    import subprocess

    code = (
        "import sys, tfevents, tfevents.integrations; "
        "bad = [m for m in ('lightning', 'torch', 'transformers', 'keras', 'jax', 'flax', 'clu', 'tensorflow') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- behaviour checks ported from Lightning's own tests/loggers/test_tensorboard.py ------------


def test_next_version_skips_non_numbered_dirs(tmp_path: Any) -> None:
    for name in ("version_0", "version_1", "version_nonumber", "other"):
        (tmp_path / "lightning_logs" / name).mkdir(parents=True)
    assert TensorBoardLogger(str(tmp_path)).version == 2
    assert TensorBoardLogger(str(tmp_path), version=7).log_dir.endswith("version_7")
    assert TensorBoardLogger(str(tmp_path), version="run_a").log_dir.endswith("run_a")
    assert TensorBoardLogger(str(tmp_path), name="").log_dir == os.path.join(str(tmp_path), "version_0")


def test_log_dir_expands_user_and_vars(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFE_TEST_ROOT", str(tmp_path))
    logger = TensorBoardLogger("$TFE_TEST_ROOT", name="n", version=0, sub_dir="sub")
    assert logger.log_dir == os.path.join(str(tmp_path), "n", "version_0", "sub")


def test_metrics_and_odd_hparams_do_not_raise(tmp_path: Any) -> None:
    import argparse

    import numpy as np

    from tfevents.reader import read_run_scalars

    logger = TensorBoardLogger(str(tmp_path), name="", version=0, prefix="p")
    for step, value in [(10, 1.5), (11, 2), (12, torch.tensor(0.25)), (None, torch.tensor(3))]:
        logger.log_metrics({"m": value}, step)
    params = {
        "float": 0.3, "int": 1, "string": "abc", "bool": True, "list": [1, 2, 3],
        "namespace": argparse.Namespace(foo=argparse.Namespace(bar="buzz")), "layer": torch.nn.BatchNorm1d,
        "tensor": torch.empty(2, 2, 2), "array": np.empty([2, 2, 2]), "vec": torch.tensor([0.5, 1.5]),
    }
    logger.log_hyperparams(params, metrics={"abc": torch.tensor([0.54])})
    logger.finalize("success")
    series = read_run_scalars(logger.log_dir)
    assert series["p-m"].steps.tolist()[:3] == [10, 11, 12]  # type: ignore[union-attr]
    assert series["p-m"].values.tolist()[:3] == [1.5, 2.0, 0.25]  # type: ignore[union-attr]
    assert series["p-abc"].values.tolist() == [pytest.approx(0.54)]  # type: ignore[union-attr]
    assert os.path.isfile(os.path.join(logger.log_dir, "hparams.yaml"))


def test_finalize_without_logging_creates_no_writer(tmp_path: Any) -> None:
    logger = TensorBoardLogger(str(tmp_path), name="", version=0)
    logger.finalize("failed")  # ("success" saves, and Lightning's save() makes the writer)
    assert logger._experiment is None
    logger.log_metrics({"a": 1.0}, 0)
    writer = logger.experiment
    logger.finalize("success")  # flush, close, then Lightning's save(): flush after close
    assert writer._run.closed
