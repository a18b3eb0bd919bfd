"""The demo's settings and results: what defines a run, and what it comes to."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

LEARNING_RATES = (0.02, 0.2)  # the intended learning rate, and the typo
DEFAULT_LOGDIR = os.path.join("runs", "demo")
DEFAULT_STEPS = 500
CLASS_NAMES = ("red", "green", "blue")
# Colour of each class in the decision-region image (ColorBrewer Set1), RGB in [0, 1].
CLASS_COLORS = np.array([[228, 26, 28], [77, 175, 74], [55, 126, 184]], dtype=np.float32) / 255
INPUT_DIM = 2
HISTOGRAM_BINS = 64
ADAM_BETAS = (0.9, 0.999)  # the defaults of every framework's Adam
ADAM_EPSILON = 1e-8


@dataclass(frozen=True)
class Config:
    """Everything that defines one training run; both runs differ only in learning_rate."""

    learning_rate: float
    steps: int = DEFAULT_STEPS
    seed: int = 0
    hidden: tuple[int, ...] = (64, 64)
    batch_size: int = 32
    points_per_class: int = 200
    spiral_turns: float = 1.5
    val_fraction: float = 0.2
    eval_every: int = 10
    image_every: int = 50

    @property
    def sizes(self) -> tuple[int, ...]:
        return (INPUT_DIM, *self.hidden, len(CLASS_NAMES))

    @property
    def run_name(self) -> str:
        return f"lr_{self.learning_rate:g}"


@dataclass(frozen=True)
class Metrics:
    loss: float
    accuracy: float


@dataclass(frozen=True)
class RunResult:
    """Where a run was written, how its final model does on each split, how much of each
    hidden layer is dead (the usual damage of a too-large learning rate), and when the
    earlier demo run it replaced was written (None if there was none)."""

    run_dir: str
    learning_rate: float
    train: Metrics
    val: Metrics
    dead_units: dict[str, float]  # hidden layer name -> fraction of its ReLUs that are dead
    replaced: float | None = None  # wall time of the earlier demo run in run_dir
