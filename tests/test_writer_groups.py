"""Each dashboard group works on its own, over a run (``writer.run.Run``), with no
``SummaryWriter``: the seam is ``writer.host.Host`` and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tfevents.reader import read_values
from tfevents.writer.custom_scalars import CustomScalars
from tfevents.writer.distributions import Distributions
from tfevents.writer.experiment import Meshes, Tensors
from tfevents.writer.hparams import HParams
from tfevents.writer.media import Media
from tfevents.writer.options import WriterOptions
from tfevents.writer.run import Run
from tfevents.writer.scalars import Scalars


def new_run(path: Path, legacy_forms: bool = False) -> Run:
    options = WriterOptions.check(
        str(path), "", None, 10, 2.0, "", fsync=False, logdir=None, rank_policy="ignore",
        storage_options=None, png_compress_level=1,
    )
    return Run(options, legacy_forms=legacy_forms)


def values(path: Path) -> dict[tuple[str, str], list[tuple[int, str]]]:
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for datum in read_values(str(path)):
        found.setdefault((datum.run, datum.tag), []).append((datum.step, datum.kind))
    return found


def test_each_group_writes_through_its_host_alone(tmp_path: Path) -> None:
    run = new_run(tmp_path)
    Media(run).add_text("note", "hello", 3)
    Distributions(run).add_histogram("h", np.arange(10.0), 4)
    Tensors(run).add_tensor("t", np.eye(2), 5)
    Meshes(run).add_mesh("m", np.zeros((1, 3, 3)), global_step=6)
    charts = CustomScalars(run)
    Scalars(run, charts).add_scalars("loss", {"a": 1.0, "b": 2.0}, 7, layout="same_run")
    HParams(run).add_hparams({"lr": 0.1}, {"acc": 0.5}, global_step=8)
    run.close()
    got = values(tmp_path)
    assert got[(".", "note")] == [(3, "text")]
    assert got[(".", "h")] == [(4, "histogram")]
    assert got[(".", "t")] == [(5, "tensor")]
    assert got[(".", "loss/a")] == [(7, "scalar")] and got[(".", "loss/b")] == [(7, "scalar")]
    assert got[(".", "acc")] == [(8, "scalar")]
    assert (".", "m_VERTEX") in got and (".", "custom_scalars__config__") in got
    assert (".", "_hparams_/session_start_info") in got


def test_groups_share_the_hosts_tag_kinds(tmp_path: Path) -> None:
    """A tag's kind is the run's, whichever group claimed it first."""
    run = new_run(tmp_path)
    Media(run).add_text("x", "text first", 0)
    with pytest.raises(ValueError, match="logged as text"):
        Distributions(run).add_histogram("x", [1.0, 2.0], 0)
    run.close()
    assert values(tmp_path) == {(".", "x"): [(0, "text")]}


def test_legacy_forms_are_the_hosts_setting(tmp_path: Path) -> None:
    run = new_run(tmp_path / "legacy", legacy_forms=True)
    Media(run).add_text("note", "hello", 0)
    run.close()
    assert values(tmp_path / "legacy") == {(".", "note/text_summary"): [(0, "text")]}
