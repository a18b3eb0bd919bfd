"""The HParams dashboard: ``add_hparams``, one session per call that starts one.

Torch's parameters, in torch's order, with torch's defaults; the extras are keyword-only.
Where tfevents differs from torch, on purpose: the first session goes into the writer's
own run by default, next to the run's scalars (torch makes a sub-run named
``str(time.time())`` per call); each later call with other hyperparameters (another
trial) gets a sub-run of its own, named as torch names it. Give ``run_name`` (or
``layout="subrun"``) for torch's sub-run. Values keep their types (bools are bools,
numpy scalars numbers), discrete domains are checked, and start and end times are
recorded.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.pipeline.entries import SummaryEntry
from tfevents.sinks import join_logdir
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.summaries import hparams
else:
    from tfevents._lazy import LazyModule

    hparams = LazyModule("tfevents.summaries.hparams")

HPARAMS_LAYOUTS = ("same_run", "subrun")


class HParams:
    """Owns the sessions this writer logged, by run directory (None: its own run)."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._sessions: dict[str | None, tuple[Any, tuple[str, ...]]] = {}

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
        *,
        layout: str | None = None,
        walltime: float | None = None,
        name: str | None = None,
    ) -> None:
        """Logs a session for TensorBoard's HParams dashboard: its hyperparameters and
        the metrics to compare sessions by.

        Where the session goes:

        * By default (``run_name`` not given), into this writer's own run: the run's
          scalars (training curves included) are the session's, and each metric of
          ``metric_dict`` is logged as a scalar of this run at ``global_step``.
        * With ``run_name``, into the sub-run ``<log_dir>/<run_name>``, as torch does;
          ``layout="subrun"`` without ``run_name`` names it ``str(time.time())``, exactly
          torch's behaviour. The metrics are then scalars of the sub-run.

        A run holds one session. Calling again with the same hyperparameters (and no
        new metric name) logs new metric values of that session (the dashboard shows
        each metric's latest value). A call with other hyperparameters, domains or
        metric names is another session (another trial, as in torch's docstring loop):
        by default it goes into a sub-run of its own named ``str(time.time())``, as
        torch names every one; with ``run_name`` or ``layout`` given, into that run
        (which then shows the session logged last, as with torch, with a warning).

        Values: bool (BOOL), str (STRING), int/float and numpy or one-element tensors
        (FLOAT64); bools stay bools (torch stores them as 1.0/0.0). None values are
        skipped. ``hparam_domain_discrete`` maps an hparam name to the list of values it
        can take; they must have the hparam's type, and its value must be among them.

        ``name`` is tensorboardX's name for ``run_name``; a str given as the third
        positional argument (tensorboardX's ``name``) is taken as ``run_name`` too.
        """
        if isinstance(hparam_domain_discrete, str):  # tensorboardX: add_hparams(h, m, name)
            if run_name is not None or name is not None:
                raise ArgumentTypeError("hparam_domain_discrete must be a dict of name -> list of values")
            run_name, hparam_domain_discrete = hparam_domain_discrete, None
        if name is not None:
            if run_name is not None:
                raise ArgumentTypeError("give run_name or its alias name, not both")
            run_name = name
        values = hparams.check_hparams(hparam_dict)
        domains = hparams.check_domains(hparam_domain_discrete, hparam_dict, values)
        metrics = hparams.check_metrics(metric_dict)
        step = self._host.step(global_step)
        wall_time = self._host.wall_time(walltime)
        run_dir = self._hparams_run_dir(run_name, layout)

        signature = (tuple(sorted(values.items())), tuple(sorted(domains.items())))
        sessions = self._sessions
        with self._lock:
            previous = sessions.get(run_dir)
            if previous is not None and not hparams.same_session(previous, signature, metrics):
                if run_dir is None and layout is None:
                    # Another trial logged on the same writer (torch's docstring loop): its
                    # own sub-run, named as torch names every one.
                    run_dir = self._new_session_run(sessions)
                else:
                    self._host.warn_once(
                        (str(run_dir), "hparams"),
                        f"add_hparams: {run_dir or self._host.log_dir!r} already holds a session "
                        "with other hyperparameters or metrics; a run shows one session in "
                        "TensorBoard, the one logged last (as with torch)",
                    )
                previous = None
            if previous is None:
                sessions[run_dir] = (signature, tuple(metrics))

        entries = []
        if previous is None:
            contents = (
                (hparams.EXPERIMENT_TAG,
                 hparams.experiment_content(values, domains, list(metrics), wall_time)),
                (hparams.SESSION_START_INFO_TAG, hparams.session_start_content(values, wall_time)),
                (hparams.SESSION_END_INFO_TAG, hparams.session_end_content(wall_time)),
            )
            entries = [
                SummaryEntry(tag, hparams.metadata(content), hparams.NULL_TENSOR_FIELD, step, wall_time)
                for tag, content in contents
            ]
        if run_dir is None:
            for entry in entries:
                self._host.live_queue().add_summary(entry)
            for key, value in metrics.items():
                self._host.live_queue().add_scalar(key, value, step, wall_time)
            return
        try:
            queue = self._host.open_run(run_dir)
        except BaseException:
            if previous is None:  # nothing of the session was written: forget it
                with self._lock:
                    sessions.pop(run_dir, None)
            raise
        try:
            for entry in entries:
                queue.add_summary(entry)
            for key, value in metrics.items():
                queue.add_scalar(key, value, step, wall_time)
        finally:
            queue.close()

    def _new_session_run(self, sessions: Mapping[str | None, Any]) -> str:
        """A sub-run for another session, named ``str(time.time())`` as torch names it."""
        name = str(time.time())
        while join_logdir(self._host.log_dir, name) in sessions:
            name = str(float(name) + 1e-6)
        return join_logdir(self._host.log_dir, name)

    def _hparams_run_dir(self, run_name: Any, layout: str | None) -> str | None:
        """None for the writer's own run, else the sub-run's directory."""
        if layout is not None:
            args.check_choice(layout, "layout", (*HPARAMS_LAYOUTS, None))
        if run_name is not None and not isinstance(run_name, str):
            raise ArgumentTypeError(f"run_name must be a str or None, got {type(run_name).__name__}")
        if layout is None:
            layout = "subrun" if run_name else "same_run"
        if layout == "same_run":
            if run_name:
                raise ArgumentError("run_name names a sub-run: it cannot be given with layout='same_run'")
            return None
        if not run_name:
            run_name = str(time.time())
        parts = re.split(r"[\\/]", run_name)
        if os.path.isabs(run_name) or ".." in parts or "\x00" in run_name:
            raise ArgumentError(f"run_name must be a relative path inside log_dir, got {run_name!r}")
        parts = [part for part in parts if part not in ("", ".")]
        if not parts:
            raise ArgumentError(
                f"run_name {run_name!r} names the writer's own run: leave run_name out for it"
            )
        for part in parts:
            args.check_path_component(part, "run_name")
        return join_logdir(self._host.log_dir, *parts)

    def after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
