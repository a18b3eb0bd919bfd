"""The writer's constructor arguments, checked once, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tfevents import _args as args
from tfevents import distributed
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.sinks import logdir_string
from tfevents.sinks.naming import hostname

DEFAULT_FLUSH_SECS = 2.0


def default_logdir(comment: str) -> str:
    """torch's and tensorboardX's default: ``runs/<%b%d_%H-%M-%S>_<hostname><comment>``."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{hostname()}{comment}")


@dataclass(frozen=True)
class WriterOptions:
    """What a ``SummaryWriter`` was asked for, checked (see its docstring)."""

    log_dir: str
    purge_step: int | None
    max_queue: int
    flush_secs: float
    filename_suffix: str
    fsync: bool
    rank_policy: str
    storage_options: dict[str, Any] | None
    png_compress_level: int
    write_to_disk: bool

    @classmethod
    def check(
        cls,
        log_dir: Any,
        comment: Any,
        purge_step: Any,
        max_queue: Any,
        flush_secs: Any,
        filename_suffix: Any,
        *,
        fsync: Any,
        logdir: Any,
        rank_policy: Any,
        storage_options: Any,
        png_compress_level: Any,
        write_to_disk: Any = True,
        comet_config: Any = None,
    ) -> WriterOptions:
        if log_dir is not None and logdir is not None:
            raise ArgumentTypeError("give log_dir or its alias logdir, not both")
        log_dir = log_dir if log_dir is not None else logdir
        if not isinstance(comment, str):
            raise ArgumentTypeError(f"comment must be a string, got {type(comment).__name__}")
        if log_dir is None or log_dir == "":
            log_dir = default_logdir(comment)
        elif not isinstance(log_dir, (str, os.PathLike)):
            raise ArgumentTypeError(f"log_dir must be a path, got {type(log_dir).__name__}")
        if purge_step is not None:
            purge_step = args.step(purge_step, "purge_step")
        if isinstance(max_queue, bool) or not isinstance(max_queue, int) or max_queue < 1:
            raise ArgumentError(f"max_queue must be a positive int, got {max_queue!r}")
        if isinstance(flush_secs, bool) or not isinstance(flush_secs, (int, float)):
            raise ArgumentTypeError(f"flush_secs must be a number of seconds, got {flush_secs!r}")
        if not 0 < flush_secs < float("inf"):
            raise ArgumentError(f"flush_secs must be positive and finite, got {flush_secs!r}")
        if not isinstance(filename_suffix, str) or "/" in filename_suffix or os.sep in filename_suffix:
            raise ArgumentError(
                f"filename_suffix must be a string without path separators, got {filename_suffix!r}"
            )
        if (
            isinstance(png_compress_level, bool)
            or not isinstance(png_compress_level, int)
            or not 0 <= png_compress_level <= 9
        ):
            raise ArgumentError(
                f"png_compress_level must be an int from 0 to 9, got {png_compress_level!r}"
            )
        write_to_disk = args.check_flag(write_to_disk, "write_to_disk")
        check_comet_config(comet_config)
        distributed.check_policy(rank_policy)
        if storage_options is not None and not isinstance(storage_options, Mapping):
            raise ArgumentTypeError(
                "storage_options must be a dict of fsspec options, "
                f"got {type(storage_options).__name__}"
            )
        return cls(
            # A URL (s3://, gs://, memory://, ... any fsspec URL) is kept as it is, never
            # os.fspath'd into a local "s3:" folder; file:// URLs become local paths.
            log_dir=logdir_string(log_dir),
            purge_step=purge_step,
            max_queue=max_queue,
            flush_secs=float(flush_secs),
            filename_suffix=filename_suffix,
            fsync=bool(fsync),
            rank_policy=rank_policy,
            storage_options=dict(storage_options) if storage_options is not None else None,
            png_compress_level=png_compress_level,
            write_to_disk=write_to_disk,
        )


def check_comet_config(comet_config: Any) -> None:
    """tensorboardX's mirror to comet.ml: only its default, disabled, is accepted."""
    if comet_config is None:
        return
    if not isinstance(comet_config, Mapping):
        raise ArgumentTypeError(f"comet_config must be a dict, got {type(comet_config).__name__}")
    if dict(comet_config) != {"disabled": True}:
        raise ArgumentError(
            "comet_config: tfevents does not mirror logs to comet.ml; log to comet with "
            "comet_ml's own API (or comet's TensorBoard upload of the log directory)"
        )


