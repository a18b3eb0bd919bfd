"""The Projector: ``add_embedding``'s files beside the run's event files.

``add_embedding`` checks the projector's rules (square thumbnails, sprite at most 8192
px) and writes exact values: ``<log_dir>/<global_step:05d>/<tag>/`` holds the tensor,
metadata and sprite, and ``<log_dir>/projector_config.pbtxt`` lists every embedding the
writer logged. The files go through the run's storage (``Host.write_file``), each
replaced whole, so the Projector works on an object store's log directory too.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents.errors import ArgumentError
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.summaries import embedding
else:
    from tfevents._lazy import LazyModule

    embedding = LazyModule("tfevents.summaries.embedding")


class Embeddings:
    """Owns the projector config's entries, by tensor name."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}

    def add_embedding(
        self,
        mat: Any,
        metadata: Any = None,
        label_img: Any = None,
        global_step: int | None = None,
        tag: str = "default",
        metadata_header: list[str] | None = None,
    ) -> None:
        """Logs points for the Projector: ``mat`` is N x D, one row per point.

        ``metadata``: one label per point, or with ``metadata_header`` (the column
        names) one row of cells per point. ``label_img``: N x C x H x W thumbnails
        (C = 1 or 3, H = W) shown at the points. Files go to
        ``<log_dir>/<global_step:05d>/<tag>/``, and ``<log_dir>/projector_config.pbtxt``
        lists every embedding this writer logged (see ``summaries.embedding``).
        """
        args.check_tag(tag)
        directory = args.check_path_component(embedding.path_component(tag), "tag")
        array = embedding.check_mat(mat)
        count = array.shape[0]
        step = self._host.step(global_step)
        if metadata_header is not None and metadata is None:
            raise ArgumentError("metadata_header is given but metadata is None")
        metadata_bytes, header_dropped = (
            embedding.metadata_tsv(metadata, count, metadata_header) if metadata is not None else (None, False)
        )
        sprite_bytes, sprite_size = (
            embedding.sprite(label_img, count) if label_img is not None else (None, 0)
        )
        if header_dropped:
            self._host.warn_once(
                (tag, "metadata_header"),
                f"add_embedding(tag={tag!r}): a one-column metadata_header is not written: "
                "the projector reads a header row only when it has two or more columns",
            )
        if not self._host.writes_events:
            return  # a rank that does not write (rank_policy): arguments checked, no files
        subdir = f"{step:05d}/{directory}"
        tensor_name = f"{tag}:{step:05d}"
        entry: dict[str, Any] = {
            "tensor_name": tensor_name,
            "tensor_path": f"{subdir}/tensors.tsv",
            "tensor_shape": array.shape,
        }
        self._host.write_file(f"{subdir}/tensors.tsv", embedding.tensor_tsv(array))
        if metadata_bytes is not None:
            self._host.write_file(f"{subdir}/metadata.tsv", metadata_bytes)
            entry["metadata_path"] = f"{subdir}/metadata.tsv"
        if sprite_bytes is not None:
            self._host.write_file(f"{subdir}/sprite.png", sprite_bytes)
            entry["sprite_path"] = f"{subdir}/sprite.png"
            entry["sprite_size"] = sprite_size
        with self._lock:
            logged = self._entries
            again = tensor_name in logged
            logged[tensor_name] = entry
            # Rewritten whole (as torch does), so it always lists exactly this writer's embeddings.
            self._host.write_file(embedding.CONFIG_FILE, embedding.config_text(list(logged.values())))
        if again:
            self._host.warn_once(
                (tag, f"embedding{step}"),
                f"add_embedding(tag={tag!r}, global_step={step}) replaces the embedding logged "
                "before with the same tag and step; give each call its own global_step",
            )

    def after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
