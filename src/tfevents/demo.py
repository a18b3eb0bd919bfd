"""The tfevents demo: a numpy MLP trained at two learning rates, logged, and served.

``python -m tfevents demo`` trains a small multilayer perceptron (2 -> 64 -> 64 -> 3,
ReLU, softmax cross-entropy, plain minibatch SGD with hand-written backprop) on a
generated three-arm spiral, once with learning rate 0.02 and once with 0.2. Each
training is a run (``<logdir>/lr_0.02``, ``<logdir>/lr_0.2``), so TensorBoard draws
both on the same charts. With the default 300 steps the 0.02 run barely gets past a
near-linear split (about 60 % accuracy) while the 0.2 run learns the spiral (about
99 %): the loss curves, the decision-region images and the PR curves all show it.

Logged per run: train loss and accuracy every step; validation loss and accuracy,
one-vs-rest PR curves and weight/bias/gradient histograms every few steps; an image
of the classifier's decision regions now and then; the config as markdown text; and
the model's graph. Only numpy and tfevents are needed to write the logs; serving them
needs the ``tensorboard`` package.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tfevents.graph import Graph
from tfevents.writer import SummaryWriter

LEARNING_RATES = (0.02, 0.2)
DEFAULT_LOGDIR = os.path.join("runs", "demo")
DEFAULT_STEPS = 300
CLASS_NAMES = ("red", "green", "blue")
# Colour of each class in the decision-region image (ColorBrewer Set1), RGB in [0, 1].
CLASS_COLORS = np.array([[228, 26, 28], [77, 175, 74], [55, 126, 184]], dtype=np.float32) / 255
INPUT_DIM = 2
HISTOGRAM_BINS = 64


# --- configuration and results ----------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Everything that defines one training run; both runs differ only in learning_rate."""

    learning_rate: float
    steps: int = DEFAULT_STEPS
    seed: int = 0
    hidden: tuple[int, ...] = (64, 64)
    batch_size: int = 64
    points_per_class: int = 200
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
    """Where a run was written and how its final model does on each split."""

    run_dir: str
    learning_rate: float
    train: Metrics
    val: Metrics


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # [n, 2] float32 points
    y: np.ndarray  # [n] int64 class indices

    def __len__(self) -> int:
        return len(self.y)


# --- data ---------------------------------------------------------------------------------


def make_spiral(
    points_per_class: int, rng: np.random.Generator, turns: float = 0.75, noise: float = 0.2
) -> Dataset:
    """Interleaved spiral arms, one per class: not linearly separable, so depth matters."""
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
    n_val = int(round(len(data) * val_fraction))
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


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and the class probabilities, computed stably in log space."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
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
            delta = (delta @ layers[i].weight.T) * (inputs > 0)
    return grads[::-1]


def sgd_step(layers: list[Layer], grads: Gradients, learning_rate: float) -> None:
    """Plain SGD, in place: no momentum, so the learning rate alone sets the pace."""
    for layer, (d_weight, d_bias) in zip(layers, grads):
        layer.weight -= learning_rate * d_weight
        layer.bias -= learning_rate * d_bias


def predict(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    logits = forward(layers, x)[-1]
    return softmax_cross_entropy(logits, np.zeros(len(x), dtype=np.int64))[1]


def evaluate(layers: list[Layer], data: Dataset) -> tuple[Metrics, np.ndarray]:
    """Loss and accuracy on a whole split, plus the probabilities (for the PR curves)."""
    loss, probs = softmax_cross_entropy(forward(layers, data.x)[-1], data.y)
    return Metrics(loss, accuracy(probs, data.y)), probs


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    return float((probs.argmax(axis=1) == labels).mean())


def global_norm(grads: Gradients) -> float:
    return float(np.sqrt(sum(float((g**2).sum()) for pair in grads for g in pair)))


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
        ("optimizer", f"plain SGD, learning rate **{config.learning_rate:g}**, "
                      f"batch {config.batch_size}"),
        ("data", f"2-D spiral, {len(CLASS_NAMES)} arms ({', '.join(CLASS_NAMES)}), "
                 f"{len(train)} train / {len(val)} validation points"),
        ("steps", str(config.steps)),
        ("seed", str(config.seed)),
    ]
    table = "\n".join(f"| {key} | {value} |" for key, value in rows)
    return (
        f"### Run `{config.run_name}`\n\n| setting | value |\n|---|---|\n{table}\n\n"
        "Both runs start from the same weights and see the same batches: "
        "only the learning rate differs."
    )


def results_markdown(result: RunResult) -> str:
    return (
        "| split | loss | accuracy |\n|---|---|---|\n"
        f"| train | {result.train.loss:.4f} | {result.train.accuracy:.1%} |\n"
        f"| validation | {result.val.loss:.4f} | {result.val.accuracy:.1%} |"
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
    return (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8)


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
    return split(make_spiral(config.points_per_class, rng), config.val_fraction, rng)


def remove_old_events(run_dir: str) -> None:
    """Rerunning the demo replaces its logs, rather than overlaying a second copy."""
    if os.path.isdir(run_dir):
        for name in os.listdir(run_dir):
            if name.startswith("events.out.tfevents."):
                os.remove(os.path.join(run_dir, name))


def train_step(
    layers: list[Layer], batch: Dataset, learning_rate: float
) -> tuple[Metrics, Gradients]:
    """One SGD step on a batch; returns the batch's metrics before the step, and the gradients."""
    activations = forward(layers, batch.x)
    loss, probs = softmax_cross_entropy(activations[-1], batch.y)
    grads = backward(layers, activations, probs, batch.y)
    sgd_step(layers, grads, learning_rate)
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
                layers, Dataset(train.x[batch], train.y[batch]), config.learning_rate
            )
            log_train_step(writer, metrics, grads, step)
            last = step == config.steps
            if step % config.eval_every == 0 or last:
                log_validation(writer, layers, val, step)
                log_parameters(writer, layers, grads, step)
            if step % config.image_every == 0 or last:
                log_decision_regions(writer, layers, train, step)
        result = RunResult(run_dir, config.learning_rate, evaluate(layers, train)[0],
                           evaluate(layers, val)[0])
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
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopped TensorBoard.", flush=True)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tfevents demo",
        description="Train a small numpy MLP at learning rates "
        f"{' and '.join(f'{lr:g}' for lr in LEARNING_RATES)}, log it with tfevents, "
        "and show it in TensorBoard.",
    )
    parser.add_argument("--logdir", default=DEFAULT_LOGDIR,
                        help="where the runs are written (default: %(default)s)")
    parser.add_argument("--steps", type=_positive_int, default=DEFAULT_STEPS,
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
