"""``import tfevents`` (and its floor, and the peers' imports) timed in fresh
interpreters, with the modules each pulls in and an ``-X importtime`` breakdown."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import BenchmarkError
from ..stats import rotations
from .children import child_env

# Top-level modules that must not be imported by ``import tfevents``.
FRAMEWORKS = (
    "torch", "tensorflow", "jax", "jaxlib", "tensorboard", "tensorboardX", "google", "PIL",
    "matplotlib", "scipy", "pandas", "cupy", "onnx", "fsspec", "crc32c",
)


@dataclass(frozen=True)
class ImportTarget:
    key: str
    statement: str
    label: str


IMPORT_TARGETS = (
    ImportTarget("tfevents", "import tfevents", "tfevents"),
    ImportTarget("numpy", "import numpy", "numpy (tfevents' floor)"),
    ImportTarget("nothing", "pass", "nothing (interpreter start only)"),
)
PEER_IMPORTS = (
    ImportTarget("tensorboardX", "import tensorboardX", "tensorboardX"),
    ImportTarget("torch", "from torch.utils.tensorboard import SummaryWriter", "torch.utils.tensorboard"),
    ImportTarget("tb_writer", "from tensorboard.summary import Writer", "tensorboard.summary.Writer"),
)

_IMPORT_CHILD = """
import sys, time
t0 = time.perf_counter()
{statement}
t1 = time.perf_counter()
import json
print(json.dumps({{"import_s": t1 - t0, "modules": sorted(sys.modules)}}))
"""


def import_once(target: ImportTarget, cwd: str, importtime: bool = False) -> dict:
    """One fresh interpreter: the import's own time, the process wall time, the modules."""
    cmd = [sys.executable]
    if importtime:
        cmd += ["-X", "importtime"]
    cmd += ["-c", _IMPORT_CHILD.format(statement=target.statement)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise BenchmarkError(f"`{target.statement}` failed in a fresh interpreter:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    out["stderr"] = proc.stderr
    return out


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) from ``-X importtime`` output."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line or line.count("|") < 2:
            continue
        head, cumulative, name = line.split("|", 2)
        try:
            self_us, cum_us = int(head.split(":", 1)[1]), int(cumulative)
        except ValueError:
            continue
        name = name[1:]  # the separator's space
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), self_us, cum_us, depth))
    return rows


@dataclass
class ImportResult:
    target: ImportTarget
    import_s: list[float] = field(default_factory=list)
    process_s: list[float] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)


def compile_tfevents_bytecode() -> None:
    """Writes tfevents' .pyc files, as ``pip install`` does for an installed package. With
    ``PYTHONDONTWRITEBYTECODE`` set (as in this project's containers) the import system
    never writes them for the editable install, and every fresh interpreter would compile
    tfevents' sources again (~35 ms here): that would time the compiler, not the library.
    numpy and the peers are installed with their .pyc files."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("tfevents")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError("tfevents is not importable")
    for directory in spec.submodule_search_locations:
        if not compileall.compile_dir(directory, quiet=1):
            raise BenchmarkError(f"could not compile the .py files under {directory}")


def measure_imports(targets: Sequence[ImportTarget], runs: int) -> tuple[dict[str, ImportResult], list[tuple[str, int, int, int]]]:
    compile_tfevents_bytecode()
    cwd = tempfile.mkdtemp(prefix="tfevents-import-")
    try:
        results = {t.key: ImportResult(t) for t in targets}
        for t in targets:  # warm-up: page cache
            results[t.key].modules = import_once(t, cwd)["modules"]
        for _rep, order in rotations(targets, runs):
            for t in order:
                out = import_once(t, cwd)
                results[t.key].import_s.append(out["import_s"])
                results[t.key].process_s.append(out["process_s"])
        breakdown = parse_importtime(import_once(targets[0], cwd, importtime=True)["stderr"])
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    return results, breakdown


def top_level(modules: Sequence[str]) -> set[str]:
    return {m.split(".", 1)[0] for m in modules}


def framework_modules(modules: Sequence[str]) -> list[str]:
    found = top_level(modules) & set(FRAMEWORKS)
    return sorted(found)
