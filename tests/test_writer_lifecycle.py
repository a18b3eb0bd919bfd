"""SummaryWriter's life: flush, close, reopen, exit, garbage collection, threads, fork.

No timing assertions: where the background thread is awaited, the file is polled with a
generous overall timeout and only its contents are asserted.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2

import tfevents
from _reliability_helpers import assert_valid, files_in
from tfevents.reader import event_files, read_events, read_run_scalars

SummaryWriter = tfevents.SummaryWriter
NEVER = 1e6  # a flush_secs that never comes during a test
HUGE_QUEUE = 10**9
POLL_TIMEOUT = 60.0  # overall limit when waiting for the background thread


def count_values(path: str, tag: str | None = None) -> int:
    return sum(
        1 for e in read_events(path) for v in e.values if tag is None or v.tag == tag
    )


def tb_raw_events(path: str) -> list[event_pb2.Event]:
    return [event_pb2.Event.FromString(r) for r in RawEventFileLoader(path).Load()]


def wait_for(predicate, timeout: float = POLL_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def run_script(source: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- flush --------------------------------------------------------------------------------


def test_flush_returns_when_everything_is_in_the_file(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE)
    path = w.event_file_path
    for i in range(10_000):
        w.add_scalar("loss", float(i) / 7, i)
    for i in range(50):
        w.add_histogram("h", np.arange(i + 1), i)
    w.add_text("t", "hello", 0)
    w.add_scalars("multi", {"a": 1.0, "b": 2.0}, 3)
    # Nothing is due yet: the queue is held in memory.
    assert count_values(path) == 0
    w.flush()
    steps: dict[str, list[int]] = {}
    values: dict[str, list] = {}
    for event in read_events(path):
        for value in event.values:
            steps.setdefault(value.tag, []).append(event.step)
            values.setdefault(value.tag, []).append(value.value)
    assert steps["loss"] == list(range(10_000))
    assert values["loss"] == [float(np.float32(i / 7)) for i in range(10_000)]
    assert steps["h"] == list(range(50))
    assert [table[:, 2].sum() for table in values["h"]] == [i + 1 for i in range(50)]
    # add_text's default form (torch's): a one-cell table under t/text_summary
    assert [v.tolist() for v in values["t/text_summary"]] == [[b"hello"]]
    for key, expected in (("a", 1.0), ("b", 2.0)):
        (sub,) = event_files(str(tmp_path))[f"multi_{key}"]
        assert read_run_scalars(sub)["multi"].values.tolist() == [expected]
    # Logged after the flush: again held, and again written by the next flush.
    w.add_scalar("loss", -1.0, 10_000)
    w.flush(fsync=True)
    tb_steps = [e.step for e in tb_raw_events(path) for v in e.summary.value if v.tag == "loss"]
    assert tb_steps == list(range(10_001))
    w.close()
    assert_valid(tmp_path)


def test_flush_with_nothing_pending_and_flush_after_close(tmp_path):
    w = SummaryWriter(tmp_path)
    w.flush()
    w.flush(fsync=True)
    w.add_scalar("x", 1.0)
    w.close()
    w.flush()  # nothing to do, no error, no new file
    assert len(files_in(tmp_path)) == 1
    assert count_values(files_in(tmp_path)[0]) == 1
    assert_valid(tmp_path)


# --- close --------------------------------------------------------------------------------


def test_close_is_idempotent(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE)
    for i in range(100):
        w.add_scalar("x", float(i), i)
    w.close()
    (path,) = files_in(tmp_path)
    with open(path, "rb") as f:
        first = f.read()
    w.close()
    w.close()
    with open(path, "rb") as f:
        assert f.read() == first
    assert files_in(tmp_path) == [path]
    assert read_run_scalars(path)["x"].steps.tolist() == list(range(100))
    assert_valid(tmp_path)


def test_logging_after_close_opens_a_new_file(tmp_path):
    w = SummaryWriter(tmp_path, purge_step=5)
    w.add_scalar("x", 1.0, 5)
    w.add_scalars("m", {"a": 1.0}, 5)
    w.close()
    (first,) = files_in(tmp_path)

    w.add_scalar("x", 2.0, 6)
    w.add_histogram("h", [1.0, 2.0], 6)
    w.add_scalars("m", {"a": 2.0}, 6)
    w.close()
    second = [f for f in files_in(tmp_path) if f != first]
    assert len(second) == 1
    second = second[0]

    w.add_text("t", "third", 7)
    w.close()
    third = [f for f in files_in(tmp_path) if f not in (first, second)]
    assert len(third) == 1
    third = third[0]

    def purges(path):
        return [e.step for e in read_events(path) if e.session_log_status is not None]

    assert purges(first) == [5]
    assert purges(second) == [] and purges(third) == []
    for path in (first, second, third):
        assert next(read_events(path)).file_version == "brain.Event:2"
    assert read_run_scalars(first)["x"].steps.tolist() == [5]
    assert read_run_scalars(second)["x"].steps.tolist() == [6]
    assert count_values(second, "h") == 1
    assert [v.value.tolist() for e in read_events(third) for v in e.values] == [[b"third"]]
    sub = event_files(str(tmp_path))["m_a"]
    assert len(sub) == 2
    assert [read_run_scalars(p)["m"].values.tolist() for p in sub] == [[1.0], [2.0]]
    assert_valid(tmp_path)


def test_context_manager(tmp_path):
    with SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE) as w:
        assert isinstance(w, SummaryWriter)
        w.add_scalar("x", 3.0, 1)
    assert read_run_scalars(str(tmp_path))["x"].values.tolist() == [3.0]
    assert_valid(tmp_path)


def test_context_manager_closes_on_exception(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), \
            SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE) as w:
        w.add_scalar("x", 4.0, 2)
        raise RuntimeError("boom")
    assert read_run_scalars(str(tmp_path))["x"].values.tolist() == [4.0]
    assert_valid(tmp_path)


# --- exit and garbage collection ----------------------------------------------------------


EXIT_SCRIPT = """
    import sys
    import tfevents
    w = tfevents.SummaryWriter(sys.argv[1], flush_secs=1e6, max_queue=10**9)
    for i in range(1000):
        w.add_scalar("x", float(i), i)
    w.add_histogram("h", [1.0, 2.0, 3.0], 0)
    w.add_text("t", "bye", 0)
    print(w.event_file_path, flush=True)
    if sys.argv[2] == "raise":
        raise SystemExit(3)
    if sys.argv[2] == "error":
        raise RuntimeError("unhandled")
"""


@pytest.mark.parametrize("how,rc", [("normal", 0), ("raise", 3), ("error", 1)])
def test_data_reaches_disk_at_interpreter_exit(tmp_path, how, rc):
    result = run_script(EXIT_SCRIPT, str(tmp_path), how)
    assert result.returncode == rc, result.stderr
    assert "tfevents" not in result.stderr.replace(str(tmp_path), "")
    path = result.stdout.strip()
    assert files_in(tmp_path) == [path]
    assert read_run_scalars(path)["x"].steps.tolist() == list(range(1000))
    assert count_values(path, "h") == 1
    assert count_values(path, "t/text_summary") == 1  # add_text's default form (torch's)
    assert_valid(tmp_path)


GC_SCRIPT = """
    import gc, os, sys
    import tfevents
    from tfevents.reader import read_events
    w = tfevents.SummaryWriter(sys.argv[1], flush_secs=1e6, max_queue=10**9)
    for i in range(100):
        w.add_scalar("x", float(i), i)
    w.add_histogram("h", [1.0, 2.0], 0)
    path = w.event_file_path
    del w
    gc.collect()
    steps = [e.step for e in read_events(path) for v in e.values if v.tag == "x"]
    hists = sum(1 for e in read_events(path) for v in e.values if v.tag == "h")
    print(steps == list(range(100)), hists, len(os.listdir(sys.argv[1])), flush=True)
    os._exit(0)  # no atexit: only the garbage collection can have written it
"""


def test_garbage_collected_writer_writes_what_it_holds(tmp_path):
    result = run_script(GC_SCRIPT, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "1"]
    assert_valid(tmp_path)


# --- the background thread ----------------------------------------------------------------


def test_background_thread_writes_within_flush_secs(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=0.2, max_queue=HUGE_QUEUE)
    path = w.event_file_path
    for i in range(5):
        w.add_scalar("live", float(i), i)
    assert wait_for(lambda: count_values(path, "live") == 5)
    w.add_histogram("h", [1.0], 0)
    w.add_scalar("live", 5.0, 5)
    assert wait_for(lambda: count_values(path, "live") == 6 and count_values(path, "h") == 1)
    assert read_run_scalars(path)["live"].steps.tolist() == list(range(6))
    w.close()
    assert_valid(tmp_path)


def test_default_flush_secs_is_live(tmp_path):
    w = SummaryWriter(tmp_path)
    assert w.flush_secs < 5  # TensorBoard polls every 5 s: the default must keep up
    w.add_scalar("live", 1.0, 0)
    assert wait_for(lambda: count_values(w.event_file_path, "live") == 1)
    w.close()


def test_background_thread_stops_as_torchs_does(tmp_path):
    """Lightning's conftest stops every daemon thread a test leaves behind and asserts it
    ended: stop() writes what is pending and ends the thread; the next call starts one."""
    before = set(threading.enumerate())
    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE)
    path = w.event_file_path
    for i in range(5):
        w.add_scalar("x", float(i), i)
    w.add_text("t", "a note", 0)
    (left,) = set(threading.enumerate()) - before
    assert left.daemon
    left.stop()
    assert not left.is_alive()
    assert count_values(path, "x") == 5 and count_values(path) == 6  # the text too
    left.stop()  # a second stop: nothing to do
    w.add_scalar("x", 5.0, 5)  # starts a new thread, which writes it soon
    (again,) = set(threading.enumerate()) - before
    assert again is not left
    assert wait_for(lambda: count_values(path, "x") == 6)
    w.close()
    assert set(threading.enumerate()) - before == set()
    assert read_run_scalars(path)["x"].steps.tolist() == list(range(6))


def test_full_queue_wakes_the_background_thread(tmp_path):
    """max_queue wakes the writer early, but never for fewer than MIN_WAKE_BATCH events
    (tiny batches cost more per event); 8 MB of pending values wake it too."""
    from tfevents.pipeline.queue import MAX_PENDING_BYTES, MIN_WAKE_BATCH

    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=10)
    path = w.event_file_path
    for i in range(MIN_WAKE_BATCH):
        w.add_scalar("q", float(i), i)
    assert wait_for(lambda: count_values(path, "q") == MIN_WAKE_BATCH)
    noise = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    png_size = 512 * 512 * 3  # noise does not compress
    count = MAX_PENDING_BYTES // png_size + 2
    for i in range(count):
        w.add_image("noise", noise, i, dataformats="HWC")
    # Far fewer than MIN_WAKE_BATCH entries: only the pending bytes can have woken it.
    assert count < MIN_WAKE_BATCH
    assert wait_for(lambda: count_values(path, "noise") >= count - 1)
    w.close()
    assert_valid(tmp_path)


def test_huge_max_queue_still_bounds_the_backlog(tmp_path):
    """max_queue larger than MAX_BACKLOG (a way to say "never flush by count") does not
    let the queue grow without bound: the calling thread writes once MAX_BACKLOG events
    are pending, as it does when the background thread falls behind."""
    from tfevents.pipeline.queue import MAX_BACKLOG

    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=10**9)
    path = w.event_file_path
    for i in range(3 * MAX_BACKLOG + 5):
        w.add_scalar("q", float(i), i)
        assert len(w._run.queue.entries) < MAX_BACKLOG
    assert count_values(path, "q") == 3 * MAX_BACKLOG  # written by the caller, no flush
    w.close()
    assert count_values(path, "q") == 3 * MAX_BACKLOG + 5
    assert_valid(tmp_path)


# --- threads ------------------------------------------------------------------------------


def test_eight_threads_log_to_one_writer(tmp_path):
    w = SummaryWriter(tmp_path)
    per_thread = 10_000
    barrier = threading.Barrier(8)
    errors = []

    def work(k: int) -> None:
        try:
            barrier.wait()
            tag = f"thread{k}"
            for i in range(per_thread):
                w.add_scalar(tag, float(i * 8 + k), i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    w.close()
    (path,) = files_in(tmp_path)
    # TensorBoard's own parse of every record (it checks the CRCs as it reads).
    per_tag: dict[str, list[tuple[int, float, float]]] = {}
    for event in tb_raw_events(path)[1:]:
        (value,) = event.summary.value
        per_tag.setdefault(value.tag, []).append((event.step, value.simple_value, event.wall_time))
    assert sorted(per_tag) == [f"thread{k}" for k in range(8)]
    assert sum(len(points) for points in per_tag.values()) == 8 * per_thread
    for k in range(8):
        steps, values, _walls = zip(*per_tag[f"thread{k}"])
        assert list(steps) == list(range(per_thread))  # call order within the thread
        assert list(values) == [float(i * 8 + k) for i in range(per_thread)]
    assert_valid(tmp_path)  # and tfevents' reader parses all 80,000


def test_flush_from_one_thread_while_others_log(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=50)
    stop = threading.Event()
    flushes = [0]

    def flusher():
        while not stop.is_set():
            w.flush()
            flushes[0] += 1

    f = threading.Thread(target=flusher)
    f.start()
    try:
        for i in range(5000):
            w.add_scalar("x", float(i), i)
            if i % 100 == 0:
                w.add_histogram("h", [float(i)], i)
    finally:
        stop.set()
        f.join()
    w.close()
    series = read_run_scalars(str(tmp_path))
    assert series["x"].steps.tolist() == list(range(5000))
    assert count_values(files_in(tmp_path)[0], "h") == 50
    assert flushes[0] > 0
    assert_valid(tmp_path)


# --- fork -----------------------------------------------------------------------------------
#
# The child must leave through os._exit whatever happens, never back into pytest.


def wait_child(pid: int) -> None:
    deadline = time.monotonic() + POLL_TIMEOUT
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish")
        time.sleep(0.02)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def test_writer_used_across_fork(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=NEVER, max_queue=HUGE_QUEUE)
    parent_path = w.event_file_path
    w.add_scalar("parent", 1.0, 0)  # still queued at fork time
    w.add_histogram("parent_h", [1.0], 0)
    pid = os.fork()
    if pid == 0:  # the child: must leave through os._exit whatever happens
        code = 1
        try:
            w.add_scalar("child", 2.0, 1)
            w.add_histogram("child_h", [2.0], 1)
            w.close()
            code = 0
        finally:
            os._exit(code)
    wait_child(pid)
    w.add_scalar("parent", 3.0, 2)
    w.close()

    files = files_in(tmp_path)
    assert len(files) == 2
    (child_path,) = [f for f in files if f != parent_path]
    assert f".{pid}." in os.path.basename(child_path)
    assert f".{os.getpid()}." in os.path.basename(parent_path)
    parent_tags = sorted({v.tag for e in read_events(parent_path) for v in e.values})
    assert parent_tags == ["parent", "parent_h"]
    assert read_run_scalars(parent_path)["parent"].steps.tolist() == [0, 2]
    assert count_values(parent_path, "parent_h") == 1
    child_tags = sorted({v.tag for e in read_events(child_path) for v in e.values})
    assert child_tags == ["child", "child_h"]
    assert read_run_scalars(child_path)["child"].values.tolist() == [2.0]
    assert next(read_events(child_path)).file_version == "brain.Event:2"
    assert_valid(tmp_path)


_POOL_WRITER = None  # set before the pool forks: the workers inherit it


def _log_in_pool_worker(i):
    """A multiprocessing worker (fork start method) logging to a writer it inherited."""
    w = _POOL_WRITER
    w.add_scalar("worker", float(i), i)
    w.flush()  # multiprocessing children end with os._exit: what is not flushed is lost
    return os.getpid()


def test_writer_used_by_multiprocessing_fork_workers(tmp_path):
    """multiprocessing's fork start method: no deadlock (the parent's background thread
    may hold locks at fork time), each worker writes its own file, the parent's stays whole."""
    import multiprocessing

    global _POOL_WRITER
    w = _POOL_WRITER = SummaryWriter(tmp_path, flush_secs=0.05)
    parent_path = w.event_file_path
    for i in range(2000):  # keep the parent's background thread busy across the forks
        w.add_scalar("parent", float(i), i)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        pids = pool.map(_log_in_pool_worker, range(6), chunksize=1)
    _POOL_WRITER = None
    w.add_scalar("parent", -1.0, 2000)
    w.close()

    assert read_run_scalars(parent_path)["parent"].steps.tolist() == list(range(2001))
    assert sorted({v.tag for e in read_events(parent_path) for v in e.values}) == ["parent"]
    worker_steps = []
    for path in files_in(tmp_path):
        if path != parent_path:
            assert any(f".{pid}." in os.path.basename(path) for pid in set(pids)), path
            series = read_run_scalars(path)
            assert list(series) == ["worker"]
            worker_steps += series["worker"].steps.tolist()
    assert sorted(worker_steps) == list(range(6))
    assert_valid(tmp_path)


def test_forked_child_that_logs_nothing_leaves_no_file(tmp_path):
    # DataLoader workers and the like inherit the writer but never log: they must not
    # litter the run with empty event files.
    w = SummaryWriter(tmp_path, flush_secs=0.05)
    w.add_scalar("parent", 1.0, 0)
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(0.5)  # ten flush intervals: room for the child's background thread
        finally:
            os._exit(0)
    wait_child(pid)
    w.close()
    assert files_in(tmp_path) == [w.event_file_path]
    assert read_run_scalars(w.event_file_path)["parent"].values.tolist() == [1.0]
    assert_valid(tmp_path)


# --- resources ----------------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_many_writers_leak_no_threads_or_fds(tmp_path):
    """1,000 writers opened, used and closed: no thread or file descriptor is left."""
    # Warm up: the shared thread may start with the first writer of the process.
    with SummaryWriter(tmp_path / "warm") as w:
        w.add_scalar("x", 1.0)
    gc.collect()
    threads_before = set(threading.enumerate())
    count_before = threading.active_count()
    fds_before = _open_fds()
    for i in range(1000):
        w = SummaryWriter(tmp_path / f"run{i}")
        w.add_scalar("x", float(i), i)
        if i % 2:
            w.add_scalars("m", {"a": 1.0}, i)
        w.close()
    del w
    gc.collect()
    new_threads = [t for t in threading.enumerate() if t not in threads_before]
    assert all(t.name == "tfevents-writer" for t in new_threads), new_threads
    assert threading.active_count() <= count_before + 1
    assert sum(t.name == "tfevents-writer" for t in threading.enumerate()) <= 1
    assert _open_fds() == fds_before
    for i in (0, 1, 999):
        assert read_run_scalars(str(tmp_path / f"run{i}"))["x"].values.tolist() == [float(i)]
    assert_valid(tmp_path)
