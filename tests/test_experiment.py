"""End to end: hparams, custom scalars, add_scalars, meshes, embeddings, tensors and ONNX
graphs, as TensorBoard itself serves them.

Everything is written once per module (``logs``) and checked against a real
``tensorboard`` process with its Rust data server (``load_fast=true``) and with its
Python loader (``load_fast=false``), through the HTTP routes of the HParams, Custom
Scalars, Scalars, Mesh, Projector and Graphs plugins; expected values are computed here
from the inputs. ``add_tensor`` data has no dashboard (plugin ``tensor``), so it is read
through TensorBoard's own data providers, the layer every plugin reads through: the
Rust data server's gRPC provider and the Python multiplexer's provider.

Bad input is checked without a server: every rejected call raises TypeError/ValueError
naming the argument and leaves a valid event file.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import tempfile
import time
import types
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

import tfevents
from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter
from tfevents.reader import read_values
from tfevents.validate import validate_logdir
from tfevents.wire.encoding import bytes_field, float_field, string_field, uint_field

torch = pytest.importorskip("torch")

WALL0 = 1_700_000_000.0
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]

# Every session of this module logs the same hyperparameter names, types and domains,
# so the experiment TensorBoard serves (that of the first run it finds) is known.
DOMAINS = {"opt": ["adam", "sgd"], "use_bn": [True, False], "layers": [2, 3, 4]}
METRICS = ("hp/acc", "hp/loss")
HPARAM_TYPES = {
    "lr": "DATA_TYPE_FLOAT64",
    "layers": "DATA_TYPE_FLOAT64",
    "use_bn": "DATA_TYPE_BOOL",
    "ratio": "DATA_TYPE_FLOAT64",
    "opt": "DATA_TYPE_STRING",
    "scale": "DATA_TYPE_FLOAT64",
}
MESH_CONFIG = {"camera": {"cls": "PerspectiveCamera", "fov": 75}, "material": {"size": 0.5}}


def f32(value: float) -> float:
    return float(np.float32(value))


def hparams_input(lr, layers, use_bn, ratio, opt, scale) -> dict[str, Any]:
    """Values of several Python, numpy and torch types, and a None (not logged)."""
    return {
        "lr": lr,
        "layers": layers,
        "use_bn": use_bn,
        "ratio": ratio,
        "opt": opt,
        "scale": scale,
        "comment": None,
    }


def hparams_json(values: dict[str, Any]) -> dict[str, Any]:
    """What the HParams plugin serves for ``values``: numbers as floats, bools as bools."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, torch.Tensor):
            value = value.item()
        if isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = float(value)
    return out


# --- writing the logs (once per module) --------------------------------------------------


def _write_hparams(logdir: str, ns: types.SimpleNamespace) -> None:
    ns.hp_same = hparams_input(0.01, 3, True, np.float32(0.25), "adam", torch.tensor(0.5))
    with SummaryWriter(os.path.join(logdir, "hp_same")) as w:
        for step in range(5):
            w.add_scalar("loss", 1.0 / (step + 1), step, walltime=WALL0 + step)
        w.add_hparams(
            ns.hp_same, {"hp/acc": 0.8125, "hp/loss": 0.3}, DOMAINS,
            global_step=4, walltime=WALL0 + 4.5,
        )
        # Same session again, later: new metric values, the hparams stay.
        w.add_hparams(ns.hp_same, {"hp/acc": 0.9375}, DOMAINS, global_step=9, walltime=WALL0 + 9.5)
    ns.hp_same_metrics = {"hp/acc": (0.9375, 9, WALL0 + 9.5), "hp/loss": (0.3, 4, WALL0 + 4.5)}

    ns.hp_sub = hparams_input(0.1, 2, False, np.float64(0.5), "sgd", torch.tensor([1.5]))
    with SummaryWriter(os.path.join(logdir, "hp_sub")) as w:
        w.add_scalar("loss", 2.0, 0, walltime=WALL0)
        w.add_hparams(ns.hp_sub, {"hp/acc": 0.5, "hp/loss": 0.75}, DOMAINS, run_name="trial_1",
                      global_step=3, walltime=WALL0 + 3)
    ns.hp_sub_metrics = {"hp/acc": (0.5, 3, WALL0 + 3), "hp/loss": (0.75, 3, WALL0 + 3)}

    ns.hp_time = hparams_input(1e-3, np.int64(4), np.bool_(True), 0.125, "adam", 2)
    with SummaryWriter(os.path.join(logdir, "hp_time")) as w:
        before = time.time()
        w.add_hparams(ns.hp_time, {"hp/acc": 0.25, "hp/loss": 1.5}, DOMAINS, layout="subrun")
        ns.hp_time_window = (before, time.time())

    # tensorboardX's keyword for the sub-run: name="named".
    ns.hp_tbx = hparams_input(0.5, 4, False, 1, "sgd", 0.0)
    with SummaryWriter(os.path.join(logdir, "hp_tbx")) as w:
        w.add_hparams(ns.hp_tbx, {"hp/acc": 0.0, "hp/loss": 9.0}, DOMAINS, name="named")


def _write_scalars_layouts(logdir: str, ns: types.SimpleNamespace) -> None:
    # add_scalars, torch's layout (the default): one run per key.
    with SummaryWriter(os.path.join(logdir, "ts")) as w:
        for step in range(3):
            w.add_scalars("acc", {"a": 0.5 + step, "b": -0.25 * step}, step, walltime=WALL0 + step)
    ns.ts = {
        "ts/acc_a": [(WALL0 + s, s, 0.5 + s) for s in range(3)],
        "ts/acc_b": [(WALL0 + s, s, -0.25 * s) for s in range(3)],
    }

    # add_scalars in the writer's own run, charted together by a custom-scalars chart.
    ns.grouped = {"g_loss/train": [], "g_loss/val": [], "g_loss/test": []}
    with SummaryWriter(os.path.join(logdir, "grouped")) as w:
        for step in range(4):
            values = {"train": 1.0 / (step + 1), "val": 1.5 / (step + 1)}
            w.add_scalars("g_loss", values, step, walltime=WALL0 + 10 + step, layout="same_run")
            for key, value in values.items():
                ns.grouped[f"g_loss/{key}"].append((WALL0 + 10 + step, step, value))
        w.add_scalars("g_loss", {"test": 0.125}, 4, walltime=WALL0 + 20, layout="same_run")
        ns.grouped["g_loss/test"].append((WALL0 + 20, 4, 0.125))

    with SummaryWriter(os.path.join(logdir, "cs")) as w:
        for step in range(3):
            w.add_scalar("cs_loss/train", 1.0 - 0.25 * step, step, walltime=WALL0 + step)
            w.add_scalar("cs_loss/val", 1.25 - 0.25 * step, step, walltime=WALL0 + step)
            w.add_scalar("cs_m/mean", 0.5 * step, step, walltime=WALL0 + step)
            w.add_scalar("cs_m/low", 0.5 * step - 0.125, step, walltime=WALL0 + step)
            w.add_scalar("cs_m/high", 0.5 * step + 0.125, step, walltime=WALL0 + step)
        w.add_custom_scalars({
            "Losses": {
                "train vs val": ["Multiline", [r"^cs_loss/(train|val)$"]],
                "band": ["Margin", ["cs_m/mean", "cs_m/low", "cs_m/high"]],
            },
        })
        w.add_custom_scalars_multilinechart([r"^cs_loss/train$"], category="Accuracy", title="acc")
        w.add_custom_scalars_marginchart(["cs_m/mean", "cs_m/low", "cs_m/high"], category="Accuracy",
                                         title="acc band")
        # Same category and title: replaces the chart (the layout of a run accumulates).
        w.add_custom_scalars_multilinechart([r"^cs_loss/val$", r"^cs_m/mean$"], category="Accuracy",
                                            title="acc")
        w.add_custom_scalars_multilinechart([r"^x$"])  # torch's defaults: default / untitled

    def multiline(title: str, tags: list[str]) -> dict[str, Any]:
        return {"title": title, "multiline": {"tag": tags}}

    def margin(title: str, value: str, lower: str, upper: str) -> dict[str, Any]:
        return {"title": title, "margin": {"series": [{"value": value, "lower": lower, "upper": upper}]}}

    # TensorBoard merges the runs' layouts in sorted run order: "cs" then "grouped".
    ns.layout = {
        "category": [
            {"title": "Losses", "closed": False, "chart": [
                multiline("train vs val", [r"^cs_loss/(train|val)$"]),
                margin("band", "cs_m/mean", "cs_m/low", "cs_m/high"),
            ]},
            {"title": "Accuracy", "closed": False, "chart": [
                multiline("acc", [r"^cs_loss/val$", r"^cs_m/mean$"]),
                margin("acc band", "cs_m/mean", "cs_m/low", "cs_m/high"),
            ]},
            {"title": "default", "closed": False, "chart": [multiline("untitled", [r"^x$"])]},
            {"title": "g_loss", "closed": False, "chart": [
                multiline("g_loss", [r"^g_loss/train$", r"^g_loss/val$", r"^g_loss/test$"]),
            ]},
        ],
        "version": 0,
    }


def _write_mesh(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    faces = np.array([[[0, 1, 2], [1, 2, 3]], [[0, 2, 3], [0, 1, 3]]])
    ns.mesh = {}
    with SummaryWriter(os.path.join(logdir, "mesh")) as w:
        for step in (1, 2):
            vertices = rng.normal(size=(2, 4, 3))
            colors = rng.integers(0, 256, size=(2, 4, 3))
            ns.mesh[step] = (vertices, faces, colors)
            w.add_mesh("pc", vertices, colors=colors, faces=faces.astype(np.float64),
                       config_dict=MESH_CONFIG, global_step=step, walltime=WALL0 + step)
        ns.cloud = torch.rand(1, 5, 3)
        w.add_mesh("cloud", ns.cloud, global_step=7, walltime=WALL0 + 7,
                   display_name="A cloud", summary_description="points only")


def _write_tensors(logdir: str, ns: types.SimpleNamespace) -> None:
    ns.tensors = {
        "t_int": (np.arange(12, dtype=np.int64).reshape(3, 4) - 5, 1),
        "t_f16": (torch.tensor([[1.5, -2.25], [65504.0, 0.0]], dtype=torch.float16), 2),
        "t_bool": (np.array([True, False, True]), 3),
        "t_c64": (np.array([1 + 2j, -0.5j], dtype=np.complex64), 4),
        "t_f64_big_endian": (np.array([[0.1, 1e300]], dtype=">f8"), 5),
        "t_scalar": (np.float32(2.5), 6),
    }
    with SummaryWriter(os.path.join(logdir, "tensor")) as w:
        for tag, (value, step) in ns.tensors.items():
            extra = {"display_name": "Integers", "summary_description": "*counts*"} if tag == "t_int" else {}
            w.add_tensor(tag, value, step, walltime=WALL0 + step, **extra)


def _write_embeddings(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    ns.emb_mat = rng.normal(size=(7, 5)).astype(np.float32)
    ns.emb_rows = [[f"w{i}", i % 3] for i in range(7)]
    ns.emb_imgs = rng.integers(0, 256, size=(7, 3, 6, 6), dtype=np.uint8)
    ns.emb_mat2 = rng.normal(size=(4, 2))  # float64: served as its float32 rounding
    ns.emb_gray = np.arange(4 * 25).reshape(4, 1, 5, 5) / 255.0
    with SummaryWriter(os.path.join(logdir, "emb")) as w:
        w.add_embedding(ns.emb_mat, metadata=ns.emb_rows, label_img=torch.from_numpy(ns.emb_imgs),
                        global_step=3, tag="words", metadata_header=["word", "class"])
        w.add_embedding(ns.emb_mat2, metadata=["a", "b", "c", "d"], label_img=ns.emb_gray, tag="a/b%c")


def onnx_model() -> bytes:
    """A small ONNX ModelProto, encoded by hand from onnx.proto's field numbers, in the
    forms real exporters write (proto2: repeated ints unpacked; names with ``::``):
    x[batch,4] -> Gemm(fc.weight[3,4], fc.bias[3]; alpha=1.0, transB=1) -> Relu
    -> Mul(Constant; a tensor attribute) -> Transpose(perm=[1, 0]) -> y[3,batch]."""

    def value_info(name: str, dims: list[int | str]) -> bytes:
        shape = b"".join(
            bytes_field(1, uint_field(1, d) if isinstance(d, int) else string_field(2, d)) for d in dims
        )
        tensor_type = uint_field(1, 1) + bytes_field(2, shape)  # elem_type FLOAT
        return string_field(1, name) + bytes_field(2, bytes_field(1, tensor_type))

    def tensor(name: str, dims: list[int]) -> bytes:
        count = int(np.prod(dims))
        return (
            b"".join(uint_field(1, d) for d in dims) + uint_field(2, 1) + string_field(8, name)
            + bytes_field(9, np.zeros(count, dtype="<f4").tobytes())
        )

    def attribute(name: str, kind: int, field: bytes) -> bytes:
        return string_field(1, name) + uint_field(20, kind) + field

    def node(inputs: list[str], outputs: list[str], name: str, op: str, *attrs: bytes) -> bytes:
        return (
            b"".join(string_field(1, i) for i in inputs) + b"".join(string_field(2, o) for o in outputs)
            + string_field(3, name) + string_field(4, op) + b"".join(bytes_field(5, a) for a in attrs)
        )

    nodes = [
        node(["x", "fc.weight", "onnx::Gemm_2"], ["/fc/Gemm_output_0"], "/fc/Gemm", "Gemm",
             attribute("alpha", 1, float_field(2, 1.0)), attribute("transB", 2, uint_field(3, 1))),
        node(["/fc/Gemm_output_0"], ["/relu/Relu_output_0"], "/relu/Relu", "Relu"),
        node([], ["/Constant_output_0"], "/Constant", "Constant",
             attribute("value", 4, bytes_field(5, tensor("", [1])))),
        node(["/relu/Relu_output_0", "/Constant_output_0"], ["/mul/Mul_output_0"], "/mul/Mul", "Mul"),
        node(["/mul/Mul_output_0"], ["y"], "/t/Transpose", "Transpose",
             attribute("perm", 7, uint_field(8, 1) + uint_field(8, 0))),
    ]
    graph = (
        b"".join(bytes_field(1, n) for n in nodes) + string_field(2, "main_graph")
        + bytes_field(5, tensor("fc.weight", [3, 4])) + bytes_field(5, tensor("onnx::Gemm_2", [3]))
        + bytes_field(11, value_info("x", ["batch", 4]))
        + bytes_field(12, value_info("y", [3, "batch"]))
        + bytes_field(13, value_info("/fc/Gemm_output_0", ["batch", 3]))
    )
    opset = uint_field(2, 17)
    return uint_field(1, 8) + string_field(2, "pytorch") + bytes_field(7, graph) + bytes_field(8, opset)


def _write_onnx(logdir: str, staging: str) -> None:
    path = os.path.join(staging, "model.onnx")
    with open(path, "wb") as f:
        f.write(onnx_model())
    with SummaryWriter(os.path.join(logdir, "onnx")) as w:
        w.add_onnx_graph(path)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> types.SimpleNamespace:
    logdir = str(tmp_path_factory.mktemp("experiment_logdir"))
    staging = str(tmp_path_factory.mktemp("experiment_staging"))
    rng = np.random.default_rng(20240612)
    ns = types.SimpleNamespace(logdir=logdir)
    _write_hparams(logdir, ns)
    _write_scalars_layouts(logdir, ns)
    _write_mesh(logdir, ns, rng)
    _write_tensors(logdir, ns)
    _write_embeddings(logdir, ns, rng)
    _write_onnx(logdir, staging)
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


# --- helpers ------------------------------------------------------------------------------


def post_json(tb: TensorBoardServer, route: str, body: dict[str, Any]) -> Any:
    """POST a JSON body (the hparams routes read the raw body, not a form)."""
    _, _, answer = tb.request(
        route, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    return json.loads(answer)


def wait_scalars(tb: TensorBoardServer, run: str, tag: str, count: int) -> list[list[Any]]:
    return tb.wait_for_json(
        "/data/plugin/scalars/scalars", lambda pts: len(pts) >= count, run=run, tag=tag
    )


def assert_points(got: list[list[Any]], expected: list[tuple[float, int, float]]) -> None:
    assert [(g[0], g[1], g[2]) for g in got] == [(w, s, f32(v)) for w, s, v in expected]


# --- hparams ------------------------------------------------------------------------------


def session_groups(tb: TensorBoardServer) -> dict[str, Any]:
    body = {
        "experimentName": "",
        "allowedStatuses": ALL_STATUSES,
        "colParams": [{"hparam": name} for name in HPARAM_TYPES]
        + [{"metric": {"group": "", "tag": tag}} for tag in METRICS],
        "startIndex": 0,
        "sliceSize": 100,
    }
    answer = post_json(tb, "/data/plugin/hparams/session_groups", body)
    return {group["name"]: group for group in answer.get("sessionGroups", [])}


def wait_sessions(tb: TensorBoardServer) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        groups = session_groups(tb)
        complete = len(groups) >= 4 and all(
            len(g["sessions"][0].get("metricValues", [])) == len(METRICS) for g in groups.values()
        )
        same = groups.get("hp_same")
        if not complete or not same:
            return None
        acc = [m for m in same["sessions"][0]["metricValues"] if m["name"]["tag"] == "hp/acc"]
        return groups if acc and acc[0]["trainingStep"] == 9 else None

    return tb.wait_for(ready, what="hparams sessions with their metrics")


def metric_values(session: dict[str, Any]) -> dict[str, tuple[float, int, float]]:
    return {
        m["name"]["tag"]: (m["value"], m["trainingStep"], m["wallTimeSecs"])
        for m in session["metricValues"]
    }


def test_hparams_sessions_are_the_runs(tb: TensorBoardServer) -> None:
    groups = wait_sessions(tb)
    time_runs = [name for name in groups if name.startswith("hp_time/")]
    assert len(time_runs) == 1 and re.fullmatch(r"hp_time/\d+\.\d+", time_runs[0]), groups.keys()
    # The default layout keeps the session in the writer's run: no sub-run is made.
    assert set(groups) == {"hp_same", "hp_sub/trial_1", time_runs[0], "hp_tbx/named"}
    runs = tb.get_json("/data/runs")
    assert not [run for run in runs if run.startswith("hp_same/")]
    assert {"hp_same", "hp_sub", "hp_sub/trial_1", "hp_tbx/named", time_runs[0]} <= set(runs)


def test_hparams_same_run_values_and_metrics(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    group = wait_sessions(tb)["hp_same"]
    assert group["hparams"] == hparams_json(logs.hp_same)
    assert group["hparams"]["use_bn"] is True  # a bool, not 1.0
    (session,) = group["sessions"]
    assert session["name"] == "hp_same"
    assert session["status"] == "STATUS_SUCCESS"
    assert session["startTimeSecs"] == WALL0 + 4.5  # the first call's walltime
    assert session["endTimeSecs"] == WALL0 + 4.5
    # Each metric's latest value, step and wall time: hp/acc from the second call.
    expected = {tag: (f32(v), s, w) for tag, (v, s, w) in logs.hp_same_metrics.items()}
    assert metric_values(session) == expected
    # The metrics are ordinary scalars of the run, next to its training curve.
    assert_points(wait_scalars(tb, "hp_same", "hp/acc", 2), [(WALL0 + 4.5, 4, 0.8125), (WALL0 + 9.5, 9, 0.9375)])
    assert_points(wait_scalars(tb, "hp_same", "loss", 5), [(WALL0 + s, s, 1.0 / (s + 1)) for s in range(5)])


def test_hparams_sub_runs(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    groups = wait_sessions(tb)
    sub = groups["hp_sub/trial_1"]
    assert sub["hparams"] == hparams_json(logs.hp_sub)
    assert sub["hparams"]["use_bn"] is False
    expected = {tag: (f32(v), s, w) for tag, (v, s, w) in logs.hp_sub_metrics.items()}
    assert metric_values(sub["sessions"][0]) == expected
    (name,) = [n for n in groups if n.startswith("hp_time/")]
    timed = groups[name]
    assert timed["hparams"] == hparams_json(logs.hp_time)
    before, after = logs.hp_time_window
    assert before <= float(name.split("/", 1)[1]) <= after
    assert before <= timed["sessions"][0]["startTimeSecs"] <= after
    assert {tag: v for tag, (v, _, _) in metric_values(timed["sessions"][0]).items()} == {
        "hp/acc": 0.25, "hp/loss": 1.5
    }
    named = groups["hp_tbx/named"]
    assert named["hparams"] == hparams_json(logs.hp_tbx)
    assert {tag: v for tag, (v, _, _) in metric_values(named["sessions"][0]).items()} == {
        "hp/acc": 0.0, "hp/loss": 9.0
    }


def test_hparams_experiment(tb: TensorBoardServer) -> None:
    wait_sessions(tb)
    experiment = post_json(tb, "/data/plugin/hparams/experiment", {"experimentName": ""})
    infos = {info["name"]: info for info in experiment["hparamInfos"]}
    assert {name: info["type"] for name, info in infos.items()} == HPARAM_TYPES
    for name, info in infos.items():
        if name in DOMAINS:
            assert info["domainDiscrete"] == [float(v) if name == "layers" else v for v in DOMAINS[name]]
        else:
            assert "domainDiscrete" not in info and "domainInterval" not in info
    assert sorted(m["name"]["tag"] for m in experiment["metricInfos"]) == sorted(METRICS)
    assert all(m["name"]["group"] == "" for m in experiment["metricInfos"])


def test_hparams_metric_evals(tb: TensorBoardServer) -> None:
    wait_sessions(tb)
    body = {"experimentName": "", "sessionName": "hp_same", "metricName": {"group": "", "tag": "hp/acc"}}
    evals = post_json(tb, "/data/plugin/hparams/metric_evals", body)
    assert evals == [[WALL0 + 4.5, 4, 0.8125], [WALL0 + 9.5, 9, 0.9375]]


# --- add_scalars and custom scalars ------------------------------------------------------------


def test_add_scalars_torch_layout(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    for run, points in logs.ts.items():
        assert_points(wait_scalars(tb, run, "acc", len(points)), points)
    assert "acc" not in tb.get_json("/data/plugin/scalars/tags").get("ts", {})


def test_add_scalars_same_run(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    for tag, points in logs.grouped.items():
        assert_points(wait_scalars(tb, "grouped", tag, len(points)), points)
    assert not [run for run in tb.get_json("/data/runs") if run.startswith("grouped/")]


def test_custom_scalars_layout(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    def ready() -> Any:
        layout = tb.get_json("/data/plugin/custom_scalars/layout")
        titles = [c["title"] for c in layout.get("category", [])]
        return layout if "g_loss" in titles and "Losses" in titles else None

    layout = tb.wait_for(ready, what="the merged custom scalars layout")
    assert layout == logs.layout


def test_custom_scalars_chart_draws_the_add_scalars_series(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    for tag, points in logs.grouped.items():
        wait_scalars(tb, "grouped", tag, len(points))
    (chart,) = next(c for c in logs.layout["category"] if c["title"] == "g_loss")["chart"]
    for regex in chart["multiline"]["tag"]:
        answer = tb.get_json("/data/plugin/custom_scalars/scalars", run="grouped", tag=regex)
        assert answer["regex_valid"] is True
        ((tag, events),) = answer["tag_to_events"].items()
        assert re.search(regex, tag)
        assert_points(events, logs.grouped[tag])


def test_custom_scalars_margin_chart_series(tb: TensorBoardServer) -> None:
    wait_scalars(tb, "cs", "cs_m/high", 3)
    for tag, offset in (("cs_m/mean", 0.0), ("cs_m/low", -0.125), ("cs_m/high", 0.125)):
        answer = tb.get_json("/data/plugin/custom_scalars/scalars", run="cs", tag=tag)
        assert_points(answer["tag_to_events"][tag], [(WALL0 + s, s, 0.5 * s + offset) for s in range(3)])


# --- mesh ---------------------------------------------------------------------------------


def test_mesh_tags(tb: TensorBoardServer) -> None:
    tags = tb.wait_for_json("/data/plugin/mesh/tags", lambda t: len(t.get("mesh", {})) == 2)
    assert tags["mesh"] == {"pc": {"samples": 2}, "cloud": {"samples": 1}}
    assert all(not value for run, value in tags.items() if run != "mesh")


def test_mesh_metadata(tb: TensorBoardServer) -> None:
    entries = tb.wait_for_json("/data/plugin/mesh/meshes", lambda e: len(e) == 6, run="mesh", tag="pc")
    config = json.dumps(MESH_CONFIG, sort_keys=True)
    shapes = {1: [2, 4, 3], 2: [2, 2, 3], 3: [2, 4, 3]}  # VERTEX, FACE, COLOR
    got = sorted((e["step"], e["content_type"]) for e in entries)
    assert got == [(step, kind) for step in (1, 2) for kind in (1, 2, 3)]
    for entry in entries:
        assert entry["components"] == (1 << 1) | (1 << 2) | (1 << 3)
        assert entry["config"] == config
        assert entry["data_shape"] == shapes[entry["content_type"]]
        assert entry["wall_time"] == WALL0 + entry["step"]
    (cloud,) = tb.wait_for_json("/data/plugin/mesh/meshes", bool, run="mesh", tag="cloud")
    assert (cloud["content_type"], cloud["components"], cloud["config"], cloud["data_shape"], cloud["step"]) == (
        1, 1 << 1, "{}", [1, 5, 3], 7
    )


@pytest.mark.parametrize("step", [1, 2])
@pytest.mark.parametrize("sample", [0, 1])
def test_mesh_data(tb: TensorBoardServer, logs: types.SimpleNamespace, step: int, sample: int) -> None:
    tb.wait_for_json("/data/plugin/mesh/meshes", lambda e: len(e) == 6, run="mesh", tag="pc")
    vertices, faces, colors = logs.mesh[step]
    for kind, array, dtype in (("VERTEX", vertices, np.float32), ("FACE", faces, np.int32),
                               ("COLOR", colors, np.uint8)):
        data = tb.get_bytes("/data/plugin/mesh/data", run="mesh", tag="pc", content_type=kind,
                            sample=sample, step=step)
        assert np.array_equal(np.frombuffer(data, dtype=dtype), array[sample].astype(dtype).ravel()), kind
    cloud = tb.get_bytes("/data/plugin/mesh/data", run="mesh", tag="cloud", content_type="VERTEX", sample=0, step=7)
    assert np.array_equal(np.frombuffer(cloud, dtype=np.float32), logs.cloud[0].numpy().ravel())


# --- embeddings (projector) ---------------------------------------------------------------------


def projector_info(tb: TensorBoardServer) -> dict[str, Any]:
    tb.wait_for_json("/data/plugin/projector/runs", lambda runs: "emb" in runs)
    info = tb.get_json("/data/plugin/projector/info", run="emb")
    return {e["tensorName"]: e for e in info["embeddings"]}


def test_projector_config(tb: TensorBoardServer) -> None:
    assert tb.wait_for_json("/data/plugin/projector/runs", lambda runs: "emb" in runs) == ["emb"]
    embeddings = projector_info(tb)
    assert embeddings == {
        "words:00003": {
            "tensorName": "words:00003",
            "tensorShape": [7, 5],
            "tensorPath": "00003/words/tensors.tsv",
            "metadataPath": "00003/words/metadata.tsv",
            "sprite": {"imagePath": "00003/words/sprite.png", "singleImageDim": [6, 6]},
        },
        "a/b%c:00000": {
            "tensorName": "a/b%c:00000",
            "tensorShape": [4, 2],
            "tensorPath": "00000/a%2fb%25c/tensors.tsv",
            "metadataPath": "00000/a%2fb%25c/metadata.tsv",
            "sprite": {"imagePath": "00000/a%2fb%25c/sprite.png", "singleImageDim": [5, 5]},
        },
    }


def test_projector_tensors(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    projector_info(tb)
    for name, mat in (("words:00003", logs.emb_mat), ("a/b%c:00000", logs.emb_mat2)):
        data = tb.get_bytes("/data/plugin/projector/tensor", run="emb", name=name)
        assert data == mat.astype(np.float32).tobytes(), name
    first_rows = tb.get_bytes("/data/plugin/projector/tensor", run="emb", name="words:00003", num_rows=2)
    assert first_rows == logs.emb_mat[:2].tobytes()


def test_projector_metadata(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    projector_info(tb)
    text = tb.get_text("/data/plugin/projector/metadata", run="emb", name="words:00003")
    assert text == "word\tclass\n" + "".join(f"{w}\t{c}\n" for w, c in logs.emb_rows)
    text = tb.get_text("/data/plugin/projector/metadata", run="emb", name="a/b%c:00000")
    assert text == "a\nb\nc\nd\n"


def expected_sprite(nchw_levels: np.ndarray) -> np.ndarray:
    n, _channels, size, _ = nchw_levels.shape
    per_side = math.ceil(math.sqrt(n))
    canvas = np.zeros((per_side * size, per_side * size, 3), dtype=np.int64)
    for i in range(n):
        row, column = divmod(i, per_side)
        canvas[row * size : (row + 1) * size, column * size : (column + 1) * size] = (
            nchw_levels[i].transpose(1, 2, 0)
        )
    return canvas


def test_projector_sprites(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    projector_info(tb)
    gray_levels = (logs.emb_gray.astype(np.float32) * 255).astype(np.int64).repeat(3, axis=1)
    for name, levels in (("words:00003", logs.emb_imgs.astype(np.int64)), ("a/b%c:00000", gray_levels)):
        png = tb.get_bytes("/data/plugin/projector/sprite_image", run="emb", name=name)
        picture = Image.open(io.BytesIO(png))
        assert picture.format == "PNG" and picture.mode == "RGB"
        assert np.array_equal(np.asarray(picture).astype(np.int64), expected_sprite(levels)), name


# --- add_tensor -----------------------------------------------------------------------------


class _RustProvider:
    """TensorBoard's Rust data server and its gRPC data provider, on the module's logdir."""

    def __init__(self, logdir: str) -> None:
        import grpc
        from tensorboard.data import grpc_provider, server_ingester

        self._tmp = tempfile.TemporaryDirectory(prefix="tfevents-data-server-")
        port_file = os.path.join(self._tmp.name, "port")
        binary = server_ingester.get_server_binary()
        self.process = subprocess.Popen(
            [binary.path, f"--logdir={logdir}", "--reload=1", "--port=0",
             f"--port-file={port_file}", "--die-after-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        port = None
        while time.monotonic() < deadline and self.process.poll() is None:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    port = int(text)
                    break
            time.sleep(0.1)
        if port is None:
            self.close()
            raise AssertionError("the Rust data server did not start")
        self.channel = grpc.insecure_channel(f"localhost:{port}")
        self.provider = grpc_provider.GrpcDataProvider(f"localhost:{port}", grpc_provider.make_stub(self.channel))

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # --die-after-stdin
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._tmp.cleanup()


@pytest.fixture(scope="module")
def data_provider(load_fast: bool, logs: types.SimpleNamespace) -> Iterator[Any]:
    """The data provider TensorBoard's plugins read through, for the module's loader."""
    if load_fast:
        rust = _RustProvider(logs.logdir)
        try:
            yield rust.provider
        finally:
            rust.close()
        return
    from tensorboard.backend.event_processing import data_provider as python_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer

    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logs.logdir)
    multiplexer.Reload()
    yield python_provider.MultiplexerDataProvider(multiplexer, logs.logdir)


def test_add_tensor_values(tb: TensorBoardServer, data_provider: Any, logs: types.SimpleNamespace) -> None:
    from tensorboard import context
    from tensorboard.data import provider

    assert "tensor" in tb.wait_for_json("/data/runs", lambda runs: "tensor" in runs)
    ctx = context.RequestContext()
    filter_ = provider.RunTagFilter(runs=["tensor"])

    def read() -> Any:
        data = data_provider.read_tensors(
            ctx, experiment_id="", plugin_name="tensor", run_tag_filter=filter_, downsample=10
        )
        return data if len(data.get("tensor", {})) == len(logs.tensors) else None

    data = tb.wait_for(read, what="add_tensor values from the data provider")["tensor"]
    for tag, (value, step) in logs.tensors.items():
        expected = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        (datum,) = data[tag]
        assert (datum.step, datum.wall_time) == (step, WALL0 + step), tag
        assert datum.numpy.dtype == expected.dtype.newbyteorder("="), tag
        assert datum.numpy.shape == expected.shape, tag
        assert np.array_equal(datum.numpy, expected), tag
    listing = data_provider.list_tensors(ctx, experiment_id="", plugin_name="tensor", run_tag_filter=filter_)
    meta = listing["tensor"]["t_int"]
    assert (meta.display_name, meta.description) == ("Integers", "*counts*")
    assert meta.plugin_content == b""


# --- ONNX graphs ----------------------------------------------------------------------------


def test_onnx_graph(tb: TensorBoardServer) -> None:
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2, types_pb2

    info = tb.wait_for_json("/data/plugin/graphs/info", lambda i: "onnx" in i)
    assert info["onnx"]["run_graph"] is True
    graph_def = text_format.Parse(tb.get_text("/data/plugin/graphs/graph", run="onnx"), graph_pb2.GraphDef())
    nodes = {node.name: node for node in graph_def.node}
    # Weights are Const nodes, inputs Placeholders; ONNX names become scopes ("/fc/Gemm"
    # -> "fc/Gemm") and lose the ':' TensorBoard reads as an output index.
    assert {name: (node.op, list(node.input)) for name, node in nodes.items()} == {
        "fc.weight": ("Const", []),
        "onnx__Gemm_2": ("Const", []),
        "x": ("Placeholder", []),
        "fc/Gemm": ("Gemm", ["x", "fc.weight", "onnx__Gemm_2"]),
        "relu/Relu": ("Relu", ["fc/Gemm"]),
        "Constant": ("Constant", []),
        "mul/Mul": ("Mul", ["relu/Relu", "Constant"]),
        "t/Transpose": ("Transpose", ["mul/Mul"]),
    }

    def shapes(node: Any) -> list[list[int]]:
        return [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]

    assert shapes(nodes["x"]) == [[-1, 4]]
    assert shapes(nodes["fc.weight"]) == [[3, 4]]
    assert shapes(nodes["fc/Gemm"]) == [[-1, 3]]
    assert shapes(nodes["t/Transpose"]) == [[3, -1]]
    assert "_output_shapes" not in nodes["relu/Relu"].attr  # the model does not say
    assert nodes["x"].attr["dtype"].type == types_pb2.DT_FLOAT
    assert nodes["fc/Gemm"].attr["alpha"].f == 1.0
    assert nodes["fc/Gemm"].attr["transB"].i == 1
    assert list(nodes["t/Transpose"].attr["perm"].list.i) == [1, 0]
    assert nodes["Constant"].attr["value"].s == b"tensor float32 [1]"


# --- bad input (no server) ------------------------------------------------------------------------

HP = {"lr": 0.1, "opt": "adam"}
M = {"acc": 0.5}

BAD_CALLS = [
    # add_hparams
    ("hp-dict-list", lambda w: w.add_hparams([("lr", 0.1)], M), TypeError, "hparam_dict"),
    ("hp-key-int", lambda w: w.add_hparams({1: 0.1}, M), TypeError, "hparam_dict key"),
    ("hp-key-empty", lambda w: w.add_hparams({"": 0.1}, M), ValueError, "hparam_dict key"),
    ("hp-value-list", lambda w: w.add_hparams({"lr": [0.1, 0.2]}, M), TypeError, "hparam_dict['lr']"),
    ("hp-value-bytes", lambda w: w.add_hparams({"lr": b"x"}, M), TypeError, "hparam_dict['lr']"),
    ("hp-value-complex", lambda w: w.add_hparams({"lr": 1j}, M), TypeError, "hparam_dict['lr']"),
    ("hp-value-object", lambda w: w.add_hparams({"lr": object()}, M), TypeError, "hparam_dict['lr']"),
    ("hp-value-array", lambda w: w.add_hparams({"lr": np.ones(2)}, M), ValueError, "hparam_dict['lr']"),
    ("hp-value-tensor", lambda w: w.add_hparams({"lr": torch.ones(3)}, M), ValueError, "hparam_dict['lr']"),
    ("hp-metrics-list", lambda w: w.add_hparams(HP, [0.5]), TypeError, "metric_dict"),
    ("hp-metric-key", lambda w: w.add_hparams(HP, {"": 0.5}), ValueError, "metric_dict key"),
    ("hp-metric-reserved", lambda w: w.add_hparams(HP, {"_hparams_/x": 0.5}), ValueError, "metric_dict key"),
    ("hp-metric-str", lambda w: w.add_hparams(HP, {"acc": "high"}), TypeError, "metric_dict['acc']"),
    ("hp-metric-none", lambda w: w.add_hparams(HP, {"acc": None}), TypeError, "metric_dict['acc']"),
    ("hp-domain-list", lambda w: w.add_hparams(HP, M, [("opt", ["adam"])]), TypeError, "hparam_domain_discrete"),
    ("hp-domain-unknown", lambda w: w.add_hparams(HP, M, {"bs": [1, 2]}), ValueError, "hparam_domain_discrete['bs']"),
    ("hp-domain-type", lambda w: w.add_hparams(HP, M, {"opt": [1, 2]}), TypeError, "hparam_domain_discrete['opt'][0]"),
    ("hp-domain-bool-for-number", lambda w: w.add_hparams(HP, M, {"lr": [0.1, True]}), TypeError,
     "hparam_domain_discrete['lr'][1]"),
    ("hp-domain-missing-value", lambda w: w.add_hparams(HP, M, {"opt": ["sgd"]}), ValueError,
     "hparam_domain_discrete['opt']"),
    ("hp-domain-empty", lambda w: w.add_hparams(HP, M, {"opt": []}), ValueError, "hparam_domain_discrete['opt']"),
    ("hp-domain-str", lambda w: w.add_hparams(HP, M, {"opt": "adam"}), TypeError, "hparam_domain_discrete['opt']"),
    ("hp-domain-of-none", lambda w: w.add_hparams({"lr": None}, M, {"lr": [0.1]}), ValueError,
     "hparam_domain_discrete['lr']"),
    ("hp-layout", lambda w: w.add_hparams(HP, M, layout="nested"), ValueError, "layout"),
    ("hp-run-name-int", lambda w: w.add_hparams(HP, M, run_name=3), TypeError, "run_name"),
    ("hp-run-name-parent", lambda w: w.add_hparams(HP, M, run_name="../elsewhere"), ValueError, "run_name"),
    ("hp-run-name-absolute", lambda w: w.add_hparams(HP, M, run_name="/tmp/x"), ValueError, "run_name"),
    ("hp-run-name-dot", lambda w: w.add_hparams(HP, M, run_name="."), ValueError, "run_name"),
    ("hp-run-name-same-run", lambda w: w.add_hparams(HP, M, run_name="x", layout="same_run"), ValueError, "run_name"),
    ("hp-run-name-and-name", lambda w: w.add_hparams(HP, M, run_name="x", name="y"), TypeError, "run_name"),
    ("hp-step", lambda w: w.add_hparams(HP, M, global_step="1"), TypeError, "global_step"),
    ("hp-walltime", lambda w: w.add_hparams(HP, M, walltime="now"), TypeError, "walltime"),
    # add_scalars
    ("scalars-layout", lambda w: w.add_scalars("m", {"a": 1.0}, layout="single"), ValueError, "layout"),
    ("scalars-same-run-value", lambda w: w.add_scalars("m", {"a": "x"}, layout="same_run"), TypeError,
     "tag_scalar_dict['a']"),
    # add_custom_scalars
    ("cs-layout-list", lambda w: w.add_custom_scalars([]), TypeError, "layout"),
    ("cs-category-int", lambda w: w.add_custom_scalars({1: {}}), TypeError, "layout key"),
    ("cs-charts-list", lambda w: w.add_custom_scalars({"c": ["Multiline", ["a"]]}), TypeError, "layout['c']"),
    ("cs-title-int", lambda w: w.add_custom_scalars({"c": {2: ["Multiline", ["a"]]}}), TypeError, "layout['c'] key"),
    ("cs-kind", lambda w: w.add_custom_scalars({"c": {"t": ["Bar", ["a"]]}}), ValueError, "layout['c']['t'][0]"),
    ("cs-spec-str", lambda w: w.add_custom_scalars({"c": {"t": "Multiline"}}), TypeError, "layout['c']['t']"),
    ("cs-margin-2", lambda w: w.add_custom_scalars({"c": {"t": ["Margin", ["a", "b"]]}}), ValueError,
     "layout['c']['t'][1]"),
    ("cs-tags-str", lambda w: w.add_custom_scalars({"c": {"t": ["Multiline", "a"]}}), TypeError, "layout['c']['t'][1]"),
    ("cs-tag-int", lambda w: w.add_custom_scalars({"c": {"t": ["Multiline", ["a", 3]]}}), TypeError,
     "layout['c']['t'][1][1]"),
    ("cs-bad-regex", lambda w: w.add_custom_scalars({"c": {"t": ["Multiline", ["a("]]}}), ValueError,
     "layout['c']['t'][1][0]"),
    ("cs-no-tags", lambda w: w.add_custom_scalars({"c": {"t": ["Multiline", []]}}), ValueError, "layout['c']['t'][1]"),
    ("ml-tags-str", lambda w: w.add_custom_scalars_multilinechart("loss"), TypeError, "tags"),
    ("ml-tags-empty", lambda w: w.add_custom_scalars_multilinechart([]), ValueError, "tags"),
    ("ml-category", lambda w: w.add_custom_scalars_multilinechart(["a"], category=1), TypeError, "category"),
    ("ml-title", lambda w: w.add_custom_scalars_multilinechart(["a"], title=None), TypeError, "title"),
    ("mg-two-tags", lambda w: w.add_custom_scalars_marginchart(["a", "b"]), ValueError, "tags"),
    ("mg-walltime", lambda w: w.add_custom_scalars_marginchart(["a", "b", "c"], walltime="x"), TypeError, "walltime"),
    # add_mesh
    ("mesh-tag", lambda w: w.add_mesh(None, np.zeros((1, 3, 3))), TypeError, "tag"),
    ("mesh-shape", lambda w: w.add_mesh("m", np.zeros((3, 3))), ValueError, "vertices"),
    ("mesh-last-dim", lambda w: w.add_mesh("m", np.zeros((1, 3, 2))), ValueError, "vertices"),
    ("mesh-empty", lambda w: w.add_mesh("m", np.zeros((1, 0, 3))), ValueError, "vertices"),
    ("mesh-nan", lambda w: w.add_mesh("m", np.full((1, 3, 3), np.nan)), ValueError, "vertices"),
    ("mesh-str", lambda w: w.add_mesh("m", np.full((1, 3, 3), "a")), TypeError, "vertices"),
    ("mesh-none", lambda w: w.add_mesh("m", None), TypeError, "vertices"),
    ("mesh-face-range", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), faces=[[[0, 1, 3]]]), ValueError, "faces"),
    ("mesh-face-negative", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), faces=[[[0, 1, -1]]]), ValueError, "faces"),
    ("mesh-face-fraction", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), faces=[[[0, 1, 1.5]]]), ValueError, "faces"),
    ("mesh-face-batch", lambda w: w.add_mesh("m", np.zeros((2, 3, 3)), faces=[[[0, 1, 2]]]), ValueError, "faces"),
    ("mesh-face-bool", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), faces=np.ones((1, 1, 3), bool)), TypeError,
     "faces"),
    ("mesh-color-range", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), colors=np.full((1, 3, 3), 256)), ValueError,
     "colors"),
    ("mesh-color-fraction", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), colors=np.full((1, 3, 3), 0.5)),
     ValueError, "colors"),
    ("mesh-color-shape", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), colors=np.zeros((1, 2, 3))), ValueError,
     "colors"),
    ("mesh-config-list", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), config_dict=[1]), TypeError, "config_dict"),
    ("mesh-config-object", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), config_dict={"a": object()}), ValueError,
     "config_dict"),
    ("mesh-display-name", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), display_name=1), TypeError, "display_name"),
    ("mesh-step", lambda w: w.add_mesh("m", np.zeros((1, 3, 3)), global_step=1.5), ValueError, "global_step"),
    # add_tensor
    ("tensor-tag", lambda w: w.add_tensor("", np.zeros(2)), ValueError, "tag"),
    ("tensor-str", lambda w: w.add_tensor("t", np.array(["a"])), TypeError, "tensor"),
    ("tensor-none", lambda w: w.add_tensor("t", None), TypeError, "tensor"),
    ("tensor-objects", lambda w: w.add_tensor("t", [object()]), TypeError, "tensor"),
    ("tensor-description", lambda w: w.add_tensor("t", 1.0, summary_description=2), TypeError, "summary_description"),
    ("tensor-walltime", lambda w: w.add_tensor("t", 1.0, walltime=float("nan")), ValueError, "walltime"),
    # add_embedding
    ("emb-1d", lambda w: w.add_embedding(np.zeros(4)), ValueError, "mat"),
    ("emb-empty", lambda w: w.add_embedding(np.zeros((0, 3))), ValueError, "mat"),
    ("emb-nan", lambda w: w.add_embedding(np.array([[1.0, np.nan]])), ValueError, "mat"),
    ("emb-str", lambda w: w.add_embedding(np.array([["a"]])), TypeError, "mat"),
    ("emb-meta-length", lambda w: w.add_embedding(np.zeros((3, 2)), metadata=["a", "b"]), ValueError, "metadata"),
    ("emb-meta-str", lambda w: w.add_embedding(np.zeros((3, 2)), metadata="abc"), TypeError, "metadata"),
    ("emb-meta-tab", lambda w: w.add_embedding(np.zeros((2, 2)), metadata=["a", "b\tc"]), ValueError, "metadata[1]"),
    ("emb-meta-newline", lambda w: w.add_embedding(np.zeros((2, 2)), metadata=["a\n", "b"]), ValueError,
     "metadata[0]"),
    ("emb-meta-rows-no-header", lambda w: w.add_embedding(np.zeros((2, 2)), metadata=[["a", 1], ["b", 2]]),
     TypeError, "metadata[0]"),
    ("emb-meta-row-width", lambda w: w.add_embedding(np.zeros((2, 2)), metadata=[["a", 1], ["b"]],
                                                     metadata_header=["n", "k"]), ValueError, "metadata[1]"),
    ("emb-header-no-meta", lambda w: w.add_embedding(np.zeros((2, 2)), metadata_header=["n", "k"]), ValueError,
     "metadata_header"),
    ("emb-header-tab", lambda w: w.add_embedding(np.zeros((1, 2)), metadata=[["a", "b"]],
                                                 metadata_header=["n\t", "k"]), ValueError, "metadata_header[0]"),
    ("emb-img-not-square", lambda w: w.add_embedding(np.zeros((2, 2)), label_img=np.zeros((2, 3, 4, 5))), ValueError,
     "label_img"),
    ("emb-img-channels", lambda w: w.add_embedding(np.zeros((2, 2)), label_img=np.zeros((2, 2, 4, 4))), ValueError,
     "label_img"),
    ("emb-img-count", lambda w: w.add_embedding(np.zeros((2, 2)), label_img=np.zeros((3, 3, 4, 4))), ValueError,
     "label_img"),
    ("emb-img-rank", lambda w: w.add_embedding(np.zeros((2, 2)), label_img=np.zeros((2, 4, 4))), ValueError,
     "label_img"),
    # 5 thumbnails of 2731 px: 3 per row, a 8193 px sprite (a zero-copy broadcast view).
    ("emb-sprite-too-big", lambda w: w.add_embedding(
        np.zeros((5, 2)), label_img=np.broadcast_to(np.zeros((1, 1, 1, 1), np.uint8), (5, 1, 2731, 2731))),
     ValueError, "label_img"),
    ("emb-tag", lambda w: w.add_embedding(np.zeros((2, 2)), tag=""), ValueError, "tag"),
    ("emb-tag-nul", lambda w: w.add_embedding(np.zeros((2, 2)), tag="a\x00"), ValueError, "tag"),
    ("emb-step", lambda w: w.add_embedding(np.zeros((2, 2)), global_step="3"), TypeError, "global_step"),
    # add_onnx_graph
    ("onnx-int", lambda w: w.add_onnx_graph(3), TypeError, "prototxt"),
    ("onnx-garbage", lambda w: w.add_onnx_graph(b"\xff\xff\xff"), ValueError, "ONNX"),
    ("onnx-no-graph", lambda w: w.add_onnx_graph(uint_field(1, 8)), ValueError, "graph"),
    ("onnx-text-file", lambda w: w.add_onnx_graph(io.StringIO("ir_version: 8")), TypeError, "prototxt"),
]


@pytest.mark.parametrize("call, exc, needle", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_names_the_argument(tmp_path: Any, call: Any, exc: type, needle: str) -> None:
    with SummaryWriter(tmp_path / "run") as w:
        w.add_scalar("before", 1.0, 0)
        with pytest.raises(exc) as info:
            call(w)
        assert needle in str(info.value), str(info.value)
        assert isinstance(info.value, tfevents.TfeventsError)  # (one root for every refusal)
        w.add_scalar("after", 2.0, 1)
        w.add_hparams(HP, M)  # a rejected add_hparams left no session behind
    reports = validate_logdir(str(tmp_path))
    assert reports and all(r.ok and r.truncated_bytes == 0 for r in reports), reports


def test_hparams_one_session_per_run(tmp_path: Any) -> None:
    """Torch accepts every call: a call with other hyperparameters, domains or metric
    names is another session (another trial), in a sub-run of its own."""
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(HP, {"acc": 0.5, "loss": 1.0})
        w.add_hparams(dict(HP), {"acc": 0.75})  # same session: new metric values
        w.add_hparams({"opt": "adam", "lr": np.float64(0.1)}, {"acc": 0.8})  # same, in another order
        assert not [p for p in tmp_path.iterdir() if p.is_dir()]
        w.add_hparams({"lr": 0.2, "opt": "adam"}, M)  # another trial
        w.add_hparams(HP, M, {"opt": ["adam", "sgd"]})  # other domains
        w.add_hparams(HP, {"f1": 0.5})  # a metric the first session did not declare
        w.add_hparams({"lr": 0.2, "opt": "adam"}, M, run_name="second")
        with pytest.warns(RuntimeWarning, match="shows one session"):
            w.add_hparams({"lr": 0.3, "opt": "adam"}, M, run_name="second")
    subruns = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert len(subruns) == 4 and subruns[-1] == "second"
    assert all(re.fullmatch(r"\d+\.\d+(e-?\d+)?", name) for name in subruns[:-1]), subruns
    sessions = {
        run: [v for v in values if v.tag == "_hparams_/session_start_info"]
        for run, values in _values_by_run(str(tmp_path)).items()
    }
    assert [len(sessions[run]) for run in [".", *subruns]] == [1, 1, 1, 1, 2]
    reports = validate_logdir(str(tmp_path))
    assert reports and all(r.ok for r in reports)


def _values_by_run(logdir: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for item in read_values(logdir):
        found.setdefault(item.run, []).append(item)
    return found


def test_hparams_tensorboardx_positional_name(tmp_path: Any) -> None:
    # tensorboardX: add_hparams(hparam_dict, metric_dict, name, global_step)
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(HP, M, "trial")
    files = os.listdir(tmp_path / "trial")
    assert len(files) == 1 and "tfevents" in files[0]
    reports = validate_logdir(str(tmp_path))
    assert len(reports) == 2 and all(r.ok for r in reports)


def test_mesh_warns_when_a_later_call_differs(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as w:
        w.add_mesh("m", np.zeros((1, 3, 3)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            w.add_mesh("m", np.ones((1, 3, 3)), global_step=1)  # same shapes and config: silent
        with pytest.warns(RuntimeWarning, match="first call"):
            w.add_mesh("m", np.zeros((1, 4, 3)), global_step=2)


def test_embedding_warnings_and_config(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as w:
        with pytest.warns(RuntimeWarning, match="one-column metadata_header"):
            w.add_embedding(np.eye(2), metadata=["x", "y"], metadata_header=["name"])
        assert (tmp_path / "00000" / "default" / "metadata.tsv").read_text() == "x\ny\n"
        with pytest.warns(RuntimeWarning, match="replaces the embedding"):
            w.add_embedding(np.eye(2) * 2)
        w.add_embedding(np.eye(3), global_step=1, tag="..")
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert config.count("embeddings {") == 2  # rewritten whole, the replaced one once
    assert 'tensor_path: "00001/%2e%2e/tensors.tsv"' in config
    assert (tmp_path / "00001" / "%2e%2e" / "tensors.tsv").read_text() == "1.0\t0.0\t0.0\n0.0\t1.0\t0.0\n0.0\t0.0\t1.0\n"
    assert not [p for p in tmp_path.rglob("*.tmp-*")]
