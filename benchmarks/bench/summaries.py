"""add_histogram, add_image, add_pr_curve, add_text: tfevents (both forms) against the peers and a floor."""

import gc
import io
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PIL import Image
from tensorboard.summary import Writer
from tensorboard.util.tensor_util import make_ndarray

from .report import Target, fmt, runs_table, verdict
from .runner import MAKERS, Run, Summary, best_peer, label, log, rounds, scratch, timed
from .verify import BenchmarkError, read_log


@dataclass
class Workload:
    """``method(tag, *inputs[args], step, **options)`` ``calls`` times per run (full, --quick: ``n``)."""

    key: str
    method: str
    tag: str
    title: str
    args: tuple[str, ...]
    options: dict[str, Any]
    calls: tuple[int, int]
    target: float
    unit: str
    forms_differ: bool = True
    floor: str = ""
    n: int = 0
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return 1e3 if self.unit == "ms" else 1e6

    def drive(self, writer: Any, n: int | None = None) -> None:
        add, tag, texts, options = getattr(writer, self.method), self.tag, self.inputs.get("texts"), self.options
        values = tuple(self.inputs[a] for a in self.args)
        for i in range(self.n if n is None else n):
            add(tag, *(values or (texts[i],)), i, **options)


WORKLOADS = [
    Workload("histogram", "add_histogram", "weights/histogram", "add_histogram: 1,000,000 float32 values, bins='tensorflow', {n} calls",
             ("values",), {}, (10, 2), 4.0, "ms", floor="numpy.histogram of the input over TensorFlow's edges"),
    Workload("image_chw", "add_image", "images/chw_float", "add_image: 3x256x256 float32 CHW in [0, 1], {n} calls", ("chw",), {},
             (20, 2), 3.0, "ms", floor="Pillow PNG encode (compress_level=1) of the converted uint8 image"),
    Workload("image_hwc", "add_image", "images/hwc_uint8", "add_image: 512x512x3 uint8 HWC (dataformats='HWC'), {n} calls", ("hwc",),
             {"dataformats": "HWC"}, (10, 2), 3.0, "ms", floor="Pillow PNG encode (compress_level=1) of the input"),
    Workload("pr_curve", "add_pr_curve", "eval/pr_curve", "add_pr_curve: 100,000 bool labels and float32 predictions, 127 thresholds, {n} calls",
             ("labels", "predictions"), {"num_thresholds": 127}, (20, 2), 5.0, "ms", False, "bucketing and two numpy.bincount calls"),
    Workload("text", "add_text", "notes/text", "add_text: a ~90-character markdown string per call, {n:,} calls", (), {}, (10_000, 20), 20.0, "µs"),
]


def _picture(size: int, seed: int) -> np.ndarray:
    """A float32 HWC RGB picture in [0, 1]: waves and a little noise (PNG would find flat or pure noise unrealistically cheap or dear)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    waves = [0.5 + 0.35 * np.sin(x / (11.0 + 5 * c) + y / (17.0 + 3 * c) + c) * np.cos(y / 29.0 - c) for c in range(3)]
    noise = np.random.default_rng(seed).normal(0, 0.04, (size, size, 3)).astype(np.float32)
    return np.clip(np.stack(waves, axis=-1) + noise, 0.0, 1.0).astype(np.float32)


def make_inputs(w: Workload) -> None:
    """The workload's inputs, and what its read-back is checked against."""
    if w.key == "histogram":
        values, edges = np.random.default_rng(1).standard_normal(1_000_000).astype(np.float32), [1e-12]
        while edges[-1] * 1.1 < 1e20:  # TensorFlow's default edges, built as torch and tensorboardX build them
            edges.append(edges[-1] * 1.1)
        edges = np.concatenate([-np.array(edges[::-1]), [0.0], edges])
        counts = np.histogram(values, bins=edges)[0]
        nz = np.flatnonzero(counts)
        w.inputs = {"values": values, "edges": edges, "span": counts[nz[0] : nz[-1] + 1].astype(np.float64),
                    "magnitudes": {s: np.sort(np.abs(values[np.signbit(values) == s]).astype(np.float64)) for s in (False, True)}}
    elif w.key == "image_chw":
        hwc = _picture(256, 2)
        w.inputs = {"chw": np.ascontiguousarray(hwc.transpose(2, 0, 1)), "pixels": (hwc * np.float32(255)).clip(0, 255).astype(np.uint8)}
    elif w.key == "image_hwc":
        w.inputs = {"hwc": (hwc := np.rint(_picture(512, 3) * 255).astype(np.uint8)), "pixels": hwc}
    elif w.key == "pr_curve":
        rng = np.random.default_rng(4)
        labels = rng.integers(0, 2, 100_000).astype(bool)
        predictions = (1.0 / (1.0 + np.exp(-(np.where(labels, 1.2, -1.2) + rng.normal(0, 1.5, labels.size))))).astype(np.float32)
        # bucket j counts a prediction when floor(p * 126) >= j, in float32 (torch) and float64 (tfevents) alike
        buckets = np.floor(predictions.astype(np.float64) * 126).astype(np.int64)
        if not np.array_equal(buckets, np.floor(predictions * np.float32(126)).astype(np.int64)):
            raise BenchmarkError("PR-curve input has predictions on a bucket boundary; pick another seed")
        tp, fp = (np.cumsum(np.bincount(buckets[sel], minlength=127)[::-1].astype(np.float64))[::-1] for sel in (labels, ~labels))
        tn, fn = fp[0] - fp, tp[0] - tp
        curve = np.stack([tp, fp, tn, fn, tp / np.maximum(1e-7, tp + fp), tp / np.maximum(1e-7, tp + fn)])
        w.inputs = {"labels": labels, "predictions": predictions, "reference": curve}
    else:
        w.inputs = {"texts": [f"**step {i}**: loss `{1.0 / (i + 1):.6f}`, lr {3e-4 * 0.999**i:.3e}, notes: _batch {i % 97} of epoch {i // 97}_" for i in range(w.n)]}


def _histogram(value: Any, peer_rule: bool, w: Workload, who: str) -> None:
    """Peers: numpy's counts over TensorFlow's edges. tfevents writes those edges moved to float32 cell boundaries (at
    most 1/256 away) and counts by magnitude, in [|inner|, |outer|) either side of zero: checked over the edges it wrote."""
    if value.HasField("histo"):
        h = value.histo
        limits, counts = np.asarray(h.bucket_limit, dtype=np.float64), np.asarray(h.bucket, dtype=np.float64)
        if not peer_rule and (limits.size < 2 or counts[0] != 0):
            raise BenchmarkError(f"{who}: HistogramProto is not in torch's layout")
        rows, total, low, high = np.stack([limits[:-1], limits[1:], counts[1:]], axis=1), h.num, h.min, h.max
    else:
        rows = make_ndarray(value.tensor).astype(np.float64)
        counts, low, high = rows[:, 2], rows[0, 0], rows[-1, 1]
        total = counts.sum()
    values, want = w.inputs["values"], w.inputs["span"]
    if total != values.size or counts.sum() != total or (low, high) != (float(values.min()), float(values.max())):
        raise BenchmarkError(f"{who}: histogram counts {counts.sum():.0f} values in [{low}, {high}], not the logged ones")
    if not peer_rule:
        edges, written = w.inputs["edges"], rows[1:, 0]
        at = np.searchsorted(edges, written).clip(1, edges.size - 1)
        nearest = np.where(written - edges[at - 1] < edges[at] - written, edges[at - 1], edges[at])
        if np.any(np.abs(written - nearest) > np.abs(nearest) / 256):
            raise BenchmarkError(f"{who}: histogram edges are not TensorFlow's within 1/256")
        by_magnitude = []
        for i, (left, right, _) in enumerate(rows):
            negative = right <= 0 and not (left == 0 and right == 0)
            inner, outer = (-right, -left) if negative else (left, right)
            side, last = w.inputs["magnitudes"][negative], (i == 0 and negative) or (i == len(rows) - 1 and not negative)
            by_magnitude.append(np.searchsorted(side, outer, "right" if last else "left") - np.searchsorted(side, inner, "left"))
        counts, want = rows[:, 2], np.asarray(by_magnitude, dtype=np.float64)
    nz = np.flatnonzero(counts)
    want = want if peer_rule else want[nz[0] : nz[-1] + 1]
    if not np.array_equal(counts[nz[0] : nz[-1] + 1], want):
        raise BenchmarkError(f"{who}: histogram bucket counts differ from the count of the logged values between its edges")


def check(w: Workload, who: str, peer_rule: bool, events: list[Any], n: int | None = None) -> int:
    """Raises unless every call's value is there, in step order, and right; the events checked."""
    n = w.n if n is None else n
    if [e.step for e in events] != list(range(n)):
        raise BenchmarkError(f"{who} LOST EVENTS: steps {[e.step for e in events][:10]}... for {n} calls 0..{n - 1}")
    for i, event in enumerate(events):
        if len(event.summary.value) != 1 or event.summary.value[0].tag not in (w.tag, w.tag + "/text_summary"):
            raise BenchmarkError(f"{who}: event at step {i} does not hold one value of tag {w.tag!r}")
        value = event.summary.value[0]
        if w.key == "histogram":
            _histogram(value, peer_rule, w, who)
        elif w.key.startswith("image"):
            width, height, png = ((value.image.width, value.image.height, value.image.encoded_image_string)
                                  if value.HasField("image") else (*map(int, value.tensor.string_val[:2]), value.tensor.string_val[2]))
            pixels, want = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), w.inputs["pixels"]
            if pixels.shape != (height, width, 3) or pixels.shape != want.shape or not np.array_equal(pixels, want):
                diff = int(np.abs(pixels.astype(int) - want).max()) if pixels.shape == want.shape else "shape"
                raise BenchmarkError(f"{who}: decoded image differs from the expected pixels (max difference {diff})")
        elif w.key == "pr_curve":
            curve, want = make_ndarray(value.tensor).astype(np.float64), w.inputs["reference"]
            if curve.shape != want.shape or not np.array_equal(curve[:4], want[:4].astype(np.float32)):
                raise BenchmarkError(f"{who}: PR curve counts differ from the reference")
            if not np.allclose(curve[4:], want[4:], rtol=1e-6, atol=1e-7):
                raise BenchmarkError(f"{who}: PR curve precision/recall differ from the reference")
        elif list(value.tensor.string_val) != [w.inputs["texts"][i].encode()]:
            raise BenchmarkError(f"{who}: text at step {i} is not the string logged")
    return n


def measure(key: str, w: Workload, root: str, n: int | None = None) -> Run:
    """A writer's timed run, its files read back and checked; or the floor's."""
    if key == "floor":
        gc.collect()
        c0, t0, inp = time.process_time(), time.perf_counter(), w.inputs
        for _ in range(w.n):
            if w.key == "histogram":
                np.histogram(inp["values"], bins=inp["edges"])
            elif w.key.startswith("image"):
                Image.fromarray(inp["pixels"], "RGB").save(io.BytesIO(), format="PNG", compress_level=1)
            else:
                buckets = np.floor(inp["predictions"] * np.float32(126)).astype(np.int64)
                np.bincount(buckets[inp["labels"]], minlength=127), np.bincount(buckets[~inp["labels"]], minlength=127)
        t = time.perf_counter() - t0
        return Run(t, t, 0.0, time.process_time() - c0, events=w.n)
    run, _ = timed(MAKERS[key], lambda writer: w.drive(writer, n), logdir := tempfile.mkdtemp(prefix=f"{key}-{w.key}-", dir=root))
    log_ = read_log(logdir)
    run.events, run.bytes = check(w, label(key), not key.startswith("tfevents"), log_.events, n), log_.bytes
    return run


def run(opts: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"reps": opts.reps, "workloads": [], "results": {}, "missing": {}}
    with scratch(opts, "summaries") as root:
        for w in (replace(w, n=w.calls[opts.quick]) for w in WORKLOADS):
            make_inputs(w)
            out["missing"][w.key] = [] if hasattr(Writer, w.method) else ["tb_writer"]  # (add_scalar alone in tensorboard 2.21)
            entrants = ["tfevents", *(["tfevents_tensor"] if w.forms_differ else []), *(k for k in ("tensorboardX", "torch", "tb_writer") if k not in out["missing"][w.key])]
            out["results"][w.key] = rounds(entrants + (["floor"] if w.floor else []), opts.reps, lambda k, w=w: measure(k, w, root),
                                           warm=lambda k, w=w: measure(k, w, root, 2))
            out["workloads"].append(w)
            log(f"{w.key}: " + ", ".join(f"{k} {Summary.of([r.total_s for r in v]).median / w.n * w.scale:.3g} {w.unit}"
                                         for k, v in out["results"][w.key].items()))
    return out


def _verdict(res: dict[str, Any], w: Workload) -> tuple[dict[str, float], tuple[str, float] | None]:
    medians = {k: Summary.of([r.total_s / w.n * w.scale for r in v]).median for k, v in res["results"][w.key].items()}
    return medians, best_peer(medians)


def section(res: dict[str, Any]) -> str:
    out = ["## Histograms, images, PR curves, text (`run_all.py --parts summaries`)", "", f"- Repetitions: {res['reps']}.",
           "- Method: a run is a writer's constructor, the calls (steps 0, 1, ...) and `close()`, timed together; default constructor arguments; the "
           "same inputs (made once) for every writer; round-robin over repetitions, after an untimed, checked warm-up per writer and workload. Every "
           "run's files are read back and checked: histogram buckets, total, min and max against numpy; decoded PNG pixels; PR-curve counts, "
           "precision and recall against an independent computation; text strings. The floor row times the work the summary cannot avoid.",
           "- Forms: tfevents writes torch's by default (HistogramProto, Summary.Image, text under `tag/text_summary`), TensorBoard's tensor forms in "
           "its `legacy_forms=False` row; PNG at zlib level 1 (the peers: Pillow's default 6), float pixels truncated (`uint8(x * 255)`) by all. The "
           "verdicts compare tfevents' default row with the best peer; bytes/event is the files' size over the events.", ""]
    for w in res["workloads"]:
        medians, peer = _verdict(res, w)
        base, u = medians["tfevents"], w.unit
        files = lambda k, rs: ["—", "—"] if k == "floor" else [f"{rs[-1].bytes / rs[-1].events:,.0f}", f"{rs[-1].events:,} x {len(rs)}"]  # noqa: E731
        out += [f"### {w.title.format(n=w.n)}", "", runs_table(res["results"][w.key], w.n, w.scale, u, lambda k, w=w: f"floor: {w.floor}" if k == "floor"
                                                 else label(k), ".2f", files), ""]
        if peer:
            out += [f"tfevents vs the best peer ({label(peer[0])}, {fmt(peer[1])} {u}/call): **{peer[1] / base:.2f}x**; target ≥ {w.target:g}x: "
                    f"**{verdict(peer[1] / base >= w.target, 'MISSED')}**." + (
                        f" The floor ({w.floor}) alone takes {medians['floor'] / base:.0%} of tfevents' time per call; reaching the target needs "
                        f"tfevents at {fmt(peer[1] / w.target)} {u}/call, {peer[1] / w.target / medians['floor']:.2f}x the floor." if "floor" in medians else ""), ""]
        if res["missing"][w.key]:
            out += [f"Not run (no `{w.method}` method): {', '.join(label(k) for k in res['missing'][w.key])}.", ""]
    return "\n".join(out)


def targets(res: dict[str, Any]) -> list[Target]:
    out = []
    for w in res["workloads"]:
        medians, peer = _verdict(res, w)
        if not peer:
            continue
        ours, tensor = medians["tfevents"], medians.get("tfevents_tensor")
        out.append(Target(w.key, w.title.format(n=w.n), f"≥ {w.target:g}x the best peer",
                          f"{fmt(ours)} {w.unit}/call vs {fmt(peer[1])} ({label(peer[0])}): **{peer[1] / ours:.2f}x**"
                          + (f"; tensor forms (legacy_forms=False) {fmt(tensor)} {w.unit}/call, {peer[1] / tensor:.2f}x" if tensor else ""),
                          peer[1] / ours, "x", peer[1] / ours >= w.target))
    return out
