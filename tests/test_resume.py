"""Resuming a run after a crash, with and without ``purge_step``: what each TensorBoard
loader shows.

The scenario: a first writer logs steps 0..9 of ``loss`` (value = step) and of
``old_only`` (a tag the resumed job never logs again); the job "crashes" after a
checkpoint at step 5, and a new writer in the same run directory logs steps 5..7 of
``loss`` again (value = 100 + step). With ``SummaryWriter(purge_step=5)`` the new file
starts with ``SessionLog{status: START}`` at step 5 (as torch and tensorboardX write it).

What the loaders do with it (reference/tensorboard-format.md §2):

* **Rust data server** (TensorBoard's default, ``--load_fast=auto/true``) ignores
  SessionLog events entirely. Each tag's series is *preempted* instead: a value at step
  s drops the stored values of that tag at steps >= s. So ``loss`` shows 0..4 and then
  the new 5..7, with or without ``purge_step``; ``old_only`` keeps 0..9 (no new value of
  it ever comes).
* **Python loader** (``--load_fast=false``) purges on SessionLog START, in every tag,
  every value at step >= START.step, but it ignores the *first* START it sees in a run
  (it takes it for the run's beginning). A resumed writer's START is the run's first
  unless the original writer wrote one too, so:

  - ``purge_step`` on resume only (``resume``): nothing is purged; ``loss`` shows
    0..9 and then 5..7 again (13 points), ``old_only`` 0..9;
  - no ``purge_step`` at all (``restart``): the same;
  - ``purge_step`` on *every* start, ``purge_step=0`` on the fresh start
    (``resume_always``): the resume's START is the second one and purges: ``loss``
    shows 0..4 and the new 5..7, like the Rust loader, and ``old_only`` shows 0..4
    (the Rust loader keeps its 0..9);
  - resumed twice (``resume_twice``: START at 0, 5, then 6): each later START purges:
    ``loss`` shows 0..4, 5 from the first resume, 6..8 from the second.

Advice for users: pass ``purge_step`` every time a writer is created for a run (0, or
the step training starts from, on a fresh start; the checkpoint's step on a resume).
Both loaders then hide the orphaned steps of the tags that are logged again.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from _reliability_helpers import event_files_under
from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter
from tfevents.reader import read_events

WALL0 = 1_700_000_000.0

# run -> the writers of the run, in order: (purge_step, steps of loss, value offset)
RUNS: dict[str, list[tuple[int | None, range, int]]] = {
    "resume": [(None, range(0, 10), 0), (5, range(5, 8), 100)],
    "restart": [(None, range(0, 10), 0), (None, range(5, 8), 100)],
    "resume_always": [(0, range(0, 10), 0), (5, range(5, 8), 100)],
    "resume_twice": [(0, range(0, 10), 0), (5, range(5, 8), 100), (6, range(6, 9), 200)],
}

OLD = [(s, float(s)) for s in range(10)]
NEW = [(s, float(100 + s)) for s in range(5, 8)]
EXPECTED = {
    # run: {load_fast: {tag: [(step, value), ...]}}
    "resume": {
        True: {"loss": OLD[:5] + NEW, "old_only": [(s, 10.0 * s) for s in range(10)]},
        False: {"loss": OLD + NEW, "old_only": [(s, 10.0 * s) for s in range(10)]},
    },
    "restart": {
        True: {"loss": OLD[:5] + NEW, "old_only": [(s, 10.0 * s) for s in range(10)]},
        False: {"loss": OLD + NEW, "old_only": [(s, 10.0 * s) for s in range(10)]},
    },
    "resume_always": {
        True: {"loss": OLD[:5] + NEW, "old_only": [(s, 10.0 * s) for s in range(10)]},
        False: {"loss": OLD[:5] + NEW, "old_only": [(s, 10.0 * s) for s in range(5)]},
    },
    "resume_twice": {
        True: {"loss": OLD[:5] + NEW[:1] + [(s, float(200 + s)) for s in range(6, 9)],
               "old_only": [(s, 10.0 * s) for s in range(10)]},
        False: {"loss": OLD[:5] + NEW[:1] + [(s, float(200 + s)) for s in range(6, 9)],
                "old_only": [(s, 10.0 * s) for s in range(5)]},
    },
}


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("resume")
    for run, writers in RUNS.items():
        for index, (purge_step, steps, offset) in enumerate(writers):
            with SummaryWriter(os.path.join(root, run), purge_step=purge_step, flush_secs=1e6) as w:
                for step in steps:
                    wall = WALL0 + 100 * index + step
                    w.add_scalar("loss", float(offset + step), step, walltime=wall)
                    if index == 0:
                        w.add_scalar("old_only", 10.0 * step, step, walltime=wall)
    return str(root)


def test_files_hold_every_event_and_the_purge_marks(logdir: str) -> None:
    """What is in the files: every logged value, and one SessionLog START at
    ``purge_step`` at the start of each file whose writer was given one."""
    for run, writers in RUNS.items():
        files = event_files_under(os.path.join(logdir, run))
        assert len(files) == len(writers), files
        for path, (purge_step, steps, offset) in zip(files, writers):
            events = list(read_events(path))
            assert events[0].file_version == "brain.Event:2"
            starts = [(i, e.step) for i, e in enumerate(events) if e.session_log_status == 1]
            assert starts == ([] if purge_step is None else [(1, purge_step)])
            loss = [(e.step, v.value) for e in events for v in e.values if v.tag == "loss"]
            assert loss == [(s, float(offset + s)) for s in steps]


@pytest.fixture(scope="module")
def tb_logdir(logdir: str) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logdir)


@pytest.mark.server
@pytest.mark.parametrize("run", list(RUNS))
def test_what_tensorboard_shows(tb: TensorBoardServer, run: str) -> None:
    expected = EXPECTED[run][tb.load_fast]

    def points(tag: str) -> list[tuple[int, float]]:
        return [(p[1], p[2]) for p in tb.get_json("/data/plugin/scalars/scalars", run=run, tag=tag)]

    # Both files of the run are complete before the server starts; wait until the
    # loader has read all of them (its answer stops changing into the expected one).
    def loaded() -> Any:
        shown = {tag: points(tag) for tag in expected}
        return shown if shown == expected else None

    try:
        tb.wait_for(loaded, timeout=30, what=f"{run}'s scalars")
    except AssertionError:
        shown = {tag: points(tag) for tag in expected}
        raise AssertionError(
            f"load_fast={tb.load_fast}, run {run!r}: TensorBoard shows {shown}, expected {expected}"
        ) from None
