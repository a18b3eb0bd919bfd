"""The JSON and CSV forms of exported values (see ``tfevents export --help``)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, TextIO

import numpy as np

PR_ROWS = ("tp", "fp", "tn", "fn", "precision", "recall")


def json_float(x: float) -> float | str:
    """JSON has no NaN or infinities: those become the strings "NaN", "Infinity", "-Infinity"."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _json_array(array: np.ndarray) -> Any:
    """A numeric array as nested lists, with non-finite floats as strings."""
    if array.dtype.kind == "c":
        array = np.stack([array.real, array.imag], axis=-1)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        out = array.astype(object)
        flat = out.reshape(-1)
        for i, x in enumerate(flat):
            flat[i] = json_float(float(x))
        return out.tolist()
    return array.tolist()


def text_cells(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return np.vectorize(lambda b: b.decode("utf-8", "replace"), otypes=[object])(value).tolist() if value.size else []


def json_value(kind: str, value: Any) -> Any:
    """The JSON form of one value of each exported kind (see ``--help`` of export)."""
    if kind == "scalar":
        return json_float(value)
    if kind == "histogram":
        return _json_array(np.asarray(value, dtype=np.float64))
    if kind == "pr_curve":
        table = np.asarray(value, dtype=np.float64)
        return {name: _json_array(row) for name, row in zip(PR_ROWS, table)}
    if kind == "text":
        return text_cells(value)
    if kind == "image":
        return [
            {"height": int(a.shape[-3 if a.ndim >= 3 else 0]), "width": int(a.shape[-2 if a.ndim >= 3 else 1]),
             "channels": int(a.shape[-1]) if a.ndim >= 3 else 1,
             **({"frames": int(a.shape[0])} if a.ndim == 4 else {})}
            for a in value
        ]
    if kind == "audio":
        return [_audio_summary(row[0], row[1]) for row in np.asarray(value, dtype=object).reshape(-1, 2)]
    if kind == "tensor":
        array = np.asarray(value)
        if array.dtype == object:
            values = np.vectorize(
                lambda b: b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b), otypes=[object]
            )(array).tolist() if array.size else []
            return {"dtype": "string", "shape": list(array.shape), "values": values}
        return {"dtype": str(array.dtype), "shape": list(array.shape), "values": _json_array(array)}
    raise AssertionError(kind)


def _audio_summary(clip: bytes, label: bytes) -> dict[str, Any]:
    from tfevents.reader import decode_wav

    out: dict[str, Any] = {"bytes": len(clip), "label": label.decode("utf-8", "replace")}
    try:
        samples, rate = decode_wav(clip)
    except Exception:  # not a PCM WAV clip: its size only
        return out
    out.update(sample_rate=rate, channels=int(samples.shape[1]), frames=int(samples.shape[0]))
    return out


def csv_rows(kind: str, run: str, tag: str, step: int, wall: float, value: Any) -> Iterator[list[Any]]:
    head = [run, tag, step, repr(wall)]
    if kind == "scalar":
        yield [*head, repr(float(value))]
    elif kind == "histogram":
        for left, right, count in np.asarray(value, dtype=np.float64).tolist():
            yield [*head, repr(left), repr(right), repr(count)]
    else:  # text; a table as a JSON list of its rows
        cells = text_cells(value)
        yield [*head, cells if isinstance(cells, str) else json.dumps(cells, ensure_ascii=False)]


def write_nested(out: TextIO, nested: dict[str, dict[str, dict[str, Any]]]) -> None:
    """``{"runs": {run: {tag: series}}}``, one line per series (compact, yet greppable)."""

    def dumps(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)

    out.write('{"runs": {')
    for i, (run, tags) in enumerate(nested.items()):
        out.write(("," if i else "") + f"\n {dumps(run)}: {{")
        for j, (tag, series) in enumerate(tags.items()):
            out.write(("," if j else "") + f"\n  {dumps(tag)}: {dumps(series)}")
        out.write("\n }")
    out.write("\n}}\n" if nested else "}}\n")
