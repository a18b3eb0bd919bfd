"""HParams: the experiment, session-start and session-end summaries of TensorBoard's
HParams dashboard.

Each summary is a value with no data (a DT_FLOAT tensor of shape ``[0]``) whose
metadata content is a serialized ``HParamsPluginData`` (format reference §5 HParams).
TensorBoard reads these from the *metadata* of a tag's first value in a run, so a run
holds one session: its hyperparameters cannot change after they are written.

Values keep their types: bools are ``bool_value`` (type BOOL), strings ``string_value``
(STRING), numbers ``number_value`` (FLOAT64). torch stores bools as numbers (its
``isinstance(v, (int, float))`` test comes first) and tensorboardX drops numpy scalars.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import bool_field, bytes_field, double_field, string_field, uint_field

PLUGIN_NAME = "hparams"
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"

# tensorboard.hparams.DataType
TYPE_STRING = 1
TYPE_BOOL = 2
TYPE_FLOAT64 = 3
TYPE_NAMES = {TYPE_STRING: "str", TYPE_BOOL: "bool", TYPE_FLOAT64: "number"}

# tensorboard.hparams.Status
STATUS_SUCCESS = 1

Value = bool | float | str

METADATA_DATA_CLASS = messages.DATA_CLASS_TENSOR
# HParams summaries carry no data: TensorBoard's NULL_TENSOR, DT_FLOAT of shape [0].
NULL_TENSOR_FIELD = messages.tensor_value_field(
    messages.tensor_from_array(np.zeros(0, dtype=np.float32))
)


def normalize_value(value: Any, name: str) -> tuple[int, Value] | None:
    """``(type, value)`` for an hparam value; None for None (not logged, as in torch).

    bool and numpy bool -> BOOL; str -> STRING; int, float, numpy numbers and
    one-element arrays or tensors of any framework -> FLOAT64 (bool arrays -> BOOL).
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return TYPE_BOOL, bool(value)
    if isinstance(value, str):
        return TYPE_STRING, str(value)
    if isinstance(value, (bytes, bytearray)):
        raise ArgumentTypeError(f"{name} must be a bool, number or str, got bytes (decode it to a str)")
    if isinstance(value, (numbers.Real, np.integer, np.floating)):
        return TYPE_FLOAT64, _to_double(value, name)
    if isinstance(value, (numbers.Complex, np.complexfloating)):
        raise ArgumentTypeError(f"{name} must be a bool, number or str, got a complex number")
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        raise ArgumentTypeError(
            f"{name} must be a bool, number or str, got {type(value).__name__} "
            "(TensorBoard has no list hyperparameters: log str(value) instead)"
        )
    try:
        array = convert.to_numpy(value, name)
    except TypeError:
        raise ArgumentTypeError(
            f"{name} must be a bool, number, str or one-element tensor, got {type(value).__name__}"
        ) from None
    if array.size != 1:
        raise ArgumentError(f"{name} must hold exactly one value, got shape {tuple(array.shape)}")
    item = array.reshape(-1)[0]
    if array.dtype.kind == "b":
        return TYPE_BOOL, bool(item)
    if array.dtype.kind in "iuf":
        return TYPE_FLOAT64, _to_double(item, name)
    raise ArgumentTypeError(f"{name} must be a bool or real number tensor, got dtype {array.dtype}")


def _to_double(value: Any, name: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ArgumentError(f"{name} = {value} does not fit in a float64") from None


def normalize_domain(values: Any, kind: int, name: str) -> tuple[Value, ...]:
    """A discrete domain: a non-empty list of values of the hparam's type, no repeats."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (Sequence, set, frozenset, np.ndarray)):
        raise ArgumentTypeError(f"{name} must be a list of values, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise ArgumentError(f"{name} must not be empty")
    domain: list[Value] = []
    for i, item in enumerate(items):
        normal = normalize_value(item, f"{name}[{i}]")
        if normal is None or normal[0] != kind:
            raise ArgumentTypeError(
                f"{name}[{i}] = {item!r} must be a {TYPE_NAMES[kind]}, like the hyperparameter's value"
            )
        if normal[1] in domain and not (isinstance(normal[1], float) and math.isnan(normal[1])):
            continue
        domain.append(normal[1])
    return tuple(domain)


# --- encoding ----------------------------------------------------------------------------


def _value(kind: int, value: Value) -> bytes:
    """google.protobuf.Value; the oneof field is written even for 0, '' and False."""
    if kind == TYPE_BOOL:
        return bool_field(4, bool(value))
    if kind == TYPE_STRING:
        return string_field(3, str(value))
    return double_field(2, float(value))


def _list_value(kind: int, values: Sequence[Value]) -> bytes:
    return b"".join(bytes_field(1, _value(kind, v)) for v in values)


def _plugin_data(field: int, message: bytes) -> bytes:
    # HParamsPluginData{version=1 (must be 0: omitted), oneof data {experiment=2,
    # session_start_info=3, session_end_info=4}}
    return bytes_field(field, message)


def experiment_content(
    hparams: Mapping[str, tuple[int, Value]],
    domains: Mapping[str, Sequence[Value]],
    metric_tags: Sequence[str],
    time_created_secs: float,
) -> bytes:
    """HParamsPluginData with an Experiment declaring the hparams and metrics."""
    parts = [double_field(3, time_created_secs)]
    for name, (kind, _) in hparams.items():
        info = string_field(1, name) + uint_field(4, kind)
        if name in domains:
            info += bytes_field(5, _list_value(kind, domains[name]))
        parts.append(bytes_field(4, info))
    for tag in metric_tags:
        # MetricInfo{name=1 MetricName{group=1 (""), tag=2}}
        parts.append(bytes_field(5, bytes_field(1, string_field(2, tag))))
    return _plugin_data(2, b"".join(parts))


def session_start_content(
    hparams: Mapping[str, tuple[int, Value]], start_time_secs: float, group_name: str = ""
) -> bytes:
    """HParamsPluginData with a SessionStartInfo holding the hparam values."""
    parts = []
    for name, (kind, value) in hparams.items():
        entry = string_field(1, name) + bytes_field(2, _value(kind, value))
        parts.append(bytes_field(1, entry))
    if group_name:
        parts.append(string_field(4, group_name))
    parts.append(double_field(5, start_time_secs))
    return _plugin_data(3, b"".join(parts))


def session_end_content(end_time_secs: float, status: int = STATUS_SUCCESS) -> bytes:
    return _plugin_data(4, uint_field(1, status) + double_field(2, end_time_secs))


def metadata(content: bytes) -> bytes:
    return messages.summary_metadata(PLUGIN_NAME, content, data_class=METADATA_DATA_CLASS)


# --- the checks of add_hparams ---------------------------------------------------------


def check_hparams(hparam_dict: Any) -> dict[str, tuple[int, Value]]:
    if not isinstance(hparam_dict, Mapping):
        raise ArgumentTypeError(
            f"hparam_dict must be a dict of name -> value, got {type(hparam_dict).__name__}"
        )
    values = {}
    for key, value in hparam_dict.items():
        args.check_tag(key, "hparam_dict key")
        normal = normalize_value(value, f"hparam_dict[{key!r}]")
        if normal is not None:
            values[key] = normal
    return values

def check_domains(
    domains: Any, hparam_dict: Mapping[str, Any], values: Mapping[str, tuple[int, Value]]
) -> dict[str, tuple[Value, ...]]:
    if domains is None:
        return {}
    if not isinstance(domains, Mapping):
        raise ArgumentTypeError(
            f"hparam_domain_discrete must be a dict of name -> list of values, got {type(domains).__name__}"
        )
    checked = {}
    for key, items in domains.items():
        where = f"hparam_domain_discrete[{key!r}]"
        if key not in hparam_dict:
            raise ArgumentError(f"{where} names no hyperparameter of hparam_dict")
        if key not in values:
            raise ArgumentError(f"{where}: hparam_dict[{key!r}] is None, which is not logged")
        kind, value = values[key]
        domain = normalize_domain(items, kind, where)
        if value not in domain and not (isinstance(value, float) and math.isnan(value)):
            raise ArgumentError(
                f"hparam_dict[{key!r}] = {value!r} is not one of {where} = {list(domain)!r}"
            )
        checked[key] = domain
    return checked


def check_metrics(metric_dict: Any) -> dict[str, float]:
    if not isinstance(metric_dict, Mapping):
        raise ArgumentTypeError(
            f"metric_dict must be a dict of metric tag -> number, got {type(metric_dict).__name__}"
        )
    metrics = {}
    for key, value in metric_dict.items():
        args.check_tag(key, "metric_dict key")
        if key.startswith("_hparams_/"):
            raise ArgumentError(f"metric_dict key {key!r} must not use the reserved prefix '_hparams_/'")
        metrics[key] = convert.to_float(value, f"metric_dict[{key!r}]")
    return metrics


def same_session(
    previous: tuple[Any, tuple[str, ...]], signature: Any, metrics: Mapping[str, float]
) -> bool:
    """Whether a call continues the session ``previous`` (the same hyperparameters and
    domains, no metric the session did not declare) instead of starting another."""
    first_signature, first_metrics = previous
    return signature == first_signature and all(key in first_metrics for key in metrics)
