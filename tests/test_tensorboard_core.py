"""End to end: what tfevents writes, TensorBoard itself shows.

Every log is written once per module (``logs``); every check runs against a real
``tensorboard`` process with its Rust data server (``load_fast=true``) and with its
Python loader (``load_fast=false``), through TensorBoard's HTTP API. TensorBoard loads
asynchronously, so each check polls (``wait_for``) until the data is complete and then
compares exact values computed here from the inputs.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import types
import warnings
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tensorboard_server import TensorBoardServer, shared_run
from tfevents import Graph, SummaryWriter

pytestmark = pytest.mark.server

WALL0 = 1_700_000_000.0
SCALAR_VALUES = [
    0.1, 1 / 3, math.pi, -math.e, 2.0 / 7.0, 1e-30, -1.2345678901234567e10,
    16777217.0,  # 2**24 + 1: rounds to 2**24 in float32
    3.3e38, 1e-45,  # near the float32 maximum; a float32 subnormal
    123456.789, -0.0, 0.0, 1.0, 0.7,
]
BIG_STEP = 2**40
NONFINITE = [float("nan"), float("inf"), float("-inf"), 1e39]  # 1e39 overflows float32
RUN_LRS = {"a/run_lr0.02": 0.02, "a/run_lr0.2": 0.2}
PR_THRESHOLDS = 11
GRID_COLUMNS = 8


def form_run(run: str, legacy_forms: bool) -> str:
    """The run written in the default forms (``legacy_forms=True``) or the tensor forms."""
    return run if legacy_forms else f"{run}_tensor"


def served(run: str) -> str:
    """The run as the session's shared TensorBoard (conftest.py) names it."""
    return shared_run(__name__, run)


def f32(value: float) -> float:
    """The float64 TensorBoard returns for a value stored as float32."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


# TensorBoard's JSON encoder (json_util.Cleanse) sends non-finite floats as strings.
_JSON_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def json_float(value: Any) -> float:
    if isinstance(value, str):
        return _JSON_NONFINITE[value]
    assert isinstance(value, (float, int)), value
    return float(value)


def same_float(a: Any, b: float) -> bool:
    """Equal doubles, bit for bit (-0.0 != 0.0); any NaN equals any NaN."""
    a = json_float(a)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack("<d", a) == struct.pack("<d", b)


def scalar_walltime(i: int) -> float:
    # Fractions that need all 53 bits of a double at this magnitude.
    return WALL0 + i * 1.000123456789 + 0.000000123


# --- writing the logs (once per module) -----------------------------------------------


def _write_scalars(logdir: str, ns: types.SimpleNamespace) -> None:
    steps = [*list(range(len(SCALAR_VALUES) - 1)), BIG_STEP]
    ns.scalar_points = [
        (scalar_walltime(i), step, value) for i, (step, value) in enumerate(zip(steps, SCALAR_VALUES))
    ]
    ns.nonfinite_points = [
        (WALL0 + 0.5 + i, i, value) for i, value in enumerate(NONFINITE)
    ]
    # Inputs of other types: (value as logged, its value as a Python float, step as logged).
    typed = [
        (np.float64(0.1), 0.1, np.int64(0)),
        (np.float16(0.1), float(np.float16(0.1)), np.int32(1)),
        (np.int64(7), 7.0, 2),
        (3, 3.0, np.uint8(3)),
        (np.array(2.5), 2.5, np.array(4)),
        (np.array([1.25], dtype=np.float32), 1.25, 5),
    ]
    ns.typed_points = [(WALL0 + 20 + i, int(step), value) for i, (_, value, step) in enumerate(typed)]
    with SummaryWriter(os.path.join(logdir, "scalars")) as w:
        for wall, step, value in ns.scalar_points:
            w.add_scalar("exact", value, step, walltime=wall)
        for wall, step, value in ns.nonfinite_points:
            w.add_scalar("nonfinite", value, step, walltime=wall)
        for i, (logged, _, step) in enumerate(typed):
            w.add_scalar("typed", logged, step, walltime=np.float64(WALL0 + 20 + i))
        for wall, step, value in ns.scalar_points:
            w.add_scalar("new_style", value, step, walltime=wall, new_style=True)
        for i, value in enumerate((0.5, 0.1)):  # options are taken from the first call
            w.add_scalar(
                "described", value, i, walltime=WALL0 + 30 + i,
                display_name="Pretty name", summary_description="**bold** words",
            )

    ns.multirun = {}
    for run, lr in RUN_LRS.items():
        points = [(WALL0 + 10 * step + lr, step, lr * (0.9**step)) for step in range(6)]
        ns.multirun[run] = points
        with SummaryWriter(os.path.join(logdir, run)) as w:
            for wall, step, value in points:
                w.add_scalar("loss", value, step, walltime=wall)


def _write_images(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    float_chw = rng.random((3, 5, 7))
    float_chw[0, 0, 0], float_chw[1, 0, 0] = 0.0, 1.0
    uint8_hwc = rng.integers(0, 256, size=(6, 4, 3), dtype=np.uint8)
    batch = rng.random((10, 3, 4, 5)).astype(np.float32)  # 10 images: 8 + 2 in a 2-row grid

    # Expected pixels, computed from the inputs: float -> round(x * 255).
    expected_chw = np.rint(float_chw * 255).astype(np.int64).transpose(1, 2, 0)
    n, c, h, w_ = batch.shape
    columns = min(n, GRID_COLUMNS)
    rows = -(-n // columns)
    grid = np.zeros((rows * h, columns * w_, c), dtype=np.int64)
    for i in range(n):
        r, col = divmod(i, columns)
        grid[r * h : (r + 1) * h, col * w_ : (col + 1) * w_] = np.rint(
            batch[i].astype(np.float64) * 255
        ).transpose(1, 2, 0)
    gray_hw = rng.random((9, 2))
    rgba_hwc = rng.integers(0, 256, size=(3, 8, 4), dtype=np.uint8)
    ns.images = {
        "float_chw": (WALL0 + 1.25, 3, expected_chw),
        "uint8_hwc": (WALL0 + 2.5, 4, uint8_hwc.astype(np.int64)),
        "batch_nchw": (WALL0 + 3.75, 5, grid),
        "gray_hw": (WALL0 + 5.0, 6, np.rint(gray_hw * 255).astype(np.int64)[:, :, None]),
        "rgba_hwc": (WALL0 + 6.25, 7, rgba_hwc.astype(np.int64)),
    }
    for legacy in (True, False):  # run "images": Summary.Image, as torch; "images_tensor"
        with SummaryWriter(os.path.join(logdir, form_run("images", legacy)), legacy_forms=legacy) as w:
            w.add_image("float_chw", float_chw, 3, walltime=WALL0 + 1.25)
            w.add_image("uint8_hwc", uint8_hwc, 4, walltime=WALL0 + 2.5, dataformats="HWC")
            w.add_images("batch_nchw", batch, 5, walltime=WALL0 + 3.75)
            w.add_image("gray_hw", gray_hw, 6, walltime=WALL0 + 5.0, dataformats="HW")
            w.add_image("rgba_hwc", rgba_hwc, 7, walltime=WALL0 + 6.25, dataformats="HWC")


def _write_histograms(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    default_steps = {}
    for step in (0, 7):
        values = rng.normal(loc=step, scale=2.0, size=(40, 25))
        values.flat[[3, 100, 777]] = [np.nan, np.inf, -np.inf]
        default_steps[step] = values
    bins10 = rng.uniform(-3.0, 5.0, size=500)
    ns.hist_default = default_steps
    ns.hist_more = {
        "constant": np.full(50, 3.5),
        "ints": np.arange(-5, 100, dtype=np.int64).reshape(7, 15),
        "tiny_and_huge": np.array([-1e30, -2e-13, 0.0, 5e-13, 1e25]),
    }
    ns.hist_bins10 = bins10
    counts, edges = np.histogram(bins10, bins=6)
    ns.hist_raw = (counts, edges)
    # The same values in both forms: run "histograms" (the default, torch's HistogramProto)
    # and "histograms_tensor" (legacy_forms=False).
    for legacy in (True, False):
        with SummaryWriter(os.path.join(logdir, form_run("histograms", legacy)), legacy_forms=legacy) as w:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for step, values in default_steps.items():
                    w.add_histogram("default", values, step, walltime=WALL0 + step)
            ns.hist_warnings = [str(c.message) for c in caught]
            w.add_histogram("bins10", bins10, 2, bins=10, walltime=WALL0 + 2)
            for i, (tag, values) in enumerate(ns.hist_more.items()):
                w.add_histogram(tag, values, 10 + i, walltime=WALL0 + 10 + i)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                w.add_histogram("all_nan", np.full(8, np.nan), 20, walltime=WALL0 + 20)
            # add_histogram_raw as torch's docs use it: numpy's counts and right edges.
            w.add_histogram_raw(
                "raw", bins10.min(), bins10.max(), bins10.size, bins10.sum(),
                (bins10**2).sum(), edges[1:].tolist(), counts.tolist(), 21, walltime=WALL0 + 21,
            )


def _write_pr_curves(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    labels = rng.integers(0, 2, size=300)
    # All predictions below 0.75: the top thresholds have TP + FP == 0 and get trimmed.
    predictions = rng.uniform(0.0, 0.75, size=300)
    predictions[:3] = [0.0, 0.1, 0.7]  # values on threshold boundaries
    full_labels = rng.integers(0, 2, size=200).astype(bool)
    full_predictions = rng.random(200)
    full_predictions[:2] = [1.0, 0.0]
    weights = rng.choice([0.0, 0.5, 1.0, 2.0], size=300)
    ns.pr = {
        "pr": (labels, predictions, PR_THRESHOLDS, 1, None),
        "pr_full": (full_labels, full_predictions, 127, 2, None),
        "pr_weighted": (labels, predictions, PR_THRESHOLDS, 3, weights),
    }
    with SummaryWriter(os.path.join(logdir, "pr")) as w:
        w.add_pr_curve("pr", labels, predictions, 1, num_thresholds=PR_THRESHOLDS, walltime=WALL0 + 1)
        w.add_pr_curve("pr_full", full_labels, full_predictions, 2, walltime=WALL0 + 2)
        w.add_pr_curve(
            "pr_weighted", labels, predictions, 3, num_thresholds=PR_THRESHOLDS,
            weights=weights, walltime=WALL0 + 3,
        )


def _write_text(logdir: str, ns: types.SimpleNamespace) -> None:
    ns.text = [(WALL0 + 1, 1, "**hi**"), (WALL0 + 2, 2, "a *b* `c`"), (WALL0 + 3, 3, "h\u00e9llo \u2713 <script>x</script>")]
    for legacy in (True, False):
        with SummaryWriter(os.path.join(logdir, form_run("text", legacy)), legacy_forms=legacy) as w:
            for wall, step, text in ns.text:
                w.add_text("note", text, step, walltime=wall)


def _build_graph() -> tuple[Graph, list[dict[str, Any]]]:
    spec: list[dict[str, Any]] = [
        dict(name="input", op="Placeholder", inputs=[], output_shapes=[[None, 784]], dtype="float32"),
        dict(name="mlp/dense1/weight", op="VariableV2", inputs=[], output_shapes=[[784, 128]]),
        dict(name="mlp/dense1/bias", op="VariableV2", inputs=[], output_shapes=[[128]]),
        dict(name="mlp/dense1/matmul", op="MatMul", inputs=["input", "mlp/dense1/weight"],
             output_shapes=[[None, 128]], device="/device:CPU:0",
             attrs={"transpose_a": False, "transpose_b": True}),
        dict(name="mlp/dense1/add", op="AddV2", inputs=["mlp/dense1/matmul", "mlp/dense1/bias"],
             output_shapes=[[None, 128]]),
        dict(name="mlp/relu", op="Relu", inputs=["mlp/dense1/add"], output_shapes=[[None, 128]]),
        dict(name="mlp/split", op="Split", inputs=["mlp/relu"],
             output_shapes=[[None, 64], [None, None]],
             attrs={"axis": -1, "num_split": 2, "alpha": 0.2, "padding": "SAME",
                    "data": b"\x00\xff", "strides": [1, 2, 2, 1], "names": ["a", "b"],
                    "scales": [0.5, 1.1]}),
        dict(name="mlp/dense2/matmul", op="MatMul", inputs=["mlp/split:1", "^mlp/dense1/bias"],
             output_shapes=[None]),  # unknown rank
        dict(name="loss", op="Mean", inputs=["mlp/dense2/matmul"], output_shapes=[[]]),  # scalar
    ]
    graph = Graph()
    for node in spec:
        kwargs = {k: v for k, v in node.items() if k not in ("name", "op", "inputs")}
        graph.add_node(node["name"], node["op"], node["inputs"], **kwargs)
    return graph, spec


def _write_graph(logdir: str, ns: types.SimpleNamespace) -> None:
    graph, ns.graph_spec = _build_graph()
    with SummaryWriter(os.path.join(logdir, "graph")) as w:
        w.add_graph(graph)


def _write_two_writers(logdir: str, ns: types.SimpleNamespace, staging: str) -> None:
    """Two writers opened in the same second (checked from the file names' time stamp)
    write to one run dir; the dir is moved into the logdir once both are closed."""
    for attempt in range(5):
        run_dir = os.path.join(staging, f"attempt{attempt}")
        first, second = SummaryWriter(run_dir), SummaryWriter(run_dir)
        paths = [first.event_file_path, second.event_file_path]
        first.add_scalar("from_first", 1.5, 1, walltime=WALL0 + 1)
        second.add_scalar("from_second", -2.5, 2, walltime=WALL0 + 2)
        first.close()
        second.close()
        stamps = {os.path.basename(p).split(".")[3] for p in paths}
        if len(stamps) == 1:  # same second; else the clock ticked in between: retry
            break
    else:
        raise AssertionError(f"could not open two writers within one second: {paths}")
    ns.two_writer_files = sorted(os.path.basename(p) for p in paths)
    ns.two_writer_dir_files = sorted(os.listdir(run_dir))
    shutil.move(run_dir, os.path.join(logdir, "two_writers"))


SHARED_TENSORBOARD = True  # its runs in the session's log directory (conftest.py)

@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory, shared_logdir: str) -> types.SimpleNamespace:
    logdir = shared_logdir
    staging = str(tmp_path_factory.mktemp("tb_core_staging"))
    rng = np.random.default_rng(20240611)
    ns = types.SimpleNamespace(logdir=logdir)
    _write_scalars(logdir, ns)
    _write_images(logdir, ns, rng)
    _write_histograms(logdir, ns, rng)
    _write_pr_curves(logdir, ns, rng)
    _write_text(logdir, ns)
    _write_graph(logdir, ns)
    _write_two_writers(logdir, ns, staging)
    ns.runs = [
        "scalars", *RUN_LRS, "images", "images_tensor", "histograms", "histograms_tensor", "pr", "text",
        "text_tensor", "graph", "two_writers",
    ]
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


# --- helpers ----------------------------------------------------------------------------


def wait_scalars(tb: TensorBoardServer, run: str, tag: str, count: int) -> list[list[Any]]:
    """Polls until the run/tag has ``count`` points."""
    return tb.wait_for_json(
        "/data/plugin/scalars/scalars", lambda pts: len(pts) >= count, run=served(run), tag=tag
    )


def assert_points(got: list[list[Any]], expected: list[tuple[float, int, float]]) -> None:
    assert len(got) == len(expected), (got, expected)
    for (g_wall, g_step, g_value), (wall, step, value) in zip(got, expected):
        assert g_step == step
        assert same_float(g_wall, wall), (g_wall, wall)
        assert same_float(g_value, f32(value)), (g_value, value, f32(value))


# --- scalars ----------------------------------------------------------------------------


def test_runs_listed(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    runs = tb.wait_for_json("/data/runs", lambda r: {served(run) for run in logs.runs} <= set(r))
    assert len(runs) == len(set(runs))


def test_scalars_exact_values_steps_and_walltimes(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    expected = logs.scalar_points
    got = wait_scalars(tb, "scalars", "exact", len(expected))
    assert [p[1] for p in got] == [p[1] for p in expected]
    assert got[-1][1] == BIG_STEP
    assert_points(got, expected)
    # Values not representable in float32 come back as their float32 rounding.
    assert any(f32(v) != v for _, _, v in expected)


def test_scalars_nonfinite(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    expected = logs.nonfinite_points
    got = wait_scalars(tb, "scalars", "nonfinite", len(expected))
    assert_points(got, expected)


def test_scalars_numpy_and_int_inputs(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    expected = logs.typed_points
    assert_points(wait_scalars(tb, "scalars", "typed", len(expected)), expected)


def test_scalars_new_style_tensor(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    expected = logs.scalar_points
    assert_points(wait_scalars(tb, "scalars", "new_style", len(expected)), expected)


def test_scalars_display_name_and_description(tb: TensorBoardServer) -> None:
    expected = [(WALL0 + 30, 0, 0.5), (WALL0 + 31, 1, 0.1)]
    assert_points(wait_scalars(tb, "scalars", "described", len(expected)), expected)
    tags = tb.get_json("/data/plugin/scalars/tags")
    info = tags[served("scalars")]["described"]
    assert info["displayName"] == "Pretty name"
    assert "<strong>bold</strong> words" in info["description"]


def test_scalars_tags(tb: TensorBoardServer) -> None:
    tags = tb.wait_for_json(
        "/data/plugin/scalars/tags",
        lambda t: {"exact", "nonfinite", "typed"} <= set(t.get(served("scalars"), {})),
    )
    assert tags[served("scalars")]["exact"]["displayName"] in ("", "exact")


def test_two_runs_multirun(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    lrs = [served(run) for run in RUN_LRS]
    runs = tb.wait_for_json("/data/runs", lambda r: set(lrs) <= set(r))
    assert set(lrs) <= set(runs)
    for run, points in logs.multirun.items():
        wait_scalars(tb, run, "loss", len(points))
    answer = tb.post_form("/data/plugin/scalars/scalars_multirun", {"tag": "loss", "runs": lrs})
    assert set(answer) == set(lrs)
    for run, points in logs.multirun.items():
        assert_points(answer[served(run)], points)


# --- images -----------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["float_chw", "uint8_hwc", "batch_nchw", "gray_hw", "rgba_hwc"])
def test_images_pixels(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str, legacy_forms: bool) -> None:
    run = served(form_run("images", legacy_forms))
    wall, step, expected = logs.images[tag]
    tags = tb.wait_for_json(
        "/data/plugin/images/tags", lambda t: tag in t.get(run, {})
    )
    assert tags[run][tag]["samples"] == 1
    entries = tb.wait_for_json("/data/plugin/images/images", bool, run=run, tag=tag, sample=0)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["step"] == step
    assert same_float(entry["wall_time"], wall)
    png = tb.get_bytes("/data/plugin/images/individualImage?" + entry["query"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(png))
    assert picture.size == (expected.shape[1], expected.shape[0])  # (width, height)
    assert picture.mode == {1: "L", 3: "RGB", 4: "RGBA"}[expected.shape[2]]
    pixels = np.asarray(picture).astype(np.int64)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    assert pixels.shape == expected.shape
    tolerance = 0 if tag.startswith(("uint8", "rgba")) else 1
    assert np.abs(pixels - expected).max() <= tolerance


# --- histograms -------------------------------------------------------------------------


def wait_histograms(
    tb: TensorBoardServer, tag: str, count: int, legacy_forms: bool
) -> list[tuple[float, int, np.ndarray]]:
    """The served ``[k, 3]`` tables of ``tag`` (wall time, step, table), once ``count`` are in.

    A HistogramProto (the default form) is served as TensorBoard migrates it: the Rust data
    server keeps the empty bucket that torch's layout puts before the first one, the Python
    loader drops empty buckets at either end and holds the edges in float32. The empty end
    buckets are dropped here for both, so that one expectation (``edge``) fits both loaders.
    """
    got = tb.wait_for_json(
        "/data/plugin/histograms/histograms", lambda h: len(h) >= count,
        run=served(form_run("histograms", legacy_forms)), tag=tag,
    )
    tables = []
    for wall, step, buckets in got:
        table = np.array(buckets, dtype=np.float64).reshape(-1, 3)
        if legacy_forms:
            filled = np.flatnonzero(table[:, 2])
            table = table[filled[0] : filled[-1] + 1] if filled.size else table[:0]
        tables.append((wall, step, table))
    return tables


def edge(value: float, legacy_forms: bool, load_fast: bool) -> float:
    """A bucket edge as served: float32 where the Python loader migrated a HistogramProto."""
    return f32(value) if legacy_forms and not load_fast else float(value)


def test_histograms_default_bins(tb: TensorBoardServer, logs: types.SimpleNamespace,
                                 legacy_forms: bool, load_fast: bool) -> None:
    got = wait_histograms(tb, "default", len(logs.hist_default), legacy_forms)
    assert [h[1] for h in got] == list(logs.hist_default)
    for (wall, _step, table), (exp_step, values) in zip(got, logs.hist_default.items()):
        assert same_float(wall, WALL0 + exp_step)
        finite = values[np.isfinite(values)]
        assert table.ndim == 2 and table.shape[1] == 3
        assert table[:, 2].sum() == finite.size
        assert table[0, 0] == edge(finite.min(), legacy_forms, load_fast)
        assert table[-1, 1] == edge(finite.max(), legacy_forms, load_fast)
        assert (table[:, 2] >= 0).all()
        # Buckets tile the range: each left edge is the previous right edge.
        assert (table[1:, 0] == table[:-1, 1]).all()
        assert (table[:, 0] <= table[:, 1]).all()
    assert logs.hist_warnings, "the NaN/Inf values were dropped without a warning"


@pytest.mark.parametrize("tag", ["constant", "ints", "tiny_and_huge"])
def test_histograms_edge_cases(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str,
                               legacy_forms: bool, load_fast: bool) -> None:
    values = logs.hist_more[tag]
    step = 10 + list(logs.hist_more).index(tag)
    got = wait_histograms(tb, tag, 1, legacy_forms)
    assert len(got) == 1
    wall, got_step, table = got[0]
    assert got_step == step and same_float(wall, WALL0 + step)
    assert table[:, 2].sum() == values.size
    assert table[0, 0] == edge(values.min(), legacy_forms, load_fast)
    assert table[-1, 1] == edge(values.max(), legacy_forms, load_fast)
    assert (table[1:, 0] == table[:-1, 1]).all()


def test_histogram_all_nan_is_empty(tb: TensorBoardServer, legacy_forms: bool) -> None:
    got = wait_histograms(tb, "all_nan", 1, legacy_forms)
    assert len(got) == 1
    wall, step, table = got[0]
    assert step == 20 and same_float(wall, WALL0 + 20)
    assert table.tolist() == []


def test_histograms_bins10_match_numpy(tb: TensorBoardServer, logs: types.SimpleNamespace,
                                       legacy_forms: bool, load_fast: bool) -> None:
    got = wait_histograms(tb, "bins10", 1, legacy_forms)
    assert len(got) == 1
    wall, step, table = got[0]
    assert step == 2 and same_float(wall, WALL0 + 2)
    counts, edges = np.histogram(logs.hist_bins10, bins=10)
    edges = [edge(e, legacy_forms, load_fast) for e in edges]
    assert table.shape == (10, 3)
    assert table[:, 2].tolist() == counts.astype(np.float64).tolist()
    assert table[:, 0].tolist() == edges[:-1]
    assert table[:, 1].tolist() == edges[1:]
    assert table[0, 0] == edge(logs.hist_bins10.min(), legacy_forms, load_fast)
    assert table[-1, 1] == edge(logs.hist_bins10.max(), legacy_forms, load_fast)


def test_histogram_raw_buckets(tb: TensorBoardServer, logs: types.SimpleNamespace,
                               legacy_forms: bool, load_fast: bool) -> None:
    got = wait_histograms(tb, "raw", 1, legacy_forms)
    assert len(got) == 1
    wall, step, table = got[0]
    assert step == 21 and same_float(wall, WALL0 + 21)
    counts, edges = logs.hist_raw
    edges = [edge(e, legacy_forms, load_fast) for e in edges]
    assert table[:, 2].tolist() == counts.astype(np.float64).tolist()
    assert table[:, 0].tolist() == edges[:-1]  # first left edge: min == edges[0]
    assert table[:, 1].tolist() == edges[1:]


def test_distributions_served(tb: TensorBoardServer, logs: types.SimpleNamespace,
                              legacy_forms: bool, load_fast: bool) -> None:
    got = tb.wait_for_json(
        "/data/plugin/distributions/distributions",
        lambda d: len(d) >= 1,
        run=served(form_run("histograms", legacy_forms)),
        tag="bins10",
    )
    _wall, step, basis_points = got[0]
    assert step == 2
    # The 0th and 10000th basis points are the data's min and max.
    assert basis_points[0] == [0, edge(logs.hist_bins10.min(), legacy_forms, load_fast)]
    assert basis_points[-1] == [10000, edge(logs.hist_bins10.max(), legacy_forms, load_fast)]


# --- PR curves --------------------------------------------------------------------------


def expected_pr(
    labels: np.ndarray, predictions: np.ndarray, n: int, weights: np.ndarray | None
) -> dict[str, list[Any]]:
    """TP_j = (weighted) count of label 1 with floor(pred * (n - 1)) >= j, etc."""
    positive = labels.astype(bool)
    bucket = np.floor(predictions * (n - 1))
    w = np.ones(labels.shape) if weights is None else weights
    tp = np.array([w[positive & (bucket >= j)].sum() for j in range(n)])
    fp = np.array([w[~positive & (bucket >= j)].sum() for j in range(n)])
    tn = np.array([w[~positive & (bucket < j)].sum() for j in range(n)])
    fn = np.array([w[positive & (bucket < j)].sum() for j in range(n)])
    precision = tp / np.maximum(tp + fp, 1e-7)
    recall = tp / np.maximum(tp + fn, 1e-7)
    # The plugin trims trailing thresholds where int(TP) + int(FP) == 0 (keeping at
    # least one), and serves the counts as int(float32 count).
    counts = {
        key: [int(f32(v)) for v in array]
        for key, array in (
            ("true_positives", tp), ("false_positives", fp),
            ("true_negatives", tn), ("false_negatives", fn),
        )
    }
    end = n
    while end > 1 and counts["true_positives"][end - 1] + counts["false_positives"][end - 1] == 0:
        end -= 1
    return {
        **{key: values[:end] for key, values in counts.items()},
        "precision": [f32(v) for v in precision[:end]],
        "recall": [f32(v) for v in recall[:end]],
        "thresholds": np.linspace(0.0, 1.0, n)[:end].tolist(),
    }


@pytest.mark.parametrize("tag", ["pr", "pr_full", "pr_weighted"])
def test_pr_curves(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str) -> None:
    labels, predictions, n, step, weights = logs.pr[tag]
    answer = tb.wait_for_json(
        "/data/plugin/pr_curves/pr_curves", lambda a: len(a.get(served("pr"), [])) >= 1,
        run=served("pr"), tag=tag,
    )
    assert len(answer[served("pr")]) == 1
    entry = answer[served("pr")][0]
    assert entry["step"] == step
    assert same_float(entry["wall_time"], WALL0 + step)
    expected = expected_pr(labels, predictions, n, weights)
    if tag == "pr":
        assert len(expected["precision"]) < n  # this curve exercises the trimming
    for key, values in expected.items():
        assert entry[key] == values, key


# --- text -------------------------------------------------------------------------------


def test_text_markdown_rendered(tb: TensorBoardServer, logs: types.SimpleNamespace, legacy_forms: bool) -> None:
    # torch's form: the tag gets "/text_summary" appended, as torch's add_text does
    run, tag = served(form_run("text", legacy_forms)), "note/text_summary" if legacy_forms else "note"
    tags = tb.wait_for_json("/data/plugin/text/tags", lambda t: tag in t.get(run, []))
    assert tags[run] == [tag]
    got = tb.wait_for_json(
        "/data/plugin/text/text", lambda t: len(t) >= len(logs.text), run=run, tag=tag
    )
    assert [(e["step"], e["wall_time"]) for e in got] == [(s, w) for w, s, _ in logs.text]
    assert "<strong>hi</strong>" in got[0]["text"]
    assert "**" not in got[0]["text"]
    assert "<em>b</em>" in got[1]["text"] and "<code>c</code>" in got[1]["text"]
    assert "h\u00e9llo \u2713" in got[2]["text"]  # UTF-8 survives
    assert "<script>" not in got[2]["text"]  # and TensorBoard's sanitizer ran on it
    raw = tb.get_json("/data/plugin/text/text", run=run, tag=tag, markdown="false")
    assert "**hi**" in raw[0]["text"]


# --- graph ------------------------------------------------------------------------------


def test_graph(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2, types_pb2

    run = served("graph")
    info = tb.wait_for_json("/data/plugin/graphs/info", lambda i: run in i)
    assert info[run]["run"] == run
    assert info[run]["run_graph"] is True
    pbtxt = tb.get_text("/data/plugin/graphs/graph", run=run)
    graph_def = text_format.Parse(pbtxt, graph_pb2.GraphDef())
    nodes = {node.name: node for node in graph_def.node}
    assert list(nodes) == [spec["name"] for spec in logs.graph_spec]
    for spec in logs.graph_spec:
        node = nodes[spec["name"]]
        assert node.op == spec["op"]
        assert list(node.input) == spec["inputs"]
        assert f'name: "{spec["name"]}"' in pbtxt
        shapes = node.attr["_output_shapes"].list.shape
        assert len(shapes) == len(spec["output_shapes"])
        for shape, expected in zip(shapes, spec["output_shapes"]):
            if expected is None:
                assert shape.unknown_rank and not shape.dim
            else:
                assert not shape.unknown_rank
                assert [d.size for d in shape.dim] == [-1 if d is None else d for d in expected]
        if spec.get("dtype"):
            assert node.attr["dtype"].type == types_pb2.DT_FLOAT
        assert node.device == spec.get("device", "")
        for key, value in spec.get("attrs", {}).items():
            attr = node.attr[key]
            if isinstance(value, bool):
                assert attr.WhichOneof("value") == "b" and attr.b is value, key
            elif isinstance(value, int):
                assert attr.WhichOneof("value") == "i" and attr.i == value, key
            elif isinstance(value, float):
                assert attr.WhichOneof("value") == "f" and attr.f == f32(value), key
            elif isinstance(value, str):
                assert attr.WhichOneof("value") == "s" and attr.s == value.encode(), key
            elif isinstance(value, bytes):
                assert attr.WhichOneof("value") == "s" and attr.s == value, key
            elif all(isinstance(v, int) for v in value):
                assert list(attr.list.i) == value, key
            elif all(isinstance(v, str) for v in value):
                assert list(attr.list.s) == [v.encode() for v in value], key
            else:
                assert list(attr.list.f) == [f32(v) for v in value], key
        expected_keys = set(spec.get("attrs", {})) | {"_output_shapes"} | (
            {"dtype"} if spec.get("dtype") else set()
        )
        assert set(node.attr) == expected_keys
    assert "size: -1" in pbtxt


# --- live and multi-writer --------------------------------------------------------------


def test_live_open_writer(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    run = "live_fast" if tb.load_fast else "live_python"
    writer = SummaryWriter(os.path.join(logs.logdir, run), flush_secs=1)
    try:
        writer.add_scalar("live", 0.25, 0, walltime=WALL0 + 100)
        first = wait_scalars(tb, run, "live", 1)
        assert_points(first, [(WALL0 + 100, 0, 0.25)])
        writer.add_scalar("live", 1.0 / 3.0, 1, walltime=WALL0 + 101)
        both = wait_scalars(tb, run, "live", 2)
        assert_points(both, [(WALL0 + 100, 0, 0.25), (WALL0 + 101, 1, 1.0 / 3.0)])
    finally:
        writer.close()


def test_two_writers_same_second(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    assert len(set(logs.two_writer_files)) == 2
    assert logs.two_writer_dir_files == logs.two_writer_files
    tags = tb.wait_for_json(
        "/data/plugin/scalars/tags",
        lambda t: {"from_first", "from_second"} <= set(t.get(served("two_writers"), {})),
    )
    assert set(tags[served("two_writers")]) == {"from_first", "from_second"}
    assert_points(wait_scalars(tb, "two_writers", "from_first", 1), [(WALL0 + 1, 1, 1.5)])
    assert_points(wait_scalars(tb, "two_writers", "from_second", 1), [(WALL0 + 2, 2, -2.5)])
