"""The tfevents demo: a numpy MLP trained at two learning rates, logged, and served.

The story it tells in TensorBoard: a learning rate of 0.2 typed for 0.02, caught after
a few batches. ``python examples/demo/run.py`` trains a small multilayer perceptron
(2 -> 64 -> 64 -> 3, ReLU, softmax cross-entropy, Adam, hand-written backprop) on a
generated three-arm spiral twice, from the same weights and batches: once with the
intended learning rate 0.02 and once with the typo 0.2. Each training is a run
(``<logdir>/lr_0.02``, ``<logdir>/lr_0.2``), so TensorBoard draws both on the same charts.

With the default 500 steps (checked for seeds 0, 1 and 2) the 0.02 run learns the
spiral: its train loss falls from about ln 3 to under 0.02 and validation accuracy
reaches 99-100 %. The 0.2 run goes wrong at once: its train loss jumps to about 13 on
the second batch, then sits near ln 3 = 1.1, the loss of a uniform guess, and validation
accuracy stays at chance (33-40 %). The histograms say why: the first oversized steps
switch most ReLU units off for every input, and a dead unit gets no gradient to come
back; the results text counts them (84-100 % of each hidden layer at 0.2, against 3 % of
layer1 and 48-67 % of layer2 at 0.02). The loss stays finite throughout, with no
clipping: Adam moves a weight by about the learning rate per step (a few times it at
most), so nothing can overflow. The decision-region images and the PR curves show the
same split.

Logged per run: train loss and accuracy every step; validation loss and accuracy,
one-vs-rest PR curves and weight/bias/gradient histograms every few steps; an image
of the classifier's decision regions now and then; the config as markdown text; and
the model's graph. Only numpy and tfevents are needed to write the logs; serving them
needs the ``tensorboard`` package.

Rerunning the demo replaces its earlier runs (and says so): the same two runs again is
what a second ``./scripts/demo.sh`` is for, and a TensorBoard left open on the log
directory would otherwise draw the old and the new curves as one jumbled line. Only
runs the demo marked as its own (a ``.demo-run`` file in the run directory) are
replaced; a run directory holding other event files is left alone, with an error.
"""

from __future__ import annotations

import os
import time

import numpy as np
from logged import (
    build_graph,
    config_markdown,
    log_decision_regions,
    log_parameters,
    log_train_step,
    log_validation,
    results_markdown,
)
from mlp import Adam, dead_fractions, evaluate, init_mlp, train_step
from runconfig import DEFAULT_STEPS, LEARNING_RATES, Config, RunResult
from spiral import Dataset, load_data

from tfevents import SummaryWriter

# In each run directory the demo wrote: when it was written. No "tfevents" in the name:
# TensorBoard (and tfevents.reader) read every file whose name has it as an event file.
MARKER = ".demo-run"


class ForeignRunError(ValueError):
    """A run directory the demo would write holds event files it did not write."""


def _event_files(run_dir: str) -> list[str]:
    if not os.path.isdir(run_dir):
        return []
    return sorted(n for n in os.listdir(run_dir) if n.startswith("events.out.tfevents."))


def earlier_run(run_dir: str) -> float | None:
    """When the demo's earlier run in ``run_dir`` was written (None if there is none).

    Raises ForeignRunError if ``run_dir`` holds event files without the demo's marker:
    somebody else's logs, which the demo must not delete.
    """
    marker = os.path.join(run_dir, MARKER)
    if os.path.isfile(marker):
        try:
            with open(marker, encoding="utf-8") as f:
                return float(f.read().strip())
        except ValueError:
            return os.path.getmtime(marker)
    if _event_files(run_dir):
        raise ForeignRunError(
            f"{run_dir} already holds event files that the demo did not write; "
            f"remove them (rm -r {run_dir}) or choose another --logdir"
        )
    return None


def replace_earlier_run(run_dir: str) -> float | None:
    """Removes the demo's earlier event files in ``run_dir``; returns when they were written."""
    written = earlier_run(run_dir)
    for name in _event_files(run_dir):
        os.remove(os.path.join(run_dir, name))
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, MARKER), "w", encoding="utf-8") as f:
        f.write(f"{time.time():.3f}\n")
    return written


def train_run(logdir: str, config: Config) -> RunResult:
    """Trains one model and logs everything about it into ``<logdir>/<run name>``."""
    train, val = load_data(config)
    rng = np.random.default_rng(config.seed + 1)  # same init and batches for every lr
    layers = init_mlp(config.sizes, rng)
    optimizer = Adam.for_layers(layers, config.learning_rate)
    run_dir = os.path.join(logdir, config.run_name)
    replaced = replace_earlier_run(run_dir)
    # A new project, not a script switched from torch: TensorBoard's own tensor forms
    # (text under its own tag; see README, "Which forms are written").
    with SummaryWriter(run_dir, legacy_forms=False) as writer:
        writer.add_text("config", config_markdown(config, train, val))
        writer.add_graph(build_graph(layers, config.batch_size))
        log_validation(writer, layers, val, 0)
        log_decision_regions(writer, layers, train, 0)
        for step in range(1, config.steps + 1):
            batch = rng.choice(len(train), config.batch_size, replace=False)
            metrics, grads = train_step(
                layers, Dataset(train.x[batch], train.y[batch]), optimizer
            )
            log_train_step(writer, metrics, grads, step)
            last = step == config.steps
            if step % config.eval_every == 0 or last:
                log_validation(writer, layers, val, step)
                log_parameters(writer, layers, grads, step)
            if step % config.image_every == 0 or last:
                log_decision_regions(writer, layers, train, step)
        result = RunResult(run_dir, config.learning_rate, evaluate(layers, train)[0],
                           evaluate(layers, val)[0], dead_fractions(layers, train.x), replaced)
        writer.add_text("results", results_markdown(result), config.steps)
    return result


def run_dirs(logdir: str) -> list[str]:
    """The run directories the demo writes under ``logdir``, one per learning rate."""
    return [os.path.join(logdir, Config(lr).run_name) for lr in LEARNING_RATES]


def train_runs(logdir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0) -> list[RunResult]:
    """One run per learning rate in ``LEARNING_RATES``, all under ``logdir``.

    Checks every run directory before writing any (ForeignRunError), so that a refusal
    leaves nothing half-replaced.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    for run_dir in run_dirs(logdir):
        earlier_run(run_dir)
    return [train_run(logdir, Config(lr, steps=steps, seed=seed)) for lr in LEARNING_RATES]


def run_demo(logdir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0) -> list[str]:
    """Writes the demo's runs under ``logdir`` and returns their directories."""
    return [result.run_dir for result in train_runs(logdir, steps=steps, seed=seed)]
