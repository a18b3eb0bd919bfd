"""Protobuf classes generated from the repository's proto/ folder, for tests only.

``load_protos()`` compiles ``proto/*.proto`` with ``grpc_tools.protoc`` into a temporary
directory (once per process), puts that directory on ``sys.path`` and returns the
generated modules as attributes of a namespace: ``event_pb2``, ``summary_pb2``,
``tensor_pb2``, ..., ``plugin_hparams_pb2``, ``projector_config_pb2``. The package of
every message is ``tfevents_proto`` (or a sub-package), so these classes live beside
TensorBoard's own in one process.

Use it directly (``PB = load_protos()``) or through the session-scoped fixture ``pb``:
``from proto_classes import pb  # noqa: F401`` in a test module makes it available.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.resources
import pathlib
import shutil
import sys
import tempfile
import threading
import types

import pytest

PROTO_DIR = pathlib.Path(__file__).resolve().parent.parent / "proto"

_lock = threading.Lock()
_loaded: types.SimpleNamespace | None = None


def _well_known_include() -> str:
    """grpc_tools' bundled copies of google/protobuf/*.proto (struct.proto among them)."""
    return str(importlib.resources.files("grpc_tools") / "_proto")


def _compile(out_dir: pathlib.Path) -> list[str]:
    from grpc_tools import protoc

    sources = sorted(PROTO_DIR.glob("*.proto"))
    if not sources:
        raise RuntimeError(f"no .proto files in {PROTO_DIR}")
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_DIR}",
        f"--proto_path={_well_known_include()}",
        f"--python_out={out_dir}",
        *(str(s) for s in sources),
    ]
    status = protoc.main(args)
    if status != 0:
        raise RuntimeError(f"protoc failed with status {status}: {' '.join(args)}")
    return [s.stem + "_pb2" for s in sources]


def load_protos() -> types.SimpleNamespace:
    """Compiles proto/ once and returns the generated ``*_pb2`` modules as a namespace."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        out_dir = pathlib.Path(tempfile.mkdtemp(prefix="tfevents_proto_"))
        atexit.register(shutil.rmtree, out_dir, True)
        names = _compile(out_dir)
        for name in names:
            if name in sys.modules:  # a module of that name from elsewhere would shadow ours
                raise RuntimeError(f"a module named {name!r} is already imported")
        sys.path.insert(0, str(out_dir))
        importlib.invalidate_caches()
        modules = {name: importlib.import_module(name) for name in names}
        for name, module in modules.items():
            if not str(module.__file__).startswith(str(out_dir)):
                raise RuntimeError(f"{name} was imported from {module.__file__}, not {out_dir}")
        _loaded = types.SimpleNamespace(**modules)
        return _loaded


@pytest.fixture(scope="session")
def pb() -> types.SimpleNamespace:
    return load_protos()
