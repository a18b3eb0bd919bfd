"""A run on an object store is one growing object: S3, GCS and Azure, on real servers.

Every test runs against moto's S3 server, fake-gcs-server and Azurite, started once per
session on 127.0.0.1 (tests/object_stores.py). Objects are read back through fsspec and
checked with tfevents' validator and reader (header first, each tag's first value with
its metadata, every event once and in order); TensorBoard's two loaders read local
copies, and its Python loader reads the live objects from the stores themselves.

* 300 flushes make one object per store; the background writer grows it without
  ``flush()``; it rolls over at ``max_bytes`` with the header and metadata again.
* Faults: a request that fails after the server carried it out, or before it reached
  it (a proxy in between), a server restarted mid-run, and writers SIGKILLed at random
  moments during uploads: nothing flushed lost, nothing duplicated, every object valid,
  and both TensorBoard loaders show what tfevents' reader read from the killed runs.
* ``write_file`` (the projector's files) replaces a file whole on each store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from fault_proxy import FaultProxy
from object_stores import STORES, Store, get_store, object_store_servers, store  # noqa: F401
from tensorboard_server import TensorBoardServer
from test_remote import check_segments, summary_points, wait_until
from tfevents import SummaryWriter, WriteFailedError
from tfevents.sinks import open_storage
from tfevents.sinks.gcs import GCSAppender
from tfevents.sinks.growing import GrowingObject

FAR = 3600.0
# The run is 1,000 flushes per store; the remote part of benchmarks/run_all.py makes that run
# (and TensorBoard reads it back). Here 300, in a third of the time: still one object.
FLUSHES = 300


def event_objects(
    store: Store, bucket: str, prefix: str = "run", *, settled: bool = True  # noqa: F811
) -> list[tuple[str, bytes]]:
    """(name, bytes) of the event objects directly under ``prefix``, in name order;
    ``settled`` (the writer closed): no temporary object (GCS' compose parts) is left."""
    fs = store.fs()
    try:
        names = sorted(p.rsplit("/", 1)[-1] for p in fs.ls(f"{bucket}/{prefix}", detail=False))
    except FileNotFoundError:
        return []  # (nothing written yet)
    assert not settled or not [n for n in names if n.startswith(".append.")], names
    return [(n, fs.cat_file(f"{bucket}/{prefix}/{n}")) for n in names if "tfevents" in n]


def points_of(objects: list[tuple[str, bytes]], tmp_path: Any) -> list[tuple[str, int, Any]]:
    return [p for events in check_segments(objects, tmp_path) for p in summary_points(events)]


def expected_points(step_from: int, count: int) -> list[tuple[str, int, float]]:
    out = []
    for step in range(step_from, step_from + count):
        out.append(("loss", step, float(np.float32(1.0 / (step + 1)))))
        if step % 10 == 0:
            out.append(("acc", step, float(np.float32(step / 1000.0))))
    return out


def log(writer: SummaryWriter, step_from: int, count: int) -> None:
    for step in range(step_from, step_from + count):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
        if step % 10 == 0:
            writer.add_scalar("acc", step / 1000.0, step)


def same(got: list[tuple[str, int, Any]], expected: list[tuple[str, int, float]]) -> None:
    assert [(t, s) for t, s, _ in got] == [(t, s) for t, s, _ in expected]
    assert [v for _, _, v in got] == [v for _, _, v in expected]


# --- many flushes, one object ------------------------------------------------------------


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Local copies of runs' objects, one folder per run, for TensorBoard's two loaders."""
    return tmp_path_factory.mktemp("stores")


def copy_run(objects: list[tuple[str, bytes]], folder: Any) -> None:
    folder.mkdir()
    for name, data in objects:
        (folder / name).write_bytes(data)


@pytest.fixture(scope="module")
def many_flushes(
    object_store_servers: dict[str, Store], mirror: Any  # noqa: F811
) -> dict[str, Any]:
    """A run of FLUSHES flushes on each store (the three at once), and local copies."""
    stores = {name: get_store(name, object_store_servers) for name in STORES}

    def run(name: str) -> dict[str, Any]:
        st = stores[name]
        bucket = st.new_bucket()
        writer = SummaryWriter(st.url(bucket, "run"), flush_secs=FAR, storage_options=st.storage_options())
        for flush in range(FLUSHES):
            log(writer, flush, 1)
            writer.flush()
        storage = writer._run.queue.storage
        writer.close()
        objects = event_objects(st, bucket)
        copy_run(objects, mirror / name)
        return {"objects": objects, "storage": storage}

    with ThreadPoolExecutor(len(stores)) as pool:
        runs = dict(zip(stores, pool.map(run, stores)))
    return {"runs": runs}


@pytest.mark.parametrize("name", list(STORES))
def test_many_flushes_are_one_object(name: str, many_flushes: dict[str, Any], tmp_path: Any) -> None:
    run = many_flushes["runs"][name]
    assert len(run["objects"]) == 1
    same(points_of(run["objects"], tmp_path), expected_points(0, FLUSHES))
    storage: GrowingObject = run["storage"]
    assert storage.objects_started == 1 and storage.size == len(run["objects"][0][1])
    if name == "gcs":  # one component per compose, of GCS' 1,024
        assert storage.appends == FLUSHES - 1 and GCSAppender.max_appends == 1023


@pytest.mark.server
def test_tensorboard_shows_every_flush(
    load_fast: bool, tensorboard_factory: Any, mirror: Any, many_flushes: dict[str, Any],
    killed_runs: list[dict[str, Any]],
) -> None:
    """Both loaders show every event of the long runs, and of the runs whose writer was
    SIGKILLed exactly what tfevents' reader read (everything flushed, and more)."""
    server = tensorboard_factory(str(mirror), load_fast)
    runs = {name: expected_points(0, FLUSHES) for name in STORES}
    runs.update({killed["run"]: killed["points"] for killed in killed_runs})
    for run, expected in runs.items():
        for tag in ("loss", "acc"):
            points = [(s, v) for t, s, v in expected if t == tag]
            count = len(points)
            got = server.wait_for_json(
                "/data/plugin/scalars/scalars", lambda pts, n=count: len(pts) >= n, run=run, tag=tag
            )
            assert [(s, v) for _, s, v in got] == points, (run, tag)


class LiveTensorBoard(TensorBoardServer):
    """TensorBoard's Python loader on several URLs at once (``--logdir_spec``)."""

    def command(self, port: int) -> list[str]:
        args = super().command(port)
        at = args.index("--logdir")
        args[at : at + 2] = ["--logdir_spec", self.logdir]
        return args


@pytest.mark.server
def test_tensorboard_reads_the_growing_objects_live(
    object_store_servers: dict[str, Store], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """TensorBoard reads each store itself (S3 through boto3 and S3_ENDPOINT, GCS and
    Azure through fsspec) and sees the same object grow."""
    writers, spec = {}, []
    for name in STORES:
        st = get_store(name, object_store_servers)
        for key, value in st.env().items():
            monkeypatch.setenv(key, value)
        url = st.url(st.new_bucket(), "run")
        writers[name] = SummaryWriter(url, flush_secs=FAR, storage_options=st.storage_options())
        spec.append(f"on_{name}:{url}")
    server = LiveTensorBoard(",".join(spec), load_fast=False).start()
    try:
        for start, count in ((0, 5), (5, 12)):
            for writer in writers.values():
                log(writer, start, count - start)
                writer.flush()
            for name in writers:
                got = server.wait_for_json(
                    "/data/plugin/scalars/scalars",
                    lambda pts, n=count: len(pts) >= n, run=f"on_{name}/.", tag="loss",
                )
                assert [s for _, s, _ in got] == list(range(count)), name
    finally:
        server.stop()
        for writer in writers.values():
            writer.close()
    for writer in writers.values():
        assert writer._run.queue.storage.objects_started == 1


# --- live, rolled over ------------------------------------------------------------------


def test_background_writes_grow_the_object(store: Store, tmp_path: Any) -> None:  # noqa: F811
    bucket = store.new_bucket()
    writer = SummaryWriter(store.url(bucket, "run"), flush_secs=0.05, storage_options=store.storage_options())
    try:
        for count in (5, 11):
            log(writer, 0 if count == 5 else 5, 5 if count == 5 else 6)
            # no flush(): the background thread writes within flush_secs
            wanted = len(expected_points(0, count))
            wait_until(  # (an Azure append blob is empty between its creation and first block)
                lambda n=wanted: len(points_of(
                    [o for o in event_objects(store, bucket, settled=False) if o[1]], tmp_path
                )) >= n,
                "the background writer",
            )
    finally:
        writer.close()
    objects = event_objects(store, bucket)
    assert len(objects) == 1
    same(points_of(objects, tmp_path), expected_points(0, 11))


def test_rolls_over_with_header_and_metadata_again(store: Store, tmp_path: Any) -> None:  # noqa: F811
    bucket = store.new_bucket()
    writer = SummaryWriter(store.url(bucket, "run"), flush_secs=FAR, storage_options=store.storage_options())
    storage = writer._run.queue.storage
    assert isinstance(storage, GrowingObject)
    storage.max_bytes = 700
    for batch in range(12):
        log(writer, batch * 5, 5)
        writer.flush()
    writer.close()
    objects = event_objects(store, bucket)
    assert storage.objects_started == len(objects) >= 3
    assert all(len(data) < 700 + 400 for _, data in objects)
    same(points_of(objects, tmp_path), expected_points(0, 60))  # checks header, metadata


# --- faults -------------------------------------------------------------------------------

# The request of an append, by store: S3's CompleteMultipartUpload, GCS' compose, Azure's
# Append Block.
APPEND_REQUEST = {
    "s3": (b"POST ", b"uploadId="),
    "gcs": (b"POST ", b"/compose"),
    "azure": (b"comp=appendblock",),
}


def big_image() -> np.ndarray:
    """Noise that PNG cannot shrink: past S3's 5 MiB, appends are multipart copies."""
    return np.random.default_rng(0).integers(0, 256, size=(1400, 1400, 3), dtype=np.uint8)


def test_failed_append_is_neither_lost_nor_sent_twice(store: Store, tmp_path: Any) -> None:  # noqa: F811
    bucket = store.new_bucket()
    proxy = FaultProxy(store.port).start()
    options = store.storage_options()
    if "connection_string" in options:
        options["connection_string"] = options["connection_string"].replace(store.endpoint, proxy.endpoint)
    else:
        options["endpoint_url"] = proxy.endpoint
    writer = SummaryWriter(store.url(bucket, "run"), flush_secs=FAR, storage_options=options)
    try:
        writer.add_image("noise", big_image(), 0, dataformats="HWC")
        log(writer, 0, 5)
        writer.flush()
        for round_, landed in enumerate((True, False, True)):
            log(writer, 5 + 10 * round_, 5)
            proxy.fail_next(*APPEND_REQUEST[store.name], landed=landed)
            with pytest.raises(WriteFailedError, match=r"injected fault|Bad Request|400"):
                writer.flush()
            log(writer, 10 + 10 * round_, 5)
            writer.flush()  # the retry: what landed is not sent again
        assert proxy.failed == 3
    finally:
        writer.close()
        proxy.stop()
    objects = event_objects(store, bucket)
    assert len(objects) == 1
    points = [p for p in points_of(objects, tmp_path) if p[0] != "noise"]
    same(points, expected_points(0, 35))


def test_azure_block_at_a_stale_offset_is_refused(
    object_store_servers: dict[str, Store]  # noqa: F811
) -> None:
    """The guard against the Azure SDK's own retries: an Append Block that had landed,
    sent again, carries an offset the blob has passed, and Azure refuses it.
    (fake-gcs-server ignores GCS' ifGenerationMatch on compose, the same guard there.)"""
    from tfevents.sinks.azure import AzureAppender

    st = get_store("azure", object_store_servers)
    path = f"{st.new_bucket()}/run/events.out.tfevents.0.h.1.000000"
    appender = AzureAppender(st.fs())
    appender.create(path, b"header")
    appender.append(path, b"+one", 6)
    with pytest.raises(OSError, match="append position condition"):
        appender.append(path, b"+one", 6)  # the same block again
    assert st.fs().cat_file(path) == b"header+one"


def test_server_restarted_mid_run(store: Store, tmp_path: Any) -> None:  # noqa: F811
    bucket = store.new_bucket()
    writer = SummaryWriter(store.url(bucket, "run"), flush_secs=FAR, storage_options=store.storage_options())
    try:
        log(writer, 0, 10)
        writer.flush()
        store.restart()
        log(writer, 10, 10)
        for attempt in range(3):  # (a connection the restart dropped may fail one try)
            try:
                writer.flush()
                break
            except WriteFailedError:
                assert attempt < 2
        log(writer, 20, 10)
    finally:
        writer.close()
    objects = event_objects(store, bucket)
    assert len(objects) == 1
    same(points_of(objects, tmp_path), expected_points(0, 30))


CHILD = textwrap.dedent(
    """
    import sys
    from tfevents import SummaryWriter
    url, options = sys.argv[1], eval(sys.argv[2])
    w = SummaryWriter(url, flush_secs=0.02, storage_options=options)
    for step in range(100000):
        w.add_scalar("loss", 1.0 / (step + 1), step)
        if step % 10 == 0:
            w.add_scalar("acc", step / 1000.0, step)
        if step % 25 == 24:
            w.flush()
            print(step, flush=True)
    """
)


@pytest.fixture(scope="module")
def killed_runs(
    object_store_servers: dict[str, Store], mirror: Any, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
) -> list[dict[str, Any]]:
    """Two writers per store SIGKILLed at seeded random moments while they upload (in the
    background every 20 ms, and at a flush every 25 steps); their objects, copied."""
    rng = np.random.default_rng(26)
    scratch = tmp_path_factory.mktemp("killed")
    out = []
    for name in STORES:
        st = get_store(name, object_store_servers)
        env = {**os.environ, **st.env(), "PYTHONPATH": os.pathsep.join(sys.path)}
        for trial in range(2):
            bucket = st.new_bucket()
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, st.url(bucket, "run"), repr(st.storage_options())],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
            )
            flushed = -1
            try:
                for _ in range(int(rng.integers(2, 8))):
                    line = child.stdout.readline()  # type: ignore[union-attr]
                    assert line, child.stderr.read()  # type: ignore[union-attr]
                    flushed = int(line)
                time.sleep(float(rng.uniform(0, 0.3)))  # uploads go on in the background
            finally:
                child.send_signal(signal.SIGKILL)
                child.communicate()
            objects = event_objects(st, bucket, settled=False)  # (a compose part may be left)
            run = f"killed_{name}_{trial}"
            copy_run(objects, mirror / run)
            points = points_of(objects, scratch)
            out.append({"run": run, "objects": objects, "flushed": flushed, "points": points})
    return out


def test_sigkill_during_uploads_loses_nothing_flushed(killed_runs: list[dict[str, Any]]) -> None:
    for killed in killed_runs:
        assert len(killed["objects"]) == 1, killed["run"]  # (points_of checked each is whole)
        points = killed["points"]
        last = points[-1][1] if points else -1
        assert last >= killed["flushed"], killed["run"]  # everything flushed is there
        same(points, expected_points(0, last + 1)[: len(points)])  # once, in order


# --- files beside the event file ----------------------------------------------------------


def test_write_file_replaces_a_file_whole(store: Store) -> None:  # noqa: F811
    bucket = store.new_bucket()
    storage = open_storage(store.url(bucket, "run"), storage_options=store.storage_options())
    storage.write_file("projector_config.pbtxt", b"embeddings {\n}\n")
    storage.write_file("00000/emb/tensors.tsv", b"1\t2\n3\t4\n")
    storage.write_file("00000/emb/tensors.tsv", b"5\t6\n")  # replaced, not appended
    with pytest.raises(ValueError, match="relative_path"):
        storage.write_file("../escape.txt", b"x")
    fs = store.fs()
    assert fs.cat_file(f"{bucket}/run/projector_config.pbtxt") == b"embeddings {\n}\n"
    assert fs.cat_file(f"{bucket}/run/00000/emb/tensors.tsv") == b"5\t6\n"
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.find(f"{bucket}/run")) == [
        "projector_config.pbtxt", "tensors.tsv",
    ]
    storage.close()


# --- process lifecycle --------------------------------------------------------------------


def test_process_exit_uploads_what_was_logged(store: Store, tmp_path: Any) -> None:  # noqa: F811
    bucket = store.new_bucket()
    code = textwrap.dedent(
        f"""
        from tfevents import SummaryWriter
        w = SummaryWriter({store.url(bucket, "run")!r}, flush_secs=3600,
                          storage_options={store.storage_options()!r})
        for step in range(100):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            if step % 10 == 0:
                w.add_scalar("acc", step / 1000.0, step)
        # no flush, no close: the exit hook uploads
        """
    )
    env = {**os.environ, **store.env(), "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0 and "could not write" not in result.stderr, result.stderr
    same(points_of(event_objects(store, bucket), tmp_path), expected_points(0, 100))


def test_forked_child_grows_an_object_of_its_own(
    object_store_servers: dict[str, Store], tmp_path: Any  # noqa: F811
) -> None:
    st = get_store("s3", object_store_servers)
    bucket = st.new_bucket()
    writer = SummaryWriter(st.url(bucket, "run"), flush_secs=FAR, storage_options=st.storage_options())
    log(writer, 0, 3)
    writer.flush()
    log(writer, 3, 2)  # queued at fork: the parent's to write
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            writer.add_scalar("child", 3.0, 3)
            writer.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    writer.close()
    by_pid = {}
    for name, data in event_objects(st, bucket):
        by_pid[name.split(".")[-2]] = points_of([(name, data)], tmp_path)
    assert by_pid.keys() == {str(os.getpid()), str(pid)}
    same(by_pid[str(os.getpid())], expected_points(0, 5))
    assert by_pid[str(pid)] == [("child", 3, 3.0)]


def test_missing_bucket_is_reported_and_retried(
    object_store_servers: dict[str, Store], tmp_path: Any  # noqa: F811
) -> None:
    st = get_store("s3", object_store_servers)
    bucket = f"tfevents-missing-{os.getpid()}-{time.monotonic_ns()}"
    url = st.url(bucket, "run")
    writer = SummaryWriter(url, flush_secs=FAR, storage_options=st.storage_options())
    log(writer, 0, 1)
    with pytest.raises(WriteFailedError, match="bucket does not exist") as info:
        writer.flush()
    assert isinstance(info.value, OSError) and url in str(info.value)
    assert not st.fs().exists(bucket)  # never created
    log(writer, 1, 1)
    st.fs().mkdir(bucket)
    writer.close()  # the kept batch and the new one
    same(points_of(event_objects(st, bucket), tmp_path), expected_points(0, 2))


@pytest.mark.server
def test_projector_on_s3(
    object_store_servers: dict[str, Store], monkeypatch: pytest.MonkeyPatch, tmp_path: Any  # noqa: F811
) -> None:
    """add_embedding's files go through the storage. TensorBoard's Projector reads their
    config from the S3 server itself (its Python loader, through boto3 and S3_ENDPOINT),
    but resolves the assets with os.path.realpath, which no URL survives: it serves them
    from a copy of the run (as `aws s3 sync` or fsspec's get makes it)."""
    st = get_store("s3", object_store_servers)
    for key, value in st.env().items():
        monkeypatch.setenv(key, value)
    url = st.url(st.new_bucket(), "emb")
    points = np.arange(12, dtype=np.float32).reshape(4, 3) / 4
    with SummaryWriter(url, storage_options=st.storage_options()) as writer:
        writer.add_embedding(points, metadata=["a", "b", "c", "d"], global_step=2, tag="words")
    server = TensorBoardServer(url, load_fast=False).start()
    try:
        info = server.wait_for_json("/data/plugin/projector/info", lambda i: i.get("embeddings"), run=".")
        (emb,) = info["embeddings"]
        assert (emb["tensorName"], emb["tensorShape"]) == ("words:00002", [4, 3])
    finally:
        server.stop()
    copy = tmp_path / "emb"
    st.fs().get(url.removeprefix("s3://") + "/", str(copy), recursive=True)
    server = TensorBoardServer(str(copy), load_fast=False).start()
    try:
        server.wait_for_json("/data/plugin/projector/info", lambda i: i.get("embeddings"), run=".")
        raw = server.get_bytes("/data/plugin/projector/tensor", run=".", name="words:00002")
        np.testing.assert_array_equal(np.frombuffer(raw, dtype=np.float32).reshape(4, 3), points)
        labels = server.get_text("/data/plugin/projector/metadata", run=".", name="words:00002")
        assert labels.split() == ["a", "b", "c", "d"]
    finally:
        server.stop()
