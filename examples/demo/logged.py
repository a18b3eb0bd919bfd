"""What the demo logs, and how: the graph, the texts, the pictures and the histograms."""

from __future__ import annotations

from typing import cast

import numpy as np
from mlp import Gradients, Layer, evaluate, global_norm, predict
from runconfig import (
    ADAM_BETAS,
    CLASS_COLORS,
    CLASS_NAMES,
    HISTOGRAM_BINS,
    INPUT_DIM,
    LEARNING_RATES,
    Config,
    Metrics,
    RunResult,
)
from spiral import Dataset

from tfevents import Graph, SummaryWriter


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


def log_train_step(writer: SummaryWriter, metrics: Metrics, grads: Gradients, step: int) -> None:
    writer.add_scalar("loss/train", metrics.loss, step)
    writer.add_scalar("accuracy/train", metrics.accuracy, step)
    writer.add_scalar("gradient/global_norm", global_norm(grads), step)


def log_decision_regions(
    writer: SummaryWriter, layers: list[Layer], train: Dataset, step: int
) -> None:
    writer.add_image("decision_regions", render_decision_regions(layers, train), step,
                     dataformats="HWC")
