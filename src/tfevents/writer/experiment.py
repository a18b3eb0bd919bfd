"""Experiments: hyperparameter sessions, meshes, raw tensors and embeddings.

Torch's parameters, in torch's order, with torch's defaults; the extras are
keyword-only. Where tfevents differs from torch, on purpose:

* ``add_hparams`` writes the session into the writer's own run by default, next to
  the run's scalars (torch makes a sub-run named ``str(time.time())`` per call). Give
  ``run_name`` (or ``layout="subrun"``) for torch's sub-run. Values keep their types
  (bools are bools, numpy scalars numbers), discrete domains are checked, and start
  and end times are recorded.
* ``add_tensor`` marks its values as tensors (data class TENSOR), so both TensorBoard
  loaders keep them; torch's are dropped by both.
* ``add_embedding`` checks the projector's rules (square thumbnails, sprite at most
  8192 px) and writes exact values.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents.pipeline.entries import SummaryEntry
from tfevents.sinks import is_remote, join_logdir
from tfevents.writer.core import WriterCore

if TYPE_CHECKING:
    from tfevents.summaries import embedding, hparams, mesh
    from tfevents.summaries import tensor as tensor_summary
else:
    from tfevents._lazy import LazyModule

    embedding = LazyModule("tfevents.summaries.embedding")
    hparams = LazyModule("tfevents.summaries.hparams")
    mesh = LazyModule("tfevents.summaries.mesh")
    tensor_summary = LazyModule("tfevents.summaries.tensor")

HPARAMS_LAYOUTS = ("same_run", "subrun")


def _write_file(path: str, data: bytes) -> None:
    """Writes ``path`` whole: a reader polling the directory never sees half a file."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


class ExperimentMethods(WriterCore):
    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
        *,
        layout: str | None = None,
        walltime: float | None = None,
        name: str | None = None,
    ) -> None:
        """Logs a session for TensorBoard's HParams dashboard: its hyperparameters and
        the metrics to compare sessions by.

        Where the session goes:

        * By default (``run_name`` not given), into this writer's own run: the run's
          scalars (training curves included) are the session's, and each metric of
          ``metric_dict`` is logged as a scalar of this run at ``global_step``.
        * With ``run_name``, into the sub-run ``<log_dir>/<run_name>``, as torch does;
          ``layout="subrun"`` without ``run_name`` names it ``str(time.time())``, exactly
          torch's behaviour. The metrics are then scalars of the sub-run.

        A run holds one session. Calling again with the same hyperparameters (and no
        new metric name) logs new metric values of that session (the dashboard shows
        each metric's latest value). A call with other hyperparameters, domains or
        metric names is another session (another trial, as in torch's docstring loop):
        by default it goes into a sub-run of its own named ``str(time.time())``, as
        torch names every one; with ``run_name`` or ``layout`` given, into that run
        (which then shows the session logged last, as with torch, with a warning).

        Values: bool (BOOL), str (STRING), int/float and numpy or one-element tensors
        (FLOAT64); bools stay bools (torch stores them as 1.0/0.0). None values are
        skipped. ``hparam_domain_discrete`` maps an hparam name to the list of values it
        can take; they must have the hparam's type, and its value must be among them.

        ``name`` is tensorboardX's name for ``run_name``; a str given as the third
        positional argument (tensorboardX's ``name``) is taken as ``run_name`` too.
        """
        if isinstance(hparam_domain_discrete, str):  # tensorboardX: add_hparams(h, m, name)
            if run_name is not None or name is not None:
                raise TypeError("hparam_domain_discrete must be a dict of name -> list of values")
            run_name, hparam_domain_discrete = hparam_domain_discrete, None
        if name is not None:
            if run_name is not None:
                raise TypeError("give run_name or its alias name, not both")
            run_name = name
        values = hparams.check_hparams(hparam_dict)
        domains = hparams.check_domains(hparam_domain_discrete, hparam_dict, values)
        metrics = hparams.check_metrics(metric_dict)
        step = self._step(global_step)
        wall_time = self._when(walltime)
        run_dir = self._hparams_run_dir(run_name, layout)

        signature = (tuple(sorted(values.items())), tuple(sorted(domains.items())))
        sessions = self._hparams_sessions
        with self._lock:
            previous = sessions.get(run_dir)
            if previous is not None and not hparams.same_session(previous, signature, metrics):
                if run_dir is None and layout is None:
                    # Another trial logged on the same writer (torch's docstring loop): its
                    # own sub-run, named as torch names every one.
                    run_dir = self._new_session_run(sessions)
                else:
                    self._warn_once(
                        (str(run_dir), "hparams"),
                        f"add_hparams: {run_dir or self.log_dir!r} already holds a session "
                        "with other hyperparameters or metrics; a run shows one session in "
                        "TensorBoard, the one logged last (as with torch)",
                    )
                previous = None
            if previous is None:
                sessions[run_dir] = (signature, tuple(metrics))

        entries = []
        if previous is None:
            contents = (
                (hparams.EXPERIMENT_TAG,
                 hparams.experiment_content(values, domains, list(metrics), wall_time)),
                (hparams.SESSION_START_INFO_TAG, hparams.session_start_content(values, wall_time)),
                (hparams.SESSION_END_INFO_TAG, hparams.session_end_content(wall_time)),
            )
            entries = [
                SummaryEntry(tag, hparams.metadata(content), hparams.NULL_TENSOR_FIELD, step, wall_time)
                for tag, content in contents
            ]
        if run_dir is None:
            for entry in entries:
                self._live_queue().add_summary(entry)
            for key, value in metrics.items():
                self._live_queue().add_scalar(key, value, step, wall_time)
            return
        try:
            queue = self._new_queue(run_dir)
        except BaseException:
            if previous is None:  # nothing of the session was written: forget it
                with self._lock:
                    sessions.pop(run_dir, None)
            raise
        try:
            for entry in entries:
                queue.add_summary(entry)
            for key, value in metrics.items():
                queue.add_scalar(key, value, step, wall_time)
        finally:
            queue.close()

    def _new_session_run(self, sessions: Mapping[str | None, Any]) -> str:
        """A sub-run for another session, named ``str(time.time())`` as torch names it."""
        name = str(time.time())
        while join_logdir(self.log_dir, name) in sessions:
            name = str(float(name) + 1e-6)
        return join_logdir(self.log_dir, name)

    def _hparams_run_dir(self, run_name: Any, layout: str | None) -> str | None:
        """None for the writer's own run, else the sub-run's directory."""
        if layout is not None:
            args.check_choice(layout, "layout", (*HPARAMS_LAYOUTS, None))
        if run_name is not None and not isinstance(run_name, str):
            raise TypeError(f"run_name must be a str or None, got {type(run_name).__name__}")
        if layout is None:
            layout = "subrun" if run_name else "same_run"
        if layout == "same_run":
            if run_name:
                raise ValueError("run_name names a sub-run: it cannot be given with layout='same_run'")
            return None
        if not run_name:
            run_name = str(time.time())
        parts = re.split(r"[\\/]", run_name)
        if os.path.isabs(run_name) or ".." in parts or "\x00" in run_name:
            raise ValueError(f"run_name must be a relative path inside log_dir, got {run_name!r}")
        parts = [part for part in parts if part not in ("", ".")]
        if not parts:
            raise ValueError(
                f"run_name {run_name!r} names the writer's own run: leave run_name out for it"
            )
        for part in parts:
            args.check_path_component(part, "run_name")
        return join_logdir(self.log_dir, *parts)

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
        self._claim_tag(tag, "mesh")
        parts = mesh.check(vertices, colors, faces)
        config = mesh.json_config(config_dict)
        args.check_text(display_name, "display_name")
        args.check_text(summary_description, "summary_description")
        step, wall_time = self._step(global_step), self._when(walltime)
        components = mesh.components_bitmask([content_type for content_type, _ in parts])
        spec = (config, tuple((t, a.shape) for t, a in parts))
        with self._lock:
            first = self._mesh_specs.setdefault(tag, spec)
        if first != spec:
            self._warn_once(
                (tag, "mesh"),
                f"add_mesh({tag!r}): TensorBoard shows every step of a mesh with the config, "
                "components and shapes of its first call; this call differs",
            )
        for content_type, array in parts:
            content = mesh.plugin_content(tag, content_type, array.shape, config, components)
            self._add_summary(
                mesh.instance_tag(tag, content_type),
                mesh.metadata(content, display_name, summary_description),
                mesh.value_field(array),
                step,
                wall_time,
            )

    # --- tensors -------------------------------------------------------------------------

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
        self._claim_tag(tag, "tensors")
        array = tensor_summary.check(tensor, "tensor")
        args.check_text(display_name, "display_name")
        args.check_text(summary_description, "summary_description")
        step, wall_time = self._step(global_step), self._when(walltime)
        self._add_summary(
            tag,
            tensor_summary.metadata(display_name, summary_description),
            tensor_summary.value_field(array),
            step,
            wall_time,
        )

    # --- embeddings ----------------------------------------------------------------------

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
        step = self._step(global_step)
        if metadata_header is not None and metadata is None:
            raise ValueError("metadata_header is given but metadata is None")
        metadata_bytes, header_dropped = (
            embedding.metadata_tsv(metadata, count, metadata_header) if metadata is not None else (None, False)
        )
        sprite_bytes, sprite_size = (
            embedding.sprite(label_img, count) if label_img is not None else (None, 0)
        )
        if header_dropped:
            self._warn_once(
                (tag, "metadata_header"),
                f"add_embedding(tag={tag!r}): a one-column metadata_header is not written: "
                "the projector reads a header row only when it has two or more columns",
            )
        if not self.writes_events:
            return  # a rank that does not write (rank_policy): arguments checked, no files
        if is_remote(self.log_dir):
            raise ValueError(
                "add_embedding writes the projector's files beside the event files and "
                f"needs a local log_dir, got {self.log_dir!r}"
            )
        subdir = f"{step:05d}/{directory}"
        save_path = os.path.join(self.log_dir, *subdir.split("/"))
        tensor_name = f"{tag}:{step:05d}"
        os.makedirs(save_path, exist_ok=True)
        entry: dict[str, Any] = {
            "tensor_name": tensor_name,
            "tensor_path": f"{subdir}/tensors.tsv",
            "tensor_shape": array.shape,
        }
        _write_file(os.path.join(save_path, "tensors.tsv"), embedding.tensor_tsv(array))
        if metadata_bytes is not None:
            _write_file(os.path.join(save_path, "metadata.tsv"), metadata_bytes)
            entry["metadata_path"] = f"{subdir}/metadata.tsv"
        if sprite_bytes is not None:
            _write_file(os.path.join(save_path, "sprite.png"), sprite_bytes)
            entry["sprite_path"] = f"{subdir}/sprite.png"
            entry["sprite_size"] = sprite_size
        with self._lock:
            logged = self._embeddings
            again = tensor_name in logged
            logged[tensor_name] = entry
            # Rewritten whole (as torch does), so it always lists exactly this writer's embeddings.
            _write_file(
                os.path.join(self.log_dir, embedding.CONFIG_FILE),
                embedding.config_text(list(logged.values())),
            )
        if again:
            self._warn_once(
                (tag, f"embedding{step}"),
                f"add_embedding(tag={tag!r}, global_step={step}) replaces the embedding logged "
                "before with the same tag and step; give each call its own global_step",
            )

