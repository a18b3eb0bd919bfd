"""``SummaryWriter`` methods for several series at once, experiments and layouts:
mixed into the writer class (see ``writer.SummaryWriter``).

``add_scalars``, ``add_hparams``, ``add_custom_scalars`` (and its two shorthands),
``add_mesh``, ``add_embedding``, ``add_tensor`` and ``add_onnx_graph`` take torch's
parameters, in torch's order, with torch's defaults; the extras are keyword-only.

Where tfevents differs from torch, on purpose:

* ``add_hparams`` writes the session into the writer's own run by default, next to
  the run's scalars (torch makes a sub-run named ``str(time.time())`` per call). Give
  ``run_name`` (or ``layout="subrun"``) for torch's sub-run. Values keep their types
  (bools are bools, numpy scalars numbers), discrete domains are checked, and start
  and end times are recorded.
* ``add_scalars(..., layout="same_run")`` writes ``main_tag/key`` series into the
  writer's own run and a Custom Scalars chart drawing them together, instead of one
  run per key (the default, as in torch).
* The Custom Scalars layout of a run accumulates: each ``add_custom_scalars*`` call
  adds or replaces charts (same category and title) and the whole layout is written
  again; in torch each call's layout replaces the previous one in TensorBoard.
* ``add_tensor`` marks its values as tensors (data class TENSOR), so both TensorBoard
  loaders keep them; torch's are dropped by both.
* ``add_embedding`` checks the projector's rules (square thumbnails, sprite at most
  8192 px) and writes exact values; ``add_onnx_graph`` needs no ``onnx`` package.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents import convert
from tfevents.sinks import is_remote, join_logdir
from tfevents.wire import messages

if TYPE_CHECKING:
    from tfevents.summaries import custom_scalars, embedding, hparams, mesh, onnx_graph
    from tfevents.summaries import tensor as tensor_summary
    from tfevents.writer import WriterBase as _Base
else:
    from tfevents._lazy import LazyModule

    _Base = object
    custom_scalars = LazyModule("tfevents.summaries.custom_scalars")
    embedding = LazyModule("tfevents.summaries.embedding")
    hparams = LazyModule("tfevents.summaries.hparams")
    mesh = LazyModule("tfevents.summaries.mesh")
    onnx_graph = LazyModule("tfevents.summaries.onnx_graph")
    tensor_summary = LazyModule("tfevents.summaries.tensor")

SCALARS_LAYOUTS = ("runs", "same_run")
HPARAMS_LAYOUTS = ("same_run", "subrun")


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _short(text: str, limit: int = 40) -> str:
    """``repr(text)``, cut to about ``limit`` characters for error messages."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _check_run_name_text(text: str, name: str) -> None:
    """Text that becomes part of a directory name: no NUL (no filesystem takes it)."""
    if "\x00" in text:
        raise ValueError(f"{name} must not contain NUL characters: it names a run directory")


def _write_file(path: str, data: bytes) -> None:
    """Writes ``path`` whole: a reader polling the directory never sees half a file."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


class ExperimentMethods(_Base):
    # --- add_scalars ---------------------------------------------------------------------

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
        *,
        layout: str = "runs",
    ) -> None:
        """Logs several numbers to be drawn on one chart.

        ``layout="runs"`` (torch's layout, the default): key ``k`` goes to the run
        ``<log_dir>/<main_tag with '/' -> '_'>_<k>`` under the tag ``main_tag``, so the
        Scalars dashboard draws the runs as lines of one chart. Every key is a run (and
        an open file) of its own.

        ``layout="same_run"``: key ``k`` is the series ``main_tag/k`` of this writer's
        own run, and the run's Custom Scalars layout gets a chart titled ``main_tag``
        (in the category ``main_tag``) that draws all of ``main_tag``'s keys together.
        Keys may then contain ``/``.
        """
        args.check_tag(main_tag, "main_tag")
        args.check_choice(layout, "layout", SCALARS_LAYOUTS)
        run_prefix = main_tag.replace("/", "_") + "_"
        if layout == "runs":
            _check_run_name_text(main_tag, "main_tag")
            # Every run directory is ``run_prefix + key``: at least one byte longer.
            args.check_path_component(run_prefix + "k", "main_tag")
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"tag_scalar_dict must be a dict of name -> number, got {type(tag_scalar_dict).__name__}"
            )
        step = args.global_step(global_step)
        wall_time = args.wall_time(walltime)
        entries = []
        for key, value in tag_scalar_dict.items():
            args.check_tag(key, "tag_scalar_dict key")
            if layout == "runs":
                if "/" in key or os.sep in key:
                    raise ValueError(
                        f"tag_scalar_dict key {key!r} must not contain a path separator "
                        "(it names a run directory; layout='same_run' takes it)"
                    )
                where = f"tag_scalar_dict key {_short(key)}"
                _check_run_name_text(key, where)
                args.check_path_component(
                    run_prefix + key, f"{where} (joined to main_tag as a run directory name)"
                )
            entries.append((key, convert.to_float(value, f"tag_scalar_dict[{key!r}]")))
        if layout == "same_run":
            for key, value in entries:
                self.add_scalar(f"{main_tag}/{key}", value, step, wall_time)
            self._chart_scalars(main_tag, [key for key, _ in entries], wall_time)
            return
        self._live_sink()
        for key, value in entries:
            run_dir = join_logdir(self.log_dir, run_prefix + key)
            with self._lock:
                sink = self._sub_sinks.get(run_dir)
                if sink is None:
                    sink = self._sub_sinks[run_dir] = self._new_sink(run_dir)
            sink.add_scalar(main_tag, value, step, wall_time)

    def _chart_scalars(self, main_tag: str, keys: list[str], wall_time: float) -> None:
        """Adds ``main_tag``'s keys to its multiline chart; rewrites the layout if new."""
        with self._lock:
            known = self.__dict__.setdefault("_scalars_chart_keys", {}).setdefault(main_tag, [])
            new = [key for key in keys if key not in known]
            if not new:
                return
            known.extend(new)
            tags = tuple(f"^{re.escape(main_tag + '/' + key)}$" for key in known)
        self._update_layout(
            {main_tag: {main_tag: (custom_scalars.MULTILINE, tags)}}, wall_time
        )

    # --- custom scalars ------------------------------------------------------------------

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Any]], *, walltime: float | None = None) -> None:
        """Adds charts to the run's Custom Scalars dashboard.

        ``layout`` is ``{category: {chart_title: ["Multiline", [tag_regex, ...]]}}`` or
        ``["Margin", [value_tag, lower_tag, upper_tag]]`` (exactly 3 tags). Multiline
        tags are regular expressions matched against the run's scalar tags.

        The run's layout accumulates over calls: a chart replaces the one with the same
        category and title, others are added. (In torch the latest call's layout
        replaces the whole layout.)
        """
        checked = custom_scalars.check_layout(layout, "layout")
        self._update_layout(checked, args.wall_time(walltime))

    def add_custom_scalars_multilinechart(
        self,
        tags: list[str],
        category: str = "default",
        title: str = "untitled",
        *,
        walltime: float | None = None,
    ) -> None:
        """Adds one chart drawing the scalar series matching ``tags`` (regexes) together."""
        self._add_chart(custom_scalars.MULTILINE, tags, category, title, walltime)

    def add_custom_scalars_marginchart(
        self,
        tags: list[str],
        category: str = "default",
        title: str = "untitled",
        *,
        walltime: float | None = None,
    ) -> None:
        """Adds one chart of a value with a band: ``tags = [value, lower, upper]``."""
        self._add_chart(custom_scalars.MARGIN, tags, category, title, walltime)

    def _add_chart(
        self, kind: str, tags: list[str], category: str, title: str, walltime: float | None
    ) -> None:
        checked = custom_scalars.check_tags(tags, kind, "tags")
        custom_scalars.check_title(category, "category")
        custom_scalars.check_title(title, "title")
        self._update_layout({category: {title: (kind, checked)}}, args.wall_time(walltime))

    def _update_layout(
        self, charts: Mapping[str, Mapping[str, custom_scalars.Chart]], wall_time: float
    ) -> None:
        sink = self._live_sink()
        with self._lock:
            layout = self.__dict__.setdefault("_custom_scalars_layout", {})
            for category, items in charts.items():
                target = layout.setdefault(category, {})
                for title, chart in items.items():
                    target[title] = chart
            field = custom_scalars.value_field(layout)
            # Queued under the lock: layouts reach the file in the order they were made.
            sink.add_value(custom_scalars.CONFIG_TAG, custom_scalars.METADATA, field, 0, wall_time)

    # --- hparams -------------------------------------------------------------------------

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

        A run holds one session: TensorBoard keeps the hyperparameters and the metric
        list of its first ``add_hparams``. Calling again for the same run with the same
        hyperparameters logs new metric values (the dashboard shows each metric's latest
        value); other hyperparameters, domains or new metric names raise ValueError.

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
        values = self._check_hparams(hparam_dict)
        domains = self._check_domains(hparam_domain_discrete, hparam_dict, values)
        if not isinstance(metric_dict, Mapping):
            raise TypeError(
                f"metric_dict must be a dict of metric tag -> number, got {type(metric_dict).__name__}"
            )
        metrics = {}
        for key, value in metric_dict.items():
            args.check_tag(key, "metric_dict key")
            if key.startswith("_hparams_/"):
                raise ValueError(f"metric_dict key {key!r} must not use the reserved prefix '_hparams_/'")
            metrics[key] = convert.to_float(value, f"metric_dict[{key!r}]")
        step = args.global_step(global_step)
        wall_time = args.wall_time(walltime)
        run_dir = self._hparams_run_dir(run_name, layout)

        signature = (tuple(sorted(values.items())), tuple(sorted(domains.items())))
        with self._lock:
            sessions = self.__dict__.setdefault("_hparams_sessions", {})
            previous = sessions.get(run_dir)
            if previous is None:
                sessions[run_dir] = (signature, tuple(metrics))
            else:
                _check_same_session(previous, signature, metrics, run_dir)

        entries = []
        if previous is None:
            contents = (
                (hparams.EXPERIMENT_TAG,
                 hparams.experiment_content(values, domains, list(metrics), wall_time)),
                (hparams.SESSION_START_INFO_TAG, hparams.session_start_content(values, wall_time)),
                (hparams.SESSION_END_INFO_TAG, hparams.session_end_content(wall_time)),
            )
            entries = [
                (tag, hparams.metadata(content), hparams.NULL_TENSOR_FIELD, step, wall_time)
                for tag, content in contents
            ]
        if run_dir is None:
            for entry in entries:
                self._add_value(*entry)
            for key, value in metrics.items():
                self.add_scalar(key, value, step, wall_time)
            return
        try:
            sink = self._new_sink(run_dir)
        except BaseException:
            if previous is None:  # nothing of the session was written: forget it
                with self._lock:
                    sessions.pop(run_dir, None)
            raise
        try:
            for entry in entries:
                sink.add_value(*entry)
            for key, value in metrics.items():
                sink.add_scalar(key, value, step, wall_time)
        finally:
            sink.close()

    @staticmethod
    def _check_hparams(hparam_dict: Any) -> dict[str, tuple[int, hparams.Value]]:
        if not isinstance(hparam_dict, Mapping):
            raise TypeError(
                f"hparam_dict must be a dict of name -> value, got {type(hparam_dict).__name__}"
            )
        values = {}
        for key, value in hparam_dict.items():
            args.check_tag(key, "hparam_dict key")
            normal = hparams.normalize_value(value, f"hparam_dict[{key!r}]")
            if normal is not None:
                values[key] = normal
        return values

    @staticmethod
    def _check_domains(
        domains: Any, hparam_dict: Mapping[str, Any], values: Mapping[str, tuple[int, hparams.Value]]
    ) -> dict[str, tuple[hparams.Value, ...]]:
        if domains is None:
            return {}
        if not isinstance(domains, Mapping):
            raise TypeError(
                f"hparam_domain_discrete must be a dict of name -> list of values, got {type(domains).__name__}"
            )
        checked = {}
        for key, items in domains.items():
            where = f"hparam_domain_discrete[{key!r}]"
            if key not in hparam_dict:
                raise ValueError(f"{where} names no hyperparameter of hparam_dict")
            if key not in values:
                raise ValueError(f"{where}: hparam_dict[{key!r}] is None, which is not logged")
            kind, value = values[key]
            domain = hparams.normalize_domain(items, kind, where)
            if value not in domain and not (isinstance(value, float) and math.isnan(value)):
                raise ValueError(
                    f"hparam_dict[{key!r}] = {value!r} is not one of {where} = {list(domain)!r}"
                )
            checked[key] = domain
        return checked

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
        args.check_tag(tag)
        parts = mesh.check(vertices, colors, faces)
        config = mesh.json_config(config_dict)
        _check_text(display_name, "display_name")
        _check_text(summary_description, "summary_description")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        components = mesh.components_bitmask([content_type for content_type, _ in parts])
        spec = (config, tuple((t, a.shape) for t, a in parts))
        with self._lock:
            first = self.__dict__.setdefault("_mesh_specs", {}).setdefault(tag, spec)
        if first != spec:
            self._warn_once(
                (tag, "mesh"),
                f"add_mesh({tag!r}): TensorBoard shows every step of a mesh with the config, "
                "components and shapes of its first call; this call differs",
            )
        for content_type, array in parts:
            content = mesh.plugin_content(tag, content_type, array.shape, config, components)
            self._add_value(
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
        args.check_tag(tag)
        array = tensor_summary.check(tensor, "tensor")
        _check_text(display_name, "display_name")
        _check_text(summary_description, "summary_description")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        self._add_value(
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
        step = args.global_step(global_step)
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
            logged = self.__dict__.setdefault("_embeddings", {})
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

    # --- ONNX ----------------------------------------------------------------------------

    def add_onnx_graph(self, prototxt: Any, *, walltime: float | None = None) -> None:
        """Logs the graph of an ONNX model (a path to an ``.onnx`` file, its bytes or a
        binary file object) for the Graphs dashboard. The ``onnx`` package is not
        needed: the model is decoded by tfevents (see ``summaries.onnx_graph``)."""
        model = onnx_graph.read_model(prototxt)
        graph_def = onnx_graph.graph_def(model)
        wall_time = args.wall_time(walltime)
        self._live_sink().add_event(messages.event(wall_time, graph_def=graph_def))



def _check_same_session(
    previous: tuple[Any, tuple[str, ...]],
    signature: Any,
    metrics: Mapping[str, float],
    run_dir: str | None,
) -> None:
    where = "this writer's run" if run_dir is None else f"the run {run_dir!r}"
    first_signature, first_metrics = previous
    if signature != first_signature:
        raise ValueError(
            f"add_hparams was already called for {where} with other hyperparameters or "
            "domains; TensorBoard keeps a run's first session, so log another session in "
            "its own run (run_name=... or another writer)"
        )
    unknown = [key for key in metrics if key not in first_metrics]
    if unknown:
        raise ValueError(
            f"metric_dict keys {unknown} were not declared by the first add_hparams call "
            f"for {where}; TensorBoard keeps a run's first experiment, so declare every "
            "metric in the first call"
        )
