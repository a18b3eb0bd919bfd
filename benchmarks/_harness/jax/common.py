"""What every part of the JAX benchmark shares: the writers, the read-back check, and
fresh directories for each run."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import numpy as np

METRICS = ("loss", "accuracy", "logit_mean", "logit_std", "logit_max", "w_norm", "g_norm", "loss_ema")


def make_writer(key: str, logdir: str) -> Any:
    if key == "tfevents":
        import tfevents

        return tfevents.SummaryWriter(logdir)
    if key == "tensorboardX":
        import tensorboardX

        return tensorboardX.SummaryWriter(logdir=logdir)
    if key == "torch":
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=logdir)
    raise KeyError(key)


WRITER_LABELS = {
    "tfevents": "tfevents",
    "tensorboardX": "tensorboardX",
    "torch": "torch.utils.tensorboard",
}


def check_values(logdir: str, expected: dict[str, Any], who: str) -> int:
    """Every tag's values (float32) equal ``expected``, in order; the number of events."""
    from tfevents import reader

    series = reader.read_run_scalars(logdir)
    count = 0
    for tag, values in expected.items():
        want = np.asarray(values, dtype=np.float32)
        got = series[tag].values.astype(np.float32) if tag in series else np.array([], np.float32)
        if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
            raise AssertionError(f"{who}: tag {tag!r} holds {got[:5]}... ({got.size}), expected {want[:5]}... ({want.size})")
        count += got.size
    return count


class Dirs:
    def __init__(self, root: str | None) -> None:
        self.root = tempfile.mkdtemp(prefix="tfevents-bench-jax-", dir=root)
        self.n = 0

    def new(self, name: str) -> str:
        self.n += 1
        path = os.path.join(self.root, f"{self.n:04d}-{name}")
        os.makedirs(path)
        return path

    def drop(self, path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)
