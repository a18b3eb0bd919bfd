"""Which process of a distributed job writes, and where.

A training job launched as N processes (``torchrun``, ``accelerate``, DeepSpeed,
``srun``, ``mpirun``, ``horovodrun``, a multi-host JAX program) usually builds the same
``SummaryWriter`` in every process. Written as they are, N copies of every series land
in one run (or N runs), which is why users ask for rank-0-only logging (tensorboardX#395,
#627, huggingface/accelerate#102). ``SummaryWriter(..., rank_policy=...)`` decides:

``"zero"`` (the default)
    Only global rank 0 writes, to ``log_dir``. The writers of other ranks check every
    argument as usual (a bug raises on every rank) but write nothing and create no
    file, directory or object; ``get_logdir()`` still answers ``log_dir``. (Values are
    still encoded there: guard very costly calls with ``if writer.writes_events:``.)
``"all"``
    Every rank writes its own run, ``<log_dir>/rank_<rank>``, named by the global rank
    (never the local one), so the runs of a job spread over several hosts line up in
    one log directory. Give ``log_dir`` explicitly: the default name has the time of
    day and the host name in it, which differ between ranks.
``"ignore"``
    Ranks are not looked at: every process writes to ``log_dir`` (file names have the
    host and pid in them, so processes never share a file; TensorBoard merges them into
    one run).

Outside a distributed job (no rank found, or a world size of 1) every policy writes to
``log_dir``.

Where the rank comes from, first answer wins:

1. ``torch.distributed``, once initialised;
2. JAX, once ``jax.distributed.initialize()`` was called, or once its backends report
   more than one process (see ``jax_rank``);
3. the variables that launchers put in the environment (``LAUNCHERS``), the innermost
   launcher first: ``RANK``, ``HOROVOD_RANK``, ``OMPI_COMM_WORLD_RANK``,
   ``MV2_COMM_WORLD_RANK``, ``PMI_RANK``, ``SLURM_PROCID``, then ``LOCAL_RANK`` alone.

Runtimes are looked at only if the program already imported them: tfevents never
imports torch or jax, and never starts or initialises anything in them. A runtime knows
its rank for sure; where a launcher's variable says otherwise, the runtime is believed
and a ``RuntimeWarning`` says so, once per process.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

from tfevents.errors import ArgumentError, ArgumentTypeError

RANK_POLICIES = ("zero", "all", "ignore")


class RankInfo(NamedTuple):
    """The process's place in a distributed job; ``rank`` None outside of one.

    ``source`` says who answered: ``"torch.distributed"``, ``"jax"``, the environment
    variable the rank was read from (``"RANK"``, ``"SLURM_PROCID"``, ...), or ``""``.
    """

    rank: int | None = None
    world_size: int | None = None
    local_rank: int | None = None
    source: str = ""


class RankPlan(NamedTuple):
    """What a writer does: write or not, and in which sub-run of ``log_dir`` (or none)."""

    writes: bool
    subdir: str | None = None


def check_policy(policy: Any) -> str:
    if not isinstance(policy, str):
        raise ArgumentTypeError(f"rank_policy must be a string, got {type(policy).__name__}")
    if policy not in RANK_POLICIES:
        raise ArgumentError(f"rank_policy must be one of {RANK_POLICIES}, got {policy!r}")
    return policy


def plan(policy: str, info: RankInfo) -> RankPlan:
    """Whether this process writes under ``policy``, and the sub-run it writes to."""
    check_policy(policy)
    if policy == "ignore" or info.rank is None or info.world_size == 1:
        return RankPlan(True)
    if policy == "zero":
        return RankPlan(info.rank == 0)
    return RankPlan(True, f"rank_{info.rank}")


# --- launchers ---------------------------------------------------------------------------


class Launcher(NamedTuple):
    """The environment variables one kind of launcher sets for each process."""

    name: str
    rank: str
    world_size: tuple[str, ...]  # the first one set is used
    local_rank: str


# Launchers nest: torchrun or mpirun started inside a SLURM job step sees the step's
# SLURM_PROCID (one per node, or 0 for every process that mpirun starts from a batch
# script) as well as its own, per-process variables. So the innermost launcher is asked
# first and the scheduler last. (A script that sbatch runs itself also has
# SLURM_PROCID=0 and the allocation's SLURM_NTASKS: it counts as rank 0.) The first
# launcher whose rank variable holds a valid rank wins; the others are not looked at.
LAUNCHERS: tuple[Launcher, ...] = (
    Launcher("torchrun / accelerate / DeepSpeed", "RANK", ("WORLD_SIZE",), "LOCAL_RANK"),
    Launcher("horovodrun (Gloo)", "HOROVOD_RANK", ("HOROVOD_SIZE",), "HOROVOD_LOCAL_RANK"),
    Launcher(
        "Open MPI",
        "OMPI_COMM_WORLD_RANK",
        ("OMPI_COMM_WORLD_SIZE",),
        "OMPI_COMM_WORLD_LOCAL_RANK",
    ),
    Launcher(
        "MVAPICH2", "MV2_COMM_WORLD_RANK", ("MV2_COMM_WORLD_SIZE",), "MV2_COMM_WORLD_LOCAL_RANK"
    ),
    Launcher("MPICH / Intel MPI (Hydra)", "PMI_RANK", ("PMI_SIZE",), "MPI_LOCALRANKID"),
    Launcher(
        "SLURM srun",
        "SLURM_PROCID",
        ("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_NPROCS"),
        "SLURM_LOCALID",
    ),
    Launcher("one node", "LOCAL_RANK", ("LOCAL_WORLD_SIZE", "WORLD_SIZE"), "LOCAL_RANK"),
)

def _env_int(environ: Mapping[str, str], name: str, problems: list[str]) -> int | None:
    text = environ.get(name)
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        problems.append(
            f"tfevents: ignoring the environment variable {name}={text!r}: "
            "not a non-negative integer"
        )
        return None
    return value


def _from_launcher(
    environ: Mapping[str, str], launcher: Launcher, problems: list[str]
) -> RankInfo | None:
    rank = _env_int(environ, launcher.rank, problems)
    if rank is None:
        return None
    world_size = None
    for name in launcher.world_size:
        world_size = _env_int(environ, name, problems)
        if world_size is not None:
            break
    if world_size is not None and rank >= world_size:
        problems.append(
            f"tfevents: ignoring {launcher.rank}={rank}: not below the world size "
            f"{name}={world_size}"
        )
        return None
    local_rank = _env_int(environ, launcher.local_rank, problems)
    return RankInfo(rank, world_size, local_rank, launcher.rank)


def from_environment(environ: Mapping[str, str], problems: list[str]) -> RankInfo | None:
    """The rank given by the first launcher in ``LAUNCHERS`` that set one, or None.

    A variable that is not a non-negative integer, or a rank not below the world size,
    is ignored (and the next launcher asked); why is appended to ``problems``.
    """
    for launcher in LAUNCHERS:
        info = _from_launcher(environ, launcher, problems)
        if info is not None:
            return info
    return None


# --- runtimes ----------------------------------------------------------------------------
# Any error in a runtime's answer (a half-initialised or unusual build) is "no answer".


def torch_rank(modules: Mapping[str, Any]) -> tuple[int, int] | None:
    """(rank, world size) of an initialised torch.distributed, else None."""
    if modules.get("torch") is None:
        return None
    dist = modules.get("torch.distributed")
    if dist is None:
        return None
    try:
        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank()), int(dist.get_world_size())
    except Exception:
        return None
    return None


def jax_rank(modules: Mapping[str, Any]) -> tuple[int, int] | None:
    """(process index, process count) of a multi-process JAX program, else None.

    ``jax.process_index()`` / ``process_count()`` would initialise JAX's backends (and,
    on a GPU, take most of its memory) if they are not up yet, so they are called only
    once they are. Before that, a program that called ``jax.distributed.initialize`` is
    known by its distributed client (``jax._src.distributed.global_state.client``, what
    ``jax.distributed.is_initialized()`` looks at), whose ``process_id`` and
    ``num_processes`` are what the backends will answer. Backends that are up count more
    than one process without a client on Cloud TPU pods, whose runtime finds its hosts
    itself; there, before the first JAX call, nothing tells the hosts apart (the TPU
    metadata server would, but asking it is a network call).
    """
    jax = modules.get("jax")
    if jax is None:
        return None
    try:
        state = getattr(modules.get("jax._src.distributed"), "global_state", None)
        if state is not None and getattr(state, "client", None) is not None:
            return int(state.process_id), int(state.num_processes)
        bridge = modules.get("jax._src.xla_bridge")
        backends_ready = getattr(bridge, "backends_are_initialized", None)
        if not (callable(backends_ready) and backends_ready()):
            return None
        count = int(jax.process_count())
        if count > 1 or _jax_distributed_initialised(modules):
            return int(jax.process_index()), count
    except Exception:
        return None
    return None


def _jax_distributed_initialised(modules: Mapping[str, Any]) -> bool:
    """The public check, for a JAX whose private state has moved."""
    is_initialized = getattr(modules.get("jax.distributed"), "is_initialized", None)
    return bool(is_initialized()) if callable(is_initialized) else False


# --- detect ------------------------------------------------------------------------------

_disagreement_reported = False  # the warning below is given once per process


def _agree(a: RankInfo, b: RankInfo) -> bool:
    if a.rank != b.rank:
        return False
    return a.world_size is None or b.world_size is None or a.world_size == b.world_size


def _describe(info: RankInfo) -> str:
    of = "" if info.world_size is None else f" of {info.world_size}"
    return f"{info.source} says rank {info.rank}{of}"


def _disagreement(winner: RankInfo, others: list[RankInfo]) -> list[str]:
    """The warning about ``others`` disagreeing with ``winner``, the first time only."""
    global _disagreement_reported
    if _disagreement_reported or not others:
        return []
    _disagreement_reported = True
    return [
        f"tfevents: {_describe(winner)}, but "
        + " and ".join(_describe(other) for other in others)
        + f"; using {winner.source}'s rank (reported once per process)"
    ]


def detect(
    environ: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    *,
    stacklevel: int = 2,
) -> RankInfo:
    """The rank of this process, from the first source that knows it (module docstring).

    ``environ`` and ``modules`` default to ``os.environ`` and ``sys.modules``. Warnings
    are attributed as ``warnings.warn(stacklevel=...)`` from detect's caller would be: the
    default 2 names the line that called the caller (the user's ``SummaryWriter(...)``).
    """
    problems: list[str] = []
    info = _detect(
        os.environ if environ is None else environ,
        sys.modules if modules is None else modules,
        problems,
    )
    for problem in problems:
        warnings.warn(problem, RuntimeWarning, stacklevel=stacklevel + 1)
    return info


def _detect(environ: Mapping[str, str], modules: Mapping[str, Any], problems: list[str]) -> RankInfo:
    runtimes = []
    for source, answer in (("torch.distributed", torch_rank(modules)), ("jax", jax_rank(modules))):
        if answer is not None:
            runtimes.append(RankInfo(answer[0], answer[1], None, source))
    launcher = from_environment(environ, problems)
    if not runtimes:
        return RankInfo() if launcher is None else launcher
    winner, others = runtimes[0], runtimes[1:]
    if launcher is not None:
        # LOCAL_RANK alone is a node-local rank: there is no global rank to compare.
        if launcher.source == "LOCAL_RANK" or _agree(winner, launcher):
            winner = winner._replace(local_rank=launcher.local_rank)
        else:
            others.append(launcher)
    problems += _disagreement(winner, [other for other in others if not _agree(winner, other)])
    return winner
