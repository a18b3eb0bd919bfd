"""``TensorBoardLogger`` for PyTorch Lightning, writing through tfevents.

It is Lightning's own ``lightning.pytorch.loggers.TensorBoardLogger`` (same arguments,
directories, versioning, ``hparams.yaml``, pickling, finalize order) with the writer
swapped: ``experiment`` is a ``tfevents.SummaryWriter``, hyperparameters go through its
``add_hparams`` into the run itself, and neither ``tensorboard`` nor ``tensorboardX``
has to be installed.
"""

from __future__ import annotations

import os
import warnings
from argparse import Namespace
from typing import Any

import numpy as np
from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.fabric.utilities.cloud_io import get_filesystem
from lightning.fabric.utilities.logger import _add_prefix, _convert_params, _flatten_dict
from lightning.fabric.utilities.rank_zero import rank_zero_only
from lightning.fabric.utilities.types import _PATH
from lightning.pytorch.loggers import TensorBoardLogger as _LightningTensorBoardLogger
from lightning.pytorch.loggers.logger import Logger as _PLLogger

import tfevents
from tfevents.errors import ArgumentTypeError

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger(_LightningTensorBoardLogger):
    """Lightning's ``TensorBoardLogger``, writing with ``tfevents.SummaryWriter``.

    Args are Lightning's: ``save_dir``, ``name="lightning_logs"``, ``version`` (None:
    the next free ``version_N``; int: ``version_<int>``; str: used as is), ``log_graph``
    (traced through tfevents' torch adapter from ``example_input_array``),
    ``default_hp_metric`` (log ``hp_metric = -1`` with the hyperparameters), ``prefix``
    and ``sub_dir``; ``**kwargs`` go to ``tfevents.SummaryWriter`` (``flush_secs``,
    ``max_queue``, ``fsync``, ``storage_options``, ...).
    """

    def __init__(
        self,
        save_dir: _PATH,
        name: str | None = "lightning_logs",
        version: int | str | None = None,
        log_graph: bool = False,
        default_hp_metric: bool = True,
        prefix: str = "",
        sub_dir: _PATH | None = None,
        **kwargs: Any,
    ) -> None:
        # Lightning's __init__ refuses to run without the tensorboard or tensorboardX
        # distribution, which tfevents does not need: set its attributes here instead.
        _PLLogger.__init__(self)
        if not isinstance(save_dir, (str, os.PathLike)):
            raise ArgumentTypeError(f"save_dir must be a path, got {type(save_dir).__name__}")
        if version is not None and (isinstance(version, bool) or not isinstance(version, (int, str))):
            raise ArgumentTypeError(f"version must be an int, a str or None, got {type(version).__name__}")
        if not isinstance(prefix, str):
            raise ArgumentTypeError(f"prefix must be a str, got {type(prefix).__name__}")
        root_dir = os.fsdecode(os.fspath(save_dir))
        self._root_dir = root_dir
        self._name = name or ""
        self._version = version
        self._sub_dir = None if sub_dir is None else os.fspath(sub_dir)
        self._default_hp_metric = default_hp_metric
        self._prefix = prefix
        self._fs = get_filesystem(root_dir)
        self._experiment = None
        self._kwargs = kwargs
        self._log_graph = bool(log_graph)  # type: ignore[assignment]  # Lightning: RequirementCache
        self.hparams: Any = {}

    @property
    @rank_zero_experiment
    def experiment(self) -> tfevents.SummaryWriter:
        """The run's ``tfevents.SummaryWriter``, created on first use."""
        current: Any = self._experiment
        if current is not None:
            return current  # type: ignore[no-any-return]
        assert getattr(rank_zero_only, "rank", 0) == 0, "tried to init log dirs in non global_rank=0"
        if self.root_dir:
            self._fs.makedirs(self.root_dir, exist_ok=True)
        writer = tfevents.SummaryWriter(log_dir=self.log_dir, **self._kwargs)
        self._experiment = writer  # type: ignore[assignment]  # Lightning types it as torch's
        return writer

    @rank_zero_only
    def log_hyperparams(
        self,
        params: dict[str, Any] | Namespace,
        metrics: Any = None,
        step: int | None = None,
    ) -> None:
        """Keeps ``params`` for ``hparams.yaml`` and, when there are metrics (``hp_metric``
        = -1 by default), logs one HParams session into this run."""
        converted = _convert_params(params)
        merged = _omegaconf_merge(self.hparams, converted)
        if merged is not None:  # as Lightning's own logger: OmegaConf input stays OmegaConf
            self.hparams = merged
        else:
            self.hparams.update(converted)
        flat = self._sanitize_params(_flatten_dict(dict(converted)))
        if metrics is None:
            metrics = {"hp_metric": -1} if self._default_hp_metric else {}
        elif not isinstance(metrics, dict):
            metrics = {"hp_metric": metrics}
        if not metrics:
            return
        metrics = {k: _number(v) for k, v in _add_prefix(metrics, self._prefix, self.LOGGER_JOIN_CHAR).items()}
        hparam_dict = {k: _hparam_value(v) for k, v in flat.items()}
        try:
            self.experiment.add_hparams(hparam_dict, metrics, global_step=step)
        except ValueError as exc:
            # A run holds one HParams session; a second one with other hparams or metric
            # names is not shown by TensorBoard. Keep the metric values as scalars.
            warnings.warn(f"hyperparameters not logged again: {exc}", stacklevel=2)
            self.log_metrics(metrics, step)


def _omegaconf_merge(current: Any, params: Any) -> Any:
    try:
        from omegaconf import Container, OmegaConf
    except ImportError:
        return None
    return OmegaConf.merge(current, params) if isinstance(params, Container) else None


def _number(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and getattr(value, "numel", lambda: 1)() == 1:
        return value.item()
    return value


def _hparam_value(value: Any) -> Any:
    """What torch's ``hparams()`` keeps of a value Lightning's sanitizer let through."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    array = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    if array.size == 0:
        return str(value)
    return array.reshape(-1)[0].item()
