"""``tfevents.transformers.TensorBoardCallback`` in a real ``Trainer.train``, in TensorBoard.

A GPT-2 of a few thousand weights, built from a config (nothing downloaded), trains
for 6 steps with evaluation every 3; its run is checked in both TensorBoard loaders.
transformers' own callback given a tfevents writer is run too (it writes through it).
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
pytest.importorskip("transformers")
import torch
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments
from transformers.integrations.integration_utils import TensorBoardCallback as HFCallback

import tfevents
from _integration_helpers import metric_values, session_groups, text_entries, wait_scalars
from tensorboard_server import TensorBoardServer
from tfevents.transformers import TensorBoardCallback

pytestmark = pytest.mark.server

STEPS = 6



class Tokens(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    def __init__(self, n: int) -> None:
        g = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, 32, (n, 8), generator=g)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def train(output_dir: str, callback: Any) -> Trainer:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=32, n_positions=8, n_embd=8, n_layer=1, n_head=2)
    args = TrainingArguments(
        output_dir=output_dir,
        max_steps=STEPS,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        learning_rate=1e-3,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=3,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        seed=7,
    )
    trainer = Trainer(
        model=GPT2LMHeadModel(config), args=args, train_dataset=Tokens(16), eval_dataset=Tokens(8),
        callbacks=[callback],
    )
    trainer.train()
    return trainer


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("hf"))
    ns = types.SimpleNamespace(root=root)
    ns.trainer = train(os.path.join(root, "out"), TensorBoardCallback(log_dir=os.path.join(root, "ours"), flush_secs=1))
    ns.history = ns.trainer.state.log_history
    # transformers' own callback, handed a tfevents writer: it writes through it.
    writer = tfevents.SummaryWriter(os.path.join(root, "stock"), flush_secs=1)
    train(os.path.join(root, "out2"), HFCallback(tb_writer=writer))
    yield ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def expected(history: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    return [(h["step"], h[key]) for h in history if key in h]


@pytest.mark.parametrize("run", ["ours", "stock"])
def test_train_and_eval_scalars(tb: TensorBoardServer, logs: types.SimpleNamespace, run: str) -> None:
    loss = expected(logs.history, "loss")
    assert [s for s, _ in loss] == list(range(1, STEPS + 1))
    points = wait_scalars(tb, run, "train/loss", STEPS)
    assert [p[1] for p in points] == [s for s, _ in loss]
    if run == "ours":  # the same run, the same numbers (float32 in the file)
        assert [p[2] for p in points] == pytest.approx([v for _, v in loss], rel=1e-6)
    evals = wait_scalars(tb, run, "eval/loss", 2)
    assert [p[1] for p in evals] == [3, 6]
    lr = wait_scalars(tb, run, "train/learning_rate", STEPS)
    assert len(lr) == STEPS and lr[0][2] > lr[-1][2]  # linear decay
    assert wait_scalars(tb, run, "train/train_runtime", 1)[0][1] == STEPS


@pytest.mark.parametrize("run", ["ours", "stock"])
def test_args_and_model_config_as_text(tb: TensorBoardServer, run: str) -> None:
    # (add_text's tag + "/text_summary", as torch's writer stores it: the default forms)
    (args_entry,) = text_entries(tb, run, "args/text_summary")
    assert '"max_steps": 6' in args_entry["text"]
    (config_entry,) = text_entries(tb, run, "model_config/text_summary")
    assert '"n_embd": 8' in config_entry["text"]


def test_hparams_with_final_metrics(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    groups = session_groups(tb, ["learning_rate", "max_steps", "seed"], ["hparams/train_loss", "hparams/eval_loss"], {"ours"})
    group = groups["ours"]
    assert group["hparams"]["learning_rate"] == 1e-3
    assert group["hparams"]["max_steps"] == STEPS and group["hparams"]["seed"] == 7
    values = metric_values(group)
    assert set(values) == {"hparams/train_loss", "hparams/eval_loss"}  # no timings
    assert values["hparams/train_loss"][1] == STEPS
    assert values["hparams/train_loss"][0] == pytest.approx(expected(logs.history, "loss")[-1][1], rel=1e-6)
    assert values["hparams/eval_loss"][0] == pytest.approx(expected(logs.history, "eval_loss")[-1][1], rel=1e-6)


def test_numpy_and_tensor_values_are_kept(tmp_path: Any) -> None:
    import numpy as np

    from tfevents.reader import read_run_scalars

    cb = TensorBoardCallback(log_dir=str(tmp_path))
    state = types.SimpleNamespace(is_world_process_zero=True, global_step=5)
    cb.on_log(None, state, None, logs={"a": np.float32(0.5), "b": torch.tensor(2.0), "c": [1, 2], "eval_d": 3})
    cb.tb_writer.close()
    series = read_run_scalars(str(tmp_path))
    got = {tag: (s.steps.tolist(), s.values.tolist()) for tag, s in series.items()}  # type: ignore[union-attr]
    assert got == {"train/a": ([5], [0.5]), "train/b": ([5], [2.0]), "eval/d": ([5], [3.0])}
