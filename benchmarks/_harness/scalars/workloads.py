"""The add_scalar workloads: (a) one tag, (b) many tags per step, (c) a paced loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    tags: tuple[str, ...]
    steps: int
    # > 0: a paced training loop, time.sleep(pause_s) before each step's calls.
    pause_s: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.tags) * self.steps

    @property
    def paced(self) -> bool:
        return self.pause_s > 0

    def drive(self, writer: Any) -> None:
        add = writer.add_scalar
        if len(self.tags) == 1 and not self.paced:
            tag = self.tags[0]
            for i in range(self.steps):
                add(tag, i * 0.5, i)
        elif not self.paced:
            indexed = list(enumerate(self.tags))
            for step in range(self.steps):
                base = step * 0.25
                for k, tag in indexed:
                    add(tag, base + k, step)
        else:
            indexed = list(enumerate(self.tags))
            pause, sleep = self.pause_s, time.sleep
            for step in range(self.steps):
                sleep(pause)
                base = step * 0.25
                for k, tag in indexed:
                    add(tag, base + k, step)

    def expected(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        steps = np.arange(self.steps, dtype=np.int64)
        if len(self.tags) == 1 and not self.paced:
            return {self.tags[0]: (steps, steps * 0.5)}
        return {tag: (steps, steps * 0.25 + k) for k, tag in enumerate(self.tags)}


def make_workloads(
    calls: int, tags: int, steps: int, paced_steps: int = 0, pause_ms: float = 3.0
) -> list[Workload]:
    tag_names = tuple(f"metrics/m{k:02d}" for k in range(tags))
    workloads = [
        Workload("a", f"(a) {calls:,} add_scalar calls, one tag", ("train/loss",), calls),
        Workload("b", f"(b) {tags} tags x {steps:,} steps = {tags * steps:,} calls", tag_names, steps),
    ]
    if paced_steps > 0:
        workloads.append(
            Workload(
                "c",
                f"(c) paced training loop: {paced_steps:,} steps, each a {pause_ms:g} ms "
                f"time.sleep (the GIL released, as while waiting on an accelerator) "
                f"then {tags} add_scalar calls",
                tag_names, paced_steps, pause_s=pause_ms / 1e3,
            )
        )
    return workloads
