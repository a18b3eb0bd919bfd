"""Reading a sweep from a real S3 server (moto's, on 127.0.0.1, one per module) through
s3fs: the reader, the CLI (its incremental Parquet export included) and a Dask cluster
of two worker processes give the values that were logged.

The sweep is written by ``SummaryWriter("s3://...")`` as the writer writes a run on S3:
one growing object per run, grown at each flush; a run of many segments (the layout on
stores that cannot grow an object) is read too, from ``memory://``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import pytest

import tfevents
from tfevents.cli import main
from tfevents.reader import (
    event_files,
    read_events,
    read_histograms,
    read_hparams,
    read_scalars,
    read_values,
)

RUNS = 3
STEPS = 40
FAR = 3600.0  # flush_secs that keeps the background writer out


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture(scope="module")
def options(endpoint: str) -> dict[str, Any]:
    return {"endpoint_url": endpoint, "key": "testing", "secret": "testing",
            "client_kwargs": {"region_name": "us-east-1"}}


def new_bucket(options: dict[str, Any]) -> str:
    import boto3

    bucket = f"tfevents-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=options["endpoint_url"], aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    return bucket


def log(writer: tfevents.SummaryWriter, run: int, steps: range) -> None:
    for step in steps:
        writer.add_scalar("loss", run + 1 / (step + 1), step)
        writer.add_histogram("w", np.linspace(-1, 1, 20) * (step + run), step, bins=5)
        if step % 10 == 9:
            writer.flush()  # the run's object grows


@pytest.fixture(scope="module")
def sweep(options: dict[str, Any]) -> str:
    url = f"s3://{new_bucket(options)}/sweep"
    for run in range(RUNS):
        with tfevents.SummaryWriter(f"{url}/run_{run}", flush_secs=FAR, storage_options=options) as w:
            log(w, run, range(STEPS))
            w.add_hparams({"lr": 10.0**-run, "opt": "adam"}, {"loss": float(run)})
    return url


def expected_loss(run: int, steps: range) -> list[float]:
    return [float(np.float32(run + 1 / (s + 1))) for s in steps]


def test_reader_reads_the_sweep(sweep: str, options: dict[str, Any]) -> None:
    runs = event_files(sweep, storage_options=options)
    assert list(runs) == [f"run_{k}" for k in range(RUNS)]
    assert all(len(files) == 1 and all(f.startswith("s3://") for f in files) for files in runs.values())
    scalars = read_scalars(sweep, storage_options=options)
    for run in range(RUNS):
        loss = scalars[f"run_{run}"]["loss"]
        assert loss.steps.tolist() == [*range(STEPS), 0]  # (add_hparams logs its metric at 0)
        assert loss.values.tolist() == [*expected_loss(run, range(STEPS)), float(run)]
    histograms = read_histograms(sweep, storage_options=options, run="run_1")
    values = [d for d in read_values(sweep, kind="histogram", run="run_1", storage_options=options)]
    assert len(histograms["run_1"]["w"]) == len(values) == STEPS
    for i, d in enumerate(values):
        assert np.array_equal(histograms["run_1"]["w"][i], d.value)
    table = read_hparams(sweep, storage_options=options)
    assert table.index.tolist() == [f"run_{k}" for k in range(RUNS)]
    assert table["lr"].tolist() == [1.0, 0.1, 0.01] and table["loss"].tolist() == [0.0, 1.0, 2.0]
    assert sum(1 for e in read_events(f"{sweep}/run_0", storage_options=options) if e.values) > STEPS


def test_cli_and_incremental_parquet(sweep: str, options: dict[str, Any], tmp_path, capsys) -> None:
    flags = ["--storage-options", json.dumps(options), "--no-progress"]
    assert main(["inspect", sweep, "--json", *flags]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["runs"]["run_2"]["tags"]["loss"]["count"] == STEPS + 1
    assert main(["validate", sweep, *flags]) == 0
    assert f"{RUNS} files" in capsys.readouterr().out
    out = str(tmp_path / "dataset")
    assert main(["export", sweep, "-f", "parquet", "-k", "all", "-o", out, *flags]) == 0
    # the sweep grows: a run gets new objects, and a new run is one growing object
    with tfevents.SummaryWriter(f"{sweep}/run_0", flush_secs=FAR, storage_options=options) as w:
        log(w, 0, range(STEPS, STEPS + 10))
    local = tmp_path / "growing"
    with tfevents.SummaryWriter(str(local)) as w:
        log(w, 7, range(30))
    (path,) = event_files(str(local))["."]
    whole = open(path, "rb").read()  # noqa: SIM115
    import fsspec

    fs = fsspec.filesystem("s3", **options)
    key = f"{sweep}/growing/events.out.tfevents.0000000001.host.1.000000"[len("s3://"):]
    fs.pipe_file(key, whole[: len(whole) // 2])  # half a file: the last record torn
    assert main(["export", sweep, "-f", "parquet", "-k", "all", "-o", out, *flags]) == 0
    fs.pipe_file(key, whole)  # the object grew
    assert main(["export", sweep, "-f", "parquet", "-k", "all", "-o", out, *flags]) == 0
    state = json.loads((tmp_path / "dataset" / "_tfevents_export.json").read_text())
    assert state["files"][f"s3://{key}"]["offset"] == len(whole)
    rows = duckdb.sql(f"SELECT run, tag, step, value FROM read_parquet('{out}/scalar/*/*.parquet', "
                      "hive_partitioning = true) ORDER BY run, tag, step, value").fetchall()
    expected = sorted((run, tag, int(s), v) for run, tags in read_scalars(sweep, storage_options=options).items()
                      for tag, series in tags.items() for s, v in zip(series.steps, series.values.tolist()))
    assert rows == expected
    assert [r[2] for r in rows if r[0] == "growing"] == list(range(30))
    assert [r[2] for r in rows if r[0] == "run_0"] == sorted([0, *range(STEPS + 10)])


def test_memory_url(tmp_path) -> None:
    import fsspec

    url = f"memory://tfevents-read-{uuid.uuid4().hex}"
    try:
        with tfevents.SummaryWriter(f"{url}/a", flush_secs=FAR) as w:
            log(w, 0, range(25))
        assert read_scalars(url)["a"]["loss"].values.tolist() == expected_loss(0, range(25))
    finally:
        fsspec.filesystem("memory").rm(url[len("memory://"):], recursive=True)


def test_dask_cluster_reads_the_sweep(sweep: str, options: dict[str, Any]) -> None:
    import dask
    from dask.distributed import Client, LocalCluster

    from tfevents.reader.dask import read_dask

    expected = read_scalars(sweep, storage_options=options)
    histograms = read_histograms(sweep, storage_options=options)
    # (forked workers start with this process's imports: seconds less than spawned ones)
    with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        frame = read_dask(sweep, storage_options=options)
        files = sum(len(f) for f in event_files(sweep, storage_options=options).values())
        assert frame.npartitions == files
        got = frame.compute()
        arrays = read_dask(sweep, "histogram", storage_options=options, tag="w").compute()
    for run, tags in expected.items():
        rows = got[(got.run == run) & (got.tag == "loss")]
        assert rows.step.tolist() == tags["loss"].steps.tolist()
        assert rows.value.tolist() == tags["loss"].values.tolist()
        assert rows.wall_time.tolist() == tags["loss"].wall_times.tolist()
        mine = arrays[arrays.run == run]
        series = histograms[run]["w"]
        assert mine.step.tolist() == series.steps.tolist()
        for i, (left, count) in enumerate(zip(mine.left_edges, mine.counts)):
            assert list(left) == series[i][:, 0].tolist() and list(count) == series[i][:, 2].tolist()
