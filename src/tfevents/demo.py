"""The tfevents demo: a numpy MLP trained at two learning rates, logged, and served.

The story it tells in TensorBoard: a learning rate of 0.2 typed for 0.02, caught after
a few batches. ``python -m tfevents demo`` trains a small multilayer perceptron
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
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from tfevents.graph import Graph
from tfevents.writer import SummaryWriter

LEARNING_RATES = (0.02, 0.2)
DEFAULT_LOGDIR = os.path.join("runs", "demo")
DEFAULT_STEPS = 500
CLASS_NAMES = ("red", "green", "blue")
# Colour of each class in the decision-region image (ColorBrewer Set1), RGB in [0, 1].
CLASS_COLORS = np.array([[228, 26, 28], [77, 175, 74], [55, 126, 184]], dtype=np.float32) / 255
INPUT_DIM = 2
HISTOGRAM_BINS = 64
ADAM_BETAS = (0.9, 0.999)  # the defaults of every framework's Adam
ADAM_EPSILON = 1e-8


# --- configuration and results ----------------------------------------------------------


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
    """Where a run was written, how its final model does on each split, and how much of
    each hidden layer is dead (the usual damage of a too-large learning rate)."""

    run_dir: str
    learning_rate: float
    train: Metrics
    val: Metrics
    dead_units: dict[str, float]  # hidden layer name -> fraction of its ReLUs that are dead


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # [n, 2] float32 points
    y: np.ndarray  # [n] int64 class indices

    def __len__(self) -> int:
        return len(self.y)


# --- data ---------------------------------------------------------------------------------


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


# --- the model: a numpy MLP with hand-written backprop --------------------------------------


@dataclass
class Layer:
    name: str
    weight: np.ndarray  # [fan_in, fan_out]
    bias: np.ndarray  # [fan_out]


Gradients = list[tuple[np.ndarray, np.ndarray]]  # (d weight, d bias) per layer


def layer_names(count: int) -> list[str]:
    """``layer1``, ``layer2``, ..., ``output``: the scopes of the histograms and the graph."""
    return [f"layer{i + 1}" for i in range(count - 1)] + ["output"]


def init_mlp(sizes: Sequence[int], rng: np.random.Generator) -> list[Layer]:
    """He-initialised dense layers, the usual start for ReLU networks."""
    names = layer_names(len(sizes) - 1)
    return [
        Layer(
            name,
            rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)).astype(np.float32),
            np.zeros(fan_out, dtype=np.float32),
        )
        for name, fan_in, fan_out in zip(names, sizes[:-1], sizes[1:])
    ]


def forward(layers: list[Layer], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output, input first and logits last (backprop needs them all)."""
    activations = [x]
    for i, layer in enumerate(layers):
        z = activations[-1] @ layer.weight + layer.bias
        activations.append(np.maximum(z, 0.0) if i < len(layers) - 1 else z)
    return activations


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities, shifted by the row maximum so that exp never overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return cast(np.ndarray, shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and the class probabilities."""
    log_probs = log_softmax(logits)
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    return float(loss), np.exp(log_probs)


def backward(
    layers: list[Layer], activations: list[np.ndarray], probs: np.ndarray, labels: np.ndarray
) -> Gradients:
    """Gradients of the mean cross-entropy with respect to every weight and bias."""
    delta = probs.copy()
    delta[np.arange(len(labels)), labels] -= 1.0
    delta /= len(labels)
    grads: Gradients = []
    for i in reversed(range(len(layers))):
        inputs = activations[i]
        grads.append((inputs.T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ layers[i].weight.T) * (inputs > 0)  # ReLU passes where it was > 0
    return grads[::-1]


def parameters(layers: list[Layer]) -> list[np.ndarray]:
    """Every weight and bias array, in the order ``flatten(grads)`` gives their gradients."""
    return [array for layer in layers for array in (layer.weight, layer.bias)]


def flatten(grads: Gradients) -> list[np.ndarray]:
    """The gradient arrays, in the order of ``parameters(layers)``."""
    return [array for pair in grads for array in pair]


@dataclass
class Adam:
    """Adam (Kingma and Ba, 2015) with the usual betas, updating the layers in place.

    Adam divides each gradient by its running root mean square, so every weight moves by
    about the learning rate per step whatever the gradient's size: the learning rate is
    the step length. At 0.02 that is a small fraction of a weight (He init gives hidden
    weights of about 0.18); at 0.2 the first few steps shove every weight and bias by its
    own size, which switches most ReLU units off for good. As no step is more than a few
    times the learning rate, the weights, and so the loss, stay finite however wrong the
    learning rate is.
    """

    learning_rate: float
    mean: list[np.ndarray]  # running mean of each gradient
    square: list[np.ndarray]  # running mean of each squared gradient
    steps: int = 0

    @classmethod
    def for_layers(cls, layers: list[Layer], learning_rate: float) -> Adam:
        """A fresh optimizer for ``layers``: zero moments, no steps taken."""
        params = parameters(layers)
        return cls(learning_rate, [np.zeros_like(p) for p in params],
                   [np.zeros_like(p) for p in params])

    def step(self, layers: list[Layer], grads: Gradients) -> None:
        """One update of every weight and bias from its gradient."""
        self.steps += 1
        beta1, beta2 = ADAM_BETAS
        # The moments start at zero; these undo that bias in the first steps.
        correct1, correct2 = 1 - beta1**self.steps, 1 - beta2**self.steps
        arrays = zip(parameters(layers), flatten(grads), self.mean, self.square)
        for param, grad, mean, square in arrays:
            mean += (1 - beta1) * (grad - mean)
            square += (1 - beta2) * (grad * grad - square)
            rms = np.sqrt(square / correct2) + ADAM_EPSILON
            param -= self.learning_rate * (mean / correct1) / rms


def predict(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    """Class probabilities for each point."""
    return cast(np.ndarray, np.exp(log_softmax(forward(layers, x)[-1])))


def evaluate(layers: list[Layer], data: Dataset) -> tuple[Metrics, np.ndarray]:
    """Loss and accuracy on a whole split, plus the probabilities (for the PR curves)."""
    loss, probs = softmax_cross_entropy(forward(layers, data.x)[-1], data.y)
    return Metrics(loss, accuracy(probs, data.y)), probs


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    return float((probs.argmax(axis=1) == labels).mean())


def global_norm(grads: Gradients) -> float:
    return float(np.sqrt(sum(float((g**2).sum()) for g in flatten(grads))))


def dead_fractions(layers: list[Layer], x: np.ndarray) -> dict[str, float]:
    """Per hidden layer, the fraction of ReLU units that output 0 for every point in ``x``.

    Such a unit gets no gradient and never comes back: the lasting damage a too-large
    learning rate does, which the loss curve alone does not explain.
    """
    hidden = forward(layers, x)[1:-1]
    return {layer.name: float((h.max(axis=0) <= 0).mean()) for layer, h in zip(layers, hidden)}


# --- what gets logged ---------------------------------------------------------------------


def build_graph(layers: list[Layer], batch_size: int) -> Graph:
    """The training graph, scoped so TensorBoard folds it into mlp/ and loss/ boxes."""
    graph = Graph()
    h = graph.add_node("input/x", "Placeholder", output_shapes=[[batch_size, INPUT_DIM]],
                       dtype="float32")
    labels = graph.add_node("input/labels", "Placeholder", output_shapes=[[batch_size]],
                            dtype="int64")
    for i, layer in enumerate(layers):
        scope, width = f"mlp/{layer.name}", layer.weight.shape[1]
        out = [[batch_size, width]]
        weight = graph.add_node(f"{scope}/weight", "VariableV2",
                                output_shapes=[list(layer.weight.shape)], dtype="float32")
        bias = graph.add_node(f"{scope}/bias", "VariableV2", output_shapes=[[width]],
                              dtype="float32")
        h = graph.add_node(f"{scope}/matmul", "MatMul", [h, weight], output_shapes=out)
        h = graph.add_node(f"{scope}/bias_add", "BiasAdd", [h, bias], output_shapes=out)
        if i < len(layers) - 1:
            h = graph.add_node(f"{scope}/relu", "Relu", [h], output_shapes=out)
    classes = layers[-1].weight.shape[1]
    xent = graph.add_node(
        "loss/softmax_cross_entropy", "SparseSoftmaxCrossEntropyWithLogits", [h, labels],
        output_shapes=[[batch_size], [batch_size, classes]],
    )
    axis = graph.add_node("loss/axis", "Const", output_shapes=[[1]], dtype="int32")
    graph.add_node("loss/mean", "Mean", [f"{xent}:0", axis], output_shapes=[[]])
    graph.add_node("predict/softmax", "Softmax", [h], output_shapes=[[batch_size, classes]])
    return graph


def config_markdown(config: Config, train: Dataset, val: Dataset) -> str:
    """The run's settings as a markdown table, for the Text dashboard."""
    arch = " → ".join(str(s) for s in config.sizes)
    rows = [
        ("model", f"MLP {arch}, ReLU, softmax cross-entropy"),
        ("optimizer", f"Adam (betas {ADAM_BETAS[0]:g}, {ADAM_BETAS[1]:g}), learning rate "
                      f"**{config.learning_rate:g}**, batch {config.batch_size}"),
        ("data", f"2-D spiral, {len(CLASS_NAMES)} arms ({', '.join(CLASS_NAMES)}) of "
                 f"{config.spiral_turns:g} turns, "
                 f"{len(train)} train / {len(val)} validation points"),
        ("steps", str(config.steps)),
        ("seed", str(config.seed)),
    ]
    table = "\n".join(f"| {key} | {value} |" for key, value in rows)
    return (
        f"### Run `{config.run_name}`\n\n| setting | value |\n|---|---|\n{table}\n\n"
        "Both runs start from the same weights and see the same batches: "
        f"only the learning rate differs ({' vs '.join(f'{lr:g}' for lr in LEARNING_RATES)})."
    )


def results_markdown(result: RunResult) -> str:
    """The final model's loss and accuracy per split, and its dead ReLU units per layer."""
    dead = "\n".join(f"| {name} | {fraction:.0%} |"
                     for name, fraction in result.dead_units.items())
    return (
        "| split | loss | accuracy |\n|---|---|---|\n"
        f"| train | {result.train.loss:.4f} | {result.train.accuracy:.1%} |\n"
        f"| validation | {result.val.loss:.4f} | {result.val.accuracy:.1%} |\n\n"
        "| hidden layer | dead ReLU units (0 on every train point) |\n|---|---|\n"
        f"{dead}"
    )


def render_decision_regions(
    layers: list[Layer], points: Dataset, size: int = 256, extent: float = 1.2
) -> np.ndarray:
    """An RGB picture of what the classifier predicts over the plane, with the points on it.

    Each pixel blends the class colours by predicted probability (pale where the model
    is sure, greyish where it hesitates); the points are dots of their true class colour.
    The model is evaluated on a half-resolution grid, a quarter of the work.
    """
    cells = size // 2
    centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells * 2 * extent - extent
    gx, gy = np.meshgrid(centres, centres[::-1])  # row 0 is the top of the image: largest y
    probs = predict(layers, np.stack([gx.ravel(), gy.ravel()], axis=1))
    regions = (0.45 * (probs @ CLASS_COLORS) + 0.55).reshape(cells, cells, 3)
    image = regions.repeat(2, axis=0).repeat(2, axis=1)
    cols = _to_pixel(points.x[:, 0], extent, size)
    rows = _to_pixel(-points.x[:, 1], extent, size)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            r, c = np.clip(rows + dy, 0, size - 1), np.clip(cols + dx, 0, size - 1)
            image[r, c] = CLASS_COLORS[points.y] * 0.8
    return cast(np.ndarray, (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8))


def _to_pixel(coordinate: np.ndarray, extent: float, size: int) -> np.ndarray:
    return np.floor((coordinate + extent) / (2 * extent) * size).astype(int)


def log_parameters(writer: SummaryWriter, layers: list[Layer], grads: Gradients, step: int) -> None:
    """Weight, bias and gradient histograms per layer: where exploding or dead units show.

    64 even bins: TensorBoard redraws histograms with about 30 bins anyway, and
    TensorFlow's default 1549 exponential buckets would make the files ten times larger.
    """
    for layer, (d_weight, d_bias) in zip(layers, grads):
        writer.add_histogram(f"{layer.name}/weight", layer.weight, step, bins=HISTOGRAM_BINS)
        writer.add_histogram(f"{layer.name}/bias", layer.bias, step, bins=HISTOGRAM_BINS)
        writer.add_histogram(f"{layer.name}/weight_grad", d_weight, step, bins=HISTOGRAM_BINS)
        writer.add_histogram(f"{layer.name}/bias_grad", d_bias, step, bins=HISTOGRAM_BINS)


def log_validation(writer: SummaryWriter, layers: list[Layer], val: Dataset, step: int) -> Metrics:
    """Validation loss/accuracy and one-vs-rest PR curves, one per class."""
    metrics, probs = evaluate(layers, val)
    writer.add_scalar("loss/val", metrics.loss, step)
    writer.add_scalar("accuracy/val", metrics.accuracy, step)
    for k, name in enumerate(CLASS_NAMES):
        writer.add_pr_curve(f"pr_curve/{name}", val.y == k, probs[:, k], step)
    return metrics


# --- training -----------------------------------------------------------------------------


def load_data(config: Config) -> tuple[Dataset, Dataset]:
    """The same train/validation split for every run with the same seed."""
    rng = np.random.default_rng(config.seed)
    data = make_spiral(config.points_per_class, config.spiral_turns, rng)
    return split(data, config.val_fraction, rng)


def remove_old_events(run_dir: str) -> None:
    """Rerunning the demo replaces its logs, rather than overlaying a second copy."""
    if os.path.isdir(run_dir):
        for name in os.listdir(run_dir):
            if name.startswith("events.out.tfevents."):
                os.remove(os.path.join(run_dir, name))


def train_step(
    layers: list[Layer], batch: Dataset, optimizer: Adam
) -> tuple[Metrics, Gradients]:
    """One step on a batch; returns the batch's metrics before the step, and the gradients."""
    activations = forward(layers, batch.x)
    loss, probs = softmax_cross_entropy(activations[-1], batch.y)
    grads = backward(layers, activations, probs, batch.y)
    optimizer.step(layers, grads)
    return Metrics(loss, accuracy(probs, batch.y)), grads


def log_train_step(writer: SummaryWriter, metrics: Metrics, grads: Gradients, step: int) -> None:
    writer.add_scalar("loss/train", metrics.loss, step)
    writer.add_scalar("accuracy/train", metrics.accuracy, step)
    writer.add_scalar("gradient/global_norm", global_norm(grads), step)


def log_decision_regions(
    writer: SummaryWriter, layers: list[Layer], train: Dataset, step: int
) -> None:
    writer.add_image("decision_regions", render_decision_regions(layers, train), step,
                     dataformats="HWC")


def train_run(logdir: str, config: Config) -> RunResult:
    """Trains one model and logs everything about it into ``<logdir>/<run name>``."""
    train, val = load_data(config)
    rng = np.random.default_rng(config.seed + 1)  # same init and batches for every lr
    layers = init_mlp(config.sizes, rng)
    optimizer = Adam.for_layers(layers, config.learning_rate)
    run_dir = os.path.join(logdir, config.run_name)
    remove_old_events(run_dir)
    with SummaryWriter(run_dir) as writer:
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
                           evaluate(layers, val)[0], dead_fractions(layers, train.x))
        writer.add_text("results", results_markdown(result), config.steps)
    return result


def train_runs(logdir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0) -> list[RunResult]:
    """One run per learning rate in ``LEARNING_RATES``, all under ``logdir``."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    return [train_run(logdir, Config(lr, steps=steps, seed=seed)) for lr in LEARNING_RATES]


def run_demo(logdir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0) -> list[str]:
    """Writes the demo's runs under ``logdir`` and returns their directories."""
    return [result.run_dir for result in train_runs(logdir, steps=steps, seed=seed)]


# --- serving and the command line ---------------------------------------------------------


class ServeError(RuntimeError):
    """TensorBoard could not be started (not installed, port taken, ...)."""


def serve(logdir: str, host: str = "127.0.0.1", port: int = 6006) -> None:
    """Serves ``logdir`` with TensorBoard on ``host:port`` until Ctrl-C."""
    try:
        from tensorboard import program
    except ImportError:
        raise ServeError(
            "serving needs the tensorboard package (pip install tensorboard); "
            f"or view the logs elsewhere with: tensorboard --logdir {logdir}"
        ) from None
    board = program.TensorBoard()
    board.configure(logdir=os.path.abspath(logdir), host=host, port=port)
    try:
        url = board.launch()  # serves from a daemon thread
    except program.TensorBoardServerException as exc:
        raise ServeError(f"{exc.msg} (choose another with --port)") from None
    print(f"\nTensorBoard is showing {logdir} at {url}\n"
          "Open that address in a browser; press Ctrl-C to stop.", flush=True)
    _wait_for_interrupt()
    print("\nStopped TensorBoard.", flush=True)


def _wait_for_interrupt() -> None:
    """Blocks until Ctrl-C, or SIGTERM (``kill``), which is made to stop it the same way."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _int_in(text: str, low: int, high: int | None, what: str) -> int:
    """Parses an option's integer, with a message that names what was expected."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _steps(text: str) -> int:
    return _int_in(text, 1, None, "a positive integer")


def _port(text: str) -> int:
    return _int_in(text, 0, 65535, "a port number 0-65535")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tfevents demo",
        description="Train a small numpy MLP at learning rates "
        f"{' and '.join(f'{lr:g}' for lr in LEARNING_RATES)}, log it with tfevents, "
        "and show it in TensorBoard.",
    )
    parser.add_argument("--logdir", default=DEFAULT_LOGDIR,
                        help="where the runs are written (default: %(default)s)")
    parser.add_argument("--steps", type=_steps, default=DEFAULT_STEPS,
                        help="training steps per run (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="data and init seed (default: 0)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address TensorBoard listens on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=6006,
                        help="TensorBoard's port (default: %(default)s)")
    parser.add_argument("--no-serve", action="store_true",
                        help="only write the logs and say where they are")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    results = train_runs(args.logdir, steps=args.steps, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"Trained and logged {len(results)} runs of {args.steps} steps in {elapsed:.1f} s:")
    for r in results:
        print(f"  {r.run_dir}: train loss {r.train.loss:.3f}, acc {r.train.accuracy:.1%} | "
              f"val loss {r.val.loss:.3f}, acc {r.val.accuracy:.1%}")
    if args.no_serve:
        print(f"Logs are in {args.logdir}\nView them with: tensorboard --logdir {args.logdir}")
        return 0
    try:
        serve(args.logdir, args.host, args.port)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
