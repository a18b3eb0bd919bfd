"""Meshes and point clouds, raw tensors, and summary values built by the caller."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.summaries import mesh
    from tfevents.summaries import tensor as tensor_summary
else:
    from tfevents._lazy import LazyModule

    mesh = LazyModule("tfevents.summaries.mesh")
    tensor_summary = LazyModule("tfevents.summaries.tensor")


class Meshes:
    """Owns each mesh tag's config and shapes of its first call."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._specs: dict[str, Any] = {}

    # --- mesh ----------------------------------------------------------------------------

    def add_mesh(
        self,
        tag: str,
        vertices: Any,
        colors: Any = None,
        faces: Any = None,
        config_dict: dict[str, Any] | None = None,
        global_step: int | None = None,
        walltime: float | None = None,
        *,
        display_name: str = "",
        summary_description: str = "",
    ) -> None:
        """Logs a mesh or point cloud for the Mesh dashboard.

        ``vertices`` ``[B, N, 3]`` floats; ``faces`` ``[B, F, 3]`` vertex indices;
        ``colors`` ``[B, N, 3]`` RGB levels 0-255; ``config_dict`` the three.js scene
        config (camera, lights, material), stored as JSON. B is the number of samples.
        TensorBoard takes a tag's config and shapes from its first call in a run.
        """
        self._host.claim_tag(tag, "mesh")
        parts = mesh.check(vertices, colors, faces)
        config = mesh.json_config(config_dict)
        args.check_text(display_name, "display_name")
        args.check_text(summary_description, "summary_description")
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        components = mesh.components_bitmask([content_type for content_type, _ in parts])
        spec = (config, tuple((t, a.shape) for t, a in parts))
        with self._lock:
            first = self._specs.setdefault(tag, spec)
        if first != spec:
            self._host.warn_once(
                (tag, "mesh"),
                f"add_mesh({tag!r}): TensorBoard shows every step of a mesh with the config, "
                "components and shapes of its first call; this call differs",
            )
        for content_type, array in parts:
            content = mesh.plugin_content(tag, content_type, array.shape, config, components)
            self._host.add_summary(
                mesh.instance_tag(tag, content_type),
                mesh.metadata(content, display_name, summary_description),
                mesh.value_field(array),
                step,
                wall_time,
            )

    def after_fork_in_child(self) -> None:
        self._lock = threading.Lock()


class Tensors:
    """Raw tensors: torch's ``add_tensor`` (no state of their own)."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def add_tensor(
        self,
        tag: str,
        tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        *,
        display_name: str = "",
        summary_description: str = "",
    ) -> None:
        """Logs a whole numeric array (any shape, any numeric dtype of any framework)
        under plugin name ``tensor``, for programs reading event files or TensorBoard's
        data provider. No dashboard draws it."""
        self._host.claim_tag(tag, "tensors")
        array = tensor_summary.check(tensor, "tensor")
        args.check_text(display_name, "display_name")
        args.check_text(summary_description, "summary_description")
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        self._host.add_summary(
            tag,
            tensor_summary.metadata(display_name, summary_description),
            tensor_summary.value_field(array),
            step,
            wall_time,
        )

    def add_summary_tensor(
        self,
        tag: str,
        tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        *,
        metadata: Any = None,
    ) -> None:
        """Logs ``tensor`` (numbers, or strings, of any shape) as one summary value with
        the caller's own ``metadata`` (a SummaryMetadata message or its bytes), as
        ``tf.summary.write`` does: for plugins without a method here, and the public
        way for integrations to write what their framework writes (Keras' model JSON,
        CLU's ``write_summaries``, TensorFlow's hparams sessions).

        ``metadata`` is checked to parse: bytes TensorBoard cannot parse would make the
        whole run unreadable to it, so they raise ``ValueError`` naming ``metadata``.
        The tag's kind (see ``TagKindError``) is the metadata's plugin name.
        """
        meta = tensor_summary.metadata_bytes(metadata, "metadata")
        self._host.claim_tag(tag, tensor_summary.plugin_name(meta) or "tensors")
        field = tensor_summary.raw_value_field(tensor, "tensor")
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        self._host.add_summary(tag, meta, field, step, wall_time)
