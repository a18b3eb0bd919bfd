"""The reader's data classes: what every reading function returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("scalar", "histogram", "image", "audio", "text", "pr_curve", "hparams", "tensor", "unknown")


@dataclass(frozen=True)
class Metadata:
    """A value's ``SummaryMetadata``: which plugin reads it, and how it is labelled."""

    plugin_name: str = ""
    content: bytes = b""
    display_name: str = ""
    description: str = ""
    data_class: int = 0


@dataclass(frozen=True)
class Value:
    """One decoded ``Summary.Value``; ``kind`` and the form of ``value`` follow the tag's
    plugin (see the module docstring)."""

    tag: str
    kind: str  # one of KINDS
    value: Any
    metadata: Metadata | None = None
    plugin: str = ""  # the tag's plugin name in this file ("" if none, or a legacy value)


@dataclass(frozen=True)
class Event:
    """One event: a file version, a summary (``values``), a graph, or a session log."""

    wall_time: float
    step: int
    file_version: str | None = None
    values: tuple[Value, ...] = ()
    graph_def: bytes | None = None
    session_log_status: int | None = None
    run: str = "."


@dataclass(frozen=True)
class Datum:
    """One summary value with where and when it was logged (``read_values``)."""

    run: str
    tag: str
    step: int
    wall_time: float
    kind: str
    value: Any
    plugin: str = ""
    metadata: Metadata | None = None


@dataclass
class ScalarSeries:
    """One scalar tag of one run, in the order it was logged."""

    steps: np.ndarray  # int64
    values: np.ndarray  # float64 (float32 values convert exactly)
    wall_times: np.ndarray  # float64, seconds since the epoch

    def __len__(self) -> int:
        return int(self.steps.size)


@dataclass
class FileState:
    """What decoding one file remembers: the plugin of each tag, from the last metadata
    seen for it in the file (TensorBoard's loaders keep the first for the whole series;
    the two differ only for a tag logged as two kinds, whose values then read as
    each was written)."""

    plugins: dict[str, str] = field(default_factory=dict)


