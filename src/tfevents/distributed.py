"""Which process of a distributed job writes, and where (pure functions).

A training job launched as N processes (``torchrun``, ``accelerate``, DeepSpeed,
``torch.multiprocessing.spawn``) usually builds the same ``SummaryWriter`` in every
process. Written as they are, N copies of every series land in one run (or N runs),
which is why users ask for rank-0-only logging (tensorboardX#395, #627,
huggingface/accelerate#102). ``SummaryWriter(..., rank_policy=...)`` decides:

``"zero"`` (the default)
    Only global rank 0 writes, to ``log_dir``. The writers of other ranks check every
    argument as usual (a bug raises on every rank) but write nothing and create no
    file, directory or object; ``get_logdir()`` still answers ``log_dir``. (Values are
    still encoded there: guard very costly calls with ``if writer.writes_events:``.)
``"all"``
    Every rank writes its own run, ``<log_dir>/rank_<rank>``, so TensorBoard draws the
    ranks as separate runs. Give ``log_dir`` explicitly: the default name has the
    time of day in it, which may differ between ranks by a second.
``"ignore"``
    Ranks are not looked at: every process writes to ``log_dir`` (file names have the
    host and pid in them, so processes never share a file; TensorBoard merges them into
    one run).

Outside a distributed job (no rank found) every policy writes to ``log_dir``.

The rank comes, first, from ``torch.distributed`` when it is initialised (looked at
only if torch is already imported: tfevents never imports it), then from the
environment variables that launchers set: ``RANK`` (global rank), ``WORLD_SIZE`` and
``LOCAL_RANK`` (``RANK`` missing: ``LOCAL_RANK`` stands for it, as on one node).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

RANK_POLICIES = ("zero", "all", "ignore")


class RankInfo(NamedTuple):
    """The process's place in a distributed job; ``rank`` None outside of one."""

    rank: int | None = None
    world_size: int | None = None
    local_rank: int | None = None
    source: str = ""  # "torch.distributed", "env" or "" (none found)


class RankPlan(NamedTuple):
    """What a writer does: write or not, and in which sub-run of ``log_dir`` (or none)."""

    writes: bool
    subdir: str | None = None


def check_policy(policy: Any) -> str:
    if not isinstance(policy, str):
        raise TypeError(f"rank_policy must be a string, got {type(policy).__name__}")
    if policy not in RANK_POLICIES:
        raise ValueError(f"rank_policy must be one of {RANK_POLICIES}, got {policy!r}")
    return policy


def _env_int(environ: Mapping[str, str], name: str) -> int | None:
    text = environ.get(name)
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        warnings.warn(
            f"tfevents: ignoring the environment variable {name}={text!r}: "
            "not a non-negative integer",
            RuntimeWarning,
            stacklevel=4,
        )
        return None
    return value


def _torch_rank(modules: Mapping[str, Any]) -> tuple[int, int] | None:
    if modules.get("torch") is None:
        return None
    dist = modules.get("torch.distributed")
    if dist is None:
        return None
    try:
        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank()), int(dist.get_world_size())
    except Exception:  # a half-initialised or unusual build: fall back to the environment
        return None
    return None


def detect(
    environ: Mapping[str, str] | None = None, modules: Mapping[str, Any] | None = None
) -> RankInfo:
    """The rank of this process: torch.distributed if initialised, else the environment.

    ``environ`` and ``modules`` default to ``os.environ`` and ``sys.modules``.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    local_rank = _env_int(environ, "LOCAL_RANK")
    from_torch = _torch_rank(modules)
    if from_torch is not None:
        rank, world_size = from_torch
        return RankInfo(rank, world_size, local_rank, "torch.distributed")
    env_rank = _env_int(environ, "RANK")
    if env_rank is None:
        env_rank = local_rank
    env_world_size = _env_int(environ, "WORLD_SIZE")
    if env_rank is None:
        return RankInfo(None, env_world_size, None, "")
    return RankInfo(env_rank, env_world_size, local_rank, "env")


def plan(policy: str, info: RankInfo) -> RankPlan:
    """Whether this process writes under ``policy``, and the sub-run it writes to."""
    check_policy(policy)
    if policy == "ignore" or info.rank is None:
        return RankPlan(True)
    if policy == "zero":
        return RankPlan(info.rank == 0)
    return RankPlan(True, f"rank_{info.rank}")
