"""Fixtures that start real TensorBoard servers (see tests/tensorboard_server.py), and
the forms the writer writes.

A test module that checks what TensorBoard serves names the directory it wrote, and takes
``tb``: a server per loader (``load_fast``: the Rust data server, then the Python loader).

    SHARED_TENSORBOARD = True              # the session's servers, where correct (see tb)

    @pytest.fixture(scope="module")
    def tb_logdir(shared_logdir):          # without SHARED_TENSORBOARD: any directory
        write_runs(shared_logdir)
        return shared_logdir

    def test_loss(tb):
        tb.wait_for_json("/data/plugin/scalars/scalars", bool,
                         run=shared_run(__name__, "train"), tag="loss")

``tensorboard_factory`` starts more servers where a test needs its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorboard_server
from tensorboard_server import TensorBoardServer

# The suite runs what users get: the writer's default forms (torch's HistogramProto,
# Summary.Image/Audio, text under tag/text_summary). A test where the form matters takes
# the ``legacy_forms`` fixture (or writes both forms itself) so the tensor forms stay proven.
os.environ.pop("TFEVENTS_LEGACY_FORMS", None)


@pytest.fixture(params=[True, False], ids=["torch_forms", "tensor_forms"])
def legacy_forms(request: pytest.FixtureRequest) -> bool:
    """A test where the form matters runs in both: True, torch's forms (the writer's
    default); False, TensorBoard's tensor forms (``legacy_forms=False``)."""
    return bool(request.param)


LOADERS = [True, False]
LOADER_IDS = ["load_fast=true", "load_fast=false"]


@pytest.fixture(scope="module", params=LOADERS, ids=LOADER_IDS)
def load_fast(request: pytest.FixtureRequest) -> bool:
    """True: TensorBoard's Rust data server; False: its Python loader."""
    return bool(request.param)


@pytest.fixture(scope="module")
def tensorboard_factory() -> Iterator[Callable[..., TensorBoardServer]]:
    """``start(logdir, load_fast, reload_interval=1, **kwargs)`` -> a started server.

    Every server it started is stopped when the module's tests are done (stop one
    earlier with ``server.stop()``), whatever happened in the tests.
    """
    servers: list[TensorBoardServer] = []

    def start(logdir: Any, load_fast: bool, reload_interval: int = 1, **kwargs: Any) -> TensorBoardServer:
        server = TensorBoardServer(logdir, load_fast, reload_interval, **kwargs)
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def tb_logdir() -> str:
    """The log directory a module's ``tb`` serves: a module that uses ``tb`` defines it."""
    raise pytest.UsageError("a module that uses the tb fixture defines the fixture tb_logdir")


@pytest.fixture(scope="session")
def _shared_tensorboards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[bool, TensorBoardServer]]]:
    """The session's shared log directory and its servers, one per loader, started when
    a module first asks for one (each pytest-xdist worker has a session of its own)."""
    servers: dict[bool, TensorBoardServer] = {}
    try:
        yield str(tmp_path_factory.mktemp("shared_logdir")), servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="module")
def shared_logdir(request: pytest.FixtureRequest,
                  _shared_tensorboards: tuple[str, dict[bool, TensorBoardServer]]) -> str:
    """The module's own directory in the session's shared log directory, for a module that
    sets ``SHARED_TENSORBOARD = True``: the shared servers name its runs
    ``<module name>/<run>`` (tensorboard_server.shared_run)."""
    path = os.path.join(_shared_tensorboards[0], request.module.__name__)
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def tb(request: pytest.FixtureRequest, load_fast: bool,
       tensorboard_factory: Callable[..., TensorBoardServer], tb_logdir: str) -> TensorBoardServer:
    """TensorBoard over the module's ``tb_logdir``, per loader, reloading every second.
    Tests poll for what they read: TensorBoard loads asynchronously. A module may define
    ``tensorboard_ready(tb)``, called once the server answers (e.g. to wait for graphs).

    Shared as widely as the tests allow. A module that sets ``SHARED_TENSORBOARD = True``
    writes its runs into ``shared_logdir`` (its ``tb_logdir``) and gets the session's
    server of the loader. The others get one of their own, per module: a module whose
    tests read the HParams dashboard (which takes a whole log directory as one
    experiment) or the whole run list, or that sets ``TENSORBOARD_ARGS`` (more
    command-line arguments).
    """
    if getattr(request.module, "SHARED_TENSORBOARD", False):
        root, servers = request.getfixturevalue("_shared_tensorboards")
        if os.path.dirname(os.path.abspath(tb_logdir)) != os.path.abspath(root):
            raise pytest.UsageError("a module with SHARED_TENSORBOARD = True writes into shared_logdir")
        if load_fast not in servers:
            servers[load_fast] = TensorBoardServer(root, load_fast).start()
        server = servers[load_fast]
        assert server.alive(), f"the shared TensorBoard died:\n{server.log_tail()}"
    else:
        server = tensorboard_factory(tb_logdir, load_fast,
                                     extra_args=getattr(request.module, "TENSORBOARD_ARGS", ()))
    ready = getattr(request.module, "tensorboard_ready", None)
    if ready is not None:
        ready(server)
    return server


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    tensorboard_server._stop_all()  # anything a crashed fixture left running


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that starts a TensorBoard (through ``tensorboard_factory``) is a ``server``
    test, marked or not: ``-m "not server"`` is then the quick subset the README offers."""
    for item in items:
        if "tensorboard_factory" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)
