"""The writers the benchmarks compare, each made the way its users make it (with default
constructor arguments)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import BenchmarkError
from .machine import package_version


class _NoOpWriter:
    """The loop floor: an add_scalar that does nothing."""

    def __init__(self, logdir: str) -> None:
        self.logdir = logdir

    def add_scalar(self, tag: str, value: Any, step: Any = None) -> None:
        pass

    def close(self) -> None:
        pass


def _tfevents(logdir: str) -> Any:
    import tfevents

    return tfevents.SummaryWriter(logdir)


def _tfevents_tensor_forms(logdir: str) -> Any:
    import tfevents

    return tfevents.SummaryWriter(logdir, legacy_forms=False)


TENSOR_FORMS_KEY = "tfevents_tensor"
# tfevents writing TensorBoard's tensor forms: the summaries' second tfevents row, never a peer.
TENSOR_FORMS_SPEC_ARGS = (TENSOR_FORMS_KEY, "tfevents, legacy_forms=False (tensor forms)", _tfevents_tensor_forms)


def _tensorboardx(logdir: str) -> Any:
    import tensorboardX

    return tensorboardX.SummaryWriter(logdir=logdir)


def _torch(logdir: str) -> Any:
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=logdir)


def _tb_writer(logdir: str) -> Any:
    from tensorboard.summary import Writer

    return Writer(logdir)


_MAKERS: dict[str, Callable[[str], Any]] = {
    "tfevents": _tfevents, "tensorboardX": _tensorboardx, "torch": _torch, "tb_writer": _tb_writer,
}


def make_writer(key: str, logdir: str) -> Any:
    """A writer of ``key`` (tfevents, tensorboardX, torch or tb_writer) on ``logdir``."""
    return _MAKERS[key](logdir)


@dataclass(frozen=True)
class WriterSpec:
    key: str
    label: str
    make: Callable[[str], Any]
    writes_files: bool = True
    crc: str = ""


def tensorboardx_crc() -> str:
    """Which CRC32C tensorboardX uses; the benchmark is unfair to it without the C package."""
    import tensorboardX.crc32c as tbx_crc

    try:
        import crc32c as c_pkg
    except ImportError:
        c_pkg = None
    if c_pkg is not None and tbx_crc.crc32c is c_pkg.crc32c:
        return f"crc32c C package {package_version('crc32c')}"
    return "pure Python (crc32c package missing)"


def all_writers() -> list[WriterSpec]:
    return [
        WriterSpec(
            "tfevents", f"tfevents {package_version('tfevents')}", _tfevents,
            crc="vectorised numpy for batches of scalars, the crc32c C package (when installed) for single records; the background thread writes, or the caller once it is 65,536 events behind",
        ),
        WriterSpec(
            "tensorboardX", f"tensorboardX {package_version('tensorboardX')}", _tensorboardx,
            crc=tensorboardx_crc(),
        ),
        WriterSpec(
            "torch", f"torch.utils.tensorboard (torch {package_version('torch')})", _torch,
            crc="pure Python (tensorboard's tensorflow_stub)",
        ),
        WriterSpec(
            "tb_writer", f"tensorboard.summary.Writer (tensorboard {package_version('tensorboard')})",
            _tb_writer, crc="pure Python (tensorboard's tensorflow_stub)",
        ),
        WriterSpec("noop", "no-op add_scalar (loop floor)", _NoOpWriter, writes_files=False),
    ]


def select_writers(spec_list: str, noop: bool = True) -> list[WriterSpec]:
    """The writers named in ``spec_list`` (comma-separated keys; all when empty), the no-op
    writer left out unless ``noop``. Refuses a tensorboardX without the crc32c C package."""
    writers = [w for w in all_writers() if noop or w.key != "noop"]
    if spec_list:
        wanted = [w.strip() for w in spec_list.split(",") if w.strip()]
        unknown = set(wanted) - {w.key for w in writers}
        if unknown:
            raise SystemExit(f"unknown writers: {sorted(unknown)}")
        writers = [w for w in writers if w.key in wanted]
    for spec in writers:
        if spec.key == "tensorboardX" and not spec.crc.startswith("crc32c C package"):
            raise BenchmarkError(
                "tensorboardX is not using the crc32c C package (pip install crc32c): "
                "its numbers would be unfairly slow"
            )
    return writers
