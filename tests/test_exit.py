"""Exit: what was logged without ``flush()`` or ``close()`` is in the file when the
process ends, however it ends, and the end never hangs.

How each way of ending is handled (``tfevents.pipeline.lifecycle``):

* Normal exit, ``sys.exit()`` in the main thread, an unhandled exception, Ctrl-C
  (``KeyboardInterrupt``): Python runs its ``atexit`` hooks, and tfevents' hook writes
  and closes every open event file, whatever thread logged into it.
* ``sys.exit()`` in a worker thread ends only that thread (it raises ``SystemExit``
  there, which ``threading`` swallows); the process goes on and its data is written
  when it ends. The realistic "exit while a worker logs" case is the main thread
  calling ``sys.exit()`` while a worker thread is logging: a non-daemon worker is
  waited for and everything it logs is written; a daemon worker is stopped at
  interpreter shutdown, and everything it had logged before the ``atexit`` hook ran
  is written.
* A writer that is only garbage-collected (it goes out of scope, or a reference cycle
  is collected) writes and closes its file at once, in the running process.
* ``os._exit()`` (and SIGKILL, or SIGTERM without a handler) ends the process with no
  ``atexit`` hook: only what was already written is in the file, i.e. what ``flush()``
  wrote or the background thread wrote (every ``flush_secs``, 2 s by default). Call
  ``flush()`` before ``os._exit`` (multiprocessing children end that way) and install a
  SIGTERM handler that calls ``sys.exit()`` if jobs are stopped with SIGTERM.

Every child runs with an overall timeout: a hang at exit fails the test.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import textwrap
from typing import Any

from _reliability_helpers import (
    PYTHON,
    SUBPROCESS_TIMEOUT,
    assert_valid,
    event_files_under,
    run_python,
    summary_values,
    values_of,
)

# Every child writer: no background write ever comes, so only the exit path can write.
QUIET = "flush_secs=1e6, max_queue=10**9"


def only_file(logdir: Any) -> str:
    files = event_files_under(logdir)
    assert len(files) == 1, files
    return files[0]


def steps_of(path: str, tag: str) -> list[int]:
    return [step for step, _ in values_of(path, tag)]


def no_tfevents_complaint(stderr: str) -> None:
    assert "tfevents:" not in stderr, stderr  # the atexit hook reports lost data this way


# --- normal exit ----------------------------------------------------------------------


def test_normal_exit_writes_every_writer_and_sub_run(tmp_path: Any) -> None:
    """Several writers, ``add_scalars`` sub-runs (a file each) and a writer reopened by
    logging after ``close()``: all written at a plain interpreter exit."""
    result = run_python(
        f"""
        import sys, numpy as np, tfevents
        root = sys.argv[1]
        a = tfevents.SummaryWriter(root + "/a", {QUIET})
        b = tfevents.SummaryWriter(root + "/b", {QUIET})
        for i in range(500):
            a.add_scalar("x", float(i), i)
            b.add_scalars("pair", {{"p": float(i), "q": -float(i)}}, i)
        a.add_image("img", np.full((3, 4, 5), 0.5), 7)
        b.close()
        b.add_scalar("after_close", 1.0, 9)   # opens a new file in b's run
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert steps_of(only_file(tmp_path / "a"), "x") == list(range(500))
    assert [len(v) for _, _, v in summary_values(only_file(tmp_path / "a")) if isinstance(v, list)] == [1]
    assert steps_of(only_file(tmp_path / "b" / "pair_p"), "pair") == list(range(500))
    assert [v for _, v in values_of(only_file(tmp_path / "b" / "pair_q"), "pair")] == [
        -float(i) for i in range(500)
    ]
    b_files = event_files_under(tmp_path / "b")
    b_files = [f for f in b_files if os.path.dirname(f) == str(tmp_path / "b")]
    assert len(b_files) == 2  # the first file, then the one opened after close()
    assert values_of(b_files[1], "after_close") == [(9, 1.0)]
    assert_valid(tmp_path)


# --- threads and sys.exit ----------------------------------------------------------------


def test_sys_exit_in_a_worker_thread_ends_only_that_thread(tmp_path: Any) -> None:
    """``sys.exit()`` in a thread raises ``SystemExit`` in that thread only: the process
    goes on (exit status 0), and what both threads logged is written at its end."""
    result = run_python(
        f"""
        import sys, threading, tfevents
        w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
        def work():
            for i in range(300):
                w.add_scalar("worker", float(i), i)
            sys.exit(5)
        t = threading.Thread(target=work)
        t.start()
        t.join()
        print("main goes on", flush=True)
        w.add_scalar("main", 1.0, 0)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "main goes on\n"
    path = only_file(tmp_path)
    assert steps_of(path, "worker") == list(range(300))
    assert steps_of(path, "main") == [0]
    assert_valid(tmp_path)


DAEMON_WORKER = f"""
    import sys, threading, tfevents
    w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
    logged = [0]
    def work():
        for i in range(500_000):   # still logging when the main thread ends
            w.add_scalar("x", float(i), i)
            logged[0] = i + 1
    threading.Thread(target=work, daemon=True).start()
    while logged[0] < 2000:
        pass
    print(logged[0], flush=True)
    END
"""


def test_main_sys_exit_while_a_daemon_thread_logs(tmp_path: Any) -> None:
    """The realistic case: a worker thread logs, the main thread calls ``sys.exit(3)``.
    Everything logged before the exit is written: the file holds steps ``0..k-1``, in
    order, with ``k`` at least the count the main thread saw before exiting."""
    result = run_python(DAEMON_WORKER.replace("END", "sys.exit(3)"), str(tmp_path))
    assert result.returncode == 3, result.stderr
    no_tfevents_complaint(result.stderr)
    seen = int(result.stdout)
    steps = steps_of(only_file(tmp_path), "x")
    assert steps == list(range(len(steps)))
    assert len(steps) >= seen
    assert_valid(tmp_path)


def test_unhandled_exception_while_a_daemon_thread_logs(tmp_path: Any) -> None:
    result = run_python(DAEMON_WORKER.replace("END", "raise RuntimeError('boom')"), str(tmp_path))
    assert result.returncode == 1
    assert "RuntimeError: boom" in result.stderr
    no_tfevents_complaint(result.stderr)
    steps = steps_of(only_file(tmp_path), "x")
    assert steps == list(range(len(steps)))
    assert len(steps) >= int(result.stdout)
    assert_valid(tmp_path)


def test_main_sys_exit_waits_for_a_non_daemon_worker(tmp_path: Any) -> None:
    """A non-daemon worker outlives ``sys.exit()`` in the main thread (the interpreter
    waits for it before the ``atexit`` hooks): all it logs is written."""
    result = run_python(
        f"""
        import sys, threading, tfevents
        w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
        def work():
            for i in range(3000):
                w.add_scalar("x", float(i), i)
            w.add_text("done", "worker finished", 3000)
        threading.Thread(target=work).start()
        sys.exit(4)
        """,
        str(tmp_path),
    )
    assert result.returncode == 4, result.stderr
    path = only_file(tmp_path)
    assert steps_of(path, "x") == list(range(3000))
    # add_text's default form (torch's): a one-cell table under done/text_summary
    assert [(step, value.tolist()) for step, value in values_of(path, "done/text_summary")] == [
        (3000, [b"worker finished"])]
    assert_valid(tmp_path)


def test_ctrl_c_during_logging(tmp_path: Any) -> None:
    """SIGINT (Ctrl-C) in the middle of a logging loop: ``KeyboardInterrupt`` ends the
    program through the normal exit path, and everything logged is written."""
    # (The child sets Python's own SIGINT handler: a parent started in the background of
    # a non-interactive shell ignores SIGINT, and its children would inherit that.)
    source = textwrap.dedent(
        f"""
        import signal, sys, tfevents
        signal.signal(signal.SIGINT, signal.default_int_handler)
        w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
        i = 0
        while True:
            w.add_scalar("x", float(i), i)
            i += 1
            if i % 1000 == 0:
                print(i, flush=True)
        """
    )
    proc = subprocess.Popen(
        [PYTHON, "-c", source, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], SUBPROCESS_TIMEOUT)
        assert ready, "the child logged nothing"
        first = int(proc.stdout.readline())  # type: ignore[union-attr]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=SUBPROCESS_TIMEOUT)
    assert "KeyboardInterrupt" in err
    assert proc.returncode in (-signal.SIGINT, 130, 1), proc.returncode
    no_tfevents_complaint(err)
    seen = max([first] + [int(line) for line in out.split()])
    steps = steps_of(only_file(tmp_path), "x")
    assert steps == list(range(len(steps)))
    assert len(steps) >= seen
    assert_valid(tmp_path)


# --- garbage collection ---------------------------------------------------------------


def test_writer_collected_in_a_running_process(tmp_path: Any) -> None:
    """A writer that goes out of scope (freed by reference counting) and one held only
    by a reference cycle (freed by ``gc.collect()``) write their data at once: the
    files are checked inside the running process, which then ends with ``os._exit`` so
    that no ``atexit`` hook can have written them."""
    result = run_python(
        f"""
        import gc, os, sys, tfevents
        from tfevents.reader import read_events
        def values(path):
            return [(v.tag, e.step) for e in read_events(path) for v in e.values]
        def train(logdir):
            w = tfevents.SummaryWriter(logdir, {QUIET})
            for i in range(100):
                w.add_scalar("x", float(i), i)
            w.add_text("t", "hello", 0)
            return w.event_file_path
        scoped = train(sys.argv[1] + "/scoped")
        print(values(scoped) == [("x", i) for i in range(100)] + [("t/text_summary", 0)], flush=True)

        gc.disable()
        class Trainer:
            pass
        trainer = Trainer()
        trainer.writer = tfevents.SummaryWriter(sys.argv[1] + "/cycle", {QUIET})
        trainer.writer.trainer = trainer          # a reference cycle
        trainer.writer.add_histogram("h", [1.0, 2.0, 2.5], 3)
        cycle = trainer.writer.event_file_path
        del trainer
        print(values(cycle) == [], flush=True)    # not collected yet: nothing written
        gc.collect()
        print(values(cycle) == [("h", 3)], flush=True)
        os._exit(0)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"], result.stdout + result.stderr
    assert_valid(tmp_path)


# --- os._exit ---------------------------------------------------------------------------


def test_os_exit_keeps_only_what_was_written(tmp_path: Any) -> None:
    """``os._exit`` runs no ``atexit`` hook: data neither flushed nor written by the
    background thread is lost (documented, not a bug). What ``flush()`` wrote is kept."""
    result = run_python(
        f"""
        import os, sys, tfevents
        w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
        for i in range(10):
            w.add_scalar("flushed", float(i), i)
        w.flush()
        for i in range(10):
            w.add_scalar("unflushed", float(i), i)
        os._exit(0)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    path = only_file(tmp_path)
    assert steps_of(path, "flushed") == list(range(10))
    assert steps_of(path, "unflushed") == []
    assert_valid(tmp_path)


# --- atexit ordering and teardown -----------------------------------------------------------


def test_logging_in_a_later_atexit_hook(tmp_path: Any) -> None:
    """A program's own ``atexit`` hook registered after ``import tfevents`` runs before
    tfevents' hook (hooks run last-in first-out): its final values are written."""
    result = run_python(
        f"""
        import atexit, sys, tfevents
        w = tfevents.SummaryWriter(sys.argv[1], {QUIET})
        w.add_scalar("x", 1.0, 0)
        atexit.register(lambda: w.add_scalar("final", 2.0, 1))
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    path = only_file(tmp_path)
    assert steps_of(path, "x") == [0]
    assert steps_of(path, "final") == [1]
    assert_valid(tmp_path)


def test_logging_and_closing_in_an_earlier_atexit_hook(tmp_path: Any) -> None:
    """A hook registered *before* tfevents was imported (a framework that registers its
    shutdown hook first and imports its TensorBoard backend lazily) runs after tfevents'
    hook has closed every file. Its final values, followed by an explicit ``close()``,
    must still reach disk, or at least not vanish without a word."""
    result = run_python(
        """
        import atexit, sys
        state = {}
        def shutdown():
            w = state["w"]
            w.add_scalar("final", 2.0, 1)
            w.close()
        atexit.register(shutdown)
        import tfevents
        w = state["w"] = tfevents.SummaryWriter(sys.argv[1], flush_secs=1e6, max_queue=10**9)
        w.add_scalar("x", 1.0, 0)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    steps = [
        step for path in event_files_under(tmp_path) for step, _ in values_of(path, "final")
    ]
    assert steps == [1] or "final" in result.stderr, (
        "add_scalar + close() in an atexit hook that runs after tfevents' own hook: "
        f"the value was silently dropped (files: {event_files_under(tmp_path)}, "
        f"stderr: {result.stderr!r})"
    )
    assert_valid(tmp_path)


def test_close_from_del_during_interpreter_teardown(tmp_path: Any) -> None:
    """An object whose ``__del__`` closes its writer, alive until interpreter teardown
    (dowel#44: closing a tensorboardX writer there hung): no hang, no error, data kept."""
    result = run_python(
        f"""
        import sys, threading, tfevents
        class Logger:
            def __init__(self, logdir):
                self.w = tfevents.SummaryWriter(logdir, {QUIET})
            def __del__(self):
                self.w.add_scalar("from_del", 3.0, 2)
                self.w.close()
        LOGGER = Logger(sys.argv[1])
        LOGGER.w.add_scalar("x", 1.0, 0)
        # A daemon thread still logging during teardown must not hang it either.
        def spin():
            i = 0
            while True:
                LOGGER.w.add_scalar("spin", float(i), i)
                i += 1
        threading.Thread(target=spin, daemon=True).start()
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    files = event_files_under(tmp_path)
    assert files
    assert [s for f in files for s in steps_of(f, "x")] == [0]
    spin = [s for f in files for s in steps_of(f, "spin")]
    assert spin == list(range(len(spin)))
    assert_valid(tmp_path)


def test_many_writers_exit_promptly(tmp_path: Any) -> None:
    """Exit with 50 open writers, each holding unwritten data: no hang, all written."""
    result = run_python(
        f"""
        import sys, tfevents
        writers = [tfevents.SummaryWriter(f"{{sys.argv[1]}}/run{{k:02d}}", {QUIET}) for k in range(50)]
        for k, w in enumerate(writers):
            for i in range(100):
                w.add_scalar("x", float(k * 1000 + i), i)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    for k in range(50):
        assert [v for _, v in values_of(only_file(tmp_path / f"run{k:02d}"), "x")] == [
            float(k * 1000 + i) for i in range(100)
        ]
    assert_valid(tmp_path)
