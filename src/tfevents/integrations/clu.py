"""CLU's ``MetricWriter`` interface on tfevents, without TensorFlow.

It writes what CLU's TensorFlow ``SummaryWriter`` writes (``tf.summary``'s forms, computed
in numpy by ``_tf_forms``), so code that reads CLU's runs back finds the same tensors.
``import clu.metric_writers`` imports TensorFlow, so this class does not subclass CLU's
ABC; it implements the interface (duck typing is all ``AsyncWriter``, ``MultiWriter``
and ``write_values`` need) and registers itself as a virtual subclass when
``clu.metric_writers`` is already imported, so ``isinstance`` checks pass too.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

import tfevents
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.integrations import _tf_forms as forms
from tfevents.integrations._raw import summary_metadata_bytes, write_hparams_session, write_tensor
from tfevents.summaries import mesh

__all__ = ["MetricWriter"]


class MetricWriter:
    """``MetricWriter(logdir)``: CLU's ``SummaryWriter(logdir)`` on tfevents.

    Args:
        logdir: the run directory.
        collection: as ``clu.metric_writers.create_default_writer``: a sub-run
            ``<logdir>/<collection>``.
        **writer_kwargs: for ``tfevents.SummaryWriter`` (``flush_secs``, ...).
    """

    def __init__(self, logdir: str | os.PathLike[str], *, collection: str | None = None, **writer_kwargs: Any) -> None:
        if not isinstance(logdir, (str, os.PathLike)):
            raise ArgumentTypeError(f"logdir must be a path, got {type(logdir).__name__}")
        if collection is not None and not isinstance(collection, str):
            raise ArgumentTypeError(f"collection must be a str or None, got {type(collection).__name__}")
        path = os.fspath(logdir)
        if collection:
            path = os.path.join(path, collection)
        self._writer = tfevents.SummaryWriter(path, **writer_kwargs)
        _register_with_clu()

    @property
    def writer(self) -> tfevents.SummaryWriter:
        """The underlying ``tfevents.SummaryWriter``, for anything CLU has no method for."""
        return self._writer

    def write_summaries(self, step: int, values: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
        """Raw tensors, with ``tf.summary.write``'s dtypes; ``metadata[key]`` is a
        SummaryMetadata proto or its bytes. Bytes that do not parse as one are stored as
        TensorFlow stores them: an empty SummaryMetadata (with a warning)."""
        step = _step(step)
        for key, value in values.items():
            name = f"metadata[{key!r}]"
            meta = summary_metadata_bytes((metadata or {}).get(key), name)
            write_tensor(self._writer, key, forms.tensor(value, f"values[{key!r}]"), meta, step)

    def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
        """Rank-0 float32 tensors with the ``scalars`` plugin, as ``tf.summary.scalar``."""
        step = _step(step)
        for key, value in scalars.items():
            self._writer.add_scalar(key, value, step, new_style=True)

    def write_images(self, step: int, images: Mapping[str, Any]) -> None:
        """``[N, H, W, C]`` or ``[H, W, C]`` (C = 1 to 4), all N images under one tag."""
        step = _step(step)
        for key, value in images.items():
            array = np.asarray(value)
            if array.ndim == 3:
                array = array[None]
            if array.ndim != 4:
                raise ArgumentError(f"images[{key!r}] must be [N, H, W, C] or [H, W, C], got shape {array.shape}")
            tensor = forms.image(array, max_outputs=array.shape[0], name=f"images[{key!r}]")
            write_tensor(self._writer, key, tensor, forms.IMAGE, step)

    def write_videos(self, step: int, videos: Mapping[str, Any]) -> None:
        """``[N, T, H, W, C]`` or ``[T, H, W, C]``, as animated GIFs (CLU's TF writer only
        warns: it writes none)."""
        step = _step(step)
        for key, value in videos.items():
            array = np.asarray(value)
            if array.ndim == 4:
                array = array[None]
            if array.ndim != 5:
                raise ArgumentError(f"videos[{key!r}] must be [N, T, H, W, C] or [T, H, W, C], got shape {array.shape}")
            self._writer.add_video(key, array, step, dataformats="NTHWC")

    def write_audios(self, step: int, audios: Mapping[str, Any], *, sample_rate: int) -> None:
        """``[N, T, C]`` in [-1, 1]: all N clips under one tag."""
        step = _step(step)
        for key, value in audios.items():
            array = np.asarray(value)
            if array.ndim != 3:
                raise ArgumentError(f"audios[{key!r}] must be [N, T, C], got shape {array.shape}")
            tensor = forms.audio(array, sample_rate, max_outputs=array.shape[0], name=f"audios[{key!r}]")
            write_tensor(self._writer, key, tensor, forms.AUDIO, step)

    def write_texts(self, step: int, texts: Mapping[str, str]) -> None:
        step = _step(step)
        for key, value in texts.items():
            write_tensor(self._writer, key, forms.text(value, f"texts[{key!r}]"), forms.TEXT, step)

    def write_histograms(
        self, step: int, arrays: Mapping[str, Any], num_buckets: Mapping[str, int] | None = None
    ) -> None:
        """tf.summary.histogram's ``[k, 3]`` tables (30 equal buckets unless
        ``num_buckets[key]`` says)."""
        step = _step(step)
        for key, value in arrays.items():
            buckets = None if num_buckets is None else num_buckets.get(key)
            tensor = forms.histogram(value, buckets, f"arrays[{key!r}]")
            write_tensor(self._writer, key, tensor, forms.HISTOGRAM, step)

    def write_pointcloud(
        self,
        step: int,
        point_clouds: Mapping[str, Any],
        *,
        point_colors: Mapping[str, Any] | None = None,
        configs: Mapping[str, Any] | None = None,
    ) -> None:
        """``[B, N, 3]`` (or ``[N, 3]``) points for the Mesh dashboard, as TensorBoard's
        mesh summary writes them: arrays keep their dtype (float colours in [0, 1] stay
        floats), and ``configs[key]`` is that cloud's three.js config."""
        step = _step(step)
        for key, value in point_clouds.items():
            parts = [(mesh.VERTEX, _cloud(value, f"point_clouds[{key!r}]"))]
            colors = None if point_colors is None else point_colors.get(key)
            if colors is not None:
                parts.append((mesh.COLOR, _cloud(colors, f"point_colors[{key!r}]")))
                if parts[1][1].shape != parts[0][1].shape:
                    raise ArgumentError(f"point_colors[{key!r}] must have the shape of its points, "
                                     f"{parts[0][1].shape}, got {parts[1][1].shape}")
            config = mesh.json_config(None if configs is None else configs.get(key))
            components = mesh.components_bitmask([kind for kind, _ in parts])
            for kind, array in parts:
                content = mesh.plugin_content(key, kind, array.shape, config, components)
                write_tensor(self._writer, mesh.instance_tag(key, kind), forms.tensor(array),
                             mesh.metadata(content), step)

    def write_hparams(self, hparams: Mapping[str, Any]) -> None:
        """Flattened as CLU flattens them (``{"a": {"b": 1}, "l": [1, 2]}``: ``a.b``, ``l.0``,
        ``l.1``; None is ``""``) and written as TensorFlow's ``hparams_api.hparams`` does:
        every scalar of the run is a metric of the session in the HParams dashboard.
        Values TensorFlow takes (bool, number, str, numpy scalars) are kept; others
        become ``str(value)`` (TensorFlow raises). Flushed at once."""
        flat: dict[str, Any] = {}
        _flatten(hparams, (), flat)
        write_hparams_session(self._writer, flat)
        self._writer.flush()

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


def _step(step: Any) -> int:
    value = np.asarray(step)
    if value.ndim != 0 or value.dtype.kind not in "iu":
        raise ArgumentTypeError(f"step must be an int, got {step!r}")
    return int(value)


def _cloud(value: Any, name: str) -> np.ndarray:
    array = forms.as_tf_array(value, name)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype.kind not in "iuf":
        raise ArgumentError(f"{name} must be [B, N, 3] or [N, 3] numbers, got shape {array.shape} of {array.dtype}")
    return array


def _flatten(values: Any, prefix: tuple[str, ...], out: dict[str, Any]) -> None:
    """``clu.internal.utils.flatten_dict``, with values as ``hparams_api`` normalises them."""
    for key, value in values.items():
        name = (*prefix, str(key))
        if isinstance(value, Mapping) or hasattr(value, "items"):
            _flatten(value, name, out)
        elif isinstance(value, (list, tuple)):
            _flatten({str(i): v for i, v in enumerate(value)}, name, out)
        elif value is None:
            out[".".join(name)] = ""
        elif isinstance(value, (bool, int, float, str)):
            out[".".join(name)] = value
        elif isinstance(value, np.generic) or (hasattr(value, "shape") and np.ndim(value) == 0):
            out[".".join(name)] = np.asarray(value).item()
        else:
            out[".".join(name)] = str(value)


def _register_with_clu() -> None:
    """Makes ``isinstance(w, clu.metric_writers.MetricWriter)`` true, if CLU is loaded
    (never imports it: that would import TensorFlow)."""
    interface = sys.modules.get("clu.metric_writers.interface")
    base = getattr(interface, "MetricWriter", None)
    if base is not None and not issubclass(MetricWriter, base):
        try:
            base.register(MetricWriter)
        except Exception as exc:
            warnings.warn(f"could not register with clu's MetricWriter: {exc}", stacklevel=3)


_register_with_clu()
