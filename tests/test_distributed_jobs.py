"""Real multi-process jobs on 127.0.0.1, read back by TensorBoard: one run per job.

Every job writes the same two log directories from each of its processes:
``<job>/zero`` with the default ``rank_policy="zero"`` and ``<job>/all`` with
``rank_policy="all"``. Each process logs ``loss = 100 * r + step``, where ``r`` is the
rank the test gave it (the truth, not what tfevents found). So TensorBoard must show,
for every job, one run ``<job>/zero`` holding rank 0's series once, and one run
``<job>/all/rank_<r>`` per rank holding rank r's series, and nothing else.

The jobs, all started at once (each bounded by ``JOB_TIMEOUT``):

* ``jax``: two processes joined by ``jax.distributed.initialize`` (CPU, gloo
  collectives), no launcher variable; tfevents looks at jax before ``initialize`` (no
  rank, and nothing initialised by looking), after it (the distributed client's answer,
  backends still not started), and after ``shutdown`` (the backends' answer);
* ``torch``: two processes in a ``torch.distributed`` gloo group, no launcher variable;
* one job per launcher, its variables set as the launcher sets them: ``srun`` alone,
  Open MPI's ``mpirun``, MVAPICH2, MPICH/Intel MPI (PMI), ``horovodrun`` (Gloo), a
  one-node launcher that sets ``LOCAL_RANK`` only; torchrun under
  ``srun`` on two "nodes" (SLURM_PROCID is the node there); ``mpirun`` from an sbatch
  script (every process inherits SLURM_PROCID=0); and a one-task SLURM step, which is
  not a distributed job (no ``rank_0`` sub-run).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import tfevents
from tfevents.distributed import LAUNCHERS
from tfevents.reader import event_files, read_events, read_run_scalars
from tfevents.validate import validate_logdir

STEPS = 5
JOB_TIMEOUT = 240.0  # seconds, for all jobs together (they run at once; ~10 s on idle cores)
LAUNCHER_PREFIXES = ("SLURM_", "OMPI_", "PMI_", "PMIX_", "HOROVOD_", "MV2_", "MPI_LOCAL")
DROPPED = {name for lr in LAUNCHERS for name in (lr.rank, lr.local_rank, *lr.world_size)} | {
    "MASTER_ADDR", "MASTER_PORT", "JAX_COORDINATOR_ADDRESS",
}

COMMON = """
import json, sys
from tfevents import SummaryWriter
from tfevents.distributed import detect

def log(root, rank, out, info, extra=None):
    with SummaryWriter(root + "/zero") as w, SummaryWriter(root + "/all", rank_policy="all") as p:
        for step in range(STEPS):
            w.add_scalar("loss", 100 * rank + step, step)
            p.add_scalar("loss", 100 * rank + step, step)
        for tag, value in (extra or {}).items():
            p.add_scalar(tag, value, 0)
    with open(out, "w") as f:
        json.dump({"info": list(info), "writes": w.writes_events, "zero": w.get_logdir(),
                   "all": p.get_logdir(), "writes_all": p.writes_events, **(extra or {})}, f)
""".replace("STEPS", str(STEPS))

ENV_WORKER = COMMON + textwrap.dedent(
    """
    root, rank, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    log(root, rank, out, detect())
    """
)

JAX_WORKER = COMMON + textwrap.dedent(
    """
    import jax
    from jax._src import xla_bridge
    root, rank, out, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    before = detect()  # jax imported, not initialised: no rank, and nothing initialised
    assert list(before) == [None, None, None, ""], before
    assert not xla_bridge.backends_are_initialized() and not jax.distributed.is_initialized()
    assert "torch" not in sys.modules  # nor did it import torch
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"127.0.0.1:{port}", coordinator_bind_address=f"127.0.0.1:{port}",
        num_processes=2, process_id=rank, initialization_timeout=120, shutdown_timeout_seconds=60,
    )
    try:
        info = detect()
        assert not xla_bridge.backends_are_initialized()  # detect() did not start them
        from jax.experimental import multihost_utils
        import jax.numpy as jnp
        gathered = multihost_utils.process_allgather(jnp.array([rank + 1.0]))
        assert (jax.process_index(), jax.process_count()) == (rank, 2)
        assert tuple(detect()) == tuple(info)  # the same once the backends are up
        log(root, rank, out, info, {"gathered_sum": float(gathered.sum())})
    finally:
        jax.distributed.shutdown()
    # No client any more: the answer now comes from the backends, as on a TPU pod.
    from jax._src import distributed as jax_distributed
    assert jax_distributed.global_state.client is None
    assert tuple(detect()) == tuple(info)
    """
)

TORCH_WORKER = COMMON + textwrap.dedent(
    """
    import torch
    import torch.distributed as dist
    root, rank, out, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2
    )
    try:
        total = torch.tensor([float(rank + 1)])
        dist.all_reduce(total)  # a real collective: 1 + 2
        log(root, rank, out, detect(), {"reduced_sum": total.item()})
        dist.barrier()
    finally:
        dist.destroy_process_group()
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_env(**extra: str) -> dict[str, str]:
    """This environment without any launcher's variable or proxy, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED and not k.startswith(LAUNCHER_PREFIXES) and "proxy" not in k.lower()
    }
    src = str(Path(tfevents.__file__).resolve().parents[1])  # the tfevents under test
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    env.update(OMP_NUM_THREADS="1", JAX_PLATFORMS="cpu", GLOO_SOCKET_IFNAME="lo")
    env.update(extra)
    return env


def slurm(rank: int, ntasks: int, local: int) -> dict[str, str]:
    return {"SLURM_JOB_ID": "4242", "SLURM_PROCID": str(rank), "SLURM_NTASKS": str(ntasks),
            "SLURM_LOCALID": str(local), "SLURM_NODEID": "0"}


def ompi(rank: int, size: int) -> dict[str, str]:
    return {"OMPI_COMM_WORLD_RANK": str(rank), "OMPI_COMM_WORLD_SIZE": str(size),
            "OMPI_COMM_WORLD_LOCAL_RANK": str(rank)}


def torchrun_under_slurm(rank: int) -> dict[str, str]:
    node, local = divmod(rank, 2)  # two nodes, one torchrun each, two processes each
    return {**slurm(node, 2, 0), "SLURM_NODEID": str(node), "RANK": str(rank),
            "WORLD_SIZE": "4", "LOCAL_RANK": str(local), "LOCAL_WORLD_SIZE": "2",
            "GROUP_RANK": str(node)}


# job name -> (environment of process r, ranks, what detect() must answer for process r)
LAUNCHER_JOBS: dict[str, tuple[Any, int, Any]] = {
    "slurm": (lambda r: slurm(r, 2, r), 2, lambda r: [r, 2, r, "SLURM_PROCID"]),
    "openmpi": (lambda r: ompi(r, 2), 2, lambda r: [r, 2, r, "OMPI_COMM_WORLD_RANK"]),
    "pmi": (
        lambda r: {"PMI_RANK": str(r), "PMI_SIZE": "2", "MPI_LOCALRANKID": str(r)},
        2,
        lambda r: [r, 2, r, "PMI_RANK"],
    ),
    "horovod": (
        lambda r: {"HOROVOD_RANK": str(r), "HOROVOD_SIZE": "2", "HOROVOD_LOCAL_RANK": str(r)},
        2,
        lambda r: [r, 2, r, "HOROVOD_RANK"],
    ),
    "mvapich": (
        lambda r: {"MV2_COMM_WORLD_RANK": str(r), "MV2_COMM_WORLD_SIZE": "2",
                   "MV2_COMM_WORLD_LOCAL_RANK": str(r)},
        2,
        lambda r: [r, 2, r, "MV2_COMM_WORLD_RANK"],
    ),
    "local_rank": (
        lambda r: {"LOCAL_RANK": str(r), "LOCAL_WORLD_SIZE": "2"}, 2, lambda r: [r, 2, r, "LOCAL_RANK"]
    ),
    "torchrun_under_slurm": (torchrun_under_slurm, 4, lambda r: [r, 4, r % 2, "RANK"]),
    "mpirun_in_sbatch": (
        lambda r: {**slurm(0, 2, 0), **ompi(r, 2)}, 2, lambda r: [r, 2, r, "OMPI_COMM_WORLD_RANK"]
    ),
    "slurm_one_task": (lambda r: slurm(0, 1, 0), 1, lambda r: [0, 1, 0, "SLURM_PROCID"]),
}
# Skipped where the runtime is not installed (scripts/setup.sh installs torch, not jax).
INSTALLED = {name: importlib.util.find_spec(name) is not None for name in ("jax", "torch")}
RUNTIME_JOBS = {
    job: spec
    for job, spec in {"jax": (JAX_WORKER, "jax"), "torch": (TORCH_WORKER, "torch.distributed")}.items()
    if INSTALLED[job]
}
RANKS = {job: spec[1] for job, spec in LAUNCHER_JOBS.items()} | {job: 2 for job in RUNTIME_JOBS}


def expected_runs() -> dict[str, int]:
    """TensorBoard run -> the rank whose series it holds."""
    runs: dict[str, int] = {}
    for job, ranks in RANKS.items():
        runs[f"{job}/zero"] = 0
        if ranks == 1:
            runs[f"{job}/all"] = 0
        else:
            runs.update({f"{job}/all/rank_{r}": r for r in range(ranks)})
    return runs


class Jobs(NamedTuple):
    root: Path
    results: dict[str, list[dict[str, Any]]]  # job -> what each rank reported


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jobs]:
    root = tmp_path_factory.mktemp("jobs")
    out = tmp_path_factory.mktemp("out")
    procs: list[tuple[str, int, subprocess.Popen[str]]] = []

    def start(job: str, rank: int, script: str, env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-c", script, str(root / job), str(rank),
                   str(out / f"{job}.{rank}.json"), *args]
        procs.append((job, rank, subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )))

    try:
        for job, (script, _) in RUNTIME_JOBS.items():  # the slow ones first
            port = str(free_port())
            for rank in range(2):
                start(job, rank, script, worker_env(), port)
        for job, (env_of, ranks, _) in LAUNCHER_JOBS.items():
            for rank in range(ranks):
                start(job, rank, ENV_WORKER, worker_env(**env_of(rank)))
        deadline = time.monotonic() + JOB_TIMEOUT
        failures = []
        for job, rank, proc in procs:
            try:
                output, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                output, _ = proc.communicate()
                failures.append(f"{job} rank {rank} timed out:\n{output[-3000:]}")
                continue
            if proc.returncode != 0:
                failures.append(f"{job} rank {rank} exited {proc.returncode}:\n{output[-3000:]}")
        assert not failures, "\n\n".join(failures)
    finally:
        for _, _, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = {
        job: [json.loads((out / f"{job}.{r}.json").read_text()) for r in range(ranks)]
        for job, ranks in RANKS.items()
    }
    yield Jobs(root, results)


@pytest.mark.parametrize("job", sorted(set(RANKS) | set(INSTALLED)))
def test_who_writes(jobs: Jobs, job: str) -> None:
    if job not in RANKS:
        pytest.skip(f"{job} is not installed")
    ranks, base = RANKS[job], jobs.root / job
    for rank, result in enumerate(jobs.results[job]):
        if job in RUNTIME_JOBS:
            expected = [rank, 2, None, RUNTIME_JOBS[job][1]]
        else:
            expected = LAUNCHER_JOBS[job][2](rank)
        assert result["info"] == expected
        assert result["writes"] is (rank == 0) and result["writes_all"] is True
        assert result["zero"] == str(base / "zero")
        # one run per global rank; a one-process job is not distributed: no rank_0
        assert result["all"] == str(base / "all" / f"rank_{rank}" if ranks > 1 else base / "all")


@pytest.mark.parametrize(("job", "tag"), [("jax", "gathered_sum"), ("torch", "reduced_sum")])
def test_the_collectives_ran(jobs: Jobs, job: str, tag: str) -> None:
    if job not in RANKS:
        pytest.skip(f"{job} is not installed")
    assert [r[tag] for r in jobs.results[job]] == [3.0, 3.0]


def test_one_file_per_run(jobs: Jobs) -> None:
    """Our reader, as a second witness: one event file per run, no other run."""
    files = event_files(str(jobs.root))
    assert {run: len(paths) for run, paths in files.items()} == {run: 1 for run in expected_runs()}
    for run, rank in expected_runs().items():
        series = read_run_scalars(str(jobs.root / run))["loss"]
        assert series.steps.tolist() == list(range(STEPS))
        assert series.values.tolist() == [100 * rank + s for s in range(STEPS)]
    for job, tag in (("jax", "gathered_sum"), ("torch", "reduced_sum")):
        if job in RANKS:
            [path] = files[f"{job}/all/rank_1"]
            assert [v.value for e in read_events(path) for v in e.values if v.tag == tag] == [3.0]
    reports = validate_logdir(str(jobs.root))
    assert len(reports) == len(expected_runs()) and all(r.ok and r.truncated_bytes == 0 for r in reports)


@pytest.fixture(scope="module")
def tb_logdir(jobs: Jobs) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(jobs.root)


@pytest.mark.server
def test_tensorboard_shows_one_run_per_job_and_rank(tb: Any) -> None:
    expected = expected_runs()
    runs = tb.wait_for_json("/data/runs", lambda r: set(expected) <= set(r))
    assert sorted(runs) == sorted(expected)  # nothing else: no duplicate run from rank 1
    for run, rank in expected.items():
        points = tb.wait_for_json(
            "/data/plugin/scalars/scalars", lambda p: len(p) >= STEPS, run=run, tag="loss"
        )
        assert [(step, value) for _, step, value in points] == [
            (s, 100.0 * rank + s) for s in range(STEPS)
        ], run
    for job, tag in (("jax", "gathered_sum"), ("torch", "reduced_sum")):
        for rank in range(2 if job in RANKS else 0):
            points = tb.wait_for_json(
                "/data/plugin/scalars/scalars", bool, run=f"{job}/all/rank_{rank}", tag=tag
            )
            assert [(step, value) for _, step, value in points] == [(0, 3.0)]
