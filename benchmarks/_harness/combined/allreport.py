"""What one run of every part holds: each part's own report, and how long it took."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AllReport:
    argv: list[str]
    reps: int | None
    quick: bool
    scalars: Any = None
    summaries: Any = None
    imports: Any = None
    jax: Any = None
    read: Any = None
    device: Any = None
    part_wall_s: dict[str, float] = field(default_factory=dict)
    part_load: dict[str, tuple[str, str]] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    wall_s: float = 0.0
    previous: dict[str, Any] = field(default_factory=dict)
