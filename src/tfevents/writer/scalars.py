"""Scalars: the hot path (``add_scalar``), whole series, and several series on one
chart (``add_scalars``: one run per key, torch's layout, or Custom Scalars charts)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.pipeline.entries import SeriesEntry, TensorScalarEntry
from tfevents.sinks import join_logdir
from tfevents.summaries import scalar
from tfevents.wire.schema import INT64_MAX, INT64_MIN
from tfevents.writer.custom_scalars import CustomScalars
from tfevents.writer.host import Host

# add_scalar's default for its rarely used string options: an identity check with it
# keeps the hot path free of type checks.
_EMPTY = ""
SCALARS_LAYOUTS = ("runs", "same_run")


def _short(text: str, limit: int = 40) -> str:
    """``repr(text)``, cut to about ``limit`` characters for error messages."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def check_run_name_text(text: str, name: str) -> None:
    """Text that becomes part of a directory name: no NUL (no filesystem takes it)."""
    if "\x00" in text:
        raise ArgumentError(f"{name} must not contain NUL characters: it names a run directory")


class ScalarLog:
    """What ``add_scalars`` logged, for ``export_scalars_to_json`` (tensorboardX's
    layout: ``{run directory: [[wall_time, step, value], ...]}``)."""

    def __init__(self) -> None:
        self.points: dict[str, list[list[float]]] = {}

    def add(self, run: str, wall_time: float, step: int, value: float) -> None:
        self.points.setdefault(run, []).append([wall_time, step, value])

    def export(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.points, f)
        self.points = {}


class Scalars:
    """Owns the tags ``add_scalar`` has checked, and what ``add_scalars`` logged."""

    __slots__ = ("_charts", "_checked", "_host", "_log")

    def __init__(self, host: Host, charts: CustomScalars) -> None:
        self._host = host
        self._charts = charts
        # Tags already checked and claimed (a set lookup beats checking again): the hot
        # path looks only here.
        self._checked: set[str] = set()
        self._log = ScalarLog()

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
        *,
        display_name: str = _EMPTY,
        summary_description: str = _EMPTY,
    ) -> None:
        """Logs one number. NaN and ±Inf are written as they are.

        ``scalar_value`` may be a Python or numpy number or a one-element array or tensor
        of any framework. The value is stored as float32 (TensorBoard's scalar type)
        unless ``new_style`` and ``double_precision`` ask for a float64 tensor.
        ``display_name`` and ``summary_description`` are taken from a tag's first call.

        A torch tensor on a GPU, or a jax.Array still being computed, is not
        synchronised here: it is kept (a torch GPU tensor copied on its device, a
        jax.Array on an accelerator with its host copy started), and all of them are
        brought to the host together when the queue is written (with ``new_style``, the
        value is read at once). A torch CPU tensor and a computed CPU jax.Array are read
        at once: that costs no sync, and a later in-place change or donation cannot
        alter what was logged. A value that fails to compute is reported by the next
        ``flush`` or ``close`` as a ``LoggedValueError`` naming its tag and step; the
        other events are written.
        """
        if tag.__class__ is not str or tag not in self._checked:
            self._checked.add(self._host.claim_tag(tag, "scalars"))
        value: float | convert.Deferred
        if scalar_value.__class__ is float:
            value = scalar_value
        elif double_precision is False and convert.framework_of(scalar_value) is not None:
            value = convert.defer_scalar(scalar_value, "scalar_value")
        else:
            value = convert.to_float(scalar_value, "scalar_value")
        host = self._host
        if global_step is None:
            step = host.default_step  # (0, unless inside use_metadata)
        elif global_step.__class__ is int and INT64_MIN <= global_step <= INT64_MAX:
            step = global_step  # (args.step's first test, inline: one call less per call)
        else:
            step = args.step(global_step)
        wall_time = host.clock() if walltime is None else args.wall_time(walltime)  # (host.wall_time, inline)
        if (
            new_style is not False
            or double_precision is not False
            or display_name is not _EMPTY
            or summary_description is not _EMPTY
        ):
            self._add_scalar_with_options(
                tag, value, step, wall_time, new_style, double_precision,
                display_name, summary_description,
            )
            return
        entries = host.entries
        entries.append((tag, value, step, wall_time))
        if len(entries) >= host.queue.wake_threshold:
            host.queue.queue_full()

    def add_scalar_array(
        self,
        tag: str,
        values: Any,
        global_steps: Any = None,
        walltimes: Any = None,
    ) -> None:
        """Logs a whole series of one tag in one call: far cheaper per value than a loop.

        ``values``: 1-D numbers (any framework). ``global_steps``: one int per value
        (default ``0, 1, ..., len(values) - 1``). ``walltimes``: one number for all, or
        one per value (default: now). The events are the ones ``add_scalar`` would write.
        """
        self._host.claim_tag(tag, "scalars")
        value_column, steps, wall_times = scalar.check_series(values, global_steps, walltimes, self._host.clock())
        if value_column.size:
            self._host.live_queue().add_series(SeriesEntry(tag, value_column, steps, wall_times))

    def _add_scalar_with_options(
        self,
        tag: str,
        value: float | convert.Deferred,
        step: int,
        wall_time: float,
        new_style: bool,
        double_precision: bool,
        display_name: str,
        description: str,
    ) -> None:
        args.check_text(display_name, "display_name")
        args.check_text(description, "summary_description")
        new_style = args.check_flag(new_style, "new_style")
        double_precision = args.check_flag(double_precision, "double_precision")
        # A tag's display name and description are its first call's.
        metadata = self._host.scalar_metadata.setdefault(tag, scalar.metadata(display_name, description))
        if new_style and double_precision:
            assert not isinstance(value, convert.Deferred)  # (read at once: float64)
            self._host.warn_once(
                (tag, "double"),
                f"add_scalar({tag!r}, double_precision=True) writes a float64 tensor, "
                "which TensorBoard's default (Rust) loader does not show; "
                "it is shown with --load_fast=false",
            )
            self._host.add_summary(tag, metadata, scalar.tensor_field(value, True), step, wall_time)
        elif new_style:
            self._host.live_queue().add_tensor_scalar(
                TensorScalarEntry(tag, metadata, value, step, wall_time)
            )
        else:
            self._host.live_queue().add_scalar(tag, value, step, wall_time)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
        *,
        layout: str = "runs",
    ) -> None:
        """Logs several numbers to be drawn on one chart.

        ``layout="runs"`` (torch's layout, the default): key ``k`` goes to the run
        ``<log_dir>/<main_tag with '/' -> '_'>_<k>`` under the tag ``main_tag``, so the
        Scalars dashboard draws the runs as lines of one chart. Every key is a run (and
        an open file) of its own.

        ``layout="same_run"``: key ``k`` is the series ``main_tag/k`` of this writer's
        own run, and the run's Custom Scalars layout gets a chart titled ``main_tag``
        (in the category ``main_tag``) that draws all of ``main_tag``'s keys together.
        Keys may then contain ``/``.
        """
        args.check_tag(main_tag, "main_tag")
        args.check_choice(layout, "layout", SCALARS_LAYOUTS)
        run_prefix = main_tag.replace("/", "_") + "_"
        if layout == "runs":
            check_run_name_text(main_tag, "main_tag")
            # Every run directory is ``run_prefix + key``: at least one byte longer.
            args.check_path_component(run_prefix + "k", "main_tag")
        if not isinstance(tag_scalar_dict, Mapping):
            raise ArgumentTypeError(
                f"tag_scalar_dict must be a dict of name -> number, got {type(tag_scalar_dict).__name__}"
            )
        step = self._host.step(global_step)
        wall_time = self._host.wall_time(walltime)
        entries = []
        for key, value in tag_scalar_dict.items():
            args.check_tag(key, "tag_scalar_dict key")
            if layout == "runs":
                if "/" in key or os.sep in key:
                    raise ArgumentError(
                        f"tag_scalar_dict key {key!r} must not contain a path separator "
                        "(it names a run directory; layout='same_run' takes it)"
                    )
                where = f"tag_scalar_dict key {_short(key)}"
                check_run_name_text(key, where)
                args.check_path_component(
                    run_prefix + key, f"{where} (joined to main_tag as a run directory name)"
                )
            entries.append((key, convert.to_float(value, f"tag_scalar_dict[{key!r}]")))
        if layout == "same_run":
            for key, value in entries:
                self.add_scalar(f"{main_tag}/{key}", value, step, wall_time)
            self._charts.chart_keys(main_tag, [key for key, _ in entries], wall_time)
            return
        for key, value in entries:
            run_dir = join_logdir(self._host.log_dir, run_prefix + key)
            self._host.sub_run(run_dir).add_scalar(main_tag, value, step, wall_time)
            self._log.add(run_dir, wall_time, step, value)

    def export_scalars_to_json(self, path: str | os.PathLike[str]) -> None:
        """tensorboardX's: writes what ``add_scalars`` logged since the last export as
        ``{run directory: [[wall_time, step, value], ...]}``, then forgets it."""
        if not isinstance(path, (str, os.PathLike)):
            raise ArgumentTypeError(f"path must be a file path, got {type(path).__name__}")
        self._log.export(os.fspath(path))
