"""``tfevents export -f parquet -k all``: a dataset per kind, queried by DuckDB, and kept in
sync by later exports that read only what the event files gained.

Every row is checked against the reader (``read_scalars``, ``read_histograms``,
``read_pr_curves``, ``read_values``, ``read_hparams``), itself checked against
TensorBoard's parse elsewhere. That a later export does not read old bytes again is
shown by damaging them after the first export: the second export must not notice.
"""

from __future__ import annotations

import os
import shutil

import duckdb
import numpy as np
import pytest

import tfevents
from tfevents.cli import main
from tfevents.reader import event_files, read_histograms, read_pr_curves, read_scalars, read_values

RUNS = ("lr_0.1", "sweep/lr_1")


def log(writer: tfevents.SummaryWriter, steps: range, rng: np.random.Generator) -> None:
    for step in steps:
        writer.add_scalar("loss", 1 / (step + 1), step)
        writer.add_scalar("acc", step / 100, step)
        writer.add_histogram("w", rng.normal(size=50), step)
        if step % 5 == 0:
            writer.add_pr_curve("pr", rng.integers(0, 2, 20), rng.random(20), step, num_thresholds=7)
            writer.add_text("note", f"step **{step}**", step)


def query(sql: str) -> list[tuple]:
    return duckdb.sql(sql).fetchall()


def dataset(out: str, kind: str) -> str:
    return f"read_parquet('{out}/{kind}/*/*.parquet', hive_partitioning = true)"


def check_dataset(logdir: str, out: str) -> None:
    """Every kind's rows equal the reader's values, each exactly once."""
    scalars = query(f"SELECT run, tag, step, wall_time, value FROM {dataset(out, 'scalar')} "
                    "ORDER BY run, tag, step, wall_time, value")
    expected = sorted((run, tag, int(s), w, v) for run, tags in read_scalars(logdir).items()
                      for tag, series in tags.items()
                      for s, w, v in zip(series.steps, series.wall_times.tolist(), series.values.tolist()))
    assert scalars == expected
    rows = query(f"SELECT run, tag, step, left_edges, right_edges, counts FROM {dataset(out, 'histogram')} "
                 "ORDER BY run, tag, step")
    got = read_histograms(logdir)
    assert len(rows) == sum(len(s) for tags in got.values() for s in tags.values())
    for run, tag, step, left, right, count in rows:
        series = got[run][tag]
        (i,) = np.flatnonzero(series.steps == step)
        assert np.array_equal(np.array([left, right, count]).T, series[i])
    rows = query(f"SELECT run, tag, step, thresholds, tp, fp, tn, fn, precision, recall "
                 f"FROM {dataset(out, 'pr_curve')} ORDER BY run, tag, step")
    curves = read_pr_curves(logdir)
    assert len(rows) == sum(len(s) for tags in curves.values() for s in tags.values())
    for run, tag, step, thresholds, *table in rows:
        series = curves[run][tag]
        (i,) = np.flatnonzero(series.steps == step)
        assert np.array_equal(np.array(table), series[i])
        assert thresholds == np.linspace(0, 1, 7).tolist()
    texts = query(f"SELECT run, tag, step, text FROM {dataset(out, 'text')} ORDER BY run, step")
    assert texts == sorted((d.run, d.tag, d.step, d.value if isinstance(d.value, str) else
                            d.value.item().decode()) for d in read_values(logdir, kind="text"))
    assert {t[3] for t in texts} == {f"step **{s}**" for s in range(0, 30, 5)}


@pytest.fixture
def logdir(tmp_path) -> str:
    root = tmp_path / "logs"
    rng = np.random.default_rng(5)
    for k, run in enumerate(RUNS):
        with tfevents.SummaryWriter(str(root / run), legacy_forms=bool(k)) as w:
            log(w, range(0, 30), rng)
            w.add_hparams({"lr": 0.1 * 10**k, "opt": "adam", "bn": bool(k)}, {"acc": 0.5})
    return str(root)


def test_every_kind_queried_with_duckdb(logdir: str, tmp_path) -> None:
    out = str(tmp_path / "dataset")
    assert main(["export", logdir, "-f", "parquet", "-k", "all", "-o", out, "--no-progress"]) == 0
    assert sorted(os.listdir(out)) == ["_tfevents_export.json", "histogram", "hparams", "pr_curve",
                                       "scalar", "text"]
    check_dataset(logdir, out)
    sessions = query(f"SELECT run, lr, opt, bn FROM {dataset(out, 'hparams')} ORDER BY run")
    assert sessions == [("lr_0.1", 0.1, "adam", False), ("sweep/lr_1", 1.0, "adam", True)]


def test_incremental_export_reads_only_what_was_added(logdir: str, tmp_path) -> None:
    out = str(tmp_path / "dataset")
    rng = np.random.default_rng(9)
    writer = tfevents.SummaryWriter(os.path.join(logdir, "live"), legacy_forms=False)
    log(writer, range(0, 10), rng)
    writer.flush()
    assert main(["export", logdir, "-f", "parquet", "-k", "all", "-o", out, "--no-progress"]) == 0
    # Damage every byte the first export read: a later export must not read them again.
    for paths in event_files(logdir).values():
        for path in paths:
            with open(path, "r+b") as f:
                size = os.path.getsize(path)
                f.seek(size // 2)
                f.write(b"\xff" * 16)  # in the middle of what was exported
    log(writer, range(10, 25), rng)  # the open file grows
    writer.close()
    with tfevents.SummaryWriter(os.path.join(logdir, "lr_0.1")) as again:  # a new file of a run
        again.add_scalar("loss", -1.0, 100)
    assert main(["export", logdir, "-f", "parquet", "-k", "all", "-o", out, "--no-progress"]) == 0
    parts = sorted(os.path.relpath(p, out) for p in _parts(out))
    assert "scalar/run=live/part-00002.parquet" in parts and "scalar/run=lr_0.1/part-00002.parquet" in parts
    assert "histogram/run=sweep%2Flr_1/part-00002.parquet" not in parts  # nothing new there
    live = query(f"SELECT step FROM {dataset(out, 'scalar')} WHERE run = 'live' AND tag = 'loss' ORDER BY step")
    assert live == [(s,) for s in range(25)]  # each once, across two exports
    assert query(f"SELECT value FROM {dataset(out, 'scalar')} WHERE step = 100") == [(-1.0,)]
    # a third export with nothing new writes nothing
    assert main(["export", logdir, "-f", "parquet", "-k", "all", "-o", out, "--no-progress"]) == 0
    assert sorted(os.path.relpath(p, out) for p in _parts(out)) == parts


def _parts(out: str) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(out) for f in files if f.endswith(".parquet")]


def test_torn_last_record_and_orphan_parts(logdir: str, tmp_path) -> None:
    out, source = str(tmp_path / "dataset"), tmp_path / "source"
    shutil.copytree(os.path.join(logdir, "lr_0.1"), source / "run")
    (path,) = event_files(str(source))["run"]
    with open(path, "rb") as f:
        whole = f.read()
    with open(path, "wb") as f:
        f.write(whole[: len(whole) * 2 // 3])  # a writer at work: the last record torn
    assert main(["export", str(source), "-f", "parquet", "-o", out, "--no-progress"]) == 0
    first = query(f"SELECT count(*) FROM {dataset(out, 'scalar')}")[0][0]
    orphan = os.path.join(out, "scalar", "run=run", "part-00007.parquet")
    shutil.copy(os.path.join(out, "scalar", "run=run", "part-00001.parquet"), orphan)  # a dead export's
    with open(path, "wb") as f:
        f.write(whole)
    assert main(["export", str(source), "-f", "parquet", "-o", out, "--no-progress"]) == 0
    assert not os.path.exists(orphan)
    rows = query(f"SELECT tag, step FROM {dataset(out, 'scalar')} ORDER BY tag, step")
    series = read_scalars(str(source))["run"]
    assert rows == sorted((t, int(s)) for t in series for s in series[t].steps)  # each once
    assert len(rows) == 61 and 0 < first < len(rows)


def test_options_must_stay_the_same(logdir: str, tmp_path, capsys) -> None:
    out = str(tmp_path / "dataset")
    assert main(["export", logdir, "-f", "parquet", "-o", out, "--no-progress"]) == 0
    assert main(["export", logdir, "-f", "parquet", "-k", "all", "-o", out, "--no-progress"]) == 2
    assert "use the same ones" in capsys.readouterr().err
    os.makedirs(tmp_path / "other")
    (tmp_path / "other" / "x.txt").write_text("x")
    assert main(["export", logdir, "-f", "parquet", "-o", str(tmp_path / "other"), "--no-progress"]) == 2
    with pytest.raises(SystemExit):
        main(["export", logdir, "-f", "parquet", "-k", "image", "-o", out])
