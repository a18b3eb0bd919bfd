"""Precision-recall curves as ``[6, num_thresholds]`` float32 tensors.

Rows: true positives, false positives, true negatives, false negatives, precision,
recall, at thresholds ``linspace(0, 1, num_thresholds)`` (TensorBoard derives the
thresholds from the shape). A prediction p counts as positive at threshold j when
``floor(p * (num_thresholds - 1)) >= j``, the bucketing of TensorBoard's own
``pr_curve`` summary, with the product rounded as there (float32 for float16 and float32
predictions, float64 for float64; torch rounds a float16 product in float16); precision is ``tp / max(tp + fp, 1e-7)`` and recall
``tp / max(tp + fn, 1e-7)``, as there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import uint_field

MINIMUM_COUNT = 1e-7
MAX_THRESHOLDS = 100_000  # a PR curve is a [6, n] tensor; more is no curve anyone can read
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
    product = np.float64 if predictions.dtype == np.float64 else np.float32
    for start in range(0, predictions.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        # Predictions are in [0, 1], so truncation is the floor. The product is rounded
        # as TensorBoard's pr_curve computes it: in float32 (its op takes float32
        # predictions) for float16 and float32, in float64 for float64.
        buckets = np.multiply(predictions[part], num_thresholds - 1, dtype=product).astype(np.intp)
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


def check_num_thresholds(num_thresholds: Any) -> int:
    if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)):
        raise ArgumentTypeError(f"num_thresholds must be an int, got {type(num_thresholds).__name__}")
    if not 2 <= num_thresholds <= MAX_THRESHOLDS:
        raise ArgumentError(
            f"num_thresholds must be between 2 and {MAX_THRESHOLDS:,}, got {num_thresholds}"
        )
    return int(num_thresholds)


def check_inputs(
    labels: Any, predictions: Any, weights: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``add_pr_curve``'s labels (bool/0/1), predictions in [0, 1] and weights (>= 0)."""
    label_array = args.real_array(
        convert.to_numpy(labels, "labels").reshape(-1), "labels", "bools or 0/1 numbers"
    )
    prediction_array = args.real_array(
        convert.to_numpy(predictions, "predictions").reshape(-1), "predictions", "numbers in [0, 1]"
    )
    if label_array.shape != prediction_array.shape:
        raise ArgumentError(
            f"labels and predictions must have the same number of elements, "
            f"got {label_array.size} and {prediction_array.size}"
        )
    if label_array.dtype != np.bool_ and not ((label_array == 0) | (label_array == 1)).all():
        raise ArgumentError("labels must be bools or 0/1 values")
    if prediction_array.size and not (  # (min and max are NaN if any value is)
        prediction_array.min() >= 0 and prediction_array.max() <= 1
    ):
        raise ArgumentError("predictions must be finite and in [0, 1]")
    weight_array = None
    if weights is not None:
        weight_array = convert.to_numpy(weights, "weights").reshape(-1)
        if weight_array.shape != label_array.shape:
            raise ArgumentError(
                f"weights must have one value per label, got {weight_array.size} for {label_array.size}"
            )
        if weight_array.dtype.kind not in "biuf" or not (
            np.isfinite(weight_array).all() and (weight_array >= 0).all()
        ):
            raise ArgumentError("weights must be finite numbers >= 0")
    return label_array, prediction_array, weight_array


def check_raw(named: Mapping[str, Any]) -> np.ndarray:
    """``add_pr_curve_raw``'s six arrays, one value per threshold, as the table.

    The number of thresholds is the arrays' length, whatever ``num_thresholds`` says:
    torch and tensorboardX write the curve as given, and TensorBoard reads the
    thresholds from the tensor's shape."""
    rows = []
    for name, value in named.items():
        rows.append(args.real_array(convert.to_numpy(value, name).reshape(-1), name, "numbers"))
    lengths = {name: row.size for name, row in zip(named, rows)}
    if len(set(lengths.values())) != 1:
        raise ArgumentError(
            "true_positive_counts, false_positive_counts, true_negative_counts, "
            f"false_negative_counts, precision and recall must have one value per threshold "
            f"each, got lengths {lengths}"
        )
    if rows[0].size < 2:
        raise ArgumentError(f"a PR curve needs at least 2 thresholds, got {rows[0].size}")
    if rows[0].size > MAX_THRESHOLDS:
        raise ArgumentError(f"a PR curve has at most {MAX_THRESHOLDS:,} thresholds, got {rows[0].size}")
    return raw_table(*(row.astype(np.float64) for row in rows))
