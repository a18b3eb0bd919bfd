"""The read-back checks of the summary workloads: every call's value is there, in step
order, and right against the inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BenchmarkError
from ..records import tensor_array
from .readback import histogram_of, histogram_table, image_of, text_of, values_in_step_order

if TYPE_CHECKING:
    from .workloads import SummaryWorkload


def _check_histogram(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
    """Peers: numpy's counts over TensorFlow's edges. tfevents writes TensorFlow's edges
    moved to float32 cell boundaries (at most 1/256 away) and counts by magnitude, [|inner|,
    |outer|) on either side of zero: its counts are checked over the edges it wrote, each
    within 1/256 of one of TensorFlow's."""
    inp = wl.inputs
    values = inp["values"]
    for value in values_in_step_order(events, "weights/histogram", wl.calls, who):
        span, total, low, high = histogram_of(value, who)
        if total != values.size:
            raise BenchmarkError(f"{who}: histogram counts {total:.0f} values, {values.size} were logged")
        if (low, high) != (float(values.min()), float(values.max())):
            raise BenchmarkError(f"{who}: histogram min/max {(low, high)} are not the data's")
        if peer_rule:
            want = inp["span"]
        else:
            table = histogram_table(value, who)
            want = _counts_by_magnitude(inp["sorted_magnitudes"], table)
            written, edges = table[1:, 0], inp["edges"]
            at = np.searchsorted(edges, written).clip(1, edges.size - 1)
            nearest = np.where(written - edges[at - 1] < edges[at] - written, edges[at - 1], edges[at])
            if np.any(np.abs(written - nearest) > np.abs(nearest) / 256):
                raise BenchmarkError(f"{who}: histogram edges are not TensorFlow's within 1/256")
        if not np.array_equal(span, want):
            raise BenchmarkError(
                f"{who}: histogram bucket counts differ from the count of the logged values "
                f"between its edges ({span.size} non-empty-span buckets, expected {want.size})"
            )


def _counts_by_magnitude(magnitudes: dict[bool, np.ndarray], table: np.ndarray) -> np.ndarray:
    """Per row of a written table: the values whose magnitude is in [|inner|, |outer|) on
    the row's side of zero (the outer edges of the first and last rows are the data's)."""
    counts = []
    for i, (left, right, _) in enumerate(table):
        negative = right <= 0 and not (left == 0 and right == 0)
        inner, outer = (-right, -left) if negative else (left, right)
        side = magnitudes[negative]
        last_outer = (i == 0 and negative) or (i == len(table) - 1 and not negative)
        stop = np.searchsorted(side, outer, side="right" if last_outer else "left")
        counts.append(stop - np.searchsorted(side, inner, side="left"))
    return np.array(counts, dtype=np.float64)


def _check_images(key: str) -> Callable[[SummaryWorkload, str, bool, list[Any]], None]:
    tag = {"image_chw": "images/chw_float", "image_hwc": "images/hwc_uint8"}[key]

    def check(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
        inp = wl.inputs
        if key == "image_hwc":
            want = inp["hwc"]
        else:
            want = inp["chw_expected_trunc"] if peer_rule else inp["chw_expected_rint"]
        for value in values_in_step_order(events, tag, wl.calls, who):
            pixels = image_of(value, who)
            if pixels.shape != want.shape or not np.array_equal(pixels, want):
                diff = (
                    int(np.abs(pixels.astype(int) - want.astype(int)).max())
                    if pixels.shape == want.shape else "shape"
                )
                raise BenchmarkError(
                    f"{who}: decoded image differs from the expected pixels (max difference {diff})"
                )

    return check


def _check_pr_curve(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
    want = wl.inputs["reference"]
    for value in values_in_step_order(events, "eval/pr_curve", wl.calls, who):
        if not value.HasField("tensor"):
            raise BenchmarkError(f"{who}: PR curve is not a tensor")
        table = tensor_array(value.tensor).astype(np.float64)
        if table.shape != want.shape:
            raise BenchmarkError(f"{who}: PR curve has shape {table.shape}, expected {want.shape}")
        if not np.array_equal(table[:4], want[:4].astype(np.float32)):
            raise BenchmarkError(f"{who}: PR curve counts differ from the reference")
        if not np.allclose(table[4:], want[4:], rtol=1e-6, atol=1e-7):
            raise BenchmarkError(f"{who}: PR curve precision/recall differ from the reference")


def _check_text(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
    want = wl.inputs["texts"]
    for i, value in enumerate(values_in_step_order(events, "notes/text", wl.calls, who)):
        got = text_of(value, who)
        if got != want[i]:
            raise BenchmarkError(f"{who}: text at step {i} is {got[:40]!r}, logged {want[i][:40]!r}")


CHECKS: dict[str, Callable[[SummaryWorkload, str, bool, list[Any]], None]] = {
    "histogram": _check_histogram,
    "image_chw": _check_images("image_chw"),
    "image_hwc": _check_images("image_hwc"),
    "pr_curve": _check_pr_curve,
    "text": _check_text,
}
