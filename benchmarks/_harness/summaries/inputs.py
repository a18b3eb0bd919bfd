"""The summary workloads' inputs, and the reference results they are checked against."""

from __future__ import annotations

import numpy as np

from ..errors import BenchmarkError


def tensorflow_edges() -> np.ndarray:
    """TensorFlow's default histogram edges (torch's and tensorboardX's bins='tensorflow')."""
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    pos = np.array(positive)
    return np.concatenate([-pos[::-1], [0.0], pos])


def smooth_picture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A float32 HWC RGB picture in [0, 1]: smooth waves plus a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [
        0.5 + 0.35 * np.sin(x / (11.0 + 5 * c) + y / (17.0 + 3 * c) + c) * np.cos(y / 29.0 - c)
        for c in range(3)
    ]
    picture = np.stack(channels, axis=-1) + rng.normal(0, 0.04, (height, width, 3)).astype(np.float32)
    return np.clip(picture, 0.0, 1.0).astype(np.float32)


def pr_inputs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n).astype(bool)
    logits = np.where(labels, 1.2, -1.2) + rng.normal(0, 1.5, n)
    predictions = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    return labels, predictions


def reference_pr_curve(labels: np.ndarray, predictions: np.ndarray, thresholds: int) -> np.ndarray:
    """[6, thresholds] (tp, fp, tn, fn, precision, recall), computed here independently:
    a prediction is positive at threshold j when floor(p * (thresholds - 1)) >= j. The bucket
    is taken both in float32 (torch's arithmetic on a float32 input) and float64
    (tfevents'); the input is rejected if the two disagree, so the check is well defined."""
    b32 = np.floor(predictions * np.float32(thresholds - 1)).astype(np.int64)
    b64 = np.floor(predictions.astype(np.float64) * (thresholds - 1)).astype(np.int64)
    if not np.array_equal(b32, b64):
        raise BenchmarkError("PR-curve input has predictions on a bucket boundary; pick another seed")
    tp_b = np.bincount(b64[labels], minlength=thresholds).astype(np.float64)
    fp_b = np.bincount(b64[~labels], minlength=thresholds).astype(np.float64)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall])


def texts(calls: int) -> list[str]:
    return [
        f"**step {i}**: loss `{1.0 / (i + 1):.6f}`, lr {3e-4 * 0.999**i:.3e}, "
        f"notes: _batch {i % 97} of epoch {i // 97}_"
        for i in range(calls)
    ]
