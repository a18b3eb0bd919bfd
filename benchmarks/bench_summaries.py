"""add_histogram, add_image, add_pr_curve and add_text: tfevents against tensorboardX and
torch.utils.tensorboard (and tensorboard.summary.Writer where it has the method), in one
process, on the same inputs.

    python benchmarks/bench_summaries.py [--reps N] [--quick] [--only KEYS] [--results PATH]

Workloads (per run: constructor, ``calls`` calls with steps 0, 1, ..., close()):
  histogram  add_histogram of 1,000,000 float32 standard normals, bins='tensorflow' (default);
  image_chw  add_image of a 3x256x256 float32 CHW image in [0, 1] (default dataformats);
  image_hwc  add_image of a 512x512x3 uint8 HWC image (dataformats='HWC');
  pr_curve   add_pr_curve of 100,000 labels and float32 predictions, 127 thresholds;
  text       add_text of a ~90-character markdown string (a different one per call).

The images are a smooth synthetic picture with a little noise (neither flat nor pure
noise, which PNG would make unrealistically cheap or dear). Every repetition runs every
writer once per workload, in round-robin order; a run is timed from the constructor to the
end of ``close()``. Afterwards each run's event files are read back (every CRC checked,
every event parsed) and the run fails unless every call's value is there, in step order,
and right: the histogram's non-empty buckets equal numpy's counts over TensorFlow's
default edges (total, min and max too), the PNG decodes to exactly the pixels the writer's
documented conversion gives (and writers differ by at most one level: tfevents rounds,
torch and tensorboardX truncate), the PR curve's counts, precision and recall equal an
independent computation, and the text is the string logged.

A "floor" row per workload (where one is defined) times the bare numpy/Pillow work the
summary cannot avoid, on the same input and call count, without constructor or files.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h
import bench_scalars as bs

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "summaries.md")

PEER_KEYS = ("tensorboardX", "torch", "tb_writer")


# --- inputs --------------------------------------------------------------------------------


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
        raise h.BenchmarkError("PR-curve input has predictions on a bucket boundary; pick another seed")
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


# --- reading values back ---------------------------------------------------------------------


def _one_value(event: Any, tag: str, who: str) -> Any:
    if not event.HasField("summary") or len(event.summary.value) != 1:
        raise h.BenchmarkError(f"{who}: event at step {event.step} does not hold one summary value")
    value = event.summary.value[0]
    # torch and tensorboardX append "/text_summary" to add_text's tag
    if value.tag != tag and value.tag != tag + "/text_summary":
        raise h.BenchmarkError(f"{who}: unexpected tag {value.tag!r} (logged {tag!r})")
    return value


def values_in_step_order(events: list[Any], tag: str, calls: int, who: str) -> list[Any]:
    """The summary values, checked to be one per call, in step order 0..calls-1."""
    steps = [e.step for e in events]
    if len(steps) != calls:
        raise h.BenchmarkError(f"{who} LOST EVENTS: {len(steps)} events in the file(s), {calls} calls")
    if steps != list(range(calls)):
        raise h.BenchmarkError(f"{who}: steps {steps[:10]}... are not the call order 0..{calls - 1}")
    return [_one_value(e, tag, who) for e in events]


def histogram_of(value: Any, who: str) -> tuple[np.ndarray, float, float, float]:
    """(non-empty span of bucket counts, total, min, max) from either histogram form."""
    if value.HasField("histo"):
        histo = value.histo
        counts = np.asarray(list(histo.bucket), dtype=np.float64)
        total, low, high = float(histo.num), float(histo.min), float(histo.max)
        if abs(counts.sum() - total) > 0.5:
            raise h.BenchmarkError(f"{who}: histogram buckets sum to {counts.sum()}, num is {total}")
    elif value.HasField("tensor"):
        table = h.tensor_array(value.tensor)
        if table.ndim != 2 or table.shape[1] != 3:
            raise h.BenchmarkError(f"{who}: histogram tensor has shape {table.shape}, not [k, 3]")
        counts = table[:, 2].astype(np.float64)
        total, low, high = float(counts.sum()), float(table[0, 0]), float(table[-1, 1])
    else:
        raise h.BenchmarkError(f"{who}: histogram value holds neither histo nor tensor")
    nonzero = np.flatnonzero(counts)
    span = counts[nonzero[0] : nonzero[-1] + 1] if nonzero.size else counts[:0]
    return span, total, low, high


def image_of(value: Any, who: str) -> np.ndarray:
    """The decoded pixels (H, W, C) of either image form, width and height checked."""
    from PIL import Image

    if value.HasField("image"):
        encoded, width, height = value.image.encoded_image_string, value.image.width, value.image.height
    elif value.HasField("tensor") and len(value.tensor.string_val) >= 3:
        width_b, height_b, encoded = value.tensor.string_val[:3]
        width, height = int(width_b), int(height_b)
    else:
        raise h.BenchmarkError(f"{who}: image value holds neither an image nor a [w, h, png] tensor")
    pixels = np.asarray(Image.open(io.BytesIO(encoded)).convert("RGB"))
    if pixels.shape[:2] != (height, width):
        raise h.BenchmarkError(f"{who}: PNG is {pixels.shape[:2]}, the value says {(height, width)}")
    return pixels


def text_of(value: Any, who: str) -> str:
    if not value.HasField("tensor") or len(value.tensor.string_val) != 1:
        raise h.BenchmarkError(f"{who}: text value is not a one-string tensor")
    return value.tensor.string_val[0].decode("utf-8")


def decoded(key: str, events: list[Any], calls: int, who: str = "writer") -> list[Any]:
    """What each call's value holds, in a form to compare across writers: histograms as
    (bucket span, total, min, max), images as pixel arrays, PR curves as [6, k] float64
    tables, text as strings."""
    tag = {
        "histogram": "weights/histogram", "image_chw": "images/chw_float",
        "image_hwc": "images/hwc_uint8", "pr_curve": "eval/pr_curve", "text": "notes/text",
    }[key]
    values = values_in_step_order(events, tag, calls, who)
    if key == "histogram":
        return [histogram_of(v, who) for v in values]
    if key.startswith("image"):
        return [image_of(v, who) for v in values]
    if key == "pr_curve":
        return [h.tensor_array(v.tensor).astype(np.float64) for v in values]
    return [text_of(v, who) for v in values]


# --- workloads -----------------------------------------------------------------------------


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
        return _DRIVERS[self.key](writer, self.inputs, self.calls)

    def floor(self) -> None:
        return _FLOORS[self.key](self.inputs, self.calls)

    def check(self, who: str, peer_rule: bool, events: list[Any]) -> None:
        _CHECKS[self.key](self, who, peer_rule, events)

    @property
    def scale(self) -> float:
        return 1e3 if self.unit == "ms" else 1e6


def _drive_histogram(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, values = w.add_histogram, inp["values"]
    for i in range(calls):
        add("weights/histogram", values, i)


def _drive_image_chw(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, chw = w.add_image, inp["chw"]
    for i in range(calls):
        add("images/chw_float", chw, i)


def _drive_image_hwc(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, hwc = w.add_image, inp["hwc"]
    for i in range(calls):
        add("images/hwc_uint8", hwc, i, dataformats="HWC")


def _drive_pr_curve(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, labels, predictions = w.add_pr_curve, inp["labels"], inp["predictions"]
    for i in range(calls):
        add("eval/pr_curve", labels, predictions, i, num_thresholds=127)


def _drive_text(w: Any, inp: dict[str, Any], calls: int) -> None:
    add, strings = w.add_text, inp["texts"]
    for i in range(calls):
        add("notes/text", strings[i], i)


_DRIVERS: dict[str, Callable[[Any, dict[str, Any], int], None]] = {
    "histogram": _drive_histogram,
    "image_chw": _drive_image_chw,
    "image_hwc": _drive_image_hwc,
    "pr_curve": _drive_pr_curve,
    "text": _drive_text,
}


def _floor_histogram(inp: dict[str, Any], calls: int) -> None:
    values, edges = inp["values"], inp["edges"]
    for _ in range(calls):
        np.histogram(values, bins=edges)


def _png_floor(hwc: np.ndarray, calls: int) -> None:
    from PIL import Image

    for _ in range(calls):
        buffer = io.BytesIO()
        Image.fromarray(hwc, "RGB").save(buffer, format="PNG", compress_level=1)


def _floor_image_chw(inp: dict[str, Any], calls: int) -> None:
    _png_floor(inp["chw_expected_rint"], calls)


def _floor_image_hwc(inp: dict[str, Any], calls: int) -> None:
    _png_floor(inp["hwc"], calls)


def _floor_pr_curve(inp: dict[str, Any], calls: int) -> None:
    labels, predictions = inp["labels"], inp["predictions"]
    for _ in range(calls):
        buckets = np.floor(predictions * np.float32(126)).astype(np.int64)
        np.bincount(buckets[labels], minlength=127)
        np.bincount(buckets[~labels], minlength=127)


_FLOORS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "histogram": _floor_histogram,
    "image_chw": _floor_image_chw,
    "image_hwc": _floor_image_hwc,
    "pr_curve": _floor_pr_curve,
}


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
            raise h.BenchmarkError(f"{who}: histogram counts {total:.0f} values, {values.size} were logged")
        if (low, high) != (float(values.min()), float(values.max())):
            raise h.BenchmarkError(f"{who}: histogram min/max {(low, high)} are not the data's")
        if peer_rule:
            want = inp["span"]
        else:
            table = h.tensor_array(value.tensor)
            want = _counts_by_magnitude(inp["sorted_magnitudes"], table)
            written, edges = table[1:, 0], inp["edges"]
            at = np.searchsorted(edges, written).clip(1, edges.size - 1)
            nearest = np.where(written - edges[at - 1] < edges[at] - written, edges[at - 1], edges[at])
            if np.any(np.abs(written - nearest) > np.abs(nearest) / 256):
                raise h.BenchmarkError(f"{who}: histogram edges are not TensorFlow's within 1/256")
        if not np.array_equal(span, want):
            raise h.BenchmarkError(
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
                raise h.BenchmarkError(
                    f"{who}: decoded image differs from the expected pixels (max difference {diff})"
                )

    return check


def _check_pr_curve(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
    want = wl.inputs["reference"]
    for value in values_in_step_order(events, "eval/pr_curve", wl.calls, who):
        if not value.HasField("tensor"):
            raise h.BenchmarkError(f"{who}: PR curve is not a tensor")
        table = h.tensor_array(value.tensor).astype(np.float64)
        if table.shape != want.shape:
            raise h.BenchmarkError(f"{who}: PR curve has shape {table.shape}, expected {want.shape}")
        if not np.array_equal(table[:4], want[:4].astype(np.float32)):
            raise h.BenchmarkError(f"{who}: PR curve counts differ from the reference")
        if not np.allclose(table[4:], want[4:], rtol=1e-6, atol=1e-7):
            raise h.BenchmarkError(f"{who}: PR curve precision/recall differ from the reference")


def _check_text(wl: SummaryWorkload, who: str, peer_rule: bool, events: list[Any]) -> None:
    want = wl.inputs["texts"]
    for i, value in enumerate(values_in_step_order(events, "notes/text", wl.calls, who)):
        got = text_of(value, who)
        if got != want[i]:
            raise h.BenchmarkError(f"{who}: text at step {i} is {got[:40]!r}, logged {want[i][:40]!r}")


_CHECKS: dict[str, Callable[[SummaryWorkload, str, bool, list[Any]], None]] = {
    "histogram": _check_histogram,
    "image_chw": _check_images("image_chw"),
    "image_hwc": _check_images("image_hwc"),
    "pr_curve": _check_pr_curve,
    "text": _check_text,
}

DEFAULT_CALLS = {"histogram": 10, "image_chw": 20, "image_hwc": 10, "pr_curve": 20, "text": 10_000}
QUICK_CALLS = {"histogram": 2, "image_chw": 2, "image_hwc": 2, "pr_curve": 2, "text": 50}
TARGETS = {"histogram": 4.0, "image_chw": 3.0, "image_hwc": 3.0, "pr_curve": 5.0, "text": 20.0}


def make_workloads(
    calls: dict[str, int],
    only: Sequence[str] = (),
    histogram_size: int = 1_000_000,
    pr_size: int = 100_000,
) -> list[SummaryWorkload]:
    keys = [k for k in _DRIVERS if not only or k in only]
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


_METHOD = {
    "histogram": "add_histogram", "image_chw": "add_image", "image_hwc": "add_image",
    "pr_curve": "add_pr_curve", "text": "add_text",
}


def writers_for(workload: SummaryWorkload, writers: Sequence[bs.WriterSpec]) -> list[bs.WriterSpec]:
    """The writers that have the workload's method (tensorboard.summary.Writer has only
    add_scalar in tensorboard 2.21)."""
    out = []
    for spec in writers:
        if spec.key == "noop":
            continue
        if spec.key == "tb_writer":
            from tensorboard.summary import Writer

            if not hasattr(Writer, _METHOD[workload.key]):
                continue
        out.append(spec)
    return out


# --- runs ----------------------------------------------------------------------------------


@dataclass
class RunResult:
    total_s: float
    loop_s: float
    close_s: float
    cpu_s: float
    bytes_on_disk: int = 0
    events: int = 0


FLOOR_KEY = "floor"


def timed_run(spec: bs.WriterSpec, workload: SummaryWorkload, root: str) -> RunResult:
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{workload.key}-", dir=root)
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    writer = spec.make(logdir)
    workload.drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2, c1 = time.perf_counter(), time.process_time()
    del writer
    events, _files, size = h.read_events(logdir)
    workload.check(spec.label, spec.key != "tfevents", events)
    shutil.rmtree(logdir, ignore_errors=True)
    return RunResult(t2 - t0, t1 - t0, t2 - t1, c1 - c0, size, len(events))


def floor_run(workload: SummaryWorkload) -> RunResult:
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    workload.floor()
    t1, c1 = time.perf_counter(), time.process_time()
    return RunResult(t1 - t0, t1 - t0, 0.0, c1 - c0, 0, workload.calls)


@dataclass
class Report:
    argv: list[str]
    reps: int
    workloads: list[SummaryWorkload]
    writers: dict[str, list[bs.WriterSpec]]  # per workload
    missing: dict[str, list[str]]  # per workload: peers without the method
    results: dict[str, dict[str, list[RunResult]]]
    profiles: dict[str, h.RunProfile]
    machine: dict[str, str]
    load_before: str
    load_after: str
    wall_s: float


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="few calls per run: a smoke run")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {','.join(_DRIVERS)}")
    parser.add_argument(
        "--calls", default="",
        help="per-workload calls, e.g. histogram=10,text=10000 (defaults: "
        + ", ".join(f"{k}={v}" for k, v in DEFAULT_CALLS.items()) + ")",
    )
    parser.add_argument("--writers", default="", help="comma-separated subset of: tfevents,tensorboardX,torch,tb_writer")
    parser.add_argument("--no-floor", action="store_true", help="leave out the floor rows")
    parser.add_argument("--no-profile", action="store_true", help="skip the tfevents profiles")
    parser.add_argument("--results", default=None, help=f"write the markdown here (e.g. {os.path.relpath(RESULTS_PATH)})")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    calls = dict(QUICK_CALLS if args.quick else DEFAULT_CALLS)
    for item in filter(None, (s.strip() for s in args.calls.split(","))):
        name, _, count = item.partition("=")
        if name not in calls or not count.isdigit() or int(count) < 1:
            parser.error(f"--calls: bad item {item!r}")
        calls[name] = int(count)
    args.call_counts = calls
    args.only_keys = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(args.only_keys) - set(_DRIVERS)
    if unknown:
        parser.error(f"--only: unknown workloads {sorted(unknown)}")
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def select_writers(spec_list: str) -> list[bs.WriterSpec]:
    writers = [w for w in bs.all_writers() if w.key != "noop"]
    if spec_list:
        wanted = [w.strip() for w in spec_list.split(",") if w.strip()]
        unknown = set(wanted) - {w.key for w in writers}
        if unknown:
            raise SystemExit(f"unknown writers: {sorted(unknown)}")
        writers = [w for w in writers if w.key in wanted]
    for spec in writers:
        if spec.key == "tensorboardX" and not spec.crc.startswith("crc32c C package"):
            raise h.BenchmarkError("tensorboardX is not using the crc32c C package (pip install crc32c)")
    return writers


def run(args: argparse.Namespace) -> Report:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    started = time.perf_counter()
    load_before = h.load_average()
    all_specs = select_writers(args.writers)
    workloads = make_workloads(args.call_counts, args.only_keys)
    per_workload = {w.key: writers_for(w, all_specs) for w in workloads}
    missing = {
        w.key: [s.label for s in all_specs if s not in per_workload[w.key]] for w in workloads
    }
    results: dict[str, dict[str, list[RunResult]]] = {}
    profiles: dict[str, h.RunProfile] = {}
    root = tempfile.mkdtemp(prefix="tfevents-bench-summaries-", dir=args.tmpdir)
    try:
        # Warm-up (untimed, checked): imports (Pillow too), first-call costs.
        for workload in workloads:
            small = SummaryWorkload(
                workload.key, workload.title, workload.method, min(2, workload.calls),
                workload.target, workload.unit, workload.inputs, workload.floor_label,
            )
            for spec in per_workload[workload.key]:
                timed_run(spec, small, root)
            if workload.floor_label and not args.no_floor:
                floor_run(small)
        machine = h.machine_info()
        for workload in workloads:
            entrants: list[Any] = list(per_workload[workload.key])
            if workload.floor_label and not args.no_floor:
                entrants.append(FLOOR_KEY)
            runs: dict[str, list[RunResult]] = {
                (e if isinstance(e, str) else e.key): [] for e in entrants
            }
            for rep, order in h.rotations(entrants, args.reps):
                for entrant in order:
                    if isinstance(entrant, str):
                        r = floor_run(workload)
                        key = FLOOR_KEY
                    else:
                        r = timed_run(entrant, workload, root)
                        key = entrant.key
                    runs[key].append(r)
                    _log(
                        f"rep {rep + 1}/{args.reps} {workload.key:>9} {key:>12}: "
                        f"{r.total_s / workload.calls * workload.scale:9.3f} {workload.unit}/call "
                        f"(close {r.close_s * 1e3:.1f} ms)"
                    )
            results[workload.key] = runs
            if not args.no_profile and any(s.key == "tfevents" for s in per_workload[workload.key]):
                spec = next(s for s in per_workload[workload.key] if s.key == "tfevents")
                logdir = tempfile.mkdtemp(prefix="profiled-", dir=root)

                def body(spec: bs.WriterSpec = spec, workload: SummaryWorkload = workload, logdir: str = logdir) -> None:
                    writer = spec.make(logdir)
                    workload.drive(writer)
                    writer.close()

                gc.collect()
                profiles[workload.key] = h.profile_tfevents_run(body)
                events, _, _ = h.read_events(logdir)
                workload.check("tfevents (profiled run)", False, events)
                shutil.rmtree(logdir, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Report(
        argv=args.argv, reps=args.reps, workloads=workloads, writers=per_workload,
        missing=missing, results=results, profiles=profiles, machine=machine,
        load_before=load_before, load_after=h.load_average(),
        wall_s=time.perf_counter() - started,
    )


# --- the report ----------------------------------------------------------------------------


def per_call(runs: list[RunResult], workload: SummaryWorkload, attr: str = "total_s") -> h.Summary:
    return h.Summary.of([getattr(r, attr) / workload.calls * workload.scale for r in runs])


@dataclass
class Verdict:
    workload: str
    title: str
    tfevents: float  # median per call, in the workload's unit
    unit: str
    best_peer: str
    best_peer_value: float
    ratio: float
    target: float

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def verdicts(report: Report) -> list[Verdict]:
    out = []
    for workload in report.workloads:
        runs = report.results[workload.key]
        if "tfevents" not in runs:
            continue
        medians = {k: per_call(v, workload).median for k, v in runs.items() if k != FLOOR_KEY}
        best = h.best_peer(medians)
        if best is None:
            continue
        label = next(s.label for s in report.writers[workload.key] if s.key == best[0])
        out.append(Verdict(
            workload.key, workload.title, medians["tfevents"], workload.unit, label, best[1],
            best[1] / medians["tfevents"], workload.target,
        ))
    return out


def workload_section(report: Report, workload: SummaryWorkload) -> str:
    runs = report.results[workload.key]
    u = workload.unit
    medians = {k: per_call(v, workload).median for k, v in runs.items()}
    base = medians.get("tfevents")
    rows = []
    specs = list(report.writers[workload.key])
    for spec in specs:
        rs = runs[spec.key]
        total, loop, cpu = per_call(rs, workload), per_call(rs, workload, "loop_s"), per_call(rs, workload, "cpu_s")
        close_ms = h.Summary.of([r.close_s * 1e3 for r in rs]).median
        rows.append([
            spec.label, h.fmt_num(total.median), f"{h.fmt_num(total.low)}–{h.fmt_num(total.high)}",
            f"{h.fmt_num(total.q1)}–{h.fmt_num(total.q3)}", h.fmt_num(loop.median), h.fmt_num(close_ms),
            h.fmt_num(cpu.median), f"{total.median / base:.2f}x" if base else "—",
            f"{rs[-1].bytes_on_disk / max(1, rs[-1].events):,.0f}", f"{rs[-1].events:,} x {len(rs)}",
        ])
    if FLOOR_KEY in runs:
        rs = runs[FLOOR_KEY]
        total, cpu = per_call(rs, workload), per_call(rs, workload, "cpu_s")
        rows.append([
            f"floor: {workload.floor_label}", h.fmt_num(total.median),
            f"{h.fmt_num(total.low)}–{h.fmt_num(total.high)}", f"{h.fmt_num(total.q1)}–{h.fmt_num(total.q3)}",
            "—", "—", h.fmt_num(cpu.median), f"{total.median / base:.2f}x" if base else "—", "—", "—",
        ])
    table = h.markdown_table(
        ["writer", f"median {u}/call", "min–max", "IQR", f"caller loop {u}/call", "close() ms",
         f"CPU {u}/call (all threads)", "÷ tfevents", "bytes/event on disk", "events checked"],
        rows,
    )
    text = [f"### {workload.title}", "", table, ""]
    verdict = next((v for v in verdicts(report) if v.workload == workload.key), None)
    if verdict:
        text.append(
            f"tfevents vs the best peer ({verdict.best_peer}, {h.fmt_num(verdict.best_peer_value)} {u}/call): "
            f"**{verdict.ratio:.2f}x**; target ≥ {verdict.target:g}x: **{'met' if verdict.met else 'MISSED'}**."
        )
        if FLOOR_KEY in runs and base:
            floor = medians[FLOOR_KEY]
            text[-1] += (
                f" The floor ({workload.floor_label}) alone takes {floor / base:.0%} of tfevents' "
                f"time per call; reaching the target needs tfevents at "
                f"{h.fmt_num(verdict.best_peer_value / verdict.target)} {u}/call, "
                f"{verdict.best_peer_value / verdict.target / floor:.2f}x the floor."
            )
        text.append("")
    if report.missing.get(workload.key):
        text += [f"Not run (no `{_METHOD[workload.key]}` method): {', '.join(report.missing[workload.key])}.", ""]
    return "\n".join(text)


def profile_section(report: Report, workload: SummaryWorkload) -> str:
    p = report.profiles.get(workload.key)
    if p is None:
        return ""
    out = [
        f"#### tfevents, {workload.title}",
        "",
        f"One extra untimed run under cProfile (thread CPU time; profiling inflates per-call "
        f"overheads): {p.wall_s * 1e3:.0f} ms wall, {p.caller_cpu_s * 1e3:.0f} ms of CPU on the "
        f"caller's thread.",
        "",
        h.profile_block("Caller's thread (constructor, calls, close), top by own time:", p.caller_top),
    ]
    if p.background_top:
        out += ["", h.profile_block("Background thread (its write_pending calls):", p.background_top[:8])]
    if p.note:
        out += ["", f"({p.note}.)"]
    return "\n".join(out) + "\n"


METHOD_NOTES = (
    "- Method: each run is a writer's constructor, the calls (steps 0, 1, ...) and `close()`, "
    "timed together, so everything is on disk when the clock stops; default constructor "
    "arguments; the same input objects (numpy arrays, made once) for every writer; "
    "round-robin order over repetitions (repetition r starts with writer r mod k); one "
    "untimed, checked warm-up run per writer and workload first. After each run its files are "
    "read back and checked (histogram buckets, total, min and max against numpy; decoded PNG "
    "pixels against the writer's conversion; PR-curve counts, precision and recall against an "
    "independent computation; text strings).\n"
    "- Forms written: tfevents writes histograms as `[k, 3]` float64 tensors and images as "
    "`[w, h, png]` string tensors, PNG at zlib level 1 and float pixels rounded "
    "(`rint(x * 255)`); tensorboardX and torch write HistogramProto and Summary.Image, PNG "
    "at Pillow's default level 6 and float pixels truncated (`uint8(x * 255)`), so float "
    "images differ by at most one level. bytes/event is the files' size over the events "
    "(PNG size dominates images)."
)


def render_body(report: Report, heading: str = "##") -> str:
    out = [METHOD_NOTES, ""]
    for workload in report.workloads:
        out.append(workload_section(report, workload).replace("### ", heading + "# ", 1))
    return "\n".join(out)


def render_profiles(report: Report) -> str:
    return "\n".join(s for s in (profile_section(report, w) for w in report.workloads) if s)


def render(report: Report, script: str = __file__) -> str:
    m = report.machine
    out = [
        "# Summary benchmarks: histogram, image, PR curve, text",
        "",
        "Reproduce with:",
        "",
        "```",
        h.reproduce_command(report.argv, script),
        "```",
        "",
        f"- Date: {m['date']}; {report.reps} repetition(s); the run took {report.wall_s:.0f} s.",
        f"- Machine: {m['cpu']}, {m['cores']}; load average {report.load_before} at the start, "
        f"{report.load_after} at the end.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']} ({m['source']}), "
        f"tensorboardX {m['tensorboardX']}, torch {m['torch']}, tensorboard {m['tensorboard']}, "
        f"Pillow {h.package_version('Pillow')}.",
        render_body(report),
        "## Where tfevents' time goes",
        "",
        render_profiles(report),
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = render(report)
    print(text)
    if args.results:
        h.write_report(args.results, text)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
