"""Call patterns torch accepts, written with tfevents and read back by TensorBoard (#24).

- torch's own docstring loop of ``add_hparams`` (one writer, one call per trial) logs
  one HParams session per call, as torch's writer does, side by side in one logdir;
- bytes that do not parse as the message they claim to be, given to every entry point
  that takes raw bytes or protos, are refused with a ``ValueError`` naming the argument,
  and the run around them stays readable by both loaders, ``EventAccumulator`` and
  tfevents' reader.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest

from tfevents import SummaryWriter
from tfevents.reader import read_scalars

torch = pytest.importorskip("torch")

TRIALS = 5
METRICS = ("hparam/accuracy", "hparam/loss")


def torch_docstring_loop(writer: Any) -> None:
    """torch.utils.tensorboard.SummaryWriter.add_hparams' docstring example."""
    with writer as w:
        for i in range(TRIALS):
            w.add_hparams({"lr": 0.1 * i, "bsize": i}, {"hparam/accuracy": 10 * i, "hparam/loss": 10 * i})


def junk_calls(w: SummaryWriter) -> list[tuple[str, Any]]:
    """(the argument named in the error, a call given bytes TensorBoard cannot parse)."""
    from torch.utils.tensorboard.summary import scalar

    junk = np.ones((2, 3)).tobytes()  # what CLU's test passes as metadata
    bad_hparams = scalar("s", 1.0)
    bad_hparams.value[0].metadata.plugin_data.plugin_name = "hparams"
    bad_hparams.value[0].metadata.plugin_data.content = b"\x12\x05abc"  # claims 5 bytes, has 3
    bad_utf8 = b"\x0a\x08\x0a\x02\xff\xfe\x15\x00\x00\x80\x3f"  # Summary.Value.tag not UTF-8
    fw = w._get_file_writer()
    return [
        ("summary", lambda: fw.add_summary(junk, 1)),
        ("summary", lambda: fw.add_summary(bad_utf8, 1)),
        ("summary", lambda: fw.add_summary(bad_hparams, 1)),
        ("event", lambda: fw.add_event(junk, 1)),
        ("event", lambda: fw.add_event(b"\x2a\x05" + bad_utf8[:5], 1)),  # summary cut short
        ("graph_profile", lambda: fw.add_graph(junk)),
        ("graph_profile[1]", lambda: fw.add_graph((b"", b"\x0a\x09abc"))),
        ("model", lambda: w.add_graph(junk)),
    ]


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    root = str(tmp_path_factory.mktemp("dropin_calls"))
    torch_docstring_loop(SummaryWriter(os.path.join(root, "loop")))
    torch_docstring_loop(TorchWriter(os.path.join(root, "torch_loop")))
    with SummaryWriter(os.path.join(root, "junk")) as w:
        w.add_scalar("before", 1.0, 0)
        for name, call in junk_calls(w):
            with pytest.raises(ValueError, match=rf"^{name.replace('[', '.').replace(']', '.')} "):
                call()
        w.add_scalar("after", 2.0, 1)
    return root


@pytest.fixture(scope="module")
def tb_logdir(logdir: str) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logdir)


def sessions(tb: Any) -> dict[str, dict[str, Any]]:
    body = {
        "experimentName": "",
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": [{"hparam": "lr"}, {"hparam": "bsize"}]
        + [{"metric": {"group": "", "tag": tag}} for tag in METRICS],
        "startIndex": 0,
        "sliceSize": 100,
    }
    _, _, raw = tb.request("/data/plugin/hparams/session_groups", data=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"})
    return {
        session["name"]: {
            "hparams": group["hparams"],
            "metrics": {m["name"]["tag"]: m["value"] for m in session.get("metricValues", [])},
        }
        for group in json.loads(raw).get("sessionGroups", [])
        for session in group["sessions"]
    }


def trials(found: dict[str, dict[str, Any]], run: str) -> list[tuple[Any, ...]]:
    """The (lr, bsize, accuracy, loss) of each session of ``run`` and its sub-runs."""
    rows = [
        (s["hparams"]["lr"], s["hparams"]["bsize"], s["metrics"].get(METRICS[0]), s["metrics"].get(METRICS[1]))
        for name, s in found.items()
        if name == run or name.startswith(run + "/")
    ]
    return sorted(rows)


def test_torch_docstring_loop_logs_one_session_per_call(tb: Any) -> None:
    def complete() -> dict[str, Any] | None:
        found = sessions(tb)
        done = all(
            len(trials(found, run)) == TRIALS and all(None not in row for row in trials(found, run))
            for run in ("loop", "torch_loop")
        )
        return found if done else None

    found = tb.wait_for(complete, what="five sessions from each writer, with their metrics")
    expected = [(0.1 * i, float(i), 10.0 * i, 10.0 * i) for i in range(TRIALS)]
    assert trials(found, "loop") == expected
    assert trials(found, "loop") == trials(found, "torch_loop")
    # The first session is the writer's own run; each later trial a sub-run, as torch's.
    assert "loop" in found and sum(name.startswith("loop/") for name in found) == TRIALS - 1


def test_junk_bytes_leave_the_run_readable(tb: Any, logdir: str) -> None:
    for tag, value in (("before", 1.0), ("after", 2.0)):
        points = tb.wait_for_json("/data/plugin/scalars/scalars", bool, run="junk", tag=tag)
        assert [p[2] for p in points] == [value]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(os.path.join(logdir, "junk"))
    accumulator.Reload()
    assert sorted(accumulator.Tags()["scalars"]) == ["after", "before"]
    series = read_scalars(os.path.join(logdir, "junk"))["."]
    assert {tag: list(s.values) for tag, s in series.items()} == {"before": [1.0], "after": [2.0]}
