"""The clients whose own tests tests/clients/harness.py runs, and how.

Each suite is a published source distribution (its tests are read from it, never copied
into this repository), the test files in it that exercise a TensorBoard writer, the
environment they run in, and what ``swap.py`` replaces with tfevents' class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TORCH = "torch==2.13.0"  # the build the project tests its torch paths with (scripts/setup.sh)


@dataclass(frozen=True)
class Suite:
    name: str
    sdist: str  # a pip requirement, ``name==version``: the version installed in ``env``
    tests: tuple[str, ...]  # paths (or node ids) inside the source distribution
    env: str  # "tf": .venv-tf (TensorFlow, keras, clu, jax); "main": .venv (torch, ...)
    swap: str  # what swap.py replaces: "keras", "clu" or "torch"
    variables: dict[str, str] = field(default_factory=dict)
    site: tuple[str, ...] = ()  # packages the environment lacks, installed into the cache
    pytest_args: tuple[str, ...] = ()
    fast: bool = False  # run by the project's test suite (tests/tf_env/test_clients.py)


KERAS = "keras==3.15.1"
KERAS_TESTS = ("keras/src/callbacks/tensorboard_test.py",)
CLU = "clu==0.0.12"

SUITES = [
    Suite("clu", CLU, ("clu/metric_writers/tf/summary_writer_test.py", "clu/metric_writers/utils_test.py"),
          "tf", "clu", fast=True),
    Suite("keras-tensorflow", KERAS, KERAS_TESTS, "tf", "keras", {"KERAS_BACKEND": "tensorflow"}, fast=True),
    Suite("keras-jax", KERAS, KERAS_TESTS, "tf", "keras", {"KERAS_BACKEND": "jax"}),
    # torch is not in .venv-tf: a CPU wheel into the cache's site folder (about a minute, once).
    Suite("keras-torch", KERAS, KERAS_TESTS, "tf", "keras", {"KERAS_BACKEND": "torch"}, site=(TORCH,)),
    Suite("clu-torch", CLU, ("clu/metric_writers/torch_tensorboard_writer_test.py",), "tf", "torch",
          site=(TORCH,)),
    Suite(
        "tensorboardx",
        "tensorboardX==2.6.5",
        # (test_embedding.py and test_record_writer.py import moto<5's mock_s3: not collected with moto 5)
        tuple(f"tests/{name}.py" for name in (
            "test_figure", "test_hparams", "test_multiprocess_write", "test_pr_curve", "test_pytorch_graph",
            "test_pytorch_np", "test_summary_writer", "test_writer",
        )),
        "main",
        "torch",
    ),
    Suite(
        "stable-baselines3",
        "stable-baselines3==2.9.2",
        ("tests/test_logger.py", "tests/test_tensorboard.py"),
        "main",
        "torch",
        site=("stable-baselines3==2.9.2", "gymnasium==1.4.0", "farama-notifications==0.0.6"),
    ),
    Suite(
        "accelerate",
        "accelerate==1.16.0",
        ("tests/test_tracking.py::TensorBoardTrackingTest",),
        "main",
        "torch",
    ),
]
# Not run: the source distributions of lightning and pytorch-lightning 2.6.6 and of
# transformers 5.24.0 do not ship their TensorBoard tests.

BY_NAME = {suite.name: suite for suite in SUITES}
