"""The same script, run with torch.utils.tensorboard's SummaryWriter and with tfevents',
gives the same TensorBoard.

One scripted sequence of calls (scalars, add_scalars, histograms, images, a PR curve,
text, hparams, custom scalars, a mesh, an embedding) writes ``<logdir>/torch`` with
torch's writer and ``<logdir>/ours`` with tfevents'. One TensorBoard per loader
(Rust data server and Python loader) serves both, and every dashboard's answers for
the two are compared, run by run (``torch/X`` against ``ours/X``).

Documented differences, asserted as such:

* text: torch stores ``add_text(tag, ...)`` under ``tag + "/text_summary"``; tfevents
  under ``tag``.
* hparams: torch puts the session in a sub-run named ``str(time.time())`` that holds
  the metric scalars; tfevents puts it in the writer's own run (``run_name`` gives
  torch's layout). torch stores a bool hparam as the number 1.0/0.0; tfevents as a bool.
* text: both write a one-element list under ``tag/text_summary`` (tfevents' default
  forms are torch's), drawn by the Text dashboard as a one-cell table.
* images: float pixels are scaled by 255 and truncated by torch, rounded by tfevents;
  the script's float images use levels ``(k + 0.25) / 255``, where both agree. A
  one-channel image is a grayscale PNG here, an RGB one in torch (same levels).
* histograms: both write legacy ``HistogramProto`` buckets (tfevents' edges are
  TensorFlow's moved to float32 boundaries), which the two loaders convert differently
  (format reference §5). The totals, steps and wall times agree, and so does the range
  of the buckets.
"""

from __future__ import annotations

import io
import json
import os
import types
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter

torch = pytest.importorskip("torch")
TorchWriter = pytest.importorskip("torch.utils.tensorboard").SummaryWriter

WALL0 = 1_700_000_000.0
BACKENDS = ("torch", "ours")  # not "ours": TensorBoard takes a name holding it for an event file
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
HPARAMS = {"lr": 0.01, "batch_size": 32, "optimizer": "adam", "use_bn": True}
LAYOUT = {
    "Training": {
        "loss and acc": ["Multiline", ["^loss$", "^acc$"]],
        "band": ["Margin", ["loss", "lr", "acc"]],
    },
}
MESH_CONFIG = {"camera": {"cls": "PerspectiveCamera", "fov": 60}}



def inputs() -> types.SimpleNamespace:
    """The script's inputs: the same for both writers."""
    rng = np.random.default_rng(7)
    ns = types.SimpleNamespace()
    ns.loss = [1.0 / (1 + step) + 1e-3 * step for step in range(10)]
    ns.hist = {step: rng.normal(step, 1.0, size=1000) for step in (0, 5)}
    ns.img_chw = rng.integers(0, 256, size=(3, 8, 6), dtype=np.uint8)
    ns.img_hwc = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    ns.batch = rng.integers(0, 256, size=(5, 3, 4, 4), dtype=np.uint8)
    ns.img_float = ((rng.integers(0, 255, size=(1, 6, 6)) + 0.25) / 255).astype(np.float32)
    ns.labels = rng.integers(0, 2, size=200)
    ns.predictions = rng.random(200)
    ns.vertices = torch.from_numpy(rng.normal(size=(1, 5, 3)).astype(np.float32))
    ns.colors = torch.from_numpy(rng.integers(0, 256, size=(1, 5, 3)))
    ns.faces = torch.tensor([[[0, 1, 2], [2, 3, 4]]])
    ns.emb = torch.from_numpy(rng.normal(size=(9, 4)).astype(np.float32))
    ns.emb_labels = [f"point {i}" for i in range(9)]
    ns.emb_imgs = torch.from_numpy(((rng.integers(0, 255, size=(9, 3, 5, 5)) + 0.25) / 255).astype(np.float32))
    return ns


def script(w: Any, ns: types.SimpleNamespace) -> None:
    for step, value in enumerate(ns.loss):
        w.add_scalar("loss", value, step, walltime=WALL0 + step)
    w.add_scalar("acc", torch.tensor(0.75), 3, walltime=WALL0 + 3)
    w.add_scalar("lr", np.float64(1e-3), 3, walltime=WALL0 + 3)
    for step in range(3):
        w.add_scalars("multi", {"a": 0.5 * step, "b": 1.0 / (step + 3)}, step, walltime=WALL0 + step)
    for step, values in ns.hist.items():
        w.add_histogram("weights", values, step, walltime=WALL0 + step)
    w.add_histogram("weights_auto", ns.hist[0], 1, bins="auto", walltime=WALL0 + 1)
    w.add_image("img_chw", ns.img_chw, 1, walltime=WALL0 + 1)
    w.add_image("img_hwc", ns.img_hwc, 2, walltime=WALL0 + 2, dataformats="HWC")
    w.add_images("batch", ns.batch, 3, walltime=WALL0 + 3)
    w.add_image("img_float", ns.img_float, 4, walltime=WALL0 + 4)
    w.add_pr_curve("pr", ns.labels, ns.predictions, 5, walltime=WALL0 + 5)
    w.add_text("note", "**bold** and `code`", 6, walltime=WALL0 + 6)
    w.add_hparams(HPARAMS, {"hp/acc": 0.875})
    w.add_custom_scalars(LAYOUT)
    w.add_mesh("pc", ns.vertices, colors=ns.colors, faces=ns.faces, config_dict=MESH_CONFIG,
               global_step=1, walltime=WALL0 + 1)
    w.add_embedding(ns.emb, metadata=ns.emb_labels, label_img=ns.emb_imgs, global_step=1, tag="emb")


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> types.SimpleNamespace:
    logdir = str(tmp_path_factory.mktemp("torch_compat"))
    ns = inputs()
    ns.logdir = logdir
    for backend, writer_class in (("torch", TorchWriter), ("ours", SummaryWriter)):
        writer = writer_class(os.path.join(logdir, backend))
        try:
            script(writer, ns)
        finally:
            writer.close()
    (ns.torch_hparams_run,) = [
        f"torch/{d}" for d in os.listdir(os.path.join(logdir, "torch"))
        if os.path.isdir(os.path.join(logdir, "torch", d)) and "." in d and d.replace(".", "").isdigit()
    ]
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


# --- helpers ------------------------------------------------------------------------------


def split(run: str) -> tuple[str, str]:
    """``torch/multi_a`` -> ``("torch", "multi_a")``; ``torch`` -> ``("torch", ".")``."""
    backend, _, rest = run.partition("/")
    return backend, rest or "."


def by_backend(answer: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {backend: {} for backend in BACKENDS}
    for run, value in answer.items():
        if run in skip:
            continue
        backend, rest = split(run)
        out[backend][rest] = value
    return out


def wait_all_loaded(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    """Until both writers' data is in: the last scalar, image, PR curve and mesh."""

    def ready() -> bool:
        scalars = by_backend(tb.get_json("/data/plugin/scalars/tags"))
        for backend in BACKENDS:
            runs = scalars[backend]
            if not all("multi" in runs.get(run, {}) for run in ("multi_a", "multi_b")):
                return False
            if not {"loss", "acc", "lr"} <= set(runs.get(".", {})):
                return False
            if "hp/acc" not in runs.get("." if backend == "ours" else logs.torch_hparams_run.split("/", 1)[1], {}):
                return False
            histograms = tb.get_json("/data/plugin/histograms/tags").get(backend, {})
            if {"weights", "weights_auto"} - set(histograms):
                return False
            points = tb.get_json("/data/plugin/scalars/scalars", run=backend, tag="loss")
            if len(points) < len(logs.loss):
                return False
            pr = tb.get_json("/data/plugin/pr_curves/pr_curves", run=backend, tag="pr")
            if not pr.get(backend):
                return False
            if not tb.get_json("/data/plugin/mesh/meshes", run=backend, tag="pc"):
                return False
        images = tb.get_json("/data/plugin/images/tags")
        return all(len(images.get(b, {})) == 4 for b in BACKENDS)

    tb.wait_for(ready, what="both writers' data")


def post_json(tb: TensorBoardServer, route: str, body: dict[str, Any]) -> Any:
    _, _, answer = tb.request(
        route, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    return json.loads(answer)


# --- the comparisons ---------------------------------------------------------------------------


def test_same_runs(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    runs = tb.wait_for_json("/data/runs", lambda r: logs.torch_hparams_run in r)
    torch_runs = {split(r)[1] for r in runs if split(r)[0] == "torch" and r != logs.torch_hparams_run}
    ours = {split(r)[1] for r in runs if split(r)[0] == "ours"}
    assert torch_runs == ours == {".", "multi_a", "multi_b"}


def test_same_scalars(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    tags = by_backend(tb.get_json("/data/plugin/scalars/tags"), skip=(logs.torch_hparams_run,))
    # The hparams metric is a scalar of torch's sub-run, and of tfevents' own run.
    assert set(tags["ours"]["."]) == set(tags["torch"]["."]) | {"hp/acc"}
    assert {run: set(t) for run, t in tags["torch"].items() if run != "."} == {
        run: set(t) for run, t in tags["ours"].items() if run != "."
    }
    for run, run_tags in tags["torch"].items():
        for tag in run_tags:
            theirs = tb.get_json("/data/plugin/scalars/scalars", run=f"torch/{run}".rstrip("/."), tag=tag)
            ours = tb.get_json(
                "/data/plugin/scalars/scalars", run="ours" if run == "." else f"ours/{run}", tag=tag
            )
            assert ours == theirs, (run, tag)
            assert theirs, (run, tag)
    hp_torch = tb.get_json("/data/plugin/scalars/scalars", run=logs.torch_hparams_run, tag="hp/acc")
    hp_ours = tb.get_json("/data/plugin/scalars/scalars", run="ours", tag="hp/acc")
    assert [p[1:] for p in hp_ours] == [p[1:] for p in hp_torch] == [[0, 0.875]]


def test_same_histograms(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    for tag, steps in (("weights", sorted(logs.hist)), ("weights_auto", [1])):
        answers = {
            b: tb.wait_for_json("/data/plugin/histograms/histograms", lambda h, steps=steps: len(h) == len(steps),
                                run=b, tag=tag)
            for b in BACKENDS
        }
        for theirs, ours in zip(answers["torch"], answers["ours"]):
            assert ours[:2] == theirs[:2]  # wall time, step
            total = sum(bucket[2] for bucket in ours[2])
            assert total == sum(bucket[2] for bucket in theirs[2]) == 1000
            values = logs.hist[theirs[1] if tag == "weights" else 0]
            for buckets in (ours[2], theirs[2]):
                edges = [e for bucket in buckets for e in bucket[:2]]
                slack = 1e-6 * np.abs(values).max()  # the Python loader makes torch's edges float32
                assert min(edges) <= values.min() + slack and max(edges) >= values.max() - slack


def test_same_images(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    tags = by_backend(tb.get_json("/data/plugin/images/tags"))
    # (The Python loader names torch's legacy images' series after their tag.)
    assert {t: v["samples"] for t, v in tags["torch"]["."].items()} == {
        t: v["samples"] for t, v in tags["ours"]["."].items()
    }
    assert set(tags["torch"]["."]) == {"img_chw", "img_hwc", "batch", "img_float"}
    for tag in tags["torch"]["."]:
        pictures = {}
        for backend in BACKENDS:
            (entry,) = tb.get_json("/data/plugin/images/images", run=backend, tag=tag, sample=0)
            png = tb.get_bytes("/data/plugin/images/individualImage?" + entry["query"])
            pictures[backend] = (entry["step"], entry["wall_time"], np.asarray(Image.open(io.BytesIO(png))))
        (step, wall, theirs), (step2, wall2, ours) = pictures["torch"], pictures["ours"]
        assert (step, wall) == (step2, wall2), tag
        if tag == "img_float":  # one channel: grayscale here, RGB in torch
            assert ours.ndim == 2 and theirs.shape == (*ours.shape, 3)
            ours = np.repeat(ours[:, :, None], 3, axis=2)
        assert theirs.shape == ours.shape, tag
        assert np.array_equal(theirs, ours), tag
    # And the pixels are the inputs' (torch's layouts: CHW, HWC, an 8-wide grid).
    (entry,) = tb.get_json("/data/plugin/images/images", run="ours", tag="img_chw", sample=0)
    png = tb.get_bytes("/data/plugin/images/individualImage?" + entry["query"])
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), logs.img_chw.transpose(1, 2, 0))


def test_same_pr_curve(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    (theirs,) = tb.get_json("/data/plugin/pr_curves/pr_curves", run="torch", tag="pr")["torch"]
    (ours,) = tb.get_json("/data/plugin/pr_curves/pr_curves", run="ours", tag="pr")["ours"]
    assert ours == theirs
    assert theirs["step"] == 5 and theirs["true_positives"][0] == int(logs.labels.sum())


def test_text_under_torch_suffix(tb: TensorBoardServer) -> None:
    tags = tb.wait_for_json("/data/plugin/text/tags", lambda t: all(t.get(b) for b in BACKENDS))
    # By default tfevents writes torch's form: the same tag, and a one-element list, which
    # the Text dashboard draws as a one-cell table (legacy_forms=False: a single string
    # under "note", as TensorBoard's own text summary writes it).
    assert tags["torch"] == tags["ours"] == ["note/text_summary"]
    theirs = tb.get_json("/data/plugin/text/text", run="torch", tag="note/text_summary")
    ours = tb.get_json("/data/plugin/text/text", run="ours", tag="note/text_summary")
    ((ours_entry,), (theirs_entry,)) = ours, theirs
    assert (ours_entry["wall_time"], ours_entry["step"]) == (theirs_entry["wall_time"], theirs_entry["step"])
    cell = "<p><strong>bold</strong> and <code>code</code></p>"
    assert ours_entry["text"] == theirs_entry["text"] == f"<table>\n<tbody>\n<tr>\n<td>{cell}</td>\n</tr>\n</tbody>\n</table>"


def test_hparams_sessions(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    body = {
        "experimentName": "",
        "allowedStatuses": ALL_STATUSES,
        "colParams": [{"hparam": name} for name in HPARAMS] + [{"metric": {"group": "", "tag": "hp/acc"}}],
        "startIndex": 0,
        "sliceSize": 10,
    }

    def ready() -> dict[str, Any] | None:
        groups = {g["name"]: g for g in post_json(tb, "/data/plugin/hparams/session_groups", body)["sessionGroups"]}
        done = len(groups) == 2 and all(g["sessions"][0].get("metricValues") for g in groups.values())
        return groups if done else None

    groups = tb.wait_for(ready, what="both hparams sessions")
    assert set(groups) == {logs.torch_hparams_run, "ours"}
    theirs, ours = groups[logs.torch_hparams_run], groups["ours"]
    assert ours["hparams"] == {**HPARAMS, "use_bn": True}
    assert theirs["hparams"] == {**HPARAMS, "use_bn": 1.0}  # torch: a bool becomes a number
    assert ours["hparams"]["use_bn"] is True
    for group in (theirs, ours):
        (session,) = group["sessions"]
        assert session["status"] == "STATUS_SUCCESS"
        ((metric),) = session["metricValues"]
        assert (metric["name"], metric["value"], metric["trainingStep"]) == ({"group": "", "tag": "hp/acc"}, 0.875, 0)


def test_same_custom_scalars_layout(tb: TensorBoardServer) -> None:
    layout = tb.wait_for_json("/data/plugin/custom_scalars/layout", bool)
    expected = {
        "category": [{
            "title": "Training",
            "closed": False,
            "chart": [
                {"title": "loss and acc", "multiline": {"tag": ["^loss$", "^acc$"]}},
                {"title": "band", "margin": {"series": [{"value": "loss", "lower": "lr", "upper": "acc"}]}},
            ],
        }],
        "version": 0,
    }
    # TensorBoard merges the runs' layouts, dropping charts equal to one already seen:
    # one copy means torch's and tfevents' layouts are the same.
    assert layout == expected
    for backend in BACKENDS:
        answer = tb.get_json("/data/plugin/custom_scalars/scalars", run=backend, tag="^loss$")
        assert len(answer["tag_to_events"]["loss"]) == 10


def test_same_mesh(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    wait_all_loaded(tb, logs)
    tags = by_backend(tb.get_json("/data/plugin/mesh/tags"))
    assert tags["torch"] == tags["ours"] == {".": {"pc": {"samples": 1}}}
    metas = {b: sorted(tb.get_json("/data/plugin/mesh/meshes", run=b, tag="pc"), key=lambda e: e["content_type"])
             for b in BACKENDS}
    assert metas["torch"] == metas["ours"]
    assert [e["content_type"] for e in metas["torch"]] == [1, 2, 3]
    for kind in ("VERTEX", "FACE", "COLOR"):
        data = {
            b: tb.get_bytes("/data/plugin/mesh/data", run=b, tag="pc", content_type=kind, sample=0, step=1)
            for b in BACKENDS
        }
        assert data["torch"] == data["ours"], kind
    vertices = tb.get_bytes("/data/plugin/mesh/data", run="ours", tag="pc", content_type="VERTEX", sample=0, step=1)
    assert np.array_equal(np.frombuffer(vertices, np.float32), logs.vertices[0].numpy().ravel())


def test_same_embedding(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    runs = tb.wait_for_json("/data/plugin/projector/runs", lambda r: set(BACKENDS) <= set(r))
    assert sorted(runs) == sorted(BACKENDS)
    infos = {b: tb.get_json("/data/plugin/projector/info", run=b)["embeddings"] for b in BACKENDS}
    assert infos["torch"] == infos["ours"]
    (embedding,) = infos["torch"]
    name = embedding["tensorName"]
    assert name == "emb:00001" and embedding["tensorShape"] == [9, 4]
    for route in ("tensor", "metadata", "sprite_image"):
        answers = {b: tb.get_bytes(f"/data/plugin/projector/{route}", run=b, name=name) for b in BACKENDS}
        if route == "sprite_image":
            pixels = {b: np.asarray(Image.open(io.BytesIO(a))) for b, a in answers.items()}
            assert np.array_equal(pixels["torch"], pixels["ours"])
        else:
            assert answers["torch"] == answers["ours"], route
    tensor = tb.get_bytes("/data/plugin/projector/tensor", run="ours", name=name)
    assert tensor == logs.emb.numpy().tobytes()
