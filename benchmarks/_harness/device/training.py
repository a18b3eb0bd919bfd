"""One timed training run: the steps, 8 device-tensor metrics logged per step (or not),
and the read-back check of every logged value against the device's own copy."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import writers
from ..scalarlog import check_scalars, read_scalar_log
from .models import ModelSpec

METRICS = (
    "loss", "accuracy", "logit_mean", "logit_std", "logit_max", "weight_norm", "grad_norm", "loss_ema",
)
VARIANTS = ("none", "torch", "tensorboardX", "tfevents")
VARIANT_LABELS = {
    "none": "no logging (8 metrics computed, not logged)",
    "torch": "torch.utils.tensorboard",
    "tensorboardX": "tensorboardX",
    "tfevents": "tfevents",
}


class Trainer:
    def __init__(self, spec: ModelSpec, device: str, seed: int = 0) -> None:
        import torch

        torch.manual_seed(seed)
        self.torch = torch
        self.device = device
        self.model = spec.build().to(device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.x = torch.randn(spec.batch, *spec.input_shape, device=device)
        self.y = torch.randint(0, 10, (spec.batch,), device=device)
        self.last = [m for m in self.model.modules() if isinstance(m, torch.nn.Linear)][-1]
        self.ema = torch.zeros((), device=device)

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def steps(self, count: int, writer: Any, buffer: Any) -> None:
        torch, model, opt, x, y = self.torch, self.model, self.opt, self.x, self.y
        cross_entropy = torch.nn.functional.cross_entropy
        weight = self.last.weight
        names = [f"train/{name}" for name in METRICS]
        for step in range(count):
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = cross_entropy(logits, y)
            loss.backward()
            opt.step()
            with torch.no_grad():
                self.ema = 0.9 * self.ema + 0.1 * loss.detach()
                metrics = (
                    loss.detach(),
                    (logits.argmax(1) == y).float().mean(),
                    logits.mean(),
                    logits.std(),
                    logits.max(),
                    torch.linalg.vector_norm(weight),
                    torch.linalg.vector_norm(weight.grad),
                    self.ema,
                )
                buffer[step] = torch.stack(metrics)
            if writer is not None:
                add = writer.add_scalar
                for name, value in zip(names, metrics):
                    add(name, value, step)


def make_writer(variant: str, logdir: str) -> Any:
    """The variant's writer on ``logdir``; None for no logging."""
    return None if variant == "none" else writers.make_writer(variant, logdir)


@dataclass
class RunResult:
    total_s: float
    events: int


def timed_run(trainer: Trainer, spec: ModelSpec, variant: str, root: str, steps: int | None = None) -> RunResult:
    torch = trainer.torch
    count = steps or spec.steps
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{variant}-", dir=root)
    buffer = torch.empty((count, len(METRICS)), device=trainer.device)
    gc.collect()
    trainer.sync()
    t0 = time.perf_counter()
    writer = make_writer(variant, logdir)
    trainer.steps(count, writer, buffer)
    if writer is not None:
        writer.close()
    trainer.sync()
    total = time.perf_counter() - t0
    events = 0
    if writer is not None:
        expected_values = buffer.cpu().numpy()
        steps_array = np.arange(count, dtype=np.int64)
        expected = {f"train/{name}": (steps_array, expected_values[:, k]) for k, name in enumerate(METRICS)}
        log = read_scalar_log(logdir)
        check_scalars(log, expected, who=f"{VARIANT_LABELS[variant]} ({spec.key})")
        events = log.scalar_events
    shutil.rmtree(logdir, ignore_errors=True)
    return RunResult(total, events)
