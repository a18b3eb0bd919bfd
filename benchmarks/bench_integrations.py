"""Logging overhead inside real fit loops: tfevents' adapters vs each framework's own
TensorBoard writer, in the same process and run.

    python benchmarks/bench_integrations.py [--quick] [--reps 5] [--part lightning|keras|all]

* Lightning: a tiny CPU ``Trainer.fit`` that logs 3 metrics every step
  (``log_every_n_steps=1``, so Lightning also flushes after every step), with a
  logger that writes nothing (the baseline), with Lightning's stock ``TensorBoardLogger`` (torch's
  writer) and with ``tfevents.lightning.TensorBoardLogger``.
* Keras: a tiny ``model.fit`` with ``update_freq="batch"`` and no callback (baseline),
  ``keras.callbacks.TensorBoard`` (only where TensorFlow is installed, on the tensorflow
  backend) and ``tfevents.keras.TensorBoard``. ``KERAS_BACKEND`` defaults to
  tensorflow if it is installed, else jax.

Overhead = median fit time with the logger minus the median baseline, per training
step. Variants run in rotated order each repetition. Every logged run is read back:
a writer that lost ``train_loss`` points fails the benchmark.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
sys.path.insert(0, HERE)

from _harness import machine_info, markdown_table, package_version, rotations  # noqa: E402

if "KERAS_BACKEND" not in os.environ:
    os.environ["KERAS_BACKEND"] = "tensorflow" if importlib.util.find_spec("tensorflow") else "jax"


def _count_scalars(logdir: str, tag: str) -> int:
    from tfevents.reader import read_values

    return sum(1 for v in read_values(logdir) if v.tag == tag and v.kind == "scalar")


# --- Lightning ---------------------------------------------------------------------------


def lightning_variants(steps: int) -> tuple[dict[str, Callable[[str], Any]], Callable[[str, Any], float]]:
    import torch
    from lightning.pytorch import LightningModule, Trainer
    from lightning.pytorch.loggers import Logger
    from lightning.pytorch.loggers import TensorBoardLogger as StockLogger

    from tfevents.lightning import TensorBoardLogger

    class Model(LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 1)

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            self.log("a", loss * 2)
            self.log("b", loss + 1)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    class NullLogger(Logger):  # type: ignore[misc]
        """Receives every call and writes nothing: the baseline (``logger=False`` makes
        Lightning take other paths, with a warning per ``self.log``)."""

        name = "null"
        version = 0

        def log_metrics(self, metrics: Any, step: Any = None) -> None:
            pass

        def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
            pass

    x = torch.randn(steps * 4, 8)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=4)

    def fit(logdir: str, logger: Any) -> float:
        trainer = Trainer(
            max_epochs=1, logger=logger, log_every_n_steps=1, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", default_root_dir=logdir,
        )
        start = time.perf_counter()
        trainer.fit(Model(), data)
        return time.perf_counter() - start

    variants: dict[str, Callable[[str], Any]] = {
        "null logger (writes nothing)": lambda d: NullLogger(),
        "Lightning TensorBoardLogger (torch writer)": lambda d: StockLogger(d, name="", version=0),
        "tfevents.lightning.TensorBoardLogger": lambda d: TensorBoardLogger(d, name="", version=0),
    }
    return variants, fit


# --- Keras -------------------------------------------------------------------------------


def keras_variants(steps: int) -> tuple[dict[str, Callable[[str], Any]], Callable[[str, Any], float]]:
    import keras
    import numpy as np

    from tfevents.keras import TensorBoard

    rng = np.random.default_rng(0)
    x = rng.normal(size=(steps * 4, 8)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def fit(logdir: str, callback: Any) -> float:
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        model.fit(x[:8], y[:8], epochs=1, batch_size=4, verbose=0)  # compile outside the timing
        callbacks = [] if callback is None else [callback]
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=callbacks)
        return time.perf_counter() - start

    variants: dict[str, Callable[[str], Any]] = {"no callback": lambda d: None}
    if importlib.util.find_spec("tensorflow") and keras.backend.backend() == "tensorflow":
        variants["keras.callbacks.TensorBoard (tf.summary)"] = lambda d: keras.callbacks.TensorBoard(
            d, update_freq="batch", write_graph=False
        )
    variants["tfevents.keras.TensorBoard"] = lambda d: TensorBoard(d, update_freq="batch", write_graph=False)
    return variants, fit


# --- running -----------------------------------------------------------------------------


def measure(
    title: str, steps: int, reps: int, build: Callable[[int], tuple[dict[str, Callable[[str], Any]], Callable[[str, Any], float]]],
    check: Callable[[str], int],
) -> str:
    variants, fit = build(steps)
    names = list(variants)
    times: dict[str, list[float]] = {n: [] for n in names}
    for name in names:  # imports and first-call costs stay out of the timings
        warm = tempfile.mkdtemp(prefix="bench-int-warm-")
        fit(warm, variants[name](warm))
    for _, order in rotations(names, reps):
        for name in order:
            logdir = tempfile.mkdtemp(prefix="bench-int-")
            times[name].append(fit(logdir, variants[name](logdir)))
            if name != names[0]:
                got = check(logdir)
                if got != steps:
                    raise RuntimeError(f"{name}: {got} of {steps} logged steps read back from {logdir}")
    base = statistics.median(times[names[0]])
    rows = []
    for name in names:
        med = statistics.median(times[name])
        over = "" if name == names[0] else f"{(med - base) / steps * 1e6:.0f}"
        rows.append([name, f"{med:.3f}", over])
    head = f"### {title}: {steps} steps, median of {reps}\n\n"
    return head + markdown_table(["variant", "fit (s)", "overhead per step (us)"], rows, "lrr")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps and reps (a smoke run)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--part", choices=["lightning", "keras", "all"], default="all")
    args = parser.parse_args(argv)
    steps, reps = (20, 1) if args.quick else (args.steps, args.reps)
    import logging
    import warnings

    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    info = machine_info()
    print(f"machine: {info}")
    print(f"lightning {package_version('lightning')}, keras {package_version('keras')} "
          f"({os.environ['KERAS_BACKEND']}), torch {package_version('torch')}, "
          f"tensorflow {package_version('tensorflow-cpu') if package_version('tensorflow') == 'not installed' else package_version('tensorflow')}\n")
    if args.part in ("lightning", "all") and importlib.util.find_spec("lightning"):
        print(measure("Lightning Trainer.fit", steps, reps, lightning_variants,
                      lambda d: _count_scalars(d, "train_loss")))
        print()
    if args.part in ("keras", "all") and importlib.util.find_spec("keras"):
        print(measure(f"Keras model.fit ({os.environ['KERAS_BACKEND']} backend)", steps, reps, keras_variants,
                      lambda d: _count_scalars(os.path.join(d, "train"), "batch_loss")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
