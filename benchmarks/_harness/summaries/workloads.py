"""The summary workloads: their inputs made once, what they call, how they are checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..writers import TENSOR_FORMS_SPEC_ARGS, WriterSpec
from .calls import DRIVERS, FLOORS
from .checks import CHECKS
from .inputs import pr_inputs, reference_pr_curve, smooth_picture, tensorflow_edges, texts


@dataclass
class SummaryWorkload:
    key: str
    title: str
    method: str
    calls: int
    target: float  # required speedup of tfevents over the best peer
    unit: str  # "ms" or "µs" per call
    inputs: dict[str, Any] = field(default_factory=dict)
    floor_label: str = ""

    def drive(self, writer: Any) -> None:
        return DRIVERS[self.key](writer, self.inputs, self.calls)

    def floor(self) -> None:
        return FLOORS[self.key](self.inputs, self.calls)

    def check(self, who: str, peer_rule: bool, events: list[Any]) -> None:
        CHECKS[self.key](self, who, peer_rule, events)

    @property
    def scale(self) -> float:
        return 1e3 if self.unit == "ms" else 1e6


DEFAULT_CALLS = {"histogram": 10, "image_chw": 20, "image_hwc": 10, "pr_curve": 20, "text": 10_000}
QUICK_CALLS = {"histogram": 2, "image_chw": 2, "image_hwc": 2, "pr_curve": 2, "text": 50}
TARGETS = {"histogram": 4.0, "image_chw": 3.0, "image_hwc": 3.0, "pr_curve": 5.0, "text": 20.0}


def make_workloads(
    calls: dict[str, int],
    only: Sequence[str] = (),
    histogram_size: int = 1_000_000,
    pr_size: int = 100_000,
) -> list[SummaryWorkload]:
    keys = [k for k in DRIVERS if not only or k in only]
    out = []
    for key in keys:
        n = calls[key]
        inp: dict[str, Any] = {}
        if key == "histogram":
            values = np.random.default_rng(1).standard_normal(histogram_size).astype(np.float32)
            edges = tensorflow_edges()
            counts, _ = np.histogram(values, bins=edges)
            nz = np.flatnonzero(counts)
            inp = {
                "values": values,
                "edges": edges,
                "span": counts[nz[0] : nz[-1] + 1].astype(np.float64),
                "sorted_magnitudes": {
                    sign: np.sort(np.abs(values[np.signbit(values) == sign]).astype(np.float64))
                    for sign in (False, True)
                },
            }
            title = f"add_histogram: {histogram_size:,} float32 values, bins='tensorflow', {n} calls"
            floor = "numpy.histogram of the input over TensorFlow's edges"
        elif key == "image_chw":
            chw = np.ascontiguousarray(smooth_picture(256, 256, seed=2).transpose(2, 0, 1))
            hwc = chw.transpose(1, 2, 0)
            inp = {
                "chw": chw,
                "chw_expected_rint": np.clip(np.rint(hwc * np.float32(255)), 0, 255).astype(np.uint8),
                "chw_expected_trunc": (hwc * np.float32(255)).clip(0, 255).astype(np.uint8),
            }
            title = f"add_image: 3x256x256 float32 CHW in [0, 1], {n} calls"
            floor = "Pillow PNG encode (compress_level=1) of the converted uint8 image"
        elif key == "image_hwc":
            hwc8 = np.rint(smooth_picture(512, 512, seed=3) * 255).astype(np.uint8)
            inp = {"hwc": hwc8}
            title = f"add_image: 512x512x3 uint8 HWC (dataformats='HWC'), {n} calls"
            floor = "Pillow PNG encode (compress_level=1) of the input"
        elif key == "pr_curve":
            labels, predictions = pr_inputs(pr_size, seed=4)
            inp = {
                "labels": labels, "predictions": predictions,
                "reference": reference_pr_curve(labels, predictions, 127),
            }
            title = f"add_pr_curve: {pr_size:,} bool labels and float32 predictions, 127 thresholds, {n} calls"
            floor = "bucketing and two numpy.bincount calls"
        else:
            inp = {"texts": texts(n)}
            title = f"add_text: a ~90-character markdown string per call, {n:,} calls"
            floor = ""
        unit = "µs" if key == "text" else "ms"
        out.append(SummaryWorkload(key, title, key, n, TARGETS[key], unit, inp, floor))
    return out


# The workloads whose value tfevents writes in two forms (legacy_forms): both are timed.
FORMS_DIFFER = ("histogram", "image_chw", "image_hwc", "text")

METHOD = {
    "histogram": "add_histogram", "image_chw": "add_image", "image_hwc": "add_image",
    "pr_curve": "add_pr_curve", "text": "add_text",
}


def writers_for(workload: SummaryWorkload, writers: Sequence[WriterSpec]) -> list[WriterSpec]:
    """The writers that have the workload's method (tensorboard.summary.Writer has only
    add_scalar in tensorboard 2.21)."""
    out = []
    for spec in writers:
        if spec.key == "noop":
            continue
        if spec.key == "tb_writer":
            from tensorboard.summary import Writer

            if not hasattr(Writer, METHOD[workload.key]):
                continue
        out.append(spec)
        if spec.key == "tfevents" and workload.key in FORMS_DIFFER:
            out.append(WriterSpec(*TENSOR_FORMS_SPEC_ARGS, crc=spec.crc))
    return out
