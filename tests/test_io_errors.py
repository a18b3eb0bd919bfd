"""Disk full and I/O errors: the failing flush says what happened, the file keeps every
record written before and never holds a partial record in its middle, and when the disk
works again the kept events are written, once each, in the order they were logged.

Faults are injected by replacing the ``os`` module seen by ``tfevents.sinks.local``
with ``FaultyOs`` (``_reliability_helpers``), whose ``write`` can raise, or write part of
its buffer and then raise on the next call, as a filling disk does. The last test uses a
real full filesystem: a 64 kB tmpfs mounted for the test (the tests run as root). If the
mount is refused, that test falls back to an emulated one (a byte quota enforced on
``write``) rather than skipping; the emulated one runs as well in any case.
"""

from __future__ import annotations

import errno
import gc
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tfevents
from _reliability_helpers import (
    HUGE_QUEUE,
    NEVER,
    FaultyOs,
    assert_valid,
    event_files_under,
    record_offsets,
    run_python,
    summary_values,
    wait_until,
)
from tfevents import WriteFailedError
from tfevents.sinks import local as event_file_module


def oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FaultyOs:
    faulty = FaultyOs()
    monkeypatch.setattr(event_file_module, "os", faulty)
    return faulty


def quiet_writer(logdir: Any) -> tfevents.SummaryWriter:
    """No background writes: only flush() and close() write."""
    return tfevents.SummaryWriter(logdir, flush_secs=NEVER, max_queue=HUGE_QUEUE)


def log_batch(w: tfevents.SummaryWriter, start: int, count: int = 10) -> list[tuple[str, int]]:
    """Logs scalars, an image and a text; returns the (tag, step) of each call, in order."""
    calls = []
    for step in range(start, start + count):
        w.add_scalar("loss", step * 0.5, step)
        calls.append(("loss", step))
    w.add_image("img", np.full((3, 6, 7), (start % 7) / 7.0), start)
    w.add_text("note", f"batch {start}", start)
    return [*calls, ("img", start), ("note/text_summary", start)]  # add_text: torch's tag


def file_calls(path: str) -> list[tuple[str, int]]:
    return [(tag, step) for tag, step, _ in summary_values(path)]


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def check_error(exc: WriteFailedError, path: str, code: int) -> None:
    assert isinstance(exc, OSError)
    assert exc.errno == code
    message = str(exc)
    assert os.strerror(code) in message, message
    assert path in message, message
    assert "kept" in message and "retried" in message, message


# --- injected faults ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EDQUOT])
def test_failed_flush_keeps_the_file_whole_and_recovers(tmp_path: Any, fake: FaultyOs, code: int) -> None:
    w = quiet_writer(tmp_path)
    path = w.event_file_path
    good = log_batch(w, 0)
    w.flush()
    before = read_bytes(path)

    fake.set_plan(lambda fd, data: oserror(code))
    during = log_batch(w, 100)
    with pytest.raises(WriteFailedError) as info:
        w.flush()
    check_error(info.value, path, code)
    assert read_bytes(path) == before  # nothing half-written
    assert_valid(tmp_path)
    assert file_calls(path) == good

    later = log_batch(w, 200)  # logged while the disk is still failing
    with pytest.raises(WriteFailedError):
        w.flush()
    assert read_bytes(path) == before

    fake.set_plan(None)  # space is back
    w.flush()
    assert file_calls(path) == good + during + later  # in order, none lost, none twice
    w.flush()  # nothing pending and the error is gone: no raise
    w.close()
    assert_valid(tmp_path)
    assert file_calls(path) == good + during + later


def _cut_points(data: bytes) -> dict[str, int]:
    records, end = record_offsets(data)
    assert end == len(data) and len(records) >= 3
    second = records[1][0]
    return {
        "one byte": 1,
        "inside the first header": 7,
        "inside the first payload": 12 + records[0][1] // 2,
        "inside the first data crc": 12 + records[0][1] + 2,
        "at a record boundary": second,
        "all but the last byte": len(data) - 1,
    }


@pytest.mark.parametrize("where", [
    "one byte", "inside the first header", "inside the first payload",
    "inside the first data crc", "at a record boundary", "all but the last byte",
])
def test_partial_write_then_disk_full(tmp_path: Any, fake: FaultyOs, where: str) -> None:
    """The disk fills in the middle of a batch: it has room for part of it. The whole
    records that fit are written, the file ends at its last whole record, and the rest is
    written, once, in order, when space returns."""
    w = quiet_writer(tmp_path)
    path = w.event_file_path
    good = log_batch(w, 0)
    w.flush()
    before = read_bytes(path)

    first_batch: dict[str, Any] = {}

    def plan(fd: int, data: bytes) -> Any:
        """A disk with room for ``cut`` bytes past ``before`` (cutting a file frees room)."""
        if not first_batch:  # the batch as the pipeline first hands it over
            first_batch["data"] = data
            first_batch["capacity"] = len(before) + _cut_points(data)[where]
        free = first_batch["capacity"] - os.fstat(fd).st_size
        if free <= 0:
            return oserror(errno.ENOSPC)
        return None if len(data) <= free else free

    fake.set_plan(plan)
    during = log_batch(w, 100)
    with pytest.raises(WriteFailedError) as info:
        w.flush()
    check_error(info.value, path, errno.ENOSPC)
    assert_valid(tmp_path)
    records, _ = record_offsets(first_batch["data"])
    cut = _cut_points(first_batch["data"])[where]
    ends = [start + 16 + length for start, length in records if start + 16 + length <= cut]
    assert read_bytes(path) == before + first_batch["data"][: max(ends, default=0)]
    assert file_calls(path) == good + during[: len(ends)]  # (one value per record)

    fake.set_plan(None)
    w.close()
    assert file_calls(path) == good + during
    assert_valid(tmp_path)


def test_short_writes_are_completed(tmp_path: Any, fake: FaultyOs) -> None:
    """``write`` may store fewer bytes than asked without an error (pipes, signals,
    some network filesystems): the rest is written by further calls."""
    fake.set_plan(lambda fd, data: min(len(data), 7))
    w = quiet_writer(tmp_path)
    calls = log_batch(w, 0) + log_batch(w, 50)
    w.close()
    assert len(fake.writes) > 100
    assert file_calls(w.event_file_path) == calls
    assert_valid(tmp_path)


def test_write_returning_zero_is_an_error(tmp_path: Any, fake: FaultyOs) -> None:
    w = quiet_writer(tmp_path)
    path = w.event_file_path
    fake.set_plan(lambda fd, data: 0)
    calls = log_batch(w, 0)
    with pytest.raises(WriteFailedError) as info:
        w.flush()
    assert info.value.errno == errno.EIO
    assert "write returned 0 bytes" in str(info.value) and path in str(info.value)
    fake.set_plan(None)
    w.close()
    assert file_calls(path) == calls
    assert_valid(tmp_path)


def test_background_write_failure_is_reported_by_flush(tmp_path: Any, fake: FaultyOs) -> None:
    """The background thread's write fails: it keeps the events and the error, and the
    caller's next flush (still failing) raises it; once the disk works, all is written."""
    w = tfevents.SummaryWriter(tmp_path, flush_secs=0.05)
    path = w.event_file_path
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    calls = log_batch(w, 0)
    assert wait_until(lambda: len(fake.writes) >= 2), "the background thread never wrote"
    with pytest.raises(WriteFailedError) as info:
        w.flush()
    check_error(info.value, path, errno.ENOSPC)
    assert_valid(tmp_path)
    fake.set_plan(None)
    calls += log_batch(w, 100)
    w.close()
    assert file_calls(path) == calls
    assert_valid(tmp_path)


def test_background_retry_recovers_without_the_caller(tmp_path: Any, fake: FaultyOs) -> None:
    """A failure that heals before the caller's next flush costs nothing: the background
    thread's retry writes the kept events, and as nothing was lost nothing is raised."""
    w = tfevents.SummaryWriter(tmp_path, flush_secs=0.05)
    path = w.event_file_path
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    calls = log_batch(w, 0)
    assert wait_until(lambda: len(fake.writes) >= 2), "the background thread never wrote"
    fake.set_plan(None)
    assert wait_until(lambda: file_calls(path) == calls), file_calls(path)
    w.flush()
    w.close()
    assert file_calls(path) == calls
    assert_valid(tmp_path)


def test_queue_full_check_reports_a_background_failure(tmp_path: Any, fake: FaultyOs) -> None:
    """With the disk failing, a full queue (1000 entries) wakes the background thread,
    whose write fails; the next full queue raises WriteFailedError from ``add_scalar``.
    That call's value was queued before the check, and is written with the rest when the
    disk works again (so retrying the call would log it twice)."""
    w = tfevents.SummaryWriter(tmp_path, flush_secs=NEVER)  # max_queue 10 -> wakes at 1000
    path = w.event_file_path
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    for step in range(1000):
        w.add_scalar("x", float(step), step)
    # (The failure is recorded once the background write is over: wait for that.)
    assert wait_until(lambda: w._run.queue._error is not None), "the full queue did not wake the writer"
    raised = []
    for step in range(1000, 2000):
        try:
            w.add_scalar("x", float(step), step)
        except WriteFailedError as exc:
            raised.append((step, exc))
    assert [step for step, _ in raised] == [1999]
    check_error(raised[0][1], path, errno.ENOSPC)
    fake.set_plan(None)
    w.close()
    assert [step for _, step in file_calls(path)] == list(range(2000))
    assert_valid(tmp_path)


def test_failed_close_can_be_retried(tmp_path: Any, fake: FaultyOs) -> None:
    """``close()`` whose write fails raises, saying the events are kept for a retry.
    Calling ``close()`` again once the disk works must then write them."""
    w = quiet_writer(tmp_path)
    path = w.event_file_path
    good = log_batch(w, 0)
    w.flush()
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    kept = log_batch(w, 100)
    with pytest.raises(WriteFailedError) as info:
        w.close()
    check_error(info.value, path, errno.ENOSPC)
    assert_valid(tmp_path)
    fake.set_plan(None)
    w.close()
    assert file_calls(path) == good + kept, (
        "close() failed saying the events were kept and would be retried; the retry "
        "close() wrote nothing"
    )


def test_truncate_failing_too_leaves_no_partial_record_in_the_middle(
    tmp_path: Any, fake: FaultyOs
) -> None:
    """A write stores part of a record and fails, and cutting the part off fails too
    (a failing network filesystem): the retry must still not leave the part in the
    middle of the file, where it would corrupt every record after it."""
    w = quiet_writer(tmp_path)
    good = log_batch(w, 0)
    w.flush()
    state = {"calls": 0}

    def plan(fd: int, data: bytes) -> Any:
        state["calls"] += 1
        return 20 if state["calls"] == 1 else oserror(errno.EIO)

    def failing_ftruncate(fd: int, length: int) -> None:
        raise oserror(errno.EIO)

    fake.set_plan(plan)
    fake.__dict__["ftruncate"] = failing_ftruncate
    during = log_batch(w, 100)
    with pytest.raises(WriteFailedError):
        w.flush()
    del fake.__dict__["ftruncate"]
    fake.set_plan(None)
    w.close()
    assert_valid(tmp_path)
    assert [c for f in event_files_under(tmp_path) for c in file_calls(f)] == good + during


def test_torn_write_cut_back_later_is_written_whole(tmp_path: Any, fake: FaultyOs) -> None:
    """A torn prefix stays (the cut failed); the retry tears again, and this time the cut
    works: the file is back at its last whole record, and the next retry writes the
    whole chunk, not just what followed the first tear."""
    w = quiet_writer(tmp_path)
    good = log_batch(w, 0)
    w.flush()
    actions = iter([20, oserror(errno.EIO), 10, oserror(errno.ENOSPC)])
    fake.set_plan(lambda fd, data: next(actions, None))

    def failing_ftruncate(fd: int, length: int) -> None:
        raise oserror(errno.EIO)

    fake.__dict__["ftruncate"] = failing_ftruncate
    during = log_batch(w, 100)
    with pytest.raises(WriteFailedError):
        w.flush()  # 20 bytes written, the cut fails: they stay
    del fake.__dict__["ftruncate"]
    with pytest.raises(WriteFailedError):
        w.flush()  # 10 more, then the cut works
    w.close()
    assert_valid(tmp_path)
    assert file_calls(w.event_file_path) == good + during


def test_disk_full_when_the_file_is_created(tmp_path: Any, fake: FaultyOs) -> None:
    """A writer created on a full disk (its first record cannot be written): an
    OSError naming the file, and no headerless file left behind."""
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    with pytest.raises(OSError) as info:
        tfevents.SummaryWriter(tmp_path, flush_secs=NEVER)
    assert info.value.errno == errno.ENOSPC
    assert event_files_under(tmp_path) == []
    message = str(info.value)
    assert str(tmp_path) in message and "events.out.tfevents." in message, message


def test_disk_full_when_the_file_is_created_leaks_no_descriptor(tmp_path: Any, fake: FaultyOs) -> None:
    fake.set_plan(lambda fd, data: oserror(errno.ENOSPC))
    with pytest.raises(OSError):
        tfevents.SummaryWriter(tmp_path, flush_secs=NEVER)
    gc.collect()
    assert open_fds_under(tmp_path) == [], "the new event file's descriptor was left open"


def open_fds_under(directory: Any) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the descriptor of the listing itself, gone
        if target.startswith(str(directory)):
            found.append(target)
    return found


def test_failure_at_exit_is_reported(tmp_path: Any) -> None:
    """The disk is full when the interpreter exits: the atexit hook cannot write, says
    so on stderr (naming the file and the error), and the file keeps what was flushed."""
    result = run_python(
        """
        import errno, os, sys, tfevents
        from tfevents.sinks import local as event_file
        w = tfevents.SummaryWriter(sys.argv[1], flush_secs=1e6, max_queue=10**9)
        for i in range(5):
            w.add_scalar("x", float(i), i)
        w.flush()
        class Full:
            def __getattr__(self, name):
                return getattr(os, name)
            def write(self, fd, data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        event_file.os = Full()
        for i in range(5, 10):
            w.add_scalar("x", float(i), i)
        print(w.event_file_path, flush=True)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip()
    assert "tfevents: could not write" in result.stderr, result.stderr
    assert path in result.stderr and "No space left on device" in result.stderr, result.stderr
    assert [step for _, step in file_calls(path)] == list(range(5))
    assert_valid(tmp_path)


# --- a real full filesystem -----------------------------------------------------------------


class _Quota:
    """An emulated small filesystem, for when tmpfs cannot be mounted: room for ``free``
    bytes more than the event file held at the first write after ``fill`` (cutting the
    file frees room); ``write`` stores what fits (a short write), then fails with ENOSPC."""

    def __init__(self, free: int) -> None:
        self.fill(free)

    def fill(self, leave: int) -> None:
        self.free, self.base = leave, -1

    def __call__(self, fd: int, data: bytes) -> Any:
        size = os.fstat(fd).st_size
        if self.base < 0:
            self.base = size
        room = self.base + self.free - size
        if room <= 0:
            return oserror(errno.ENOSPC)
        return None if len(data) <= room else room


def mount_tmpfs(mount_point: Any) -> bool:
    """Mounts a 64 kB tmpfs; False if that is not allowed here (no root, a sandbox)."""
    try:
        return subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
            capture_output=True, text=True, timeout=30,
        ).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.fixture(params=["tmpfs", "emulated"])
def small_fs(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[dict[str, Any]]:
    """``{"dir", "fill", "free_up", "real"}``: a 64 kB filesystem, nearly filled (a real
    tmpfs where it can be mounted, and always the emulated one too)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = request.param == "tmpfs" and mount_tmpfs(mount_point)
    try:
        if mounted:
            filler = mount_point / "filler"

            def fill(leave: int) -> None:
                stat = os.statvfs(mount_point)
                size = stat.f_bavail * stat.f_frsize - leave
                with open(filler, "wb") as f:
                    f.write(b"\0" * max(size, 0))

            def free_up() -> None:
                filler.unlink()

            yield {"dir": str(mount_point / "run"), "fill": fill, "free_up": free_up, "real": True}
        else:
            quota = _Quota(free=1 << 30)
            faulty = FaultyOs(quota)
            monkeypatch.setattr(event_file_module, "os", faulty)

            def fill(leave: int) -> None:
                quota.fill(leave)

            def free_up() -> None:
                quota.fill(1 << 30)

            yield {"dir": str(mount_point / "run"), "fill": fill, "free_up": free_up, "real": False}
    finally:
        if mounted:
            gc.collect()
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def test_real_full_filesystem(small_fs: dict[str, Any]) -> None:
    """Incompressible images are logged onto a nearly full 64 kB tmpfs until a flush
    fails with ENOSPC. The file then ends at a whole record and holds every flushed
    image; when space is freed, the next flush writes the kept images, in order."""
    w = quiet_writer(small_fs["dir"])
    path = w.event_file_path
    small_fs["fill"](24 * 1024)
    rng = np.random.default_rng(7)
    logged: list[tuple[str, int]] = []
    flushed: list[tuple[str, int]] = []
    error = None
    for step in range(40):
        w.add_image("noise", rng.integers(0, 256, (3, 40, 40), dtype=np.uint8), step)
        w.add_scalar("step", float(step), step)
        logged += [("noise", step), ("step", step)]
        try:
            w.flush()
        except WriteFailedError as exc:
            error = exc
            break
        flushed = list(logged)
    assert error is not None, "the filesystem never filled up"
    check_error(error, path, errno.ENOSPC)
    assert_valid(os.path.dirname(path))
    assert file_calls(path) == flushed
    assert flushed, "nothing fitted before the disk was full"

    for step in range(100, 103):  # logged while the disk is full
        w.add_scalar("step", float(step), step)
        logged.append(("step", step))
    with pytest.raises(WriteFailedError):
        w.flush()
    assert file_calls(path) == flushed

    small_fs["free_up"]()
    w.flush()
    w.close()
    assert file_calls(path) == logged
    assert_valid(os.path.dirname(path))


def test_real_full_filesystem_backlog_larger_than_the_room(small_fs: dict[str, Any]) -> None:
    """A backlog of about 48 kB is flushed with 24 kB free: the images that fit are
    written (whole), the others are kept, and written in order when space returns."""
    w = quiet_writer(small_fs["dir"])
    path = w.event_file_path
    small_fs["fill"](24 * 1024)
    rng = np.random.default_rng(11)
    logged = []
    for step in range(10):
        w.add_image("noise", rng.integers(0, 256, (3, 40, 40), dtype=np.uint8), step)
        logged.append(("noise", step))
    with pytest.raises(WriteFailedError) as info:
        w.flush()
    check_error(info.value, path, errno.ENOSPC)
    assert 0 < info.value.unwritten_bytes < 10 * 4800
    written = file_calls(path)
    assert 3 <= len(written) < 10 and written == logged[: len(written)], written
    assert_valid(os.path.dirname(path))
    small_fs["free_up"]()
    w.close()
    assert file_calls(path) == logged
    assert_valid(os.path.dirname(path))
