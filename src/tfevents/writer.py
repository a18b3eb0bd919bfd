"""``SummaryWriter``: the drop-in for ``torch.utils.tensorboard`` and ``tensorboardX``.

The writer normalises arguments (any framework's arrays, steps, wall times), checks
them, asks a ``summaries`` module for the encoded value, and queues it on its sink.
Encoding to records, CRCs and file I/O happen in batches on a background thread.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from tfevents import _args as args
from tfevents import convert, distributed
from tfevents._args import INT64
from tfevents.graph import Graph
from tfevents.sinks import NullSink, Sink, join_logdir, logdir_string, open_sink
from tfevents.sinks.event_file import hostname
from tfevents.summaries import histogram, image, pr_curve, scalar
from tfevents.wire import messages
from tfevents.writer_experiment import ExperimentMethods
from tfevents.writer_media import MediaMethods

_time = time.time
DEFAULT_FLUSH_SECS = 2.0
MAX_THRESHOLDS = 100_000  # a PR curve is a [6, n] tensor; more is no curve anyone can read


def _default_logdir(comment: str) -> str:
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{hostname()}{comment}")


_W = TypeVar("_W", bound="WriterBase")
_LIVE_WRITERS: weakref.WeakSet[WriterBase] = weakref.WeakSet()
# add_scalar's default for its rarely used string options: an identity check with it
# keeps the hot path free of type checks.
_EMPTY = ""


def _reset_locks_in_child() -> None:
    # A lock held by another thread at fork time would stay held forever in the child.
    for writer in list(_LIVE_WRITERS):
        writer._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


def _close_writers_at_exit() -> None:
    # Registered after the sinks' own exit hook, so it runs first: closing writers (not
    # just their files) makes a later add_* from another exit hook open a new file.
    for writer in list(_LIVE_WRITERS):
        try:
            writer.close()
        except Exception as exc:
            print(f"tfevents: could not write {writer.log_dir} at exit: {exc}", file=sys.stderr)


atexit.register(_close_writers_at_exit)


class _ReopenOnAppend:
    """Stands in for a closed writer's queue: logging again opens a new event file,
    as torch and tensorboardX do after ``close()``."""

    def __init__(self, writer: WriterBase) -> None:
        self._writer = writer

    def append(self, entry: Any) -> None:
        self._writer._reopen()
        self._writer._scalars.append(entry)

    def __len__(self) -> int:
        return 0


class WriterBase:
    """The writer's state, lifecycle and core ``add_*`` methods.

    ``SummaryWriter`` mixes in the methods of ``writer_media`` and ``writer_experiment``.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = DEFAULT_FLUSH_SECS,
        filename_suffix: str = "",
        *,
        fsync: bool = False,
        logdir: str | os.PathLike[str] | None = None,
        rank_policy: str = "zero",
        storage_options: Mapping[str, Any] | None = None,
        png_compress_level: int = image.DEFAULT_COMPRESS_LEVEL,
    ) -> None:
        if log_dir is not None and logdir is not None:
            raise TypeError("give log_dir or its alias logdir, not both")
        log_dir = log_dir if log_dir is not None else logdir
        if not isinstance(comment, str):
            raise TypeError(f"comment must be a string, got {type(comment).__name__}")
        if log_dir is None or log_dir == "":
            log_dir = _default_logdir(comment)
        elif not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a path, got {type(log_dir).__name__}")
        if purge_step is not None:
            purge_step = convert.to_step(purge_step, "purge_step")
        if isinstance(max_queue, bool) or not isinstance(max_queue, int) or max_queue < 1:
            raise ValueError(f"max_queue must be a positive int, got {max_queue!r}")
        if isinstance(flush_secs, bool) or not isinstance(flush_secs, (int, float)):
            raise TypeError(f"flush_secs must be a number of seconds, got {flush_secs!r}")
        if not 0 < flush_secs < float("inf"):
            raise ValueError(f"flush_secs must be positive and finite, got {flush_secs!r}")
        if not isinstance(filename_suffix, str) or "/" in filename_suffix or os.sep in filename_suffix:
            raise ValueError(f"filename_suffix must be a string without path separators, got {filename_suffix!r}")
        if (
            isinstance(png_compress_level, bool)
            or not isinstance(png_compress_level, int)
            or not 0 <= png_compress_level <= 9
        ):
            raise ValueError(f"png_compress_level must be an int from 0 to 9, got {png_compress_level!r}")
        self.png_compress_level = png_compress_level
        distributed.check_policy(rank_policy)
        if storage_options is not None and not isinstance(storage_options, Mapping):
            raise TypeError(
                f"storage_options must be a dict of fsspec options, got {type(storage_options).__name__}"
            )

        # A URL (s3://, gs://, memory://, ... any fsspec URL) is kept as it is, never
        # os.fspath'd into a local "s3:" folder; file:// URLs become local paths.
        self.log_dir = logdir_string(log_dir)
        rank_info = distributed.detect()
        rank_plan = distributed.plan(rank_policy, rank_info)
        if rank_plan.subdir is not None:
            self.log_dir = join_logdir(self.log_dir, rank_plan.subdir)
        # The global rank (None outside a distributed job), and whether this writer writes:
        # with rank_policy="zero", the writers of ranks other than 0 write nothing.
        self.rank = rank_info.rank
        self.writes_events = rank_plan.writes
        self.rank_policy = rank_policy
        self._storage_options = dict(storage_options) if storage_options is not None else None
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = float(flush_secs)
        self.filename_suffix = filename_suffix
        self.fsync = bool(fsync)
        self._lock = threading.Lock()
        self._sub_sinks: dict[str, Sink] = {}
        # Tags add_scalar has validated (a set lookup is cheaper than validating again).
        self._checked_tags: set[str] = set()
        # Display names and descriptions of scalar tags, kept across reopened files.
        self._scalar_metadata: dict[str, bytes] = {}
        self._warned: set[tuple[str, str]] = set()
        self._closed = False
        self._sink = self._new_sink(self.log_dir, purge_step=purge_step)
        self._scalars: Any = self._sink.queue
        _LIVE_WRITERS.add(self)

    # --- lifecycle -----------------------------------------------------------------------

    def _new_sink(self, logdir: str, purge_step: int | None = None) -> Sink:
        if not self.writes_events:
            return NullSink(logdir)
        options: dict[str, Any] = {}
        if self._storage_options is not None:
            options["storage_options"] = self._storage_options
        return open_sink(
            logdir,
            filename_suffix=self.filename_suffix,
            flush_secs=self.flush_secs,
            max_queue=self.max_queue,
            purge_step=purge_step,
            fsync=self.fsync,
            scalar_metadata=self._scalar_metadata,
            **options,
        )

    def _reopen(self) -> None:
        with self._lock:
            if self._closed:
                # purge_step is written once per writer, never again (tensorboardX#185).
                self._sink = self._new_sink(self.log_dir)
                self._scalars = self._sink.queue
                self._closed = False

    def _live_sink(self) -> Sink:
        if self._closed:
            self._reopen()
        return self._sink

    def get_logdir(self) -> str:
        """The directory this writer writes to."""
        return self.log_dir

    @property
    def logdir(self) -> str:
        return self.log_dir

    @property
    def event_file_path(self) -> str:
        """The path of the event file being written."""
        return self._sink.path

    def flush(self, fsync: bool | None = None) -> None:
        """Returns once everything logged before the call is in the event file(s).

        With ``fsync=True`` (or the writer's ``fsync``), also waits until it is on disk.
        """
        do_sync = self.fsync if fsync is None else bool(fsync)
        for sink in [self._sink, *self._sub_sinks.values()]:
            if not sink.closed:
                sink.flush(fsync=do_sync)

    def close(self) -> None:
        """Writes everything pending and closes the files. Calling it again does nothing.

        If a write fails (disk full), the error is raised and the writer stays open with
        its events kept: calling ``close()`` again retries them.
        """
        with self._lock:
            if self._closed:
                return
            sinks = [self._sink, *self._sub_sinks.values()]
        errors = []
        for sink in sinks:
            try:
                sink.close()
            except OSError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        with self._lock:
            self._closed = True
            self._sub_sinks = {}
            self._scalars = _ReopenOnAppend(self)

    def __enter__(self: _W) -> _W:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A writer that is only garbage-collected still writes what it holds.
        if getattr(self, "_sink", None) is not None and not getattr(self, "_closed", True):
            # (not contextlib.suppress: at interpreter exit module globals may be gone)
            try:  # noqa: SIM105
                self.close()
            except Exception:
                pass

    # --- queueing ------------------------------------------------------------------------

    def _add_value(
        self, tag: str, metadata: bytes, value_field: bytes, step: int, wall_time: float
    ) -> None:
        self._live_sink().add_value(tag, metadata, value_field, step, wall_time)

    def _warn_once(self, key: tuple[str, str], message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # --- scalars -------------------------------------------------------------------------

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

        A torch tensor, on a GPU too, is not synchronised here: a detached copy is kept
        and all of them are brought to the host in one copy when the queue is written
        (with ``new_style``, the value is read at once).
        """
        if tag.__class__ is not str or tag not in self._checked_tags:
            self._checked_tags.add(args.check_tag(tag))
        if scalar_value.__class__ is float:
            value = scalar_value
        elif convert.is_torch_tensor(scalar_value) and new_style is False:
            value = convert.defer_tensor_scalar(scalar_value, "scalar_value")
        else:
            value = convert.to_float(scalar_value, "scalar_value")
        if global_step is None:
            step = 0
        elif global_step.__class__ is int and -INT64 <= global_step < INT64:
            step = global_step
        else:
            step = convert.to_step(global_step, "global_step")
        wall_time = _time() if walltime is None else convert.to_walltime(walltime)
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
        queue = self._scalars
        queue.append((tag, value, step, wall_time))
        if len(queue) >= self._sink.wake_threshold:
            self._sink.queue_full()

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
        args.check_tag(tag)
        array = convert.to_numpy(values, "values")
        if array.ndim != 1:
            raise ValueError(f"values must be 1-D, got shape {array.shape}")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"values must be real numbers, got dtype {array.dtype}")
        count = array.size
        if global_steps is None:
            steps = np.arange(count, dtype=np.int64)
        else:
            steps = convert.to_numpy(global_steps, "global_steps")
            if steps.shape != (count,):
                raise ValueError(
                    f"global_steps must have one step per value ({count}), got shape {steps.shape}"
                )
            if steps.dtype.kind == "f":
                if not np.all(np.floor(steps) == steps):
                    raise ValueError("global_steps must be whole numbers")
                if count and (steps.min() < -(2.0**63) or steps.max() >= 2.0**63):
                    raise ValueError("global_steps must fit in a signed 64-bit integer")
            elif steps.dtype.kind == "u" and count and steps.max() >= 2**63:
                raise ValueError("global_steps must fit in a signed 64-bit integer")
            elif steps.dtype.kind not in "iuf":
                raise TypeError(f"global_steps must be integers, got dtype {steps.dtype}")
            steps = steps.astype(np.int64)
        if walltimes is None:  # (one value seen as a column: no array of n copies)
            wall_times = np.broadcast_to(np.float64(_time()), (count,))
        else:
            wall_times = convert.to_numpy(walltimes, "walltimes")
            if wall_times.dtype.kind not in "biuf":
                raise TypeError(f"walltimes must be numbers, got dtype {wall_times.dtype}")
            if wall_times.ndim != 0 and wall_times.shape != (count,):
                raise ValueError(
                    f"walltimes must be one number or one per value ({count}), got shape {wall_times.shape}"
                )
            if not np.isfinite(wall_times).all():
                raise ValueError("walltimes must be finite")
            wall_times = np.broadcast_to(wall_times.astype(np.float64), (count,))
        if count == 0:
            return
        with np.errstate(over="ignore"):
            value_column = array.astype(np.float32)
        self._live_sink().add_scalar(tag, value_column, steps, wall_times)

    def _add_scalar_with_options(
        self,
        tag: str,
        value: float,
        step: int,
        wall_time: float,
        new_style: bool,
        double_precision: bool,
        display_name: str,
        description: str,
    ) -> None:
        for name, option in (("display_name", display_name), ("summary_description", description)):
            if not isinstance(option, str):
                raise TypeError(f"{name} must be a string, got {type(option).__name__}")
        new_style = args.check_flag(new_style, "new_style")
        double_precision = args.check_flag(double_precision, "double_precision")
        metadata = scalar.metadata(display_name, description)
        if new_style:
            if double_precision:
                self._warn_once(
                    (tag, "double"),
                    f"add_scalar({tag!r}, double_precision=True) writes a float64 tensor, "
                    "which TensorBoard's default (Rust) loader does not show; "
                    "it is shown with --load_fast=false",
                )
            self._add_value(
                tag, metadata, scalar.tensor_field(value, double_precision), step, wall_time
            )
            return
        self._scalar_metadata.setdefault(tag, metadata)
        self._live_sink().add_scalar(tag, value, step, wall_time)

    # --- histograms ----------------------------------------------------------------------

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Logs the distribution of ``values`` (any shape).

        ``bins``: ``"tensorflow"`` (torch's default: TensorFlow's exponential buckets,
        each edge within 0.38% of TensorFlow's, of which the non-empty span is kept;
        see ``tfevents.summaries.histogram``) or anything ``numpy.histogram`` takes (a
        count, ``"auto"``, edges). ``max_bins`` merges neighbouring buckets
        down to at most that many. NaN and ±Inf are not counted: TensorBoard has no
        bucket for them; a warning says so once per tag.
        """
        args.check_tag(tag)
        array = convert.to_numpy(values, "values")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"values must be real numbers, got dtype {array.dtype}")
        if max_bins is not None and (
            isinstance(max_bins, bool) or not isinstance(max_bins, (int, np.integer)) or max_bins < 1
        ):
            raise ValueError(f"max_bins must be a positive int or None, got {max_bins!r}")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        table, (nan, pos_inf, neg_inf) = histogram.compute(
            array, bins, None if max_bins is None else int(max_bins)
        )
        if nan or pos_inf or neg_inf:
            self._warn_once(
                (tag, "nonfinite"),
                f"add_histogram({tag!r}): NaN and ±Inf values are not counted "
                f"(this call: {nan} NaN, {pos_inf} +Inf, {neg_inf} -Inf)",
            )
        self._add_value(tag, histogram.METADATA, histogram.value_field(table), step, wall_time)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,  # noqa: A002 - torch's parameter names
        max: float,  # noqa: A002
        num: int,
        sum: float,  # noqa: A002
        sum_squares: float,
        bucket_limits: Any,
        bucket_counts: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a histogram from precomputed buckets.

        Bucket i spans from ``bucket_limits[i - 1]`` (``min`` for the first) to
        ``bucket_limits[i]`` and holds ``bucket_counts[i]`` values. ``num``, ``sum`` and
        ``sum_squares`` are checked but not stored: TensorBoard's histogram form has no
        place for them.
        """
        args.check_tag(tag)
        limits = convert.to_numpy(bucket_limits, "bucket_limits").reshape(-1)
        counts = convert.to_numpy(bucket_counts, "bucket_counts").reshape(-1)
        for name, array in (("bucket_limits", limits), ("bucket_counts", counts)):
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be numbers, got dtype {array.dtype}")
            if not np.isfinite(array).all():
                raise ValueError(f"{name} must be finite")
        if limits.size != counts.size or limits.size == 0:
            raise ValueError(
                "bucket_limits and bucket_counts must have the same, non-zero length, "
                f"got {limits.size} and {counts.size}"
            )
        if (counts < 0).any():
            raise ValueError("bucket_counts must not be negative")
        low = convert.to_float(min, "min")
        high = convert.to_float(max, "max")
        for name, number in (("num", num), ("sum", sum), ("sum_squares", sum_squares)):
            if not np.isfinite(convert.to_float(number, name)):
                raise ValueError(f"{name} must be finite")
        if not (np.isfinite(low) and np.isfinite(high)) or low > high:
            raise ValueError(f"min and max must be finite with min <= max, got {low} and {high}")
        if (np.diff(limits) < 0).any():
            raise ValueError("bucket_limits must not decrease")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        table = np.empty((limits.size, 3))
        table[0, 0] = low
        table[1:, 0] = limits[:-1]
        table[:, 1] = limits
        table[:, 2] = counts
        self._add_value(tag, histogram.METADATA, histogram.value_field(table), step, wall_time)

    # --- images --------------------------------------------------------------------------

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Logs one image; see ``tfevents.summaries.image`` for layouts and value rules."""
        args.check_tag(tag)
        array = convert.to_numpy(img_tensor, "img_tensor")
        hwc = image.to_uint8(image.to_hwc(array, dataformats), "img_tensor")
        self._add_image(tag, hwc, global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Logs a batch of images, tiled into one grid image of up to 8 columns.

        ``img_tensor`` is one array (``N`` plus ``C``/``H``/``W`` in the order named by
        ``dataformats``) or a list of same-shaped images without the ``N`` axis.
        """
        args.check_tag(tag)
        if isinstance(img_tensor, (list, tuple)) and img_tensor and not isinstance(
            img_tensor[0], (int, float, list, tuple)
        ):
            parts = [convert.to_numpy(item, "img_tensor") for item in img_tensor]
            if len({p.shape for p in parts}) != 1:
                raise ValueError("img_tensor: the images of a list must all have the same shape")
            array = np.stack(parts)
        else:
            array = convert.to_numpy(img_tensor, "img_tensor")
        grid = image.to_uint8(image.batch_to_grid(array, dataformats), "img_tensor")
        self._add_image(tag, grid, global_step, walltime)

    def _add_image(self, tag: str, hwc: np.ndarray, global_step: Any, walltime: Any) -> None:
        self._add_png(tag, hwc, args.global_step(global_step), args.wall_time(walltime))

    def _add_png(self, tag: str, hwc: np.ndarray, step: int, wall_time: float) -> None:
        """Queues an HWC uint8 image as a PNG (images, boxes, figures)."""
        encoded = image.encode_png(hwc, self.png_compress_level)
        field = image.value_field(encoded, hwc.shape[0], hwc.shape[1])
        self._add_value(tag, image.METADATA, field, step, wall_time)

    # --- PR curves -----------------------------------------------------------------------

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a precision-recall curve from binary labels and predictions in [0, 1].

        Any ``num_thresholds`` >= 2 is written (torch silently caps it at 127).
        """
        args.check_tag(tag)
        thresholds = _check_num_thresholds(num_thresholds)
        label_array = convert.to_numpy(labels, "labels").reshape(-1)
        prediction_array = convert.to_numpy(predictions, "predictions").reshape(-1)
        if label_array.dtype.kind not in "biuf":
            raise TypeError(f"labels must be bools or 0/1 numbers, got dtype {label_array.dtype}")
        if prediction_array.dtype.kind not in "biuf":
            raise TypeError(f"predictions must be numbers in [0, 1], got dtype {prediction_array.dtype}")
        if label_array.shape != prediction_array.shape:
            raise ValueError(
                f"labels and predictions must have the same number of elements, "
                f"got {label_array.size} and {prediction_array.size}"
            )
        if label_array.dtype != np.bool_ and not (
            (label_array == 0) | (label_array == 1)
        ).all():
            raise ValueError("labels must be bools or 0/1 values")
        if prediction_array.size and not (  # (min and max are NaN if any value is)
            prediction_array.min() >= 0 and prediction_array.max() <= 1
        ):
            raise ValueError("predictions must be finite and in [0, 1]")
        weight_array = None
        if weights is not None:
            weight_array = convert.to_numpy(weights, "weights").reshape(-1)
            if weight_array.shape != label_array.shape:
                raise ValueError(
                    f"weights must have one value per label, got {weight_array.size} for {label_array.size}"
                )
            if weight_array.dtype.kind not in "biuf" or not (
                np.isfinite(weight_array).all() and (weight_array >= 0).all()
            ):
                raise ValueError("weights must be finite numbers >= 0")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        table = pr_curve.compute_curve(label_array, prediction_array, thresholds, weight_array)
        self._add_value(
            tag, pr_curve.metadata(thresholds), pr_curve.value_field(table), step, wall_time
        )

    def add_pr_curve_raw(
        self,
        tag: str,
        true_positive_counts: Any,
        false_positive_counts: Any,
        true_negative_counts: Any,
        false_negative_counts: Any,
        precision: Any,
        recall: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Logs a precision-recall curve from precomputed counts, one per threshold.

        Each array must have ``num_thresholds`` entries. ``weights`` is accepted for
        torch compatibility and, as there, unused.
        """
        args.check_tag(tag)
        thresholds = _check_num_thresholds(num_thresholds)
        named = {
            "true_positive_counts": true_positive_counts,
            "false_positive_counts": false_positive_counts,
            "true_negative_counts": true_negative_counts,
            "false_negative_counts": false_negative_counts,
            "precision": precision,
            "recall": recall,
        }
        rows = []
        for name, value in named.items():
            array = convert.to_numpy(value, name).reshape(-1)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be numbers, got dtype {array.dtype}")
            if array.size != thresholds:
                raise ValueError(
                    f"{name} must have num_thresholds={thresholds} entries, got {array.size}"
                )
            rows.append(array.astype(np.float64))
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        table = pr_curve.raw_table(*rows)
        self._add_value(
            tag, pr_curve.metadata(thresholds), pr_curve.value_field(table), step, wall_time
        )

    # --- text and graphs -----------------------------------------------------------------

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Logs a graph for the Graphs dashboard.

        ``model`` is one of:

        - a ``torch.nn.Module``, traced on ``input_to_model`` with ``torch.export``
          (falling back to other tracers with a ``GraphTraceWarning``): a tensor is the
          one argument, a tuple or list the positional arguments, a dict the keyword
          arguments (when its keys are parameters of ``forward``). Needs torch
          (``pip install tfevents[torch]``); the model is run once, in eval mode, and its
          train/eval flags are restored. ``use_strict_trace`` is accepted for
          compatibility: dict and list outputs always work here.
        - a ``tfevents.Graph`` built by hand (``input_to_model`` must then be None);
        - the bytes of a serialized GraphDef.
        """
        if isinstance(model, Graph):
            if input_to_model is not None:
                raise ValueError("input_to_model must be None when model is a tfevents.Graph")
            graph_def = model.to_graph_def()
        elif isinstance(model, (bytes, bytearray)):
            graph_def = bytes(model)
        elif hasattr(model, "forward") and hasattr(model, "named_modules"):
            from tfevents.extras.torch import module_graph_def  # imports torch

            graph_def = module_graph_def(
                model, input_to_model, verbose=verbose, use_strict_trace=use_strict_trace
            )
        else:
            raise TypeError(
                "model must be a torch.nn.Module, a tfevents.Graph or serialized GraphDef "
                f"bytes, got {type(model).__name__}"
            )
        self._live_sink().add_event(messages.event(_time(), graph_def=graph_def))


def _check_num_thresholds(num_thresholds: Any) -> int:
    if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)):
        raise TypeError(f"num_thresholds must be an int, got {type(num_thresholds).__name__}")
    if not 2 <= num_thresholds <= MAX_THRESHOLDS:
        raise ValueError(
            f"num_thresholds must be between 2 and {MAX_THRESHOLDS:,}, got {num_thresholds}"
        )
    return int(num_thresholds)


class SummaryWriter(MediaMethods, ExperimentMethods, WriterBase):
    """Writes TensorBoard event files to ``log_dir``.

    Args:
        log_dir: the run directory. Default ``runs/<%b%d_%H-%M-%S>_<hostname><comment>``.
        comment: appended to the default ``log_dir``; ignored when ``log_dir`` is given.
        purge_step: when resuming after a crash, the step from which earlier logged
            data is to be hidden: a ``SessionLog.START`` at this step is written first
            (TensorBoard's Python loader purges on it; its Rust loader instead drops
            points of a tag at or after a step that is logged again).
        max_queue: pending events that wake the background writer before its
            ``flush_secs`` timer; at least 1,000 (smaller batches cost more per event
            than they save), and 8 MB of pending images or other values also wake it.
            Whatever its value, the calling thread writes once 65,536 events are
            pending: memory stays bounded.
        flush_secs: at most this many seconds pass between a call and its event being
            in the file, without any ``flush()``. The default, 2 s, keeps a running
            TensorBoard (which polls every 5 s) live; torch's 120 s is why its users
            see nothing for two minutes.
        filename_suffix: appended to the event file's name.
        fsync: also ``fsync`` the file on every write, for filesystems that lose
            unsynced data (NFS, FUSE). Off by default: data that reached the file
            survives the process crashing, not the machine.
        logdir: alias of ``log_dir`` (tensorboardX's name).
        png_compress_level: zlib level of the PNGs of images, figures and boxes (0-9).
            The default, 1, is chosen by measurement: level 6 (zlib's default) makes
            files 2-7% smaller for 1.2-3.4x the time (``tfevents.summaries.image``).
        rank_policy: in a distributed job (``RANK``/``WORLD_SIZE``, or an initialised
            ``torch.distributed``): ``"zero"`` (default) writes from rank 0 only — the
            other ranks' writers check their arguments and write nothing; ``"all"``
            writes one run per rank, ``<log_dir>/rank_<r>`` (give ``log_dir``: the default
            name holds the time, which can differ between ranks); ``"ignore"`` writes
            from every process to ``log_dir``.
        storage_options: options for fsspec (credentials, endpoint) when ``log_dir`` is
            a URL (``s3://``, ``gs://``, ``memory://``, ...). Object stores cannot append,
            so each write becomes a new immutable event file (a segment); a
            ``flush_secs`` of 30-60 s keeps their number down. Needs ``tfevents[remote]``.
    """
