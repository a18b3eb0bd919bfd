"""Fuzzing the reader, the validator and the CLI with corrupted copies of real files.

Every writer kind's file (``tests/reader_fuzz.py``) is damaged by bit flips,
truncations, inserted garbage, huge lengths, garbage framed with valid CRCs and
tensors claiming huge shapes; then read by ``read_values``, ``read_events``,
``read_scalars``, ``validate_file`` and (one case in eight) the ``validate``, ``inspect``
and ``export`` commands. Only tfevents' ``ReadError`` family may come out, the commands
exit 0 or 1, and no read allocates more than ``fuzz.memory_limit`` of the file's size.
A few hundred cases here; ``tests/reader_fuzz.py --cases N`` runs many more.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader_fuzz as fuzz

_SEEDS: list[bytes] = []


def seeds() -> list[bytes]:
    if not _SEEDS:
        with tempfile.TemporaryDirectory() as directory:
            for path in fuzz.seed_files(directory):
                with open(path, "rb") as f:
                    _SEEDS.append(f.read())
    return _SEEDS


def test_every_kind_has_a_seed_file_that_reads_cleanly(tmp_path) -> None:
    assert len(seeds()) >= 12
    for index, data in enumerate(seeds()):
        path = tmp_path / f"seed{index}.tfevents"
        path.write_bytes(data)
        assert fuzz.check(str(path), with_cli=True) == []


@settings(max_examples=320, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    mutation=st.sampled_from(sorted(fuzz.MUTATIONS)),
    rounds=st.integers(min_value=1, max_value=3),
)
def test_a_damaged_file_gives_tfevents_errors_only_in_bounded_memory(seed: int, mutation: str, rounds: int) -> None:
    rng = np.random.default_rng(seed)
    data = seeds()[seed % len(seeds())]
    for _ in range(rounds):
        _, data = fuzz.mutate(data, rng, mutation)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "events.out.tfevents.fuzz")
        with open(path, "wb") as f:
            f.write(data)
        assert fuzz.check(path, with_cli=seed % 8 == 0) == [], (mutation, seed)
