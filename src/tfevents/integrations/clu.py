"""CLU's ``MetricWriter`` interface on tfevents, without TensorFlow.

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
from tfevents.integrations._raw import write_hparams_session
from tfevents.summaries.legacy import use_legacy_forms
from tfevents.wire import messages

__all__ = ["MetricWriter"]

DEFAULT_BUCKETS = 30  # tf.summary.histogram's default, which CLU's writer uses


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
            raise TypeError(f"logdir must be a path, got {type(logdir).__name__}")
        if collection is not None and not isinstance(collection, str):
            raise TypeError(f"collection must be a str or None, got {type(collection).__name__}")
        path = os.fspath(logdir)
        if collection:
            path = os.path.join(path, collection)
        # CLU's own writer is tf.summary's: its users' files held the tensor forms.
        writer_kwargs.setdefault("legacy_forms", use_legacy_forms(None, default=False))
        self._writer = tfevents.SummaryWriter(path, **writer_kwargs)
        _register_with_clu()

    @property
    def writer(self) -> tfevents.SummaryWriter:
        """The underlying ``tfevents.SummaryWriter``, for anything CLU has no method for."""
        return self._writer

    def write_summaries(self, step: int, values: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
        """Raw tensors; ``metadata[key]`` is a SummaryMetadata proto or its bytes.

        Bytes that do not parse as a SummaryMetadata are stored as TensorFlow stores
        them (its writer ignores the parse failure): as an empty metadata, with a
        warning. Written as they are, they would make the run unreadable to TensorBoard.
        """
        for key, value in values.items():
            meta = (metadata or {}).get(key)
            try:
                self._writer.add_summary_tensor(key, value, _step(step), metadata=meta)
            except ValueError as exc:
                if meta is None or "metadata" not in str(exc).split(":")[0]:
                    raise
                warnings.warn(
                    f"write_summaries: metadata[{key!r}] is not a SummaryMetadata ({exc}); "
                    "the value is written with an empty metadata, as TensorFlow does",
                    RuntimeWarning,
                    stacklevel=2,
                )
                self._writer.add_summary_tensor(key, value, _step(step), metadata=messages.summary_metadata(""))

    def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
        for key, value in scalars.items():
            self._writer.add_scalar(key, float(np.asarray(value).reshape(())), _step(step))

    def write_images(self, step: int, images: Mapping[str, Any]) -> None:
        """``[N, H, W, C]`` or ``[H, W, C]`` (C = 1, 3 or 4); N > 1 is one grid image."""
        for key, value in images.items():
            array = np.asarray(value)
            if array.ndim == 3:
                array = array[None]
            if array.ndim != 4:
                raise ValueError(f"images[{key!r}] must be [N, H, W, C] or [H, W, C], got shape {array.shape}")
            self._writer.add_images(key, array, _step(step), dataformats="NHWC")

    def write_videos(self, step: int, videos: Mapping[str, Any]) -> None:
        """``[N, T, H, W, C]`` or ``[T, H, W, C]``, as animated GIFs (CLU's TF writer only
        warns: it writes none)."""
        for key, value in videos.items():
            array = np.asarray(value)
            if array.ndim == 4:
                array = array[None]
            if array.ndim != 5:
                raise ValueError(f"videos[{key!r}] must be [N, T, H, W, C] or [T, H, W, C], got shape {array.shape}")
            self._writer.add_video(key, array, _step(step), dataformats="NTHWC")

    def write_audios(self, step: int, audios: Mapping[str, Any], *, sample_rate: int) -> None:
        """``[N, T, C]`` in [-1, 1]; clip i of N > 1 is logged as ``<key>/<i>``."""
        for key, value in audios.items():
            array = np.asarray(value)
            if array.ndim != 3:
                raise ValueError(f"audios[{key!r}] must be [N, T, C], got shape {array.shape}")
            for i, clip in enumerate(array):
                tag = key if len(array) == 1 else f"{key}/{i}"
                self._writer.add_audio(tag, clip[:, 0] if clip.shape[1] == 1 else clip, _step(step), sample_rate=sample_rate)

    def write_texts(self, step: int, texts: Mapping[str, str]) -> None:
        for key, value in texts.items():
            self._writer.add_text(key, value, _step(step))

    def write_histograms(
        self, step: int, arrays: Mapping[str, Any], num_buckets: Mapping[str, int] | None = None
    ) -> None:
        for key, value in arrays.items():
            buckets = (num_buckets or {}).get(key) or DEFAULT_BUCKETS
            self._writer.add_histogram(key, np.asarray(value), _step(step), bins=int(buckets))

    def write_pointcloud(
        self,
        step: int,
        point_clouds: Mapping[str, Any],
        *,
        point_colors: Mapping[str, Any] | None = None,
        configs: Mapping[str, Any] | None = None,
    ) -> None:
        """``[N, 3]`` points (colors ``[N, 3]`` uint8) for the Mesh dashboard."""
        for key, value in point_clouds.items():
            vertices = np.asarray(value, dtype=np.float32)
            if vertices.ndim == 2:
                vertices = vertices[None]
            colors = (point_colors or {}).get(key)
            if colors is not None:
                colors = np.asarray(colors, dtype=np.uint8)
                colors = colors[None] if colors.ndim == 2 else colors
            config = {"material": dict(configs)} if configs else None
            self._writer.add_mesh(key, vertices, colors=colors, config_dict=config, global_step=_step(step))

    def write_hparams(self, hparams: Mapping[str, Any]) -> None:
        """Flattened with ``.`` (as CLU); values other than bool/number/str become
        str. Written as TensorFlow's ``hparams_api.hparams`` does: every scalar of the
        run is a metric of the session in the HParams dashboard."""
        flat: dict[str, Any] = {}
        _flatten(hparams, "", flat)
        write_hparams_session(self._writer, flat)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


def _step(step: Any) -> int:
    value = np.asarray(step)
    if value.ndim != 0 or value.dtype.kind not in "iu":
        raise TypeError(f"step must be an int, got {step!r}")
    return int(value)


def _flatten(values: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, name + ".", out)
        elif value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif isinstance(value, np.generic) or (hasattr(value, "shape") and np.ndim(value) == 0):
            out[name] = np.asarray(value).item()
        else:
            out[name] = str(value)


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
