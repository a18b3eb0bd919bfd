"""The three readers, for each kind of value and each form it is stored in.

Every reader returns ``{tag: (steps, values)}``: for scalars two arrays; for histograms
and PR curves the steps and a list of arrays, each in the reader's own form, which
``Reader.form`` makes of the expected ``[k, 3]`` table or ``[6, n]`` curve (tbparse's
legacy histograms have no left edges, for one).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Result = dict[str, tuple[np.ndarray, Any]]
LEGACY_SOURCES = ("tfevents-legacy", "torch")  # histograms as HistogramProto


@dataclass(frozen=True)
class Reader:
    key: str  # "tfevents", "tbparse" or "EventAccumulator"
    call: str  # what is timed, for the report
    read: Callable[[str], Result]
    form: Callable[[np.ndarray], np.ndarray] = lambda a: a


def _quiet_tbparse(path: str) -> Any:
    from tbparse import SummaryReader

    warnings.simplefilter("ignore")
    return SummaryReader(path)


def _by_tag(frame: Any, column: str, convert: Callable[[Any], Any]) -> Result:
    out: Result = {}
    for tag, group in frame.groupby("tag"):
        out[str(tag)] = (group["step"].to_numpy(), [convert(v) for v in group[column]])
    return out


def _accumulator(path: str, kind: str) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(path, size_guidance={kind: 0})
    acc.Reload()
    return acc


def tfevents_scalars(path: str) -> Result:
    from tfevents.reader import read_scalars

    (series,) = read_scalars(path).values()
    return {tag: (s.steps, s.values) for tag, s in series.items()}


def tbparse_scalars(path: str) -> Result:
    with warnings.catch_warnings():
        frame = _quiet_tbparse(path).scalars
    return {str(tag): (g["step"].to_numpy(), g["value"].to_numpy()) for tag, g in frame.groupby("tag")}


def accumulator_scalars(path: str) -> Result:
    acc = _accumulator(path, "scalars")
    out: Result = {}
    for tag in acc.Tags()["scalars"]:
        events = acc.Scalars(tag)
        out[tag] = (np.array([e.step for e in events]), np.array([e.value for e in events]))
    return out


def tfevents_values(kind: str) -> Callable[[str], Result]:
    def read(path: str) -> Result:
        from tfevents.reader import read_values

        out: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        for d in read_values(path, kind=kind):
            steps, values = out.setdefault(d.tag, ([], []))
            steps.append(d.step)
            values.append(d.value)
        return {tag: (np.array(s), v) for tag, (s, v) in out.items()}
    return read


def tbparse_tensors(path: str) -> Result:
    with warnings.catch_warnings():
        frame = _quiet_tbparse(path).tensors
    return _by_tag(frame, "value", np.asarray)


def tbparse_histograms(path: str) -> Result:
    with warnings.catch_warnings():
        frame = _quiet_tbparse(path).histograms
    out: Result = {}
    for tag, group in frame.groupby("tag"):
        pairs = [np.stack([np.asarray(lim), np.asarray(cnt)], axis=1)
                 for lim, cnt in zip(group["limits"], group["counts"])]
        out[str(tag)] = (group["step"].to_numpy(), pairs)
    return out


def accumulator_tensors(path: str) -> Result:
    from tensorboard.util.tensor_util import make_ndarray

    acc = _accumulator(path, "tensors")
    out: Result = {}
    for tag in acc.Tags()["tensors"]:
        events = acc.Tensors(tag)
        out[tag] = (np.array([e.step for e in events]), [make_ndarray(e.tensor_proto) for e in events])
    return out


def accumulator_histograms(path: str) -> Result:
    acc = _accumulator(path, "histograms")
    out: Result = {}
    for tag in acc.Tags()["histograms"]:
        events = acc.Histograms(tag)
        tables = []
        for e in events:
            h = e.histogram_value
            limits = np.array(h.bucket_limit)
            tables.append(np.stack([np.concatenate([[h.min], limits[:-1]]),
                                    np.concatenate([limits[:-1], [h.max]]), np.array(h.bucket)], axis=1))
        out[tag] = (np.array([e.step for e in events]), tables)
    return out


def readers_for(kind: str, source: str) -> tuple[list[Reader], dict[str, str]]:
    """The readers of ``kind`` values from ``source``'s file, and notes on any left out."""
    if kind == "scalar":
        return [Reader("tfevents", "read_scalars(path)", tfevents_scalars),
                Reader("tbparse", "SummaryReader(path).scalars", tbparse_scalars),
                Reader("EventAccumulator", "Reload(), Scalars(tag)", accumulator_scalars)], {}
    ours = Reader("tfevents", f'read_values(path, kind="{kind}")', tfevents_values(kind))
    if kind == "histogram" and source in LEGACY_SOURCES:
        return [ours, Reader("tbparse", ".histograms", tbparse_histograms, lambda a: a[:, 1:]),
                Reader("EventAccumulator", "Reload(), Histograms(tag)", accumulator_histograms)], {}
    notes = {}
    if kind == "histogram":
        notes["tbparse"] = ("`.histograms` reads tensor-form histograms only with TensorFlow "
                            "(empty without it); `.tensors` timed instead")
    return [ours, Reader("tbparse", ".tensors", tbparse_tensors),
            Reader("EventAccumulator", "Reload(), Tensors(tag)", accumulator_tensors)], notes
