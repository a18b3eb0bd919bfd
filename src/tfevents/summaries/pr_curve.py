"""Precision-recall curves as ``[6, num_thresholds]`` float32 tensors.

Rows: true positives, false positives, true negatives, false negatives, precision,
recall, at thresholds ``linspace(0, 1, num_thresholds)`` (TensorBoard derives the
thresholds from the shape). A prediction p counts as positive at threshold j when
``floor(p * (num_thresholds - 1)) >= j``, the bucketing of TensorBoard's own
``pr_curve`` summary; precision is ``tp / max(tp + fp, 1e-7)`` and recall
``tp / max(tp + fn, 1e-7)``, as there.
"""

from __future__ import annotations

import numpy as np

from tfevents.wire import messages
from tfevents.wire.encoding import uint_field

MINIMUM_COUNT = 1e-7
_CHUNK = 1 << 14  # predictions per pass (measured: 2^12 to 2^15, and no chunks)


def metadata(num_thresholds: int) -> bytes:
    content = uint_field(2, num_thresholds)  # PrCurvePluginData{version=0, num_thresholds}
    return messages.summary_metadata(
        "pr_curves", content, data_class=messages.DATA_CLASS_TENSOR
    )


def compute_curve(
    labels: np.ndarray,
    predictions: np.ndarray,
    num_thresholds: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """The ``[6, num_thresholds]`` table from labels (bool/0/1) and predictions in [0, 1]."""
    # One bincount for both classes: negatives in [0, n), positives in [n, 2n). In chunks:
    # the temporaries stay in the CPU's caches (and are not fresh pages every call).
    positive = labels if labels.dtype == np.bool_ else labels != 0
    float_weights = None if weights is None else weights.astype(np.float64)
    counts = np.zeros(2 * num_thresholds)
    for start in range(0, predictions.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        # Predictions are in [0, 1], so truncation is the floor. (float64: the product
        # of a float32 and an int below 2^29 is exact, so is the floor.)
        buckets = np.multiply(predictions[part], num_thresholds - 1, dtype=np.float64).astype(np.intp)
        buckets += np.multiply(positive[part], num_thresholds, dtype=np.intp)
        counts += np.bincount(
            buckets,
            weights=None if float_weights is None else float_weights[part],
            minlength=2 * num_thresholds,
        )
    fp_buckets, tp_buckets = counts[:num_thresholds], counts[num_thresholds:]
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    return raw_table(tp, fp, fp[0] - fp, tp[0] - tp)


def raw_table(
    tp: np.ndarray,
    fp: np.ndarray,
    tn: np.ndarray,
    fn: np.ndarray,
    precision: np.ndarray | None = None,
    recall: np.ndarray | None = None,
) -> np.ndarray:
    if precision is None:
        precision = tp / np.maximum(MINIMUM_COUNT, tp + fp)
    if recall is None:
        recall = tp / np.maximum(MINIMUM_COUNT, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall]).astype(np.float32)


def value_field(table: np.ndarray) -> bytes:
    return messages.tensor_value_field(messages.tensor_from_array(table.astype(np.float32)))
