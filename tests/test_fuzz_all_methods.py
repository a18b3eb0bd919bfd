"""Fuzzing every public ``add_*`` method of ``SummaryWriter`` with Hypothesis.

The methods are discovered with ``inspect`` when the tests are collected, so a method
added later is fuzzed too (with generic inputs until it gets inputs of its own here);
a method of the expected set that is missing fails ``test_expected_methods_exist``.

Each example is one call whose arguments are mostly plausible, with one or two of them
replaced by junk: wrong types, wrong shapes and dtypes, empty, 0-d and large arrays
(bounded: at most a few million elements, or huge shapes with no elements), NaN and
±Inf, None, bytes, negative, float and out-of-range steps, odd tags (empty, unicode,
'/'-heavy, 10 kB). Every call must either succeed, or raise ``TypeError`` or
``ValueError``:

* raised by tfevents itself (the innermost frame of the traceback is in the
  ``tfevents`` package: never a raw error from deep inside numpy or Pillow),
* whose message names one of the method's parameters (as a whole word).

After each call the writer is flushed (which must not raise) and the event files are
checked: every file is valid, an accepted call added at least one record (and, where
the method has a ``tag``, a value under that tag), and a rejected call added none.
``add_embedding`` writes projector files instead of events. At the end, ``close()``
must not raise and the files must be valid.

Bounded: ``max_examples`` per method below, ``derandomize=True``, no database, no
deadline.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import tempfile
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.figure import Figure

import fuzzing
import tfevents
from _reliability_helpers import event_files_under
from tfevents import Graph, SummaryWriter
from tfevents.reader import read_events
from tfevents.reader.decoding import parse_event
from tfevents.reader.types import FileState
from tfevents.records.reader import scan
from tfevents.validate import validate_file

torch = pytest.importorskip("torch")
NAN, INF = fuzzing.NAN, fuzzing.INF
MAX_EXAMPLES = 60
# Address space allowed above what the test process already uses: an input that makes
# a method allocate gigabytes (a bin count of 10**9) gets a MemoryError here, reported
# as a failure, instead of the kernel's OOM killer ending the process (and hurting other
# work on the machine).
MEMORY_HEADROOM = 2 << 30
TFEVENTS_DIR = os.path.dirname(os.path.abspath(tfevents.__file__))

EXPECTED_METHODS = {
    "add_scalar", "add_scalars", "add_scalar_array", "add_histogram", "add_image",
    "add_images", "add_image_with_boxes", "add_figure", "add_video", "add_audio",
    "add_text", "add_pr_curve", "add_pr_curve_raw", "add_graph", "add_hparams",
    "add_custom_scalars", "add_custom_scalars_multilinechart",
    "add_custom_scalars_marginchart", "add_mesh", "add_embedding", "add_tensor",
}
# Methods whose event carries the call's ``tag`` argument as the summary value's tag.
TAGGED_EVENT = {
    "add_scalar", "add_scalar_array", "add_histogram", "add_image", "add_images",
    "add_image_with_boxes", "add_figure", "add_video", "add_audio", "add_text",
    "add_pr_curve", "add_pr_curve_raw", "add_tensor",
}
EVENTLESS = {"add_embedding"}  # writes projector files, not events


def discovered_methods() -> list[str]:
    return sorted(
        name for name, _ in inspect.getmembers(SummaryWriter, callable)
        if name.startswith("add_")
    )


def parameters(name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(getattr(SummaryWriter, name)).parameters.values())[1:]


@pytest.fixture(autouse=True)
def bounded_memory() -> Any:
    import resource

    with open("/proc/self/status") as f:
        size_kb = int(next(line for line in f if line.startswith("VmSize:")).split()[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size_kb * 1024 + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# --- junk ---------------------------------------------------------------------------------

def _huge() -> list[Any]:
    """Large inputs, bounded in memory: views with zero strides (materialising one costs
    at most 16 MB), shapes with a huge dimension and no elements, one real 8 MB array."""
    return [
        np.zeros((0, 10**9), np.float32),
        np.zeros((10**9, 0), np.uint8),
        np.broadcast_to(np.float32(0.25), (2048, 2048)),
        np.broadcast_to(np.float32(NAN), (3, 1024, 1024)),
        np.broadcast_to(np.uint8(200), (1, 1 << 20)),
        np.broadcast_to(np.float64(1.0), (4, 1 << 20)),
        np.ones(1 << 21, np.float32),
        "x" * (1 << 20),
    ]


# One draw in twenty of junk is a large input.
JUNK = st.integers(0, 19).flatmap(lambda k: st.sampled_from(_huge()) if k == 0 else fuzzing.JUNK)

# Tags: good ones, odd but legal ones (unicode, '/'-heavy, 10 kB) and illegal ones.
GOOD_TAGS = ["loss", "a/b", "x", "train/acc"]
ODD_TAGS = ["/", "//a///b//", "/" * 300, "a/" * 200, "é/ü/日本語/😀", "x" * 10_000,
            "tag with spaces", "\t\n", ".", "..", "%2f", "a\\b"]
BAD_TAGS = ["", "\ud800", "a\ud800b"]
VALID_TAGS = st.one_of(st.sampled_from(GOOD_TAGS), st.sampled_from(ODD_TAGS), st.text(min_size=1, max_size=12))
STEPS = st.one_of(
    st.none(), st.integers(0, 1000), st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([np.int64(5), np.int32(-7), np.uint8(3), torch.tensor(7), 2**63 - 1, -(2**63)]),
)
BAD_STEPS = st.sampled_from([2**63, -(2**63) - 1, 10**30, 2.5, NAN, INF, "3", b"3", np.array([1, 2]),
                             np.uint64(2**64 - 1), torch.tensor(1.5), 1.0, True, np.float32(3.0)])
WALLTIMES = st.one_of(st.none(), st.floats(0, 2e9), st.sampled_from([np.float64(1.7e9), 0, 1700000000]))
BAD_WALLTIMES = st.sampled_from([NAN, INF, -INF, -1.0, 1e300, 2**70, "now", b"",
                                 torch.tensor(1.7e9, dtype=torch.float64)])
BOOLS = st.one_of(st.booleans(), st.sampled_from([0, 1, np.bool_(True)]))
BAD_BOOLS = st.sampled_from(["yes", None, np.zeros(2), [True]])
TEXTS = st.one_of(st.text(max_size=20), st.sampled_from(["", "**md**", "x" * 10_000]))


def floats_array(shape: Any, low: float = -10.0, high: float = 10.0, dtype: Any = np.float32) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(dtype, shape, elements=st.floats(low, high, width=np.dtype(dtype).itemsize * 8))


def small_shape(min_dims: int, max_dims: int, max_side: int = 6) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def _pixels(shape: tuple[int, ...], kind: str, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    if kind == "uint8":
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if kind == "float":
        return rng.random(shape).astype(np.float32)
    return torch.from_numpy(rng.random(shape).astype(np.float32))


_SIZES = st.fixed_dictionaries({
    "N": st.integers(1, 3), "T": st.integers(1, 3), "C": st.sampled_from([1, 3, 4]),
    "H": st.integers(1, 12), "W": st.integers(1, 12),
})
_KINDS = st.sampled_from(["uint8", "float", "torch"])


def images(layout: str) -> st.SearchStrategy[Any]:
    """Plausible pixels in ``layout`` (e.g. "CHW"): uint8, float in [0, 1], or torch."""
    return st.builds(lambda sizes, kind, seed: _pixels(tuple(sizes[a] for a in layout), kind, seed),
                     _SIZES, _KINDS, st.integers(0, 99))


def image_inputs(key: str, layouts: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """An image and the ``dataformats`` that describes it."""
    return st.sampled_from(layouts).flatmap(
        lambda layout: images(layout.upper()).map(lambda img: {key: img, "dataformats": layout})
    )


def boxes_inputs() -> st.SearchStrategy[dict[str, Any]]:
    def build(layout: str, sizes: dict[str, int], kind: str, seed: int, n: int, labelled: bool) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        img = _pixels(tuple(sizes[a] for a in layout), kind, seed)
        corners = rng.random((n, 2)) * [sizes["W"], sizes["H"]]
        box = np.concatenate([corners, corners + rng.random((n, 2)) * 4], axis=1)
        out = {"img_tensor": img, "dataformats": layout, "box_tensor": box}
        if labelled:
            out["labels"] = [f"obj{i}" for i in range(n)]
        return out

    return st.builds(build, st.sampled_from(["CHW", "HWC"]), _SIZES, _KINDS, st.integers(0, 99),
                     st.integers(0, 4), st.booleans())


def embedding_inputs() -> st.SearchStrategy[dict[str, Any]]:
    def build(n: int, d: int, seed: int, meta: int, thumbs: bool) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        out: dict[str, Any] = {"mat": rng.standard_normal((n, d)).astype(np.float32)}
        if meta == 1:
            out["metadata"] = [f"p{i}" for i in range(n)]
        elif meta == 2:
            out["metadata"] = [[f"p{i}", str(i % 3)] for i in range(n)]
            out["metadata_header"] = ["name", "class"]
        if thumbs:
            out["label_img"] = rng.random((n, 3, 4, 4)).astype(np.float32)
        return out

    return st.builds(build, st.integers(1, 6), st.integers(1, 4), st.integers(0, 99),
                     st.integers(0, 2), st.booleans())


def mesh_inputs() -> st.SearchStrategy[dict[str, Any]]:
    def build(n: int, f: int, seed: int, colored: bool) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        out: dict[str, Any] = {"vertices": rng.standard_normal((1, n, 3)).astype(np.float32)}
        if f:
            out["faces"] = rng.integers(0, n, (1, f, 3))
        if colored:
            out["colors"] = rng.integers(0, 256, (1, n, 3))
        return out

    return st.builds(build, st.integers(1, 6), st.integers(0, 4), st.integers(0, 99), st.booleans())


def pr_inputs() -> st.SearchStrategy[dict[str, Any]]:
    def build(n: int, seed: int, weighted: bool) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        out = {"labels": rng.integers(0, 2, n), "predictions": rng.random(n)}
        if weighted:
            out["weights"] = rng.random(n) * 3
        return out

    return st.builds(build, st.integers(0, 30), st.integers(0, 99), st.booleans())


def pr_counts() -> st.SearchStrategy[dict[str, Any]]:
    def build(n: int, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        tp = np.sort(rng.integers(0, 50, n))[::-1].astype(np.float64)
        fp = np.sort(rng.integers(0, 50, n))[::-1].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.nan_to_num(tp / (tp + fp))
        return {"num_thresholds": n, "true_positive_counts": tp, "false_positive_counts": fp,
                "true_negative_counts": 50 - fp, "false_negative_counts": 50 - tp,
                "precision": precision, "recall": tp / 50}

    return st.builds(build, st.integers(2, 20), st.integers(0, 99))


def histogram_raw_inputs() -> st.SearchStrategy[dict[str, Any]]:
    def build(n: int, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        limits = np.cumsum(rng.random(n) + 0.1) - 1.0
        counts = rng.integers(0, 20, n).astype(np.float64)
        return {"min": float(limits[0]) - 0.5, "max": float(limits[-1]), "num": int(counts.sum()),
                "sum": float((counts * limits).sum()), "sum_squares": float((counts * limits**2).sum()),
                "bucket_limits": limits, "bucket_counts": counts}

    return st.builds(build, st.integers(1, 12), st.integers(0, 99))


def figures() -> st.SearchStrategy[Any]:
    def build(w: float, h: float, dpi: int, count: int) -> Any:
        figs = []
        for _ in range(max(count, 1)):
            fig = Figure(figsize=(w, h), dpi=dpi)
            fig.add_subplot().plot([0, 1, 2], [1, 0, 1])
            figs.append(fig)
        return figs if count else figs[0]

    return st.builds(build, st.floats(0.2, 1.5), st.floats(0.2, 1.5), st.integers(10, 40), st.integers(0, 2))


def _graphs() -> tuple[list[Any], list[Any]]:
    g1 = Graph()
    g1.add_node("input", "Placeholder", output_shapes=[[None, 3]], dtype="float32")
    g1.add_node("net/w", "Variable", output_shapes=[[3, 2]])
    g1.add_node("net/matmul", "MatMul", ["input", "net/w"], output_shapes=[[None, 2]])
    g2 = Graph()
    g2.add_node("a", "Const")
    g3 = Graph()  # an input that names no node: must be refused at add_graph
    g3.add_node("b", "Relu", ["missing"])
    return [g1, g2, g1.to_graph_def()], [g3, Graph(), b""]


def _model_file(name: str, text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="tfevents-fuzz-"), name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


OPENVINO_XML = _model_file(
    "model.xml",
    '<net name="m" version="11"><layers><layer id="0" name="x" type="Parameter">'
    '<output><port id="0"><dim>2</dim></port></output></layer>'
    '<layer id="1" name="y" type="ReLU"/></layers>'
    '<edges><edge from-layer="0" from-port="0" to-layer="1" to-port="0"/></edges></net>',
)
NOT_XML = _model_file("broken.xml", "<net><layers>")


def onnx_model() -> bytes:
    """A one-node ONNX model (Relu: x -> y), encoded by hand from onnx.proto."""
    from tfevents.wire.encoding import bytes_field, string_field, uint_field

    def value_info(name: str) -> bytes:
        tensor_type = uint_field(1, 1) + bytes_field(2, bytes_field(1, uint_field(1, 3)))
        return string_field(1, name) + bytes_field(2, bytes_field(1, tensor_type))

    node = string_field(1, "x") + string_field(2, "y") + string_field(3, "relu") + string_field(4, "Relu")
    graph = bytes_field(1, node) + string_field(2, "g") + bytes_field(11, value_info("x")) + bytes_field(12, value_info("y"))
    return uint_field(1, 8) + bytes_field(7, graph)


def _chart_tags(kind: str) -> st.SearchStrategy[Any]:
    if kind == "Margin":
        return st.lists(st.sampled_from(GOOD_TAGS), min_size=3, max_size=3)
    return st.lists(st.sampled_from([*GOOD_TAGS, "^loss$", "a.*"]), min_size=1, max_size=3)


def _layouts(charts: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.dictionaries(
        st.sampled_from(["cat", "other"]),
        st.dictionaries(st.sampled_from(["chart", "t2"]), charts, min_size=1, max_size=2),
        min_size=1, max_size=2,
    )


GOOD_CHARTS = st.one_of(
    st.tuples(st.just("Multiline"), _chart_tags("Multiline")).map(list),
    st.tuples(st.just("Margin"), _chart_tags("Margin")).map(list),
)
BAD_CHARTS = st.one_of(
    st.tuples(st.sampled_from(["Pie", "multiline", ""]), _chart_tags("Multiline")).map(list),
    st.tuples(st.just("Margin"), _chart_tags("Multiline")).map(list),
    st.tuples(st.just("Multiline"), st.just(["("])).map(list),
    st.just(["Multiline"]), st.just("Multiline"),
)

HPARAM_VALUES = st.one_of(
    st.booleans(), st.sampled_from(["adam", "sgd", ""]), st.integers(-5, 5), st.floats(-1, 1),
    st.none(), st.sampled_from([np.float32(0.1), np.int64(3), np.bool_(True), torch.tensor(0.5)]),
)

# Argument sets whose parts must agree, drawn whole most of the time.
JOINT: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "add_image": image_inputs("img_tensor", ["CHW", "HWC", "HW", "chw"]),
    "add_images": image_inputs("img_tensor", ["NCHW", "NHWC"]),
    "add_image_with_boxes": boxes_inputs(),
    "add_video": image_inputs("vid_tensor", ["NTCHW", "NTHWC"]),
    "add_embedding": embedding_inputs(),
    "add_mesh": mesh_inputs(),
    "add_pr_curve": pr_inputs(),
    "add_pr_curve_raw": pr_counts(),
    "add_histogram_raw": histogram_raw_inputs(),
}

# Plausible values per method and parameter (anything not listed is drawn by name:
# tags, steps, wall times, flags, else junk).
VALID: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "add_scalar": {
        "scalar_value": st.one_of(
            st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
            st.sampled_from([np.float16(1.5), np.int8(-3), np.array(2.0), np.array([3.0]),
                             torch.tensor(4.0), torch.tensor([5.0], dtype=torch.float64)]),
        ),
        "display_name": TEXTS, "summary_description": TEXTS,
    },
    "add_scalars": {
        "main_tag": st.sampled_from(["pair", "grp/sub", "m"]),
        "tag_scalar_dict": st.dictionaries(
            st.sampled_from(["a", "b", "c"]),
            st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 5), max_size=3),
        "layout": st.sampled_from(["runs", "same_run"]),
    },
    "add_scalar_array": {
        "values": st.integers(0, 30).flatmap(lambda n: floats_array((n,), -1e6, 1e6, np.float64)),
        "global_steps": st.none(),
        "walltimes": st.one_of(st.none(), st.floats(0, 2e9)),
    },
    "add_histogram": {
        "values": st.one_of(
            hnp.arrays(np.float64, small_shape(0, 3, 20), elements=st.floats(allow_nan=True, allow_infinity=True)),
            hnp.arrays(np.int32, small_shape(1, 2, 20)),
        ),
        "bins": st.one_of(st.just("tensorflow"), st.sampled_from(["auto", "fd", "sturges"]),
                          st.integers(1, 50), st.lists(st.floats(-10, 10), min_size=2, max_size=5).map(sorted)),
        "max_bins": st.one_of(st.none(), st.integers(1, 40)),
    },
    "add_image": {"img_tensor": images("CHW"), "dataformats": st.just("CHW")},
    "add_images": {"img_tensor": images("NCHW"), "dataformats": st.just("NCHW")},
    "add_image_with_boxes": {
        "img_tensor": images("CHW"), "box_tensor": st.just(np.array([[1.0, 1.0, 3.0, 2.0]])),
        "rescale": st.one_of(st.just(1), st.floats(0.2, 3)), "dataformats": st.just("CHW"),
        "labels": st.none(),
    },
    "add_figure": {"figure": figures(), "close": BOOLS},
    "add_video": {
        "vid_tensor": images("NTCHW"), "dataformats": st.just("NTCHW"),
        "fps": st.one_of(st.sampled_from([4, 1, 0.5, 60]), st.floats(0.1, 100)),
    },
    "add_audio": {
        "snd_tensor": st.one_of(
            floats_array(small_shape(1, 1, 400), -1.5, 1.5),
            floats_array(st.tuples(st.integers(1, 2), st.integers(1, 200)), -1, 1),
            hnp.arrays(np.int16, small_shape(1, 1, 100)),
        ),
        "sample_rate": st.one_of(st.sampled_from([44100, 8000, 1]), st.integers(1, 96000)),
    },
    "add_text": {
        "text_string": st.one_of(TEXTS, st.lists(st.text(max_size=4), min_size=1, max_size=3),
                                 st.lists(st.lists(st.text(max_size=3), min_size=2, max_size=2), min_size=1, max_size=3)),
    },
    "add_pr_curve": {
        "labels": st.just([0, 1, 1]), "predictions": st.just([0.1, 0.9, 0.4]),
        "num_thresholds": st.one_of(st.integers(2, 200), st.just(127)), "weights": st.none(),
    },
    "add_pr_curve_raw": {"num_thresholds": st.integers(2, 20)},
    "add_histogram_raw": {
        "min": st.floats(-5, 0), "max": st.floats(0, 5), "num": st.integers(0, 100),
        "sum": st.floats(-10, 10), "sum_squares": st.floats(0, 10),
        "bucket_limits": st.just(np.array([0.0, 1.0])), "bucket_counts": st.just(np.array([1.0, 2.0])),
    },
    "add_graph": {"model": st.sampled_from(_graphs()[0]), "input_to_model": st.none()},
    "add_hparams": {
        "hparam_dict": st.dictionaries(st.sampled_from(["lr", "opt", "layers"]), HPARAM_VALUES, max_size=3),
        "metric_dict": st.dictionaries(st.sampled_from(["acc", "loss"]), st.floats(-1, 1) | st.integers(-3, 3), max_size=2),
        "hparam_domain_discrete": st.none(),
        "run_name": st.one_of(st.none(), st.text("abcdefgh", min_size=1, max_size=6), st.just("sub/2")),
        "layout": st.sampled_from([None, None, "same_run", "subrun"]),
        "name": st.none(),
    },
    "add_custom_scalars": {"layout": _layouts(GOOD_CHARTS)},
    "add_custom_scalars_multilinechart": {
        "tags": _chart_tags("Multiline"),
        "category": st.sampled_from(["default", "c"]), "title": st.sampled_from(["untitled", "t"]),
    },
    "add_custom_scalars_marginchart": {
        "tags": _chart_tags("Margin"),
        "category": st.sampled_from(["default", "c"]), "title": st.sampled_from(["untitled", "t"]),
    },
    "add_mesh": {
        "vertices": st.integers(1, 5).flatmap(lambda n: floats_array((1, n, 3), -5, 5)),
        "colors": st.none(), "faces": st.none(),
        "config_dict": st.one_of(st.none(), st.just({"camera": {"cls": "PerspectiveCamera", "fov": 75}})),
        "display_name": TEXTS, "summary_description": TEXTS,
    },
    "add_embedding": {
        "mat": st.integers(1, 6).flatmap(lambda n: floats_array((n, 3), -5, 5)),
        "metadata": st.none(), "label_img": st.none(), "metadata_header": st.none(),
        "tag": st.one_of(st.sampled_from(["default", "emb", "a/b", "..", "%"]), st.text(min_size=1, max_size=8)),
    },
    "add_tensor": {
        "tensor": st.one_of(
            hnp.arrays(st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.uint8,
                                        np.bool_, np.float16, np.complex64]), small_shape(0, 4, 5)),
            st.just(torch.arange(6).reshape(2, 3)),
        ),
        "display_name": TEXTS, "summary_description": TEXTS,
    },
    "add_onnx_graph": {
        "prototxt": st.one_of(st.just(onnx_model()), st.just(onnx_model()).map(io.BytesIO)),
    },
    "add_openvino_graph": {"graph": st.just(OPENVINO_XML)},
}

# Plausible-looking but wrong values per method and parameter, drawn as its junk (with
# the generic junk).
BAD: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "add_scalars": {
        "tag_scalar_dict": st.sampled_from([{"c/d": 1.0}, {"": 1.0}, {"a": "x"}, {1: 2.0}, [("a", 1.0)]]),
        "layout": st.sampled_from(["other", "", None, "RUNS"]),
    },
    "add_scalar_array": {
        "global_steps": st.sampled_from([np.arange(3), np.array([0.5, 1.0]), np.array([2**63], dtype=np.uint64)]),
    },
    "add_histogram": {
        "bins": st.one_of(st.sampled_from(["nope", "", 0, -1, [3, 2, 1], [1.0], NAN]), st.integers(-3, 0)),
        "max_bins": st.sampled_from([0, -1, 1.5, "2", 2**70]),
    },
    "add_image": {"dataformats": st.sampled_from(["WH", "NCHW", "CXW", "", "HWCC", 3])},
    "add_images": {"dataformats": st.sampled_from(["CHW", "NHW", "nchw", "NNCHW"])},
    "add_image_with_boxes": {
        "box_tensor": st.sampled_from([np.zeros((2, 3)), np.zeros(4), np.full((1, 4), NAN), np.zeros((1, 4, 1))]),
        "rescale": st.sampled_from([0, -1, NAN, INF, "2"]),
        "labels": st.sampled_from([[1], ["a", "b", "c"], "ab", [None]]),
    },
    "add_video": {
        "fps": st.sampled_from([0, -1, NAN, INF, "4"]),
        "dataformats": st.sampled_from(["TCHW", "NCTHW", "bogus", ""]),
    },
    "add_audio": {"sample_rate": st.sampled_from([0, -1, 2.5, 2**40, NAN, "44100"])},
    "add_pr_curve": {
        "labels": st.sampled_from([[0, 2, 1], [0.5, 1, 0], ["a", "b", "c"]]),
        "predictions": st.sampled_from([[0.1, 1.5, 0.2], [NAN, 0.5, 0.5], [0.1, 0.2]]),
        "num_thresholds": st.sampled_from([1, 0, -5, 1.5, "3"]),
        "weights": st.sampled_from([[-1, 1, 1], [1, 1], [NAN, 1, 1]]),
    },
    "add_pr_curve_raw": {"num_thresholds": st.sampled_from([1, 0, 2.5, 10**6])},
    "add_histogram_raw": {
        "min": st.sampled_from([NAN, INF, 100.0]), "num": st.sampled_from([NAN, "3"]),
        "bucket_limits": st.sampled_from([np.array([1.0, 0.0]), np.array([]), np.array([NAN, 1.0])]),
        "bucket_counts": st.sampled_from([np.array([-1.0, 1.0]), np.array([1.0]), np.array([INF, 1.0])]),
    },
    "add_graph": {
        "model": st.sampled_from(_graphs()[1]),
        "input_to_model": st.sampled_from([torch.zeros(1, 3), [1, 2]]),
    },
    "add_hparams": {
        "hparam_dict": st.sampled_from([{"": 1}, {"lr": [1, 2]}, {"lr": object()}, {3: 1.0}]),
        "metric_dict": st.sampled_from([{"_hparams_/x": 1.0}, {"": 1.0}, {"acc": "high"}]),
        "hparam_domain_discrete": st.sampled_from([{"zz": [1]}, {"lr": 0.1}, {"lr": []}, {"opt": ["x"]}]),
        "run_name": st.sampled_from(["", "../up", "/abs", "a/../../b", "nul\x00"]),
        "layout": st.sampled_from(["x", "subrun ", ""]),
        "name": st.sampled_from(["sub3"]),
    },
    "add_custom_scalars": {"layout": st.one_of(_layouts(BAD_CHARTS), st.sampled_from([{}, {"c": {}}, {"c": []}]))},
    "add_custom_scalars_multilinechart": {
        "tags": st.sampled_from([[], ["("], "loss", [1]]),
        "category": st.sampled_from(["", None]), "title": st.sampled_from(["", 3]),
    },
    "add_custom_scalars_marginchart": {
        "tags": st.sampled_from([["a", "b"], ["a", "b", "c", "d"], ["^a$", "b", "c"]]),
        "category": st.sampled_from(["", None]), "title": st.sampled_from(["", 3]),
    },
    "add_mesh": {
        "vertices": st.sampled_from([np.zeros((5, 3)), np.full((1, 2, 3), NAN), np.zeros((1, 0, 3))]),
        "colors": st.sampled_from([np.full((1, 2, 3), 300), np.zeros((1, 9, 3)), np.full((1, 2, 3), 1.5)]),
        "faces": st.sampled_from([np.full((1, 1, 3), 99), np.full((1, 1, 3), -1), np.zeros((2, 1, 3))]),
        "config_dict": st.sampled_from([{"bad": object()}, {"nan": NAN}, ["camera"]]),
    },
    "add_embedding": {
        "metadata": st.sampled_from([["only one"], [["a", "b"], ["c"]], "abc", [1, 2, 3, 4, 5, 6]]),
        "label_img": st.sampled_from([np.zeros((1, 3, 4, 5)), np.zeros((6, 2, 4, 4)), np.zeros((6, 3, 4))]),
        "metadata_header": st.sampled_from([["a"], "ab", [1, 2]]),
        "tag": st.sampled_from(["", "a\x00b"]),
    },
    "add_onnx_graph": {
        "prototxt": st.one_of(
            st.binary(max_size=40), st.sampled_from([b"", b"\xff\xff\xff", io.BytesIO(b"\xff\xff"),
                                                     io.StringIO("text"), "/nonexistent/model.onnx"]),
        ),
    },
    "add_openvino_graph": {
        "graph": st.sampled_from(["", "/nonexistent/model.xml", NOT_XML, 3, b"model.xml", None]),
    },
}


def _by_name(param: inspect.Parameter) -> st.SearchStrategy[Any]:
    if param.name in ("tag", "main_tag"):
        return VALID_TAGS
    if param.name in ("global_step", "step"):
        return STEPS
    if param.name == "walltime":
        return WALLTIMES
    if param.default is True or param.default is False:
        return BOOLS
    return JUNK


def _junk_for(name: str, param: inspect.Parameter) -> st.SearchStrategy[Any]:
    options = [JUNK]
    if param.name in ("tag", "main_tag"):
        options.append(st.sampled_from(BAD_TAGS))
    elif param.name in ("global_step", "step"):
        options.append(BAD_STEPS)
    elif param.name == "walltime":
        options.append(BAD_WALLTIMES)
    elif param.default is True or param.default is False:
        options.append(BAD_BOOLS)
    if param.name in BAD.get(name, {}):
        options += [BAD[name][param.name]] * 2
    return st.one_of(*options)


def call_arguments(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for one call of ``name``: per parameter, mostly plausible, at
    times junk, at times left to its default."""
    params = parameters(name)
    valid = VALID.get(name, {})

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        joint = draw(JOINT[name]) if name in JOINT and draw(st.integers(0, 3)) else {}
        kwargs = {}
        for param in params:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            choice = draw(st.integers(0, 14))
            if choice == 0:
                kwargs[param.name] = draw(_junk_for(name, param))
            elif param.name in joint:
                kwargs[param.name] = joint[param.name]
            elif choice == 1 and param.default is not param.empty:
                continue  # the default
            else:
                kwargs[param.name] = draw(valid.get(param.name, _by_name(param)))
        return kwargs

    return build()


# --- checking -----------------------------------------------------------------------------


class Files:
    """Tracks the records of every event file below a logdir: each call's new bytes must
    be whole records with good CRCs that parse (read incrementally: the files grow to
    megabytes of audio and images); ``check_all`` validates every file from the start."""

    def __init__(self, logdir: str) -> None:
        self.logdir = logdir
        self.ends: dict[str, int] = {}

    def new_events(self) -> list[Any]:
        events = []
        for path in event_files_under(self.logdir):
            start = self.ends.get(path, 0)
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
            found = scan(data)  # raises CorruptRecordError on a bad CRC
            assert not found.truncated, f"{path}: a partial record after byte {start + found.end}"
            state = FileState()
            for offset, length in zip(found.offsets.tolist(), found.lengths.tolist()):
                events.append(parse_event(data[offset : offset + length], state))
            self.ends[path] = start + found.end
        return events

    def check_all(self) -> None:
        for path in event_files_under(self.logdir):
            report = validate_file(path)
            assert report.ok and report.truncated_bytes == 0, report


def _raised_in_tfevents(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(TFEVENTS_DIR)


def _names_a_parameter(message: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message) for n in names)


def _describe(kwargs: dict[str, Any]) -> str:
    def short(value: Any) -> str:
        if isinstance(value, np.ndarray):
            return f"ndarray(shape={value.shape}, dtype={value.dtype})"
        if isinstance(value, torch.Tensor):
            return f"tensor(shape={tuple(value.shape)}, dtype={value.dtype})"
        text = repr(value)
        return text if len(text) < 120 else text[:120] + "..."
    return "{" + ", ".join(f"{k}={short(v)}" for k, v in kwargs.items()) + "}"


def one_call(w: SummaryWriter, files: Files, name: str, kwargs: dict[str, Any]) -> bool:
    """Makes the call and checks its outcome; True if it was accepted."""
    names = [p.name for p in parameters(name)]
    where = f"{name}({_describe(kwargs)})"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(w, name)(**kwargs)
        except (TypeError, ValueError) as exc:
            assert _raised_in_tfevents(exc), (
                f"{where} raised {type(exc).__name__} from outside tfevents: {exc}\n"
                + "".join(traceback.format_exception(exc)[-6:])
            )
            assert _names_a_parameter(str(exc), names), (
                f"{where} raised {type(exc).__name__}({str(exc)[:300]!r}), which names none of {names}"
            )
            accepted = False
        except OSError as exc:
            # Only a path argument that names no readable file (the ONNX and OpenVINO graphs).
            path = kwargs.get("prototxt", kwargs.get("graph"))
            assert name in ("add_onnx_graph", "add_openvino_graph") and isinstance(path, str) and exc.filename == path, (
                f"{where} raised {type(exc).__name__}: {exc}"
            )
            accepted = False
        else:
            accepted = True
        try:
            w.flush()
        except Exception as exc:
            raise AssertionError(f"flush() after {where} raised {type(exc).__name__}: {exc}") from exc
    events = files.new_events()
    if not accepted:
        assert events == [], f"{where} was refused, but wrote {len(events)} records"
    elif name in EVENTLESS:
        assert events == []
        assert os.path.exists(os.path.join(files.logdir, "projector_config.pbtxt"))
    elif writes_something(name, kwargs):
        assert events, f"{where} was accepted, but wrote nothing"
        if name in TAGGED_EVENT:
            tags = {v.tag for e in events for v in e.values}
            tag = kwargs.get("tag")
            if name == "add_text" and isinstance(tag, str):
                tag += "/text_summary"  # the default form, torch's
            assert tag in tags, f"{where}: no value tagged {tag!r} in {tags}"
    return accepted


def _empty(value: Any) -> bool:
    try:
        return len(value) == 0
    except TypeError:
        return False


def writes_something(name: str, kwargs: dict[str, Any]) -> bool:
    """False for accepted calls that have nothing to write: an empty series, an empty
    dict of scalars, or no metrics for a run whose session is already written."""
    if name == "add_scalar_array":
        return not _empty(kwargs["values"])
    if name == "add_scalars":
        return not _empty(kwargs["tag_scalar_dict"])
    if name == "add_hparams":
        return not _empty(kwargs["metric_dict"])
    return True


def _methods_to_fuzz() -> list[str]:
    return sorted(EXPECTED_METHODS | set(discovered_methods()))


def test_expected_methods_exist() -> None:
    missing = sorted(EXPECTED_METHODS - set(discovered_methods()))
    assert not missing, f"SummaryWriter lacks {missing}"


@pytest.mark.parametrize("name", _methods_to_fuzz())
def test_fuzz_method(tmp_path: Any, name: str) -> None:
    assert hasattr(SummaryWriter, name), f"SummaryWriter.{name} is missing"
    if name not in VALID:
        warnings.warn(f"{name} has no plausible inputs in this test yet: fuzzed with generic ones", stacklevel=1)
    logdir = str(tmp_path)
    w = SummaryWriter(logdir, flush_secs=1e6)
    files = Files(logdir)
    files.new_events()
    outcomes = {"accepted": 0, "refused": 0}

    @fuzzing.fuzz_settings(MAX_EXAMPLES)
    @given(kwargs=call_arguments(name))
    def run(kwargs: dict[str, Any]) -> None:
        accepted = one_call(w, files, name, kwargs)
        outcomes["accepted" if accepted else "refused"] += 1

    try:
        run()
        w.close()  # everything accepted encodes and writes
    finally:
        with contextlib.suppress(Exception):
            w.close()
        import matplotlib.pyplot as plt

        plt.close("all")
    files.new_events()
    files.check_all()
    # The examples reached both sides: plausible calls were accepted, junk refused.
    assert outcomes["refused"] > 0, outcomes
    assert outcomes["accepted"] > 0 or name not in VALID, outcomes


def test_unreadable_tensor_is_refused_or_loses_only_itself(tmp_path: Any) -> None:
    """A torch tensor with no data (device "meta") logged with ``add_scalar``: it must
    be refused at the call (its value can never be read), or at worst cost only itself.
    It must never make ``flush()`` raise a raw error and drop the other events of its
    batch."""
    w = SummaryWriter(tmp_path, flush_secs=1e6)
    w.add_scalar("good", 1.0, 0)
    refused = False
    try:
        w.add_scalar("meta", torch.tensor(1.0, device="meta"), 0)
    except (TypeError, ValueError) as exc:
        assert "scalar_value" in str(exc)
        refused = True
    w.add_scalar("good", 2.0, 1)
    try:
        w.flush()
    finally:
        with contextlib.suppress(Exception):
            w.close()
    (path,) = event_files_under(tmp_path)
    good = [(e.step, v.value) for e in read_events(path) for v in e.values if v.tag == "good"]
    assert good == [(0, 1.0), (1, 2.0)], f"refused at the call: {refused}; good values: {good}"


# --- inputs the fuzzer found ------------------------------------------------------------------


def _graph_with_unknown_input() -> Graph:
    g = Graph()
    g.add_node("b", "Relu", ["missing"])
    return g


# Each must be refused with a TypeError/ValueError raised by tfevents, naming one of the
# method's parameters, and write nothing. Found by the fuzzing above (and kept here so
# that they are checked whatever the fuzzer happens to draw).
KNOWN_BAD = [
    ("add_scalar", lambda: dict(tag="x", scalar_value=1.0, new_style=np.zeros(2))),
    ("add_scalar", lambda: dict(tag="x", scalar_value=1.0, new_style=np.zeros((0, 10**9)))),
    ("add_scalars", lambda: dict(main_tag="m", tag_scalar_dict={"a": 1.0}, layout=np.zeros(2))),
    ("add_scalars", lambda: dict(main_tag="m" * 10_000, tag_scalar_dict={"a": 1.0})),
    ("add_scalars", lambda: dict(main_tag="m", tag_scalar_dict={"a": 1.0, "k" * 300: 2.0})),
    ("add_hparams", lambda: dict(hparam_dict={"lr": 0.1}, metric_dict={}, layout=np.zeros(2))),
    ("add_hparams", lambda: dict(hparam_dict={"lr": 0.1}, metric_dict={}, run_name="x" * 10_000)),
    ("add_embedding", lambda: dict(mat=np.zeros((2, 3)), tag="t" * 10_000)),
    ("add_graph", lambda: dict(model=_graph_with_unknown_input())),
    # Refused after the image was queued: the call raises, and the image is written.
    ("add_figure", lambda: dict(tag="f", figure=Figure(figsize=(1, 1), dpi=10), close=np.zeros(2))),
    ("add_onnx_graph", lambda: dict(prototxt=b"")),
    ("add_onnx_graph", lambda: dict(prototxt="a\x00b")),
    ("add_video", lambda: dict(tag="v", vid_tensor=np.zeros((1, 2, 3, 4, 4)), fps=1e-9)),
    ("add_histogram", lambda: dict(tag="h", values=[1.0, 2.0], bins=np.array([]))),
    ("add_histogram", lambda: dict(tag="h", values=[1.0, 2.0], bins=10**9)),
    ("add_pr_curve", lambda: dict(tag="p", labels=[1, 0], predictions=[0.5, 0.5], num_thresholds=10**9)),
    ("add_image_with_boxes", lambda: dict(tag="b", img_tensor=np.zeros((3, 8, 8)),
                                          box_tensor=np.zeros((1, 4)), rescale=10**5)),
]


@pytest.mark.parametrize(
    "name,make_kwargs", KNOWN_BAD,
    ids=[f"{name}-{i}" for i, (name, _) in enumerate(KNOWN_BAD)],
)
def test_known_bad_input(tmp_path: Any, name: str, make_kwargs: Callable[[], dict[str, Any]]) -> None:
    w = SummaryWriter(tmp_path, flush_secs=1e6)
    files = Files(str(tmp_path))
    files.new_events()
    kwargs = make_kwargs()
    where = f"{name}({_describe(kwargs)})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(w, name)(**kwargs)
    except (TypeError, ValueError) as exc:
        assert _raised_in_tfevents(exc), (
            f"{where} raised {type(exc).__name__} from outside tfevents: {exc}"
        )
        names = [p.name for p in parameters(name)]
        assert _names_a_parameter(str(exc), names), (
            f"{where} raised {type(exc).__name__}({str(exc)[:300]!r}), which names none of {names}"
        )
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise AssertionError(
            f"{where} raised {type(exc).__name__}({str(exc)[:300]!r}) from "
            f"{frame.filename}:{frame.lineno}, not a TypeError/ValueError naming an argument"
        ) from None
    else:
        raise AssertionError(f"{where} was accepted")
    finally:
        with contextlib.suppress(Exception):
            w.close()
    assert files.new_events() == [], f"{where} was refused but wrote records"
