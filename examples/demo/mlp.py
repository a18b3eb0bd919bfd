"""The demo's model: a numpy multilayer perceptron with hand-written backprop, and Adam."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from runconfig import ADAM_BETAS, ADAM_EPSILON, Metrics
from spiral import Dataset


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


def train_step(
    layers: list[Layer], batch: Dataset, optimizer: Adam
) -> tuple[Metrics, Gradients]:
    """One step on a batch; returns the batch's metrics before the step, and the gradients."""
    activations = forward(layers, batch.x)
    loss, probs = softmax_cross_entropy(activations[-1], batch.y)
    grads = backward(layers, activations, probs, batch.y)
    optimizer.step(layers, grads)
    return Metrics(loss, accuracy(probs, batch.y)), grads


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
