"""read_dataframe against tbparse's SummaryReader on the same files, and the Parquet
export queried with DuckDB against read_scalars."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tfevents.cli import main
from tfevents.reader import read_dataframe, read_scalars

WALL = 1_700_000_000.5


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two runs written by torch's writer (which tbparse reads without TensorFlow)."""
    from torch.utils.tensorboard import SummaryWriter

    root = str(tmp_path_factory.mktemp("frames"))
    for run, scale in (("lr_0.1", 1.0), ("sweep/lr_1", -2.0)):
        with SummaryWriter(os.path.join(root, run)) as w:
            for step in range(30):
                w.add_scalar("loss", scale * step / 7, step, walltime=WALL + step)
                if step % 3 == 0:
                    w.add_scalar("acc", 0.5 + step / 100, step, walltime=WALL + step + 0.25)
            w.add_scalar("loss", 9.0, 29, walltime=WALL + 99)  # two values at one step
            w.add_histogram("h", np.arange(5.0), 0)
    return root


@pytest.mark.parametrize("pivot", [False, True])
@pytest.mark.parametrize("extra", [None, {"dir_name"}, {"wall_time", "dir_name"}])
def test_same_frame_as_tbparse(logdir: str, pivot: bool, extra: set[str] | None) -> None:
    from tbparse import SummaryReader

    # (tbparse merges the runs' values at one step in the order of an unstable sort when
    # it is not told dir_name: that form is compared on one run)
    path = os.path.join(logdir, "lr_0.1") if pivot and not extra else logdir
    expected = SummaryReader(path, pivot=pivot, extra_columns=extra).scalars
    got = read_dataframe(path, pivot=pivot, extra_columns=extra)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False)


def test_filters_apply_before_reading(logdir: str) -> None:
    frame = read_dataframe(logdir, run="sweep/lr_1", tag="acc", extra_columns={"dir_name"})
    assert set(frame["dir_name"]) == {"sweep/lr_1"} and set(frame["tag"]) == {"acc"}
    assert frame["step"].tolist() == list(range(0, 30, 3))
    with pytest.raises(ValueError, match="kind must be 'scalar'"):
        read_dataframe(logdir, kind="histogram")
    with pytest.raises(ValueError, match="extra_columns"):
        read_dataframe(logdir, extra_columns={"min"})


def test_parquet_dataset_queried_with_duckdb(logdir: str, tmp_path) -> None:
    import duckdb

    out = str(tmp_path / "dataset")
    assert main(["export", logdir, "--format", "parquet", "-o", out, "--workers", "2"]) == 0
    rows = duckdb.sql(
        f"SELECT run, tag, step, wall_time, value FROM read_parquet('{out}/**/*.parquet', "
        "hive_partitioning = true) ORDER BY run, tag, step, wall_time"
    ).fetchall()
    expected = []
    for run, tags in read_scalars(logdir).items():
        for tag, series in tags.items():
            expected += zip([run] * len(series), [tag] * len(series), series.steps.tolist(),
                            series.wall_times.tolist(), series.values.tolist())
    assert rows == sorted(expected)
    assert {r[0] for r in rows} == {"lr_0.1", "sweep/lr_1"}
    by_run = duckdb.sql(
        f"SELECT run, count(*) FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true) "
        "GROUP BY run ORDER BY run"
    ).fetchall()
    assert by_run == [("lr_0.1", 41), ("sweep/lr_1", 41)]
