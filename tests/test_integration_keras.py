"""``tfevents.keras.TensorBoard`` in ``model.fit`` on the jax and torch backends, with no
TensorFlow installed, checked in TensorBoard (both loaders).

Each backend runs tests/_keras_fit.py in its own process (``KERAS_BACKEND`` must be set
before keras is imported): 2 epochs of 4 batches, validation, ``update_freq=2``,
histograms, weight images, steps per second and an embedding layer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

# keras is imported only in the subprocesses (never here: the backend is chosen then).
if importlib.util.find_spec("keras") is None:
    pytest.skip("keras is not installed", allow_module_level=True)
from _integration_helpers import wait_scalars
from tensorboard_server import TensorBoardServer

pytestmark = pytest.mark.server

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
BACKENDS = [b for b in ("jax", "torch") if importlib.util.find_spec(b)]
TRAIN_SCALARS = {
    "epoch_loss", "epoch_accuracy", "epoch_learning_rate", "epoch_steps_per_second",
    "batch_loss", "batch_accuracy", "batch_steps_per_second",
}
VAL_SCALARS = {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations", "evaluation_accuracy_vs_iterations"}
WEIGHTS = ["emb/embeddings", "hidden/kernel", "hidden/bias", "out/kernel", "out/bias"]
# Keras' own <log_dir>/projector_config.pbtxt, line for line (its test asserts them).
KERAS_PROJECTOR_CONFIG = 'embeddings {\n  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n}\n'



def run_fits(root: str, backends: list[str], python: str = sys.executable, stock: bool = False) -> dict[str, Any]:
    """Fits on each backend in parallel processes; {backend: history}."""
    procs = {}
    for backend in backends:
        env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=SRC)
        args = [python, "-P", os.path.join(HERE, "_keras_fit.py"), os.path.join(root, backend)]
        procs[backend] = subprocess.Popen(
            args + (["stock"] if stock else []), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    histories = {}
    for backend, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{backend}: {err[-3000:]}"
        histories[backend] = json.loads(out.strip().splitlines()[-1])
    return histories


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.SimpleNamespace]:
    root = str(tmp_path_factory.mktemp("keras"))
    yield types.SimpleNamespace(root=root, histories=run_fits(root, BACKENDS))


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.root)


def test_no_tensorflow_was_needed(logs: types.SimpleNamespace) -> None:
    for backend, history in logs.histories.items():
        assert history["backend"] == backend
        assert history["tensorflow_imported"] is False


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_layout_and_tags(tb: TensorBoardServer, backend: str) -> None:
    tags = tb.wait_for_json(
        "/data/plugin/scalars/tags",
        lambda t: set(t.get(f"{backend}/train", {})) >= TRAIN_SCALARS
        and set(t.get(f"{backend}/validation", {})) >= VAL_SCALARS,
    )
    assert set(tags[f"{backend}/train"]) == TRAIN_SCALARS
    assert set(tags[f"{backend}/validation"]) == VAL_SCALARS


@pytest.mark.parametrize("backend", BACKENDS)
def test_epoch_batch_and_evaluation_values(tb: TensorBoardServer, logs: types.SimpleNamespace, backend: str) -> None:
    history = logs.histories[backend]
    train, val = f"{backend}/train", f"{backend}/validation"
    for tag, run, key in [
        ("epoch_loss", train, "loss"), ("epoch_accuracy", train, "accuracy"),
        ("epoch_loss", val, "val_loss"), ("epoch_accuracy", val, "val_accuracy"),
    ]:
        points = wait_scalars(tb, run, tag, 2)
        assert [p[1] for p in points] == [0, 1]  # step = epoch
        assert [p[2] for p in points] == pytest.approx(history[key], rel=1e-6)
    assert [p[2] for p in wait_scalars(tb, train, "epoch_learning_rate", 2)] == pytest.approx([0.05, 0.05])
    assert [p[1] for p in wait_scalars(tb, train, "batch_loss", 4)] == [2, 4, 6, 8]  # update_freq=2
    speed = wait_scalars(tb, train, "epoch_steps_per_second", 2)
    assert all(p[2] > 0 for p in speed)
    evals = wait_scalars(tb, val, "evaluation_loss_vs_iterations", 2)
    assert [p[1] for p in evals] == [4, 8]  # optimizer.iterations
    assert [p[2] for p in evals] == pytest.approx(history["val_loss"], rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_weight_histograms_and_images(tb: TensorBoardServer, backend: str) -> None:
    run = f"{backend}/train"
    sizes = {"emb/embeddings": 40, "hidden/kernel": 64, "hidden/bias": 8, "out/kernel": 24, "out/bias": 3}
    for weight in WEIGHTS:
        hist = tb.wait_for_json(
            "/data/plugin/histograms/histograms", lambda h: len(h) >= 2, run=run, tag=f"{weight}/histogram"
        )
        assert [h[1] for h in hist] == [0, 1]
        assert sum(bucket[2] for bucket in hist[0][2]) == pytest.approx(sizes[weight])
    images = tb.wait_for_json("/data/plugin/images/tags", lambda t: run in t)[run]
    assert {f"{w}/image" for w in WEIGHTS} <= set(images)


@pytest.mark.parametrize("backend", BACKENDS)
def test_model_json_for_the_graphs_dashboard(tb: TensorBoardServer, backend: str) -> None:
    run = f"{backend}/train"
    info = tb.wait_for_json("/data/plugin/graphs/info", lambda i: run in i)
    assert info[run]["tags"]["keras"]["conceptual_graph"] is True
    graph = tb.get_text("/data/plugin/graphs/graph", run=run, tag="keras", conceptual="true")
    # TensorBoard turned the model's JSON into its conceptual graph: one node per layer.
    names = re.findall(r'^  name: "([^"]+)"', graph, flags=re.M)
    assert [n.rsplit("/", 1)[-1] for n in names] == ["input_layer", "emb", "flatten", "hidden", "out"]
    assert graph.count('s: "Dense"') == 2 and 's: "Embedding"' in graph


@pytest.mark.parametrize("backend", BACKENDS)
def test_projector_shows_the_embeddings(tb: TensorBoardServer, logs: types.SimpleNamespace, backend: str) -> None:
    with open(os.path.join(logs.root, backend, "projector_config.pbtxt"), encoding="utf-8") as f:
        assert f.read() == KERAS_PROJECTOR_CONFIG
    run = f"{backend}/train"
    tb.wait_for_json("/data/plugin/projector/runs", lambda runs: run in runs)
    info = tb.get_json("/data/plugin/projector/info", run=run)
    shapes = {e["tensorName"]: e["tensorShape"] for e in info["embeddings"]}
    assert shapes == {"emb:00000": [10, 4], "emb:00001": [10, 4]}  # the Embedding layer, each epoch
    data = tb.get_bytes("/data/plugin/projector/tensor", run=run, name="emb:00001")
    assert len(data) == 10 * 4 * 4 and np.isfinite(np.frombuffer(data, dtype=np.float32)).all()


def test_bad_arguments() -> None:
    code = (
        "from tfevents.keras import TensorBoard\n"
        "for kw in [dict(update_freq='often'), dict(histogram_freq=-1), dict(profile_batch=2)]:\n"
        "    try:\n        TensorBoard('x', **kw)\n    except ValueError as e:\n        print('ok', e)\n"
    )
    env = dict(os.environ, KERAS_BACKEND=BACKENDS[0], PYTHONPATH=SRC)
    done = subprocess.run([sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    assert len(lines) == 3, done.stdout + done.stderr
    assert "update_freq" in lines[0] and "histogram_freq" in lines[1] and "profile_batch" in lines[2]
