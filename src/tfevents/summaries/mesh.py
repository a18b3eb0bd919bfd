"""Meshes and point clouds for TensorBoard's Mesh dashboard.

A mesh named ``tag`` is one value per component, tagged ``<tag>_VERTEX``,
``<tag>_FACE`` and ``<tag>_COLOR``; each carries a ``MeshPluginData`` with the user's
tag as ``name``, its content type, its shape ``[B, N, 3]``, the three.js JSON config and
the ``components`` bitmask (``1 << content_type`` for each component present) (format
reference §5 Mesh). Vertices are float32, faces int32 and colors uint8, the dtypes the
plugin serves them as.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import packed_varints, string_field, uint_field

PLUGIN_NAME = "mesh"
VERTEX, FACE, COLOR = 1, 2, 3
CONTENT_NAMES = {VERTEX: "VERTEX", FACE: "FACE", COLOR: "COLOR"}


def instance_tag(tag: str, content_type: int) -> str:
    return f"{tag}_{CONTENT_NAMES[content_type]}"


def components_bitmask(content_types: list[int]) -> int:
    mask = 0
    for content_type in content_types:
        mask |= 1 << content_type
    return mask


def json_config(config_dict: Any) -> str:
    """``config_dict`` as JSON (sorted keys, like torch); ``"{}"`` for None."""
    if config_dict is None:
        return "{}"
    if not isinstance(config_dict, dict):
        raise ArgumentTypeError(f"config_dict must be a dict or None, got {type(config_dict).__name__}")
    try:
        return json.dumps(config_dict, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"config_dict must be JSON-serializable: {exc}") from None


def _triples(value: Any, name: str) -> np.ndarray:
    array = convert.to_numpy(value, name)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ArgumentError(f"{name} must have shape [B, N, 3], got {tuple(array.shape)}")
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"{name} must be real numbers, got dtype {array.dtype}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ArgumentError(f"{name} must not be empty, got shape {tuple(array.shape)}")
    return array


def _integral(array: np.ndarray, name: str, low: int, high: int, what: str) -> np.ndarray:
    """``array`` as int64, if every value is a whole number in ``[low, high]``."""
    if array.dtype.kind == "b":
        raise ArgumentTypeError(f"{name} must be numbers ({what}), got booleans")
    if array.dtype.kind == "f" and (
        not np.isfinite(array).all() or (array != np.round(array)).any()
    ):
        raise ArgumentError(f"{name} must hold whole numbers ({what})")
    if array.size and (array.min() < low or array.max() > high):
        raise ArgumentError(
            f"{name} must be in [{low}, {high}] ({what}), got values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.int64)


def check(
    vertices: Any, colors: Any, faces: Any
) -> list[tuple[int, np.ndarray]]:
    """Validated components as ``(content_type, array)`` in VERTEX, FACE, COLOR order."""
    vertex_array = _triples(vertices, "vertices")
    with np.errstate(invalid="ignore"):
        if not np.isfinite(vertex_array).all():
            raise ArgumentError("vertices must be finite (no NaN or infinity)")
    batch, points = vertex_array.shape[:2]
    parts = [(VERTEX, vertex_array.astype(np.float32))]
    if faces is not None:
        face_array = _triples(faces, "faces")
        if face_array.shape[0] != batch:
            raise ArgumentError(
                f"faces must have the same batch size B as vertices ({batch}), got {face_array.shape[0]}"
            )
        face_array = _integral(face_array, "faces", 0, points - 1, f"indices of the {points} vertices")
        parts.append((FACE, face_array.astype(np.int32)))
    if colors is not None:
        color_array = _triples(colors, "colors")
        if color_array.shape[:2] != (batch, points):
            raise ArgumentError(
                f"colors must have one RGB triple per vertex, shape {(batch, points, 3)}, "
                f"got {tuple(color_array.shape)}"
            )
        color_array = _integral(color_array, "colors", 0, 255, "RGB levels 0-255")
        parts.append((COLOR, color_array.astype(np.uint8)))
    return parts


def plugin_content(
    name: str, content_type: int, shape: tuple[int, ...], config: str, components: int
) -> bytes:
    """tensorboard.mesh.MeshPluginData{version=1 (0), name=2, content_type=3,
    json_config=5, shape=6 (packed int32), components=7}."""
    return (
        string_field(2, name)
        + uint_field(3, content_type)
        + string_field(5, config)
        + packed_varints(6, [int(d) for d in shape])
        + uint_field(7, components)
    )


def metadata(content: bytes, display_name: str = "", description: str = "") -> bytes:
    return messages.summary_metadata(
        PLUGIN_NAME,
        content,
        data_class=messages.DATA_CLASS_TENSOR,
        display_name=display_name,
        description=description,
    )


def value_field(array: np.ndarray) -> bytes:
    return messages.tensor_value_field(messages.tensor_from_array(array))
