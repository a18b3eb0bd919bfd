"""Every reader's output against what was written, before any of it is timed: the tags,
every step once, and every value exactly (the files hold only exactly representable
numbers, so no tolerance is needed)."""

from __future__ import annotations

import numpy as np

from .files import (
    FileSpec,
    expected_histogram,
    expected_pr_curve,
    expected_scalars,
    scalar_tag,
    value_tag,
)
from .readers import Reader, Result


class ReadCheckError(AssertionError):
    """A reader's output differs from what was written: the figures would mean nothing."""


def _fail(reader: Reader, spec: FileSpec, what: str) -> ReadCheckError:
    return ReadCheckError(f"{reader.key} on {spec.dirname}: {what}")


def check(result: Result, spec: FileSpec, reader: Reader) -> int:
    """Raises ``ReadCheckError`` unless ``result`` is exactly ``spec``'s file; the number
    of values checked."""
    tag_of = scalar_tag if spec.kind == "scalar" else (lambda t: value_tag(spec.kind, t))
    expected_tags = sorted(tag_of(t) for t in range(spec.tags))
    if sorted(result) != expected_tags:
        raise _fail(reader, spec, f"tags {sorted(result)[:5]}... != {expected_tags[:5]}...")
    checked = 0
    for t in range(spec.tags):
        steps, values = result[tag_of(t)]
        steps = np.asarray(steps)
        order = np.argsort(steps, kind="stable")
        if not np.array_equal(steps[order], np.arange(spec.steps)):
            raise _fail(reader, spec, f"tag {tag_of(t)}: steps are not 0..{spec.steps - 1} once each")
        if spec.kind == "scalar":
            if not np.array_equal(np.asarray(values)[order], expected_scalars(t, spec.steps)):
                raise _fail(reader, spec, f"tag {tag_of(t)}: values differ")
            checked += spec.steps
            continue
        expect = expected_histogram if spec.kind == "histogram" else expected_pr_curve
        for rank, i in enumerate(order.tolist()):
            want = reader.form(expect(t, rank))
            got = np.asarray(values[i])
            if got.shape != want.shape or not np.array_equal(got.astype(np.float64), want.astype(np.float64)):
                raise _fail(reader, spec, f"tag {tag_of(t)} step {rank}: {got.shape} value differs")
            checked += 1
    return checked
