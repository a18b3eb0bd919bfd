"""``patch()``/``unpatch()`` and the launcher ``python -m tfevents.integrations.run``.

The proof is a third-party training loop run unchanged under the launcher: Lightning's
stock ``TensorBoardLogger`` in a ``Trainer.fit`` (the module does not call
``save_hyperparameters``: the stock logger's ``log_hyperparams`` needs
``_get_file_writer().add_summary``), plus a module-level
``from torch.utils.tensorboard import SummaryWriter`` as stable-baselines3 does and a
child process. Everything runs in subprocesses: importing torch's writer must not
happen in the test process, and each case needs a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from typing import Any

import pytest

from _integration_helpers import wait_scalars
from tensorboard_server import TensorBoardServer

pytestmark = pytest.mark.server

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

SEMANTICS = """
import json, sys
import tfevents
from tfevents.integrations import patch, unpatch
import torch.utils.tensorboard as tb_torch
import torch.utils.tensorboard.summary as torch_summary
original = tb_torch.SummaryWriter
summary_hparams = torch_summary.hparams
patch()
patch()  # idempotent
import tensorboardX  # imported after patch(): patched on import
from torch.utils.tensorboard import SummaryWriter as late
from torch.utils.tensorboard.writer import SummaryWriter as late_writer
out = {
    "torch": tb_torch.SummaryWriter is tfevents.SummaryWriter,
    "late": late is tfevents.SummaryWriter and late_writer is tfevents.SummaryWriter,
    "tbx": tensorboardX.SummaryWriter is tfevents.SummaryWriter,
    "tbx_writer": tensorboardX.writer.SummaryWriter is tfevents.SummaryWriter,
    "summary_kept": torch_summary.hparams is summary_hparams and torch_summary.__name__ == "torch.utils.tensorboard.summary",
    "filewriter_kept": tb_torch.FileWriter.__module__ == "torch.utils.tensorboard.writer",
}
unpatch()
out["restored"] = tb_torch.SummaryWriter is original and tb_torch.writer.SummaryWriter is original
out["tbx_restored"] = tensorboardX.SummaryWriter.__module__ == "tensorboardX.writer"
print(json.dumps(out))
"""

THIRD_PARTY = '''
"""An unmodified training script: Lightning's stock logger and torch's writer."""
import json, os, subprocess, sys

import torch
from torch.utils.tensorboard import SummaryWriter  # bound at import, as SB3 does
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.loggers import TensorBoardLogger

root = sys.argv[1]



class Model(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
x = torch.randn(32, 4)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
logger = TensorBoardLogger(root, name="stock")
Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu").fit(Model(), data)
own = SummaryWriter(os.path.join(root, "own"))
for step in range(3):
    own.add_scalar("reward", step * 1.5, step)
own.close()
child = subprocess.run(
    [sys.executable, "-c", "import torch.utils.tensorboard as t; print(t.SummaryWriter.__module__)"],
    capture_output=True, text=True, check=True,
)
print(json.dumps({
    "experiment": type(logger.experiment).__module__,
    "own": SummaryWriter.__module__,
    "child": child.stdout.strip(),
}))
'''


def run_python(args: list[str], cwd: str | None = None) -> Any:
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("TFEVENTS_PATCH", None)
    done = subprocess.run([sys.executable, "-P", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("patched"))
    script = os.path.join(root, "train_script.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(THIRD_PARTY))
    logdir = os.path.join(root, "logs")
    result = run_python(["-m", "tfevents.integrations.run", script, logdir], cwd=root)
    yield types.SimpleNamespace(root=root, logdir=logdir, result=result)


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def test_patch_replaces_only_the_writer_and_unpatch_restores() -> None:
    out = run_python(["-c", SEMANTICS])
    assert out == {
        "torch": True, "late": True, "tbx": True, "tbx_writer": True, "summary_kept": True,
        "filewriter_kept": True, "restored": True, "tbx_restored": True,
    }


def test_launcher_gives_the_unchanged_script_tfevents_writers(logs: types.SimpleNamespace) -> None:
    expected = "tfevents.writer.summary_writer"  # (SummaryWriter.__module__)
    assert logs.result == {"experiment": expected, "own": expected, "child": expected}


def test_the_scripts_logs_in_tensorboard(tb: TensorBoardServer) -> None:
    loss = wait_scalars(tb, "stock/version_0", "train_loss", 8)
    assert [p[1] for p in loss] == list(range(8))  # 2 epochs of 4 batches
    epochs = wait_scalars(tb, "stock/version_0", "epoch", 8)
    assert sorted({p[2] for p in epochs}) == [0.0, 1.0]
    assert [(p[1], p[2]) for p in wait_scalars(tb, "own", "reward", 3)] == [(0, 0.0), (1, 1.5), (2, 3.0)]


def test_launcher_usage() -> None:
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run([sys.executable, "-P", "-m", "tfevents.integrations.run"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "usage:" in done.stderr
    done = subprocess.run(
        [sys.executable, "-P", "-m", "tfevents.integrations.run", "--site-dir"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and os.path.isfile(os.path.join(done.stdout.strip(), "sitecustomize.py"))
