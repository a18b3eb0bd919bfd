"""The demo's data: three interleaved spiral arms in the plane, one per class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from runconfig import CLASS_NAMES, Config


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # [n, 2] float32 points
    y: np.ndarray  # [n] int64 class indices

    def __len__(self) -> int:
        return len(self.y)


def make_spiral(
    points_per_class: int, turns: float, rng: np.random.Generator, noise: float = 0.2
) -> Dataset:
    """Interleaved spiral arms, one per class: not linearly separable, so depth matters.

    The demo uses 1.5 turns per arm: arms that wind that tightly take a well-trained
    network to separate, so a broken run cannot pass for a good one (nearly straight
    0.75-turn arms were learnt even at the wrong learning rate).
    """
    xs, ys = [], []
    classes = len(CLASS_NAMES)
    for label in range(classes):
        radius = np.linspace(0.05, 1.0, points_per_class)
        jitter = rng.normal(0.0, noise, points_per_class)
        angle = 2 * np.pi * (turns * radius + label / classes) + jitter
        xs.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1))
        ys.append(np.full(points_per_class, label, dtype=np.int64))
    return Dataset(np.concatenate(xs).astype(np.float32), np.concatenate(ys))


def split(data: Dataset, val_fraction: float, rng: np.random.Generator) -> tuple[Dataset, Dataset]:
    """A shuffled train/validation split."""
    order = rng.permutation(len(data))
    n_val = round(len(data) * val_fraction)
    val, train = order[:n_val], order[n_val:]
    return Dataset(data.x[train], data.y[train]), Dataset(data.x[val], data.y[val])


def load_data(config: Config) -> tuple[Dataset, Dataset]:
    """The same train/validation split for every run with the same seed."""
    rng = np.random.default_rng(config.seed)
    data = make_spiral(config.points_per_class, config.spiral_turns, rng)
    return split(data, config.val_fraction, rng)
