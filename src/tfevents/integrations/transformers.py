"""``TensorBoardCallback`` for the Hugging Face ``Trainer``, writing through tfevents.

transformers' own callback accepts a ``tfevents.SummaryWriter`` as ``tb_writer`` and then
works, but refuses to start without ``tensorboard``/``tensorboardX`` installed, creates
torch's writer when given none, drops numpy and tensor values, and (since 5.x) logs no
hyperparameters. This subclass keeps its directory rule, tags (``train/loss``,
``eval/loss``, ``args`` and ``model_config`` text) and steps, and adds those.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np
from transformers import TrainerCallback
from transformers.integrations.integration_utils import (
    TensorBoardCallback as _HFTensorBoardCallback,
)
from transformers.integrations.integration_utils import rewrite_logs as _rewrite_logs

import tfevents
from tfevents.errors import ArgumentTypeError

__all__ = ["TensorBoardCallback"]

_TIMINGS = ("/runtime", "_per_second")  # eval/* keys that are no model metric


class TensorBoardCallback(_HFTensorBoardCallback):
    """``Trainer(..., report_to="none", callbacks=[TensorBoardCallback()])``.

    Args:
        tb_writer: a writer to use as it is (any object with the SummaryWriter API).
        log_dir: the run directory. Default: ``$TENSORBOARD_LOGGING_DIR``, else
            ``<output_dir>/runs/<%b%d_%H-%M-%S>_<hostname>`` (transformers' rule).
        log_hparams: at the end of training, log ``args.to_sanitized_dict()`` as an
            HParams session of the run, with the latest ``train/loss`` and ``eval/*``
            values as its metrics ``hparams/train_loss``, ``hparams/eval_loss``, ...
        **writer_kwargs: for ``tfevents.SummaryWriter`` (``flush_secs``, ...).
    """

    def __init__(
        self,
        tb_writer: Any = None,
        *,
        log_dir: str | os.PathLike[str] | None = None,
        log_hparams: bool = True,
        **writer_kwargs: Any,
    ) -> None:
        TrainerCallback.__init__(self)
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise ArgumentTypeError(f"log_dir must be a path, got {type(log_dir).__name__}")
        self._SummaryWriter = tfevents.SummaryWriter  # type: ignore[assignment]
        self.tb_writer = tb_writer
        self._writer_kwargs = writer_kwargs
        self.log_hparams = bool(log_hparams)
        env_dir = os.getenv("TENSORBOARD_LOGGING_DIR")
        chosen = log_dir if log_dir is not None else env_dir
        self.logging_dir = None if chosen is None else os.path.expanduser(os.fspath(chosen))
        self._latest: dict[str, float] = {}

    def _init_summary_writer(self, args: Any) -> None:
        self.tb_writer = self._SummaryWriter(log_dir=self.logging_dir, **self._writer_kwargs)

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.tb_writer is None:
            self._init_summary_writer(args)
        rewritten: dict[str, Any] = _rewrite_logs(logs or {})  # type: ignore[no-untyped-call]
        for key, value in rewritten.items():
            if isinstance(value, str):
                self.tb_writer.add_text(key, value, state.global_step)
                continue
            number = _scalar(value)
            if number is None:
                continue  # lists, dicts: nothing TensorBoard draws as a curve
            self.tb_writer.add_scalar(key, number, state.global_step)
            if key == "train/loss" or (key.startswith("eval/") and not key.endswith(_TIMINGS)):
                self._latest[key] = number
        self.tb_writer.flush()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.log_hparams and self.tb_writer is not None and state.is_world_process_zero:
            # Under their own tags: the same tag again at the same step would draw its
            # last point twice.
            metrics = {
                "hparams/" + k.replace("/", "_"): v for k, v in self._latest.items() if math.isfinite(v)
            }
            hparams = {k: v for k, v in args.to_sanitized_dict().items() if not isinstance(v, (list, dict))}
            self.tb_writer.add_hparams(hparams, metrics, global_step=state.global_step)
        super().on_train_end(args, state, control, **kwargs)  # type: ignore[no-untyped-call]


def _scalar(value: Any) -> float | None:
    """A float for Python, numpy and one-element tensor numbers (transformers' own
    callback drops all but Python numbers), else None."""
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        array = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    except Exception:
        return None
    if array.size != 1 or array.dtype.kind not in "biuf":
        return None
    return float(array.reshape(()))
