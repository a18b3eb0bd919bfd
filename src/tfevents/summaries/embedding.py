"""Embeddings for TensorBoard's Projector: files, not events.

The projector plugin reads ``projector_config.pbtxt`` (protobuf text format) in a run
directory and, for each embedding, the files it names relative to that directory
(format reference §5 Projector). Without TensorFlow it reads no checkpoints, so every
embedding names its ``tensor_path``: a TSV of float rows.

Layout, as torch writes it, under the writer's ``log_dir``::

    projector_config.pbtxt            every embedding this writer logged
    <step:05d>/<tag>/tensors.tsv      one row per point, tab-separated
    <step:05d>/<tag>/metadata.tsv     one label per point, or a header and columns
    <step:05d>/<tag>/sprite.png       the thumbnails, in a square grid

The projector's rules are checked here instead of failing in the browser: thumbnails
are square, ``ceil(sqrt(N))`` per row and column, and the sprite is at most 8192 px on
a side; a header row is only recognised when there are two or more columns; labels may
not hold tabs or newlines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.summaries import image

CONFIG_FILE = "projector_config.pbtxt"
MAX_SPRITE_SIZE = 8192


def path_component(tag: str) -> str:
    """The tag as one directory name: torch's escapes of ``%``, ``/`` and ``\\``, plus
    ``.`` and ``..`` (which would name the step directory or its parent)."""
    if "\x00" in tag:
        raise ArgumentError("tag must not contain NUL characters")
    encoded = tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2e")
    return encoded


def check_mat(mat: Any) -> np.ndarray:
    array = convert.to_numpy(mat, "mat")
    if array.dtype.kind not in "biuf":
        raise ArgumentTypeError(f"mat must be real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ArgumentError(
            f"mat must be 2-D (one row per point: N x D), got shape {tuple(array.shape)}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ArgumentError(f"mat must not be empty, got shape {tuple(array.shape)}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ArgumentError("mat must be finite (the projector cannot place NaN or infinity)")
    return array


def tensor_tsv(array: np.ndarray) -> bytes:
    """Rows of exact decimal floats (the projector parses them, then rounds to float32)."""
    return "".join("\t".join(map(repr, row)) + "\n" for row in array.tolist()).encode("utf-8")


def _as_list(value: Any, name: str, count: int | None = None) -> list[Any]:
    """``value`` as a list; with ``count``, its length is checked first, before a
    conversion (``tolist()`` of a huge array) that would cost minutes."""
    if isinstance(value, (str, bytes, Mapping)):
        raise ArgumentTypeError(f"{name} must be a list, got {type(value).__name__}")
    if count is not None:
        _check_length(value, name, count)
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    if not isinstance(value, Sequence):
        raise ArgumentTypeError(f"{name} must be a list, got {type(value).__name__}")
    return list(value)


def _check_length(value: Any, name: str, count: int) -> None:
    shape = getattr(value, "shape", None)
    try:
        length = int(shape[0]) if shape is not None and len(shape) else len(value)
    except TypeError:
        return  # (no length: the list conversion says what it is)
    if length != count:
        raise ArgumentError(f"{name} must have one entry per row of mat ({count}), got {length}")


def _cell(value: Any, name: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    if any(c in text for c in "\t\n\r"):
        raise ArgumentError(f"{name} = {text!r} must not contain tabs or line breaks")
    return text


def metadata_tsv(metadata: Any, count: int, header: Any = None) -> tuple[bytes, bool]:
    """``(metadata.tsv bytes, header_dropped)``.

    Without ``header``, one label per point. With a header of two or more columns, a
    header row and one row of that many cells per point. A one-column header is dropped
    (the projector would read it as a label): ``header_dropped`` is then True.
    """
    rows = _as_list(metadata, "metadata", count)
    _check_length(rows, "metadata", count)
    lines: list[str] = []
    dropped = False
    if header is None:
        for i, label in enumerate(rows):
            if isinstance(label, (list, tuple)):
                raise ArgumentTypeError(
                    f"metadata[{i}] is a {type(label).__name__}: give metadata_header to log several columns"
                )
            lines.append(_cell(label, f"metadata[{i}]"))
    else:
        columns = [_cell(h, f"metadata_header[{j}]") for j, h in enumerate(_as_list(header, "metadata_header"))]
        if not columns:
            raise ArgumentError("metadata_header must name at least one column")
        if len(columns) > 1:
            lines.append("\t".join(columns))
        else:
            dropped = True
        for i, row in enumerate(rows):
            cells = row if len(columns) > 1 or isinstance(row, (list, tuple)) else [row]
            cells = _as_list(cells, f"metadata[{i}]")
            if len(cells) != len(columns):
                raise ArgumentError(
                    f"metadata[{i}] must have one cell per metadata_header column ({len(columns)}), got {len(cells)}"
                )
            lines.append("\t".join(_cell(c, f"metadata[{i}][{j}]") for j, c in enumerate(cells)))
    return ("\n".join(lines) + "\n").encode("utf-8"), dropped


def sprite(label_img: Any, count: int) -> tuple[bytes, int]:
    """``(sprite PNG bytes, thumbnail size)`` from ``label_img``, N x C x H x W (C = 1 or 3).

    Pixel values follow ``add_image``: uint8 as is, floats in [0, 1] scaled by 255 and
    rounded. Thumbnails fill a ``ceil(sqrt(N))``-square grid row by row; unused cells
    are black.
    """
    array = convert.to_numpy(label_img, "label_img")
    if array.ndim != 4:
        raise ArgumentError(f"label_img must be N x C x H x W, got shape {tuple(array.shape)}")
    n, channels, height, width = array.shape
    if n != count:
        raise ArgumentError(f"label_img must have one image per row of mat ({count}), got {n}")
    if channels not in (1, 3):
        raise ArgumentError(f"label_img must have 1 or 3 channels (N x C x H x W), got C = {channels}")
    if height != width:
        raise ArgumentError(
            f"label_img thumbnails must be square for the projector, got H = {height}, W = {width}"
        )
    if width == 0:
        raise ArgumentError("label_img thumbnails must not be empty")
    per_side = math.ceil(math.sqrt(n))
    side = per_side * width
    if side > MAX_SPRITE_SIZE:
        most = (MAX_SPRITE_SIZE // width) ** 2
        raise ArgumentError(
            f"label_img makes a {side} x {side} px sprite ({n} thumbnails of {width} px, "
            f"{per_side} per row); the projector takes at most {MAX_SPRITE_SIZE} px: "
            f"use at most {most} images of this size or smaller thumbnails"
        )
    pixels = image.to_uint8(np.transpose(array, (0, 2, 3, 1)), "label_img")
    if channels == 1:
        pixels = np.repeat(pixels, 3, axis=3)
    canvas = np.zeros((side, side, 3), dtype=np.uint8)
    for i in range(n):
        row, column = divmod(i, per_side)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = pixels[i]
    return image.encode_png(canvas), width


def text_format_string(text: str) -> str:
    """A protobuf text-format string literal (C escapes; non-ASCII as octal UTF-8 bytes)."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def config_text(embeddings: Sequence[Mapping[str, Any]]) -> bytes:
    """ProjectorConfig in text format. Each embedding: ``tensor_name``, ``tensor_path``,
    ``tensor_shape`` and optionally ``metadata_path``, ``sprite_path``, ``sprite_size``."""
    lines = []
    for entry in embeddings:
        lines.append("embeddings {")
        lines.append(f"  tensor_name: {text_format_string(entry['tensor_name'])}")
        for dim in entry["tensor_shape"]:
            lines.append(f"  tensor_shape: {int(dim)}")
        lines.append(f"  tensor_path: {text_format_string(entry['tensor_path'])}")
        if entry.get("metadata_path"):
            lines.append(f"  metadata_path: {text_format_string(entry['metadata_path'])}")
        if entry.get("sprite_path"):
            size = int(entry["sprite_size"])
            lines.append("  sprite {")
            lines.append(f"    image_path: {text_format_string(entry['sprite_path'])}")
            lines.append(f"    single_image_dim: {size}")
            lines.append(f"    single_image_dim: {size}")
            lines.append("  }")
        lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")
