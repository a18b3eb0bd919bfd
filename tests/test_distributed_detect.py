"""Where the rank comes from: every launcher's variables, their order, and the runtimes.

``detect(environ, modules)`` on given environments and stand-in torch / jax modules.
The real jobs, where a real jax is also looked at before and after it is initialised
(and initialises nothing), are in test_distributed_jobs.py.
"""

from __future__ import annotations

import types
import warnings
from typing import Any

import pytest

from tfevents import distributed
from tfevents.distributed import LAUNCHERS, RankInfo, RankPlan, detect, plan


def fake_torch(rank: int | None, world_size: int = 2, available: bool = True) -> dict[str, Any]:
    """sys.modules with a stand-in torch whose process group is (or is not) initialised."""
    dist = types.SimpleNamespace(
        is_available=lambda: available,
        is_initialized=lambda: rank is not None,
        get_rank=lambda: rank,
        get_world_size=lambda: world_size,
    )
    return {"torch": types.SimpleNamespace(distributed=dist), "torch.distributed": dist}


def fake_jax(
    client: bool = False,
    process_id: int = 0,
    num_processes: int = 1,
    backends: bool = False,
    process_index: int = 0,
    process_count: int = 1,
    public_initialized: bool | None = None,
) -> dict[str, Any]:
    """sys.modules with a stand-in jax: its distributed state and its backends.

    Calling process_index()/process_count() before the backends are up fails the test:
    on a real jax that call would initialise them.
    """
    up = {"backends": backends}

    def guarded(value: int) -> Any:
        def call() -> int:
            assert up["backends"], "jax.process_index()/process_count() called before backends"
            return value

        return call

    state = types.SimpleNamespace(
        client=object() if client else None, process_id=process_id, num_processes=num_processes
    )
    modules: dict[str, Any] = {
        "jax": types.SimpleNamespace(
            process_index=guarded(process_index), process_count=guarded(process_count)
        ),
        "jax._src.distributed": types.SimpleNamespace(global_state=state),
        "jax._src.xla_bridge": types.SimpleNamespace(backends_are_initialized=lambda: up["backends"]),
    }
    if public_initialized is not None:
        del modules["jax._src.distributed"]  # a jax whose private state has moved
        modules["jax.distributed"] = types.SimpleNamespace(is_initialized=lambda: public_initialized)
    return modules


TORCHRUN = {"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1"}
SLURM = {"SLURM_PROCID": "1", "SLURM_NTASKS": "2", "SLURM_LOCALID": "1"}
OMPI = {"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "6", "OMPI_COMM_WORLD_LOCAL_RANK": "2"}
PMI = {"PMI_RANK": "2", "PMI_SIZE": "4", "MPI_LOCALRANKID": "0"}
HOROVOD = {"HOROVOD_RANK": "7", "HOROVOD_SIZE": "16", "HOROVOD_LOCAL_RANK": "3"}
MVAPICH = {"MV2_COMM_WORLD_RANK": "1", "MV2_COMM_WORLD_SIZE": "3", "MV2_COMM_WORLD_LOCAL_RANK": "1"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({}, RankInfo(), id="nothing"),
        pytest.param({"WORLD_SIZE": "4"}, RankInfo(), id="world-size-alone"),
        pytest.param(TORCHRUN, RankInfo(3, 8, 1, "RANK"), id="torchrun"),
        pytest.param({"RANK": " 0 "}, RankInfo(0, None, None, "RANK"), id="rank-alone"),
        pytest.param(SLURM, RankInfo(1, 2, 1, "SLURM_PROCID"), id="slurm"),
        pytest.param(OMPI, RankInfo(5, 6, 2, "OMPI_COMM_WORLD_RANK"), id="openmpi"),
        pytest.param(PMI, RankInfo(2, 4, 0, "PMI_RANK"), id="pmi"),
        pytest.param(HOROVOD, RankInfo(7, 16, 3, "HOROVOD_RANK"), id="horovod"),
        pytest.param(MVAPICH, RankInfo(1, 3, 1, "MV2_COMM_WORLD_RANK"), id="mvapich"),
        pytest.param({"LOCAL_RANK": "2"}, RankInfo(2, None, 2, "LOCAL_RANK"), id="local-rank-alone"),
        pytest.param(
            {"LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2", "WORLD_SIZE": "9"},
            RankInfo(1, 2, 1, "LOCAL_RANK"),
            id="local-rank-local-world",
        ),
        # torchrun under srun, one torchrun per node: SLURM_PROCID is the node's index.
        pytest.param(
            {**SLURM, "RANK": "6", "WORLD_SIZE": "8", "LOCAL_RANK": "2"},
            RankInfo(6, 8, 2, "RANK"),
            id="torchrun-under-slurm",
        ),
        # mpirun from an sbatch script: every process inherits the script's SLURM_PROCID=0.
        pytest.param(
            {"SLURM_PROCID": "0", "SLURM_NTASKS": "4", **OMPI},
            RankInfo(5, 6, 2, "OMPI_COMM_WORLD_RANK"),
            id="mpirun-in-sbatch",
        ),
        pytest.param({**SLURM, **PMI}, RankInfo(2, 4, 0, "PMI_RANK"), id="mpiexec-in-slurm"),
        pytest.param({**OMPI, **HOROVOD}, RankInfo(7, 16, 3, "HOROVOD_RANK"), id="horovod-over-mpi"),
        pytest.param({**TORCHRUN, **OMPI}, RankInfo(3, 8, 1, "RANK"), id="torchrun-over-mpi"),
        # srun's step task count is the step's, not the allocation's
        pytest.param(
            {"SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2", "SLURM_NTASKS": "8"},
            RankInfo(1, 2, None, "SLURM_PROCID"),
            id="slurm-step",
        ),
        pytest.param(
            {"SLURM_PROCID": "0", "SLURM_NPROCS": "3"},
            RankInfo(0, 3, None, "SLURM_PROCID"),
            id="slurm-nprocs",
        ),
        pytest.param(
            {"SLURM_PROCID": "0", "SLURM_NTASKS": "1", "SLURM_LOCALID": "0"},
            RankInfo(0, 1, 0, "SLURM_PROCID"),
            id="slurm-one-task",
        ),
    ],
)
def test_launchers(environ: dict[str, str], expected: RankInfo) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect(environ, {}) == expected


def test_every_launcher_is_tested() -> None:
    tested = {"RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "HOROVOD_RANK",
              "MV2_COMM_WORLD_RANK", "LOCAL_RANK"}
    assert {launcher.rank for launcher in LAUNCHERS} == tested


@pytest.mark.parametrize(
    ("environ", "message", "expected"),
    [
        ({"RANK": "one", "LOCAL_RANK": "1"}, "RANK='one'", RankInfo(1, None, 1, "LOCAL_RANK")),
        ({"RANK": "1", "WORLD_SIZE": "-2"}, "WORLD_SIZE='-2'", RankInfo(1, None, None, "RANK")),
        # a broken inner launcher variable: the next launcher is asked
        ({"OMPI_COMM_WORLD_RANK": "x", **SLURM}, "OMPI_COMM_WORLD_RANK='x'",
         RankInfo(1, 2, 1, "SLURM_PROCID")),
        ({"SLURM_PROCID": "2", "SLURM_NTASKS": "2"}, "SLURM_PROCID=2: not below the world size "
         "SLURM_NTASKS=2", RankInfo()),
        ({"PMI_RANK": "0", "PMI_SIZE": "0"}, "PMI_RANK=0: not below", RankInfo()),
    ],
)
def test_malformed_variables_warn_and_are_skipped(
    environ: dict[str, str], message: str, expected: RankInfo
) -> None:
    with pytest.warns(RuntimeWarning, match=message):
        assert detect(environ, {}) == expected


@pytest.mark.parametrize(
    ("policy", "info", "expected"),
    [
        ("zero", RankInfo(), RankPlan(True)),
        ("zero", RankInfo(0, 4), RankPlan(True)),
        ("zero", RankInfo(3, 4), RankPlan(False)),
        ("zero", RankInfo(3), RankPlan(False)),
        ("all", RankInfo(), RankPlan(True)),
        ("all", RankInfo(0, 4), RankPlan(True, "rank_0")),
        ("all", RankInfo(3, 4, 1), RankPlan(True, "rank_3")),  # the global rank, not the local
        ("ignore", RankInfo(3, 4), RankPlan(True)),
        # a job of one process is not distributed: no rank_0 sub-run
        ("all", RankInfo(0, 1, 0, "SLURM_PROCID"), RankPlan(True)),
        ("zero", RankInfo(0, 1, 0, "SLURM_PROCID"), RankPlan(True)),
    ],
)
def test_plan(policy: str, info: RankInfo, expected: RankPlan) -> None:
    assert plan(policy, info) == expected


# --- runtimes ---------------------------------------------------------------------------


@pytest.fixture
def fresh_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disagreement warning as if not yet given in this process."""
    monkeypatch.setattr(distributed, "_disagreement_reported", False)


@pytest.mark.parametrize(
    ("environ", "modules", "expected"),
    [
        ({"RANK": "1", "LOCAL_RANK": "1"}, fake_torch(1, 4),
         RankInfo(1, 4, 1, "torch.distributed")),
        ({"RANK": "5"}, fake_torch(None), RankInfo(5, None, None, "RANK")),
        ({}, fake_torch(1, available=False), RankInfo()),
        # torch.distributed without torch itself imported is not looked at
        ({}, {"torch.distributed": fake_torch(1)["torch.distributed"]}, RankInfo()),
        # jax: imported, not initialised; then its distributed client, before backends
        ({}, fake_jax(), RankInfo()),
        ({**SLURM}, fake_jax(), RankInfo(1, 2, 1, "SLURM_PROCID")),
        ({}, fake_jax(client=True, process_id=1, num_processes=2), RankInfo(1, 2, None, "jax")),
        ({**SLURM}, fake_jax(client=True, process_id=1, num_processes=2),
         RankInfo(1, 2, 1, "jax")),
        # backends up, several processes, no client (a Cloud TPU pod)
        ({}, fake_jax(backends=True, process_index=3, process_count=4), RankInfo(3, 4, None, "jax")),
        ({}, fake_jax(backends=True), RankInfo()),  # one process
        # a jax without the private state: the public check, once backends are up
        ({}, fake_jax(backends=True, public_initialized=True), RankInfo(0, 1, None, "jax")),
        ({}, fake_jax(public_initialized=True), RankInfo()),
        # torch first, then jax
        ({}, {**fake_jax(client=True, process_id=1, num_processes=2), **fake_torch(1, 2)},
         RankInfo(1, 2, None, "torch.distributed")),
        # LOCAL_RANK alone is node-local: it gives the local rank, never a disagreement
        ({"LOCAL_RANK": "1"}, fake_torch(5, 8), RankInfo(5, 8, 1, "torch.distributed")),
    ],
)
def test_runtimes(
    environ: dict[str, str], modules: dict[str, Any], expected: RankInfo, fresh_report: None
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect(environ, modules) == expected


def test_a_broken_runtime_falls_back_to_the_environment() -> None:
    def boom() -> bool:
        raise RuntimeError("half initialised")

    modules = fake_torch(1)
    modules["torch.distributed"].is_initialized = boom
    assert detect({"RANK": "2"}, modules) == RankInfo(2, None, None, "RANK")
    jax = fake_jax(backends=True)
    jax["jax._src.xla_bridge"].backends_are_initialized = boom
    assert detect(SLURM, jax) == RankInfo(1, 2, 1, "SLURM_PROCID")


def test_a_disagreement_is_settled_by_the_runtime_and_reported_once(fresh_report: None) -> None:
    with pytest.warns(RuntimeWarning) as record:
        assert detect({"RANK": "5", "LOCAL_RANK": "1"}, fake_torch(1, 4)) == RankInfo(
            1, 4, None, "torch.distributed"
        )
    assert [str(w.message) for w in record] == [
        "tfevents: torch.distributed says rank 1 of 4, but RANK says rank 5; "
        "using torch.distributed's rank (reported once per process)"
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: no second warning
        jax = fake_jax(client=True, process_id=0, num_processes=2)
        assert detect(SLURM, jax) == RankInfo(0, 2, None, "jax")
        assert detect({"RANK": "5"}, fake_torch(1, 4)).rank == 1


def test_world_sizes_disagree(fresh_report: None) -> None:
    jax = fake_jax(client=True, process_id=1, num_processes=2)
    with pytest.warns(RuntimeWarning, match="jax says rank 1 of 2, but SLURM_PROCID says rank 1 of 4"):
        assert detect({"SLURM_PROCID": "1", "SLURM_NTASKS": "4"}, jax) == RankInfo(1, 2, None, "jax")


def test_two_runtimes_disagree(fresh_report: None) -> None:
    modules = {**fake_jax(client=True, process_id=0, num_processes=2), **fake_torch(1, 2)}
    with pytest.warns(RuntimeWarning, match="torch.distributed says rank 1 of 2, but jax says rank 0"):
        assert detect({}, modules).source == "torch.distributed"
