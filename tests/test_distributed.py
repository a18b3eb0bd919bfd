"""Rank awareness in writers: by default only rank 0 writes; per-rank runs by option.

* writers built in this process with RANK/WORLD_SIZE set: what each policy writes,
  and that a non-writing rank still checks every argument and creates nothing;
* three processes launched at once with RANK set (as torchrun does).

Where the rank comes from is tested in test_distributed_detect.py; real torch.distributed,
jax.distributed and launcher jobs, read back by TensorBoard, in test_distributed_jobs.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
import warnings
from typing import Any

import numpy as np
import pytest

from tfevents import SummaryWriter
from tfevents.distributed import LAUNCHERS
from tfevents.pipeline.null import NullQueue
from tfevents.reader import event_files, read_run_scalars
from tfevents.validate import validate_logdir

# Every variable a launcher sets: none may leak in from the shell that runs the tests.
RANK_VARS = tuple(
    sorted({name for lr in LAUNCHERS for name in (lr.rank, lr.local_rank, *lr.world_size)})
)


def test_bad_policy(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="rank_policy must be one of"):
        SummaryWriter(str(tmp_path), rank_policy="first")
    with pytest.raises(TypeError, match="rank_policy must be a string"):
        SummaryWriter(str(tmp_path), rank_policy=0)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


# --- writers in this process ------------------------------------------------------------


@pytest.fixture
def ranks(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in RANK_VARS:
        monkeypatch.delenv(name, raising=False)

    def set_rank(rank: int, world_size: int = 4) -> None:
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("LOCAL_RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", str(world_size))

    return set_rank


def log_everything(writer: SummaryWriter) -> None:
    writer.add_scalar("loss", 0.5, 1)
    writer.add_scalar_array("series", np.arange(4.0))
    writer.add_scalars("pair", {"a": 1.0, "b": 2.0}, 1)
    writer.add_histogram("weights", np.arange(10.0), 1)
    writer.add_image("img", np.zeros((3, 4, 4), dtype=np.uint8), 1)
    writer.add_text("note", "hello", 1)
    writer.add_hparams({"lr": 0.1}, {"metric": 1.0}, run_name="hp")
    writer.flush()


def test_non_zero_rank_writes_nothing_but_checks_everything(tmp_path: Any, ranks: Any) -> None:
    ranks(2)
    logdir = tmp_path / "run"
    writer = SummaryWriter(str(logdir))
    assert writer.rank == 2 and not writer.writes_events
    assert writer.get_logdir() == str(logdir) and writer.event_file_path == ""
    assert isinstance(writer._run.queue, NullQueue)
    log_everything(writer)
    # Bugs raise on every rank, as they would on rank 0.
    with pytest.raises(TypeError, match="tag must be a string"):
        writer.add_scalar(3, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scalar_value"):
        writer.add_scalar("loss", "high")
    with pytest.raises(ValueError):
        writer.add_image("img", np.zeros((2, 3, 4, 5), dtype=np.uint8))
    with pytest.raises(ValueError, match="global_step"):
        writer.add_histogram("w", np.arange(3.0), global_step=-(2**70))
    writer.close()
    writer.add_scalar("after_close", 1.0)  # reopens: still nothing written
    writer.close()
    assert not logdir.exists() and os.listdir(tmp_path) == []


def test_rank_zero_writes_the_run(tmp_path: Any, ranks: Any) -> None:
    ranks(0)
    with SummaryWriter(str(tmp_path / "run")) as writer:
        assert writer.rank == 0 and writer.writes_events
        log_everything(writer)
    runs = event_files(str(tmp_path / "run"))
    assert sorted(runs) == [".", "hp", "pair_a", "pair_b"]
    assert all(report.ok for report in validate_logdir(str(tmp_path / "run")))
    assert read_run_scalars(str(tmp_path / "run"))["loss"].values.tolist() == [0.5]


def test_per_rank_runs(tmp_path: Any, ranks: Any) -> None:
    for rank in (0, 3):
        ranks(rank)
        with SummaryWriter(str(tmp_path), rank_policy="all") as writer:
            assert writer.get_logdir() == str(tmp_path / f"rank_{rank}")
            writer.add_scalar("loss", float(rank), 1)
            writer.add_scalars("pair", {"a": 1.0}, 1)
    assert sorted(event_files(str(tmp_path))) == [
        "rank_0", "rank_0/pair_a", "rank_3", "rank_3/pair_a",
    ]
    for rank in (0, 3):
        assert read_run_scalars(str(tmp_path / f"rank_{rank}"))["loss"].values.tolist() == [rank]


def test_ignore_policy_and_no_rank(tmp_path: Any, ranks: Any) -> None:
    with SummaryWriter(str(tmp_path / "solo"), rank_policy="all") as writer:  # no rank set
        assert writer.rank is None and writer.get_logdir() == str(tmp_path / "solo")
        writer.add_scalar("x", 1.0)
    ranks(1)
    with SummaryWriter(str(tmp_path / "solo"), rank_policy="ignore") as writer:
        assert writer.rank == 1 and writer.writes_events
        writer.add_scalar("x", 2.0)
    assert sorted(read_run_scalars(str(tmp_path / "solo"))["x"].values.tolist()) == [1.0, 2.0]


def test_malformed_rank_variable_warns_and_writes(tmp_path: Any, ranks: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("RANK", "worker-1")
    with pytest.warns(RuntimeWarning, match="RANK='worker-1'") as record:
        writer = SummaryWriter(str(tmp_path / "run"))
    assert [w.filename for w in record] == [__file__]  # the warning names the caller's line
    with writer:
        assert writer.rank is None and writer.writes_events
        writer.add_scalar("x", 1.0)
    assert read_run_scalars(str(tmp_path / "run"))["x"].values.tolist() == [1.0]


def test_per_rank_runs_under_a_url(ranks: Any) -> None:
    import fsspec

    root = f"/tfevents-dist-{uuid.uuid4().hex}"
    try:
        for rank in (0, 1):
            ranks(rank, 2)
            with SummaryWriter(f"memory://{root}", rank_policy="all") as writer:
                assert writer.get_logdir() == f"memory://{root}/rank_{rank}"
                writer.add_scalar("loss", float(rank))
            ranks(rank, 2)
            with SummaryWriter(f"memory://{root}/zero") as writer:
                writer.add_scalar("loss", float(rank))
        fs = fsspec.filesystem("memory")
        files = sorted(p[len(root) + 1 :] for p in fs.find(root))
        assert [f.split("/")[0] for f in files] == ["rank_0", "rank_1", "zero"]
    finally:
        fsspec.filesystem("memory").rm(root, recursive=True)


# --- separate processes -----------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in RANK_VARS}
    env.update(extra)
    return env


ENV_WORKER = textwrap.dedent(
    """
    import os, sys
    from tfevents import SummaryWriter
    rank = int(os.environ["RANK"])
    shared, per_rank = sys.argv[1], sys.argv[2]
    with SummaryWriter(shared) as w, SummaryWriter(per_rank, rank_policy="all") as p:
        for step in range(20):
            w.add_scalar("loss", rank * 100 + step, step)
            p.add_scalar("loss", rank * 100 + step, step)
        w.add_scalars("pair", {"a": rank}, 0)
    print(w.get_logdir(), w.writes_events, p.get_logdir())
    """
)


def test_env_ranks_in_separate_processes(tmp_path: Any) -> None:
    shared, per_rank = tmp_path / "shared", tmp_path / "per_rank"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ENV_WORKER, str(shared), str(per_rank)],
            env=clean_env(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="3"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
    for rank, (out, _) in enumerate(outputs):
        assert out.split() == [str(shared), str(rank == 0), str(per_rank / f"rank_{rank}")]
    # Shared run: one event file, from rank 0 only.
    runs = event_files(str(shared))
    assert sorted(runs) == [".", "pair_a"] and all(len(files) == 1 for files in runs.values())
    assert read_run_scalars(str(shared))["loss"].values.tolist() == list(range(20))
    assert read_run_scalars(str(shared / "pair_a"))["pair"].values.tolist() == [0.0]
    # Per-rank runs: one each, with that rank's values.
    assert sorted(event_files(str(per_rank))) == ["rank_0", "rank_1", "rank_2"]
    for rank in range(3):
        series = read_run_scalars(str(per_rank / f"rank_{rank}"))["loss"]
        assert series.values.tolist() == [rank * 100 + s for s in range(20)]
    reports = validate_logdir(str(tmp_path))
    assert len(reports) == 5 and all(r.ok and r.truncated_bytes == 0 for r in reports)


def test_no_warning_noise_without_ranks(tmp_path: Any, ranks: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with SummaryWriter(str(tmp_path)) as writer:
            writer.add_scalar("x", 1.0)
    assert writer.rank is None and writer.writes_events
