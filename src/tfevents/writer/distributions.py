"""Histograms (and so the Distributions dashboard) and precision-recall curves."""

from __future__ import annotations

from typing import Any

from tfevents import _args as args
from tfevents import convert
from tfevents.summaries import histogram, legacy, pr_curve
from tfevents.writer.host import Host


class Distributions:
    """Histograms and precision-recall curves (no state of their own)."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Logs the distribution of ``values`` (any shape).

        ``bins``: ``"tensorflow"`` (torch's default: TensorFlow's exponential buckets,
        each edge within 0.38% of TensorFlow's, of which the non-empty span is kept;
        see ``tfevents.summaries.histogram``) or anything ``numpy.histogram`` takes (a
        count, ``"auto"``, edges). ``max_bins`` merges neighbouring buckets
        down to at most that many. NaN and ±Inf are not counted: TensorBoard has no
        bucket for them; a warning says so once per tag.
        """
        self._host.claim_tag(tag, "histograms")
        array = args.real_array(convert.to_numpy(values, "values"), "values")
        bucket_limit = histogram.check_max_bins(max_bins)
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        table, (nan, pos_inf, neg_inf) = histogram.compute(array, bins, bucket_limit)
        if nan or pos_inf or neg_inf:
            self._host.warn_once(
                (tag, "nonfinite"),
                f"add_histogram({tag!r}): NaN and ±Inf values are not counted "
                f"(this call: {nan} NaN, {pos_inf} +Inf, {neg_inf} -Inf)",
            )
        if self._host.legacy_forms:
            legacy_form = legacy.histogram(table, array)
            self._host.add_summary(tag, legacy_form.metadata, legacy_form.field, step, wall_time)
            return
        self._host.add_summary(tag, histogram.METADATA, histogram.value_field(table), step, wall_time)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,  # noqa: A002 - torch's parameter names
        max: float,  # noqa: A002
        num: int,
        sum: float,  # noqa: A002
        sum_squares: float,
        bucket_limits: Any,
        bucket_counts: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a histogram from precomputed buckets.

        Bucket i spans from ``bucket_limits[i - 1]`` (``min`` for the first) to
        ``bucket_limits[i]`` and holds ``bucket_counts[i]`` values. ``num``, ``sum`` and
        ``sum_squares`` are checked but not stored: TensorBoard's histogram form has no
        place for them.
        """
        self._host.claim_tag(tag, "histograms")
        table = histogram.raw_table(min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        if self._host.legacy_forms:  # the HistogramProto as given, fields and all
            legacy_form = legacy.histogram_raw(
                min, max, num, sum, sum_squares, bucket_limits, bucket_counts
            )
            self._host.add_summary(tag, legacy_form.metadata, legacy_form.field, step, wall_time)
            return
        self._host.add_summary(tag, histogram.METADATA, histogram.value_field(table), step, wall_time)

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a precision-recall curve from binary labels and predictions in [0, 1].

        Any ``num_thresholds`` >= 2 is written (torch silently caps it at 127).
        """
        self._host.claim_tag(tag, "pr_curves")
        thresholds = pr_curve.check_num_thresholds(num_thresholds)
        label_array, prediction_array, weight_array = pr_curve.check_inputs(
            labels, predictions, weights
        )
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        table = pr_curve.compute_curve(label_array, prediction_array, thresholds, weight_array)
        self._host.add_summary(
            tag, pr_curve.metadata(thresholds), pr_curve.value_field(table), step, wall_time
        )

    def add_pr_curve_raw(
        self,
        tag: str,
        true_positive_counts: Any,
        false_positive_counts: Any,
        true_negative_counts: Any,
        false_negative_counts: Any,
        precision: Any,
        recall: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a precision-recall curve from precomputed counts, one per threshold.

        The six arrays have one entry per threshold each; their length is the number of
        thresholds (as in torch, which writes the curve as given: ``num_thresholds`` is
        accepted and checked, and the data decides). ``weights`` is accepted for torch
        compatibility and, as there, unused.
        """
        self._host.claim_tag(tag, "pr_curves")
        pr_curve.check_num_thresholds(num_thresholds)
        table = pr_curve.check_raw(
            {
                "true_positive_counts": true_positive_counts,
                "false_positive_counts": false_positive_counts,
                "true_negative_counts": true_negative_counts,
                "false_negative_counts": false_negative_counts,
                "precision": precision,
                "recall": recall,
            },
        )
        thresholds = table.shape[1]
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        self._host.add_summary(
            tag, pr_curve.metadata(thresholds), pr_curve.value_field(table), step, wall_time
        )
