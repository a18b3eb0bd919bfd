"""Remote log directories through fsspec: segments on stores that cannot grow an object.

* memory:// (fsspec's in-memory store): every segment is a valid event file on its own
  (header first, each tag's first value with its metadata), all events are there in
  order across segments, oversized batches are cut, failed uploads are retried under
  the same names, URLs never become local folders.
* which store gets which layout (S3, GCS and Azure: one growing object, checked on
  real servers in test_object_stores.py; other fsspec stores: segments, written in the
  background at most every 30 s but memory://), and ``write_file`` (the projector's
  files) on local disk, segment stores and MemoryFiles.
* TensorBoard (both loaders) shows every scalar of a segmented run mirrored to disk.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from typing import Any

import fsspec
import numpy as np
import pytest

from tfevents import SummaryWriter, WriteFailedError
from tfevents.pipeline.queue import EventQueue
from tfevents.reader import Event, read_events
from tfevents.sinks import (
    LocalEventFile,
    MemoryFiles,
    is_remote,
    join_logdir,
    logdir_string,
    open_storage,
)
from tfevents.sinks.remote import DEFAULT_SEGMENT_SECS, RemoteSegments
from tfevents.validate import validate_file
from tfevents.wire import messages

SEGMENT_NAME = re.compile(r"^events\.out\.tfevents\.(\d{10})\.[^/]+\.(\d+)\.(\d{6})$")
FAR = 3600.0  # flush_secs that keeps the background writer out of a test


# --- helpers ----------------------------------------------------------------------------


@pytest.fixture
def mem_root() -> Iterator[str]:
    """A fresh memory:// directory (fsspec's memory store is process-wide)."""
    root = f"/tfevents-test-{uuid.uuid4().hex}"
    yield "memory:/" + root
    fs = fsspec.filesystem("memory")
    if fs.exists(root):
        fs.rm(root, recursive=True)


def memory_segments(url: str) -> list[tuple[str, bytes]]:
    """(name, bytes) of the event files directly in a memory:// directory, name order."""
    fs = fsspec.filesystem("memory")
    root = url[len("memory://") :]
    if not fs.exists(root):
        return []
    paths = sorted(p for p in fs.ls(root, detail=False) if "tfevents" in p.rsplit("/", 1)[-1])
    return [(p.rsplit("/", 1)[-1], fs.cat_file(p)) for p in paths]


def check_segments(segments: list[tuple[str, bytes]], tmp_path: Any) -> list[list[Event]]:
    """Each segment is a valid event file of its own; returns each one's events.

    Checked: the name pattern, name order = creation order (the counter), every CRC and
    event (validate_file), the brain.Event:2 header first, and in each segment the first
    value of each tag carries its metadata and later ones do not (torch's forms of images,
    audio and histograms, the default, carry none).
    """
    out = []
    counters = []
    for name, data in segments:
        match = SEGMENT_NAME.match(name)
        assert match, name
        counters.append(int(match.group(3)))
        path = tmp_path / f"segment-{len(out):04d}-{name}"
        path.write_bytes(data)
        report = validate_file(str(path))
        assert report.ok and report.truncated_bytes == 0, report
        events = list(read_events(str(path), allow_truncated=False))
        assert events[0].file_version == messages.FILE_VERSION
        seen: set[str] = set()
        for event in events[1:]:
            for value in event.values:
                # torch's forms (the default) of images, audio and histograms carry none
                first = value.tag not in seen and value.kind not in ("image", "audio", "histogram")
                assert (value.metadata is not None) == first, (name, value.tag)
                seen.add(value.tag)
        out.append(events[1:])
    assert counters == sorted(counters)
    return out


def summary_points(events: list[Event]) -> list[tuple[str, int, Any]]:
    points = []
    for event in events:
        for value in event.values:
            points.append((value.tag, event.step, value.value))
    return points


def same_points(got: list[tuple[str, int, Any]], expected: list[tuple[str, int, Any]]) -> None:
    assert [(t, s) for t, s, _ in got] == [(t, s) for t, s, _ in expected]
    for (tag, step, a), (_, _, b) in zip(got, expected):
        if isinstance(b, np.ndarray):  # an image: the reader gives [samples, h, w, c]
            np.testing.assert_array_equal(a, b[np.newaxis], err_msg=f"{tag}@{step}")
        else:
            assert a == pytest.approx(float(np.float32(b)), rel=0, abs=0), (tag, step)


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)


def log_batches(writer: SummaryWriter, batches: int) -> list[tuple[str, int, Any]]:
    """Logs ``batches`` flushed batches of scalars and images; returns what was logged."""
    expected: list[tuple[str, int, Any]] = []
    step = 0
    for batch in range(batches):
        for _ in range(7):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            expected.append(("loss", step, 1.0 / (step + 1)))
            if step % 3 == 0:
                writer.add_scalar("acc", step / 100.0, step)
                expected.append(("acc", step, step / 100.0))
            step += 1
        img = image(batch)
        writer.add_image("sample", img, step, dataformats="HWC")
        expected.append(("sample", step, img))
        writer.flush()
        writer.flush()  # nothing new: no empty segment
    return expected


# --- URL handling -----------------------------------------------------------------------


class _UPathLike:
    """Stands for universal_pathlib's UPath: a URL whose os.fspath is not the URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return self.url

    def __fspath__(self) -> str:
        raise NotImplementedError("not a local path")


def test_logdir_strings() -> None:
    assert is_remote("s3://bucket/run") and is_remote("memory://x") and is_remote("gs://b")
    assert is_remote("simplecache::s3://bucket/run")
    assert not is_remote("runs/a") and not is_remote("file:///tmp/x") and not is_remote("C:\\runs")
    assert not is_remote("runs/a://b")
    assert logdir_string("s3://bucket/run/") == "s3://bucket/run"
    assert logdir_string("s3://bucket/run\\sub") == "s3://bucket/run/sub"
    assert logdir_string("file:///tmp/some%20run") == "/tmp/some run"
    assert logdir_string(_UPathLike("gs://b/run")) == "gs://b/run"
    with pytest.raises(ValueError, match="local path"):
        logdir_string("file://otherhost/tmp/x")
    assert join_logdir("s3://bucket/run", "rank_1") == "s3://bucket/run/rank_1"


def test_file_url_and_paths_stay_local(tmp_path: Any) -> None:
    storage = open_storage((tmp_path / "a").as_uri(), storage_options={"x": 1})
    try:
        assert isinstance(storage, LocalEventFile) and storage.logdir == str(tmp_path / "a")
    finally:
        storage.close()
    with SummaryWriter((tmp_path / "b").as_uri(), flush_secs=FAR) as writer:
        writer.add_scalar("x", 1.0, 1)
        assert writer.get_logdir() == str(tmp_path / "b")
    assert len(os.listdir(tmp_path / "b")) == 1


def test_fsspec_imported_only_for_urls(tmp_path: Any) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from tfevents import SummaryWriter
        with SummaryWriter({str(tmp_path)!r}) as w:
            w.add_scalar("x", 1.0)
            w.add_scalars("m", {{"a": 1.0}})
        assert "fsspec" not in sys.modules, "fsspec imported for a local log_dir"
        with SummaryWriter("memory://imported/run") as w:
            w.add_scalar("x", 1.0)
        assert "fsspec" in sys.modules
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_url_subruns_never_become_local_folders(
    mem_root: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(_UPathLike(mem_root + "/run"), flush_secs=FAR) as writer:
        assert writer.get_logdir() == mem_root + "/run"
        writer.add_scalar("x", 1.0, 1)
        writer.add_scalars("loss", {"train": 0.5, "val": 0.75}, 2)
        writer.add_hparams({"lr": 0.1}, {"metric": 3.0}, run_name="hp")
    assert os.listdir(tmp_path) == []  # no local "memory:" folder
    for sub, expected in [("run", [("x", 1, 1.0)]),
                          ("run/loss_train", [("loss", 2, 0.5)]),
                          ("run/loss_val", [("loss", 2, 0.75)])]:
        [events] = check_segments(memory_segments(f"{mem_root}/{sub}"), tmp_path)
        same_points(summary_points(events), expected)
    [hp_events] = check_segments(memory_segments(f"{mem_root}/run/hp"), tmp_path)
    tags = [tag for tag, _, _ in summary_points(hp_events)]
    assert "metric" in tags and "_hparams_/experiment" in tags


# --- segments on memory:// --------------------------------------------------------------


def test_one_immutable_segment_per_write(mem_root: str, tmp_path: Any) -> None:
    url = mem_root + "/run"
    writer = SummaryWriter(url, flush_secs=FAR)
    assert writer.get_logdir() == url
    expected = log_batches(writer, 4)
    writer.add_histogram("weights", np.arange(10.0), 99)
    writer.close()
    segments = memory_segments(url)
    assert len(segments) == 5  # four flushed batches and the close; no empty segment
    assert writer.event_file_path == f"{url}/{segments[-1][0]}"
    per_segment = check_segments(segments, tmp_path)
    logged = [p for events in per_segment for p in summary_points(events)]
    same_points(logged[:-1], expected)
    assert logged[-1][:2] == ("weights", 99)
    # Each flushed batch is a segment of its own, its tags' metadata repeated.
    assert [len(summary_points(events)) for events in per_segment] == [11, 10, 10, 11, 1]


def wait_until(ready: Any, what: str, limit: float = 60.0) -> None:
    """Polls ``ready()``; the limit only keeps a broken build from hanging the suite."""
    deadline = time.monotonic() + limit
    while not ready():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_background_writes_make_segments(mem_root: str, tmp_path: Any) -> None:
    url = mem_root + "/run"
    writer = SummaryWriter(url, flush_secs=0.05)
    expected = []
    for step in range(50):
        writer.add_scalar("loss", float(step), step)
        expected.append(("loss", step, float(step)))
        if step % 10 == 9:  # let the background writer write a segment, without flush()
            wait_until(lambda n=step // 10 + 1: len(memory_segments(url)) >= n, "a background write")
    writer.close()
    per_segment = check_segments(memory_segments(url), tmp_path)
    assert len(per_segment) >= 5
    same_points([p for events in per_segment for p in summary_points(events)], expected)


def test_oversized_batch_is_cut_into_segments(mem_root: str, tmp_path: Any) -> None:
    url = mem_root + "/run"
    writer = SummaryWriter(url, flush_secs=FAR)
    writer._run.queue.storage.segment_bytes = 1500
    expected = []
    for step in range(120):
        writer.add_scalar("loss", float(step), step)
        expected.append(("loss", step, float(step)))
        if step % 40 == 0:
            img = image(step)
            writer.add_image("sample", img, step, dataformats="HWC")
            expected.append(("sample", step, img))
    writer.close()
    segments = memory_segments(url)
    assert len(segments) >= 4
    assert all(len(data) < 3 * 1500 for _, data in segments)
    per_segment = check_segments(segments, tmp_path)
    same_points([p for events in per_segment for p in summary_points(events)], expected)


def test_segment_names_sort_in_creation_order_when_the_clock_steps_back(
    mem_root: str, tmp_path: Any
) -> None:
    url = mem_root + "/run"
    with SummaryWriter(url, flush_secs=FAR) as writer:
        writer.add_scalar("x", 1.0, 1)
        writer.flush()
        sink = writer._run.queue.storage
        sink._last_stamp += 3 * 86400  # the last segment's time is 3 days "ahead"
        writer.add_scalar("x", 2.0, 2)
        writer.flush()
        writer.add_scalar("x", 3.0, 3)
    segments = memory_segments(url)
    stamps = [int(SEGMENT_NAME.match(name).group(1)) for name, _ in segments]  # type: ignore[union-attr]
    assert stamps[1] == stamps[2] >= stamps[0] + 3 * 86400
    per_segment = check_segments(segments, tmp_path)
    assert [summary_points(e)[0][1] for e in per_segment] == [1, 2, 3]


def test_purge_step_opens_the_first_segment(mem_root: str, tmp_path: Any) -> None:
    url = mem_root + "/run"
    with SummaryWriter(url, flush_secs=FAR, purge_step=7) as writer:
        writer.add_scalar("x", 1.0, 7)
        writer.flush()
        writer.add_scalar("x", 2.0, 8)
    segments = memory_segments(url)
    paths = []
    for name, data in segments:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    first = list(read_events(str(paths[0])))
    assert first[1].session_log_status == messages.SESSION_START and first[1].step == 7
    assert all(e.session_log_status is None for e in read_events(str(paths[1])))


def test_failed_upload_is_kept_and_retried_under_the_same_name(
    mem_root: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = mem_root + "/run"
    storage = RemoteSegments(url, segment_bytes=600)
    sink = EventQueue(storage, flush_secs=FAR, max_queue=10)
    fs = storage._fs
    real_pipe = fs.pipe_file
    attempts: list[str] = []
    failing = {"count": 2}

    def flaky_pipe(path: str, value: bytes, **kwargs: Any) -> None:
        attempts.append(path.rsplit("/", 1)[-1])
        # The second segment of the batch fails: first with a client error that is
        # not an OSError (as botocore's are), then with a plain OSError.
        if len(attempts) >= 2 and failing["count"]:
            failing["count"] -= 1
            if failing["count"] == 1:
                raise RuntimeError("connection reset by peer")
            raise ConnectionError("still down")
        real_pipe(path, value, **kwargs)

    monkeypatch.setattr(fs, "pipe_file", flaky_pipe)
    expected = []
    try:
        for step in range(40):
            sink.add_scalar("loss", float(step), step, 2000.0 + step)
            expected.append(("loss", step, float(step)))
        with pytest.raises(WriteFailedError, match="connection reset by peer") as info:
            sink.flush()
        assert isinstance(info.value, OSError)
        assert url in str(info.value) and "retried" in str(info.value)
        done_before = len(memory_segments(url))
        assert done_before == 1  # the first segment is up; the rest are kept
        with pytest.raises(WriteFailedError, match="still down"):
            sink.flush()
        for step in range(40, 45):  # logged while the store was down
            sink.add_scalar("loss", float(step), step, 2000.0 + step)
            expected.append(("loss", step, float(step)))
        sink.flush()
    finally:
        monkeypatch.undo()
        sink.close()
    segments = memory_segments(url)
    names = [name for name, _ in segments]
    # Segment 1 was uploaded once; segment 2 was tried three times under one name.
    assert attempts[0] == names[0] and attempts[1] == attempts[2] == attempts[3] == names[1]
    assert sorted(set(attempts)) == names and attempts.count(names[0]) == 1
    per_segment = check_segments(segments, tmp_path)
    same_points([p for events in per_segment for p in summary_points(events)], expected)


# --- the layout each store gets, and files beside the event file ------------------------


def test_object_stores_grow_one_object_and_other_stores_get_segments(mem_root: str) -> None:
    from tfevents.sinks.growing import GrowingObject

    s3 = open_storage("s3://bucket/run", storage_options={"anon": True})
    assert isinstance(s3, GrowingObject) and not s3.new_file_per_write and s3.needs_network
    memory = open_storage(mem_root + "/run")
    assert isinstance(memory, RemoteSegments) and memory.min_write_secs == 0
    chained = open_storage(f"simplecache::{mem_root}/run")
    assert isinstance(chained, RemoteSegments) and chained.min_write_secs == DEFAULT_SEGMENT_SECS
    local = open_storage(mem_root.replace("memory://", "/tmp/"))
    assert not local.needs_network and local.min_write_secs == 0
    local.close()


def test_segment_stores_are_written_in_the_background_at_most_every_30_s(mem_root: str) -> None:
    storage = RemoteSegments(mem_root + "/run", min_write_secs=DEFAULT_SEGMENT_SECS)
    sink = EventQueue(storage, flush_secs=0.05, max_queue=10)
    try:
        before = time.monotonic()
        sink.add_scalar("loss", 1.0, 1, 1.0)
        assert sink.write_interval == DEFAULT_SEGMENT_SECS
        assert sink.next_write_due >= before + DEFAULT_SEGMENT_SECS - 1
        sink.flush()  # flush() writes at once, whatever the interval
        assert len(memory_segments(mem_root + "/run")) == 1
        assert sink.next_write_due >= before + DEFAULT_SEGMENT_SECS - 1
    finally:
        sink.close()


def test_write_file_replaces_files_beside_the_event_files(mem_root: str, tmp_path: Any) -> None:
    local = LocalEventFile(str(tmp_path / "run"))
    segments = RemoteSegments(mem_root + "/run")
    memory = MemoryFiles()
    for storage in (local, segments, memory):
        storage.write_file("projector_config.pbtxt", b"old")
        storage.write_file("projector_config.pbtxt", b"embeddings {\n}\n")
        storage.write_file("00003/emb/tensors.tsv", b"1\t2\n")
        for bad in ("", "/abs", "../up", "a/../b", "a//b", "a\\b", "./a"):
            with pytest.raises(ValueError, match="relative_path"):
                storage.write_file(bad, b"x")
        with pytest.raises(TypeError, match="relative_path"):
            storage.write_file(b"bytes", b"x")  # type: ignore[arg-type]
    assert sorted(os.listdir(tmp_path / "run")) == ["00003", "projector_config.pbtxt"]
    assert (tmp_path / "run" / "projector_config.pbtxt").read_bytes() == b"embeddings {\n}\n"
    assert (tmp_path / "run" / "00003" / "emb" / "tensors.tsv").read_bytes() == b"1\t2\n"
    fs = fsspec.filesystem("memory")
    root = mem_root[len("memory://") :] + "/run"
    assert fs.cat_file(root + "/projector_config.pbtxt") == b"embeddings {\n}\n"
    assert fs.cat_file(root + "/00003/emb/tensors.tsv") == b"1\t2\n"
    assert memory.other_files == {
        "projector_config.pbtxt": b"embeddings {\n}\n", "00003/emb/tensors.tsv": b"1\t2\n",
    }
    queue = EventQueue(MemoryFiles(), flush_secs=FAR, max_queue=10)  # the writer's way in
    try:
        queue.write_file("projector_config.pbtxt", b"through the queue")
        assert queue.storage.other_files == {"projector_config.pbtxt": b"through the queue"}  # type: ignore[attr-defined]
    finally:
        queue.close()


def test_storage_options_must_be_a_mapping(mem_root: str) -> None:
    with pytest.raises(TypeError, match="storage_options"):
        SummaryWriter(mem_root, storage_options=["anon"])  # type: ignore[arg-type]


# --- TensorBoard reads a segmented run --------------------------------------------------

TB_BATCHES = 6


@pytest.fixture(scope="module")
def mirrored_logdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A run written to memory:// in several segments, copied to a local folder."""
    root = f"/tfevents-tb-{uuid.uuid4().hex}"
    url = "memory:/" + root
    expected: dict[tuple[str, str], list[tuple[int, float]]] = {}
    with SummaryWriter(url + "/seg", flush_secs=FAR) as writer:
        for batch in range(TB_BATCHES):
            for i in range(5):
                step = batch * 5 + i
                writer.add_scalar("loss", 10.0 - step * 0.25, step, walltime=1e9 + step)
                expected.setdefault(("seg", "loss"), []).append((step, 10.0 - step * 0.25))
            if batch % 2:
                writer.add_scalar("lr", 0.5 ** batch, batch, walltime=1e9 + batch)
                expected.setdefault(("seg", "lr"), []).append((batch, 0.5 ** batch))
            writer.add_scalars("cmp", {"x": float(batch), "y": -float(batch)}, batch,
                               walltime=1e9 + batch)
            expected.setdefault(("seg/cmp_x", "cmp"), []).append((batch, float(batch)))
            expected.setdefault(("seg/cmp_y", "cmp"), []).append((batch, -float(batch)))
            writer.flush()
    fs = fsspec.filesystem("memory")
    local = tmp_path_factory.mktemp("mirror")
    count = 0
    for path in fs.find(root):
        target = local / os.path.relpath(path, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fs.cat_file(path))
        count += 1
    fs.rm(root, recursive=True)
    assert count == 3 * TB_BATCHES  # a segment per flush in each of the three runs
    yield local, expected


@pytest.mark.server
def test_tensorboard_shows_every_segment(
    load_fast: bool, tensorboard_factory: Any, mirrored_logdir: Any
) -> None:
    local, expected = mirrored_logdir
    server = tensorboard_factory(str(local), load_fast)
    try:
        for (run, tag), points in expected.items():
            count = len(points)
            got = server.wait_for_json(
                "/data/plugin/scalars/scalars",
                lambda pts, n=count: len(pts) >= n,
                run=run,
                tag=tag,
            )
            assert [(s, v) for _, s, v in got] == [(s, pytest.approx(v)) for s, v in points]
    finally:
        server.stop()
