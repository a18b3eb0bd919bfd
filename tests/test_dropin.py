"""What real callers of torch's and tensorboardX's writer reach for, beyond the public
methods (issue #13), checked as those callers use it, and read back by TensorBoard.

A module fixture writes one log directory:
- ``lightning``: a real ``Trainer.fit`` of a LightningModule that calls
  ``save_hyperparameters()``, logged by Lightning's own ``TensorBoardLogger`` with
  ``torch.utils.tensorboard.SummaryWriter`` replaced by tfevents' (its hparams go
  through ``writer._get_file_writer().add_summary(...)`` with torch's protobufs);
- ``compat``: ``add_pr_curve_raw`` of 5-point lists, a traced ``ScriptModule`` given to
  ``add_graph`` with ``[]`` (as Ultralytics does), ``add_images`` of a list of CHW
  arrays with ``dataformats="CHW"``, ``add_histogram_raw`` with TensorFlow-style limits
  ending in DBL_MAX, and ``file_writer.add_summary`` / ``add_event`` of torch messages.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

import tfevents
import tfevents.reader
from tfevents import SummaryWriter
from tfevents.reader import read_values

torch = pytest.importorskip("torch")
pytest.importorskip("torch.utils.tensorboard")  # (its event_pb2: the protos torch callers pass)

DBL_MAX = float(np.finfo(np.float64).max)
RAW_PR = {
    "tp": [10, 8, 5, 2, 0],
    "fp": [10, 6, 3, 1, 0],
    "tn": [0, 4, 7, 9, 10],
    "fn": [0, 2, 5, 8, 10],
}



class TinyModule:  # built lazily: lightning is imported only by the fixture
    pass


def _lightning_fit(save_dir: str) -> None:
    import lightning.pytorch as pl
    from lightning.pytorch.loggers import TensorBoardLogger

    class Regressor(pl.LightningModule):
        def __init__(self, lr: float = 0.05, hidden: int = 8, optimizer: str = "sgd") -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    trainer = pl.Trainer(
        max_epochs=2,
        logger=TensorBoardLogger(save_dir, name="lightning", version=0),
        log_every_n_steps=2,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(Regressor(), loader)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("dropin"))
    with pytest.MonkeyPatch.context() as patch:
        import torch.utils.tensorboard

        patch.setattr(torch.utils.tensorboard, "SummaryWriter", SummaryWriter)
        _lightning_fit(root)

    from torch.utils.tensorboard.summary import hparams, scalar

    traced = torch.jit.trace(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()),
                             torch.zeros(1, 3, 8, 8), strict=False)
    with SummaryWriter(os.path.join(root, "compat")) as writer:
        writer.add_pr_curve_raw("pr", RAW_PR["tp"], RAW_PR["fp"], RAW_PR["tn"], RAW_PR["fn"],
                                [0.5, 0.57, 0.62, 0.67, 1.0], [1.0, 0.8, 0.5, 0.2, 0.0], 3)
        writer.add_graph(traced, [])
        writer.add_images("chw_list", [np.full((3, 4, 5), 0.5, np.float32)] * 3, 2, dataformats="CHW")
        limits = [-1.0, 0.0, 1.0, DBL_MAX]
        writer.add_histogram_raw("raw", -2.0, 3.0, 10, 5.0, 20.0, limits, [1, 2, 3, 4], 4)
        # (the session only: TensorBoard takes one experiment per logdir, Lightning's)
        _, ssi, sei = hparams({"lr": 0.5, "optimizer": "adam"}, {"fw/metric": 0.0})
        for message in (ssi, sei):
            writer.file_writer.add_summary(message, 5)  # stable-baselines3 / Ray Tune
        writer._get_file_writer().add_summary(scalar("fw/metric", 0.75), 6, 1234.5)
    return root


@pytest.fixture(scope="module")
def tb_logdir(logdir: str) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logdir)


def session_groups(tb: Any, run: str) -> list[Any]:
    body = {"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
            "colParams": [{"hparam": "lr"}, {"hparam": "hidden"}, {"hparam": "optimizer"},
                          {"metric": {"group": "", "tag": "hp_metric"}}],
            "startIndex": 0, "sliceSize": 10}
    _, _, raw = tb.request("/data/plugin/hparams/session_groups", data=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"})
    found = json.loads(raw).get("sessionGroups", [])
    return [g for g in found if g["sessions"][0]["name"] == run]


def test_lightning_fit_logs_scalars_and_hparams(tb: Any) -> None:
    run = "lightning/version_0"
    points = tb.wait_for_json("/data/plugin/scalars/scalars", lambda p: len(p) >= 8, run=run, tag="train_loss")
    assert [p[1] for p in points] == [1, 3, 5, 7, 9, 11, 13, 15]  # every 2nd of 16 steps
    assert all(np.isfinite(p[2]) for p in points)
    tb.wait_for(lambda: session_groups(tb, run), what="the Lightning run's hparams session")
    (group,) = session_groups(tb, run)
    assert group["hparams"] == {"lr": 0.05, "hidden": 8.0, "optimizer": "sgd"}
    (metric,) = group["sessions"][0]["metricValues"]
    assert metric["name"]["tag"] == "hp_metric" and metric["value"] == -1.0  # Lightning's placeholder


def test_pr_curve_raw_of_five_points(tb: Any) -> None:
    answer = tb.wait_for_json("/data/plugin/pr_curves/pr_curves", lambda a: a.get("compat"), run="compat", tag="pr")
    (entry,) = answer["compat"]
    assert entry["step"] == 3
    assert entry["true_positives"] == RAW_PR["tp"][:4]  # TensorBoard trims where TP+FP == 0
    assert entry["false_negatives"] == RAW_PR["fn"][:4]
    assert entry["thresholds"] == pytest.approx([0.0, 0.25, 0.5, 0.75])


def test_traced_script_module_graph(tb: Any) -> None:
    tb.wait_for_json("/data/plugin/graphs/info", lambda i: i.get("compat", {}).get("run_graph"))
    graph = tb.get_text("/data/plugin/graphs/graph", run="compat")
    assert 'name: "Sequential/0/_convolution"' in graph and 'op: "aten._convolution"' in graph
    assert 'name: "Sequential/1/relu"' in graph and 'op: "aten.relu"' in graph
    assert 'name: "Sequential/0/weight"' in graph and 'op: "IO Node"' in graph


def test_images_from_a_list_of_chw_arrays(tb: Any) -> None:
    images = tb.wait_for_json("/data/plugin/images/images", bool, run="compat", tag="chw_list")
    import io

    from PIL import Image

    png = tb.get_bytes("/data/plugin/images/individualImage?" + images[0]["query"])
    pixels = np.asarray(Image.open(io.BytesIO(png)))
    assert pixels.shape == (4, 15, 3) and (pixels == 127).all()  # three 5-wide images in a row; 0.5 x 255 truncated, as torch


def test_histogram_raw_last_bucket_ends_at_max(tb: Any) -> None:
    (item,) = tb.wait_for_json("/data/plugin/histograms/histograms", bool, run="compat", tag="raw")
    buckets = item[2]
    assert [b[2] for b in buckets] == [1, 2, 3, 4]
    assert buckets[0][0] == -2.0 and buckets[-1][1] == 3.0  # min and max, never DBL_MAX
    assert [b[1] for b in buckets[:-1]] == [-1.0, 0.0, 1.0]


def test_file_writer_messages_reach_the_run(tb: Any) -> None:
    points = tb.wait_for_json("/data/plugin/scalars/scalars", bool, run="compat", tag="fw/metric")
    assert points == [[1234.5, 6, 0.75]]
    tb.wait_for(lambda: session_groups(tb, "compat"), what="the session written by file_writer")
    (group,) = session_groups(tb, "compat")
    assert group["hparams"] == {"lr": 0.5, "optimizer": "adam"}
    assert group["sessions"][0]["status"] == "STATUS_SUCCESS"


# --- without a server ----------------------------------------------------------------


def test_file_writer_is_none_after_close_and_comes_back(tmp_path: Any) -> None:
    writer = SummaryWriter(tmp_path)
    writer.add_scalars("m", {"a": 1.0, "b": 2.0}, 1)
    assert writer.file_writer is not None and writer.file_writer.get_logdir() == str(tmp_path)
    assert set(writer.all_writers) == {str(tmp_path), str(tmp_path / "m_a"), str(tmp_path / "m_b")}
    writer.close()
    assert writer.file_writer is None and writer.all_writers is None
    writer.flush()  # harmless after close (Lightning's finalize, then save)
    writer.close()
    file_writer = writer._get_file_writer()  # reopens, as torch's does
    file_writer.add_event(torch.utils.tensorboard.writer.event_pb2.Event(step=9), 3, 100.0)
    writer.close()
    events = [e for e in tfevents.reader.read_events(str(tmp_path)) if e.run == "."]
    assert any(e.step == 3 and e.wall_time == 100.0 for e in events)  # step and walltime set


def test_add_graph_wrong_inputs_is_a_runtime_error(tmp_path: Any) -> None:
    model = torch.nn.Linear(4, 2)
    with SummaryWriter(tmp_path) as writer, pytest.raises(RuntimeError, match="input_to_model") as info:
        writer.add_graph(model, torch.zeros(3, 5))
    assert isinstance(info.value, ValueError) and isinstance(info.value, tfevents.GraphInputError)


def test_write_to_disk_false_writes_nothing(tmp_path: Any) -> None:
    target = tmp_path / "never"
    with SummaryWriter(target, write_to_disk=False) as writer:
        writer.add_scalar("x", 1.0, 1)
        writer.add_image("i", np.zeros((3, 2, 2)), 1)
        with pytest.raises(ValueError, match="img_tensor"):
            writer.add_image("i", np.zeros((5, 2, 2)), 1)  # arguments still checked
        writer._get_file_writer().add_summary(b"", 1)
        writer.flush()
    assert not target.exists()


def test_export_scalars_to_json_layout(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("loss", {"train": 1.5, "val": 2.5}, 3, walltime=10.0)
        writer.add_scalars("loss", {"train": 1.0}, 4, walltime=11.0)
        path = tmp_path / "scalars.json"
        writer.export_scalars_to_json(str(path))
        assert json.loads(path.read_text()) == {
            str(tmp_path / "loss_train"): [[10.0, 3, 1.5], [11.0, 4, 1.0]],
            str(tmp_path / "loss_val"): [[10.0, 3, 2.5]],
        }
        writer.export_scalars_to_json(str(path))  # exported values are forgotten
        assert json.loads(path.read_text()) == {}


def test_use_metadata_sets_the_defaults(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as writer:
        with writer.use_metadata(global_step=7, walltime=50.0):
            writer.add_scalar("a", 1.0)
            writer.add_text("t", "hello")
            writer.add_scalar("b", 2.0, 8)
            with pytest.raises(ValueError, match="nest"), writer.use_metadata(global_step=1):
                pass
        writer.add_scalar("c", 3.0, walltime=60.0)
        with pytest.raises(ValueError, match="global_step or walltime"), writer.use_metadata():
            pass
    got = {(d.tag, d.step, d.wall_time) for d in read_values(str(tmp_path))}
    assert got == {("a", 7, 50.0), ("t/text_summary", 7, 50.0), ("b", 8, 50.0), ("c", 0, 60.0)}


def test_tensorboardx_keywords(tmp_path: Any) -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*bogus"):
        SummaryWriter(tmp_path, bogus=1)
    with pytest.raises(ValueError, match="comet"):
        SummaryWriter(tmp_path, comet_config={"api_key": "x"})
    SummaryWriter(tmp_path, comet_config={"disabled": True}).close()
    assert list(inspect.signature(SummaryWriter.__exit__).parameters) == ["self", "exc_type", "exc_val", "exc_tb"]


def test_openvino_graph(tmp_path: Any) -> None:
    xml = tmp_path / "model.xml"
    xml.write_text(textwrap.dedent("""\
        <net name="m" version="11"><layers>
          <layer id="0" name="input" type="Parameter" version="opset1"><data shape="1,3" element_type="f32"/>
            <output><port id="0"><dim>1</dim><dim>3</dim></port></output></layer>
          <layer id="1" name="block/relu" type="ReLU" version="opset1">
            <input><port id="0"><dim>1</dim><dim>3</dim></port></input>
            <output><port id="1"><dim>1</dim><dim>3</dim></port></output></layer>
        </layers><edges><edge from-layer="0" from-port="0" to-layer="1" to-port="0"/></edges></net>"""))
    with SummaryWriter(tmp_path) as writer:
        writer.add_openvino_graph(str(xml))
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    (event,) = [e for e in tfevents.reader.read_events(str(tmp_path)) if e.graph_def]
    graph = GraphDef.FromString(event.graph_def)
    nodes = {n.name: n for n in graph.node}
    assert nodes["input"].op == "Parameter" and nodes["input"].attr["element_type"].s == b"f32"
    assert nodes["block/relu"].op == "ReLU" and list(nodes["block/relu"].input) == ["input:0"]
    assert [d.size for d in nodes["block/relu"].attr["_output_shapes"].list.shape[0].dim] == [1, 3]


def test_no_thread_left_once_every_writer_is_closed(tmp_path: Any) -> None:
    code = f"""
import threading, tfevents, tfevents.reader
def ours():
    return [t for t in threading.enumerate() if t.name == "tfevents-writer"]
a = tfevents.SummaryWriter({str(tmp_path / 'a')!r}); b = tfevents.SummaryWriter({str(tmp_path / 'b')!r})
a.add_scalar("x", 1.0); assert len(ours()) == 1
a.close(); assert len(ours()) == 1, "b is still open"
b.close(); assert ours() == [], ours()
c = tfevents.SummaryWriter({str(tmp_path / 'c')!r}); c.add_scalar("x", 2.0, 1)
assert len(ours()) == 1; c.close(); assert ours() == []
print(len(list(tfevents.reader.read_values({str(tmp_path)!r}))))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_pr_curve_buckets_on_boundaries_as_tensorboard_computes_them(tmp_path: Any) -> None:
    """TensorBoard's pr_curve takes float32 predictions: bucket = floor(float32(p * 126))
    for float16 and float32 input, and the float64 product for float64 input."""
    rng = np.random.default_rng(0)
    n = 127
    for dtype in (np.float16, np.float32, np.float64):
        # values at and next to every bucket boundary k / 126
        edges = (np.arange(n) / (n - 1)).astype(dtype)
        near = np.concatenate([edges, np.nextafter(edges, dtype(0)), np.nextafter(edges, dtype(1))])
        predictions = np.clip(near, 0, 1).astype(dtype)
        labels = rng.random(predictions.size) < 0.5
        product = np.float64 if dtype == np.float64 else np.float32
        buckets = np.floor(predictions.astype(product) * product(n - 1)).astype(int)
        expected_tp = np.array([labels[buckets >= j].sum() for j in range(n)])
        with SummaryWriter(tmp_path / np.dtype(dtype).name) as writer:
            writer.add_pr_curve("pr", labels, predictions, 0, num_thresholds=n)
        (datum,) = read_values(str(tmp_path / np.dtype(dtype).name), kind="pr_curve")
        assert datum.value[0].tolist() == expected_tp.tolist(), dtype
