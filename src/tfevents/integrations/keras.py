"""``TensorBoard`` callback for Keras 3 on any backend (jax, torch, tensorflow), writing
through tfevents: Keras' own needs TensorFlow even on jax and torch.

Same arguments, run layout (``<log_dir>/train``, ``<log_dir>/validation``), tags
(``epoch_loss``, ``epoch_learning_rate``, ``batch_*``, ``evaluation_*_vs_iterations``,
``<weight path>/histogram``, ``<weight path>/image``, ``keras``), steps and value forms
(``tf.summary``'s, see ``_tf_forms``) as ``keras.callbacks.TensorBoard``. Where TensorFlow
is imported, ``tf.summary`` calls inside the model reach the runs too (``_tf_bridge``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

import tfevents
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.integrations import _tf_forms as forms
from tfevents.integrations._raw import write_string, write_tensor
from tfevents.integrations._tf_bridge import DefaultWriter
from tfevents.sinks import is_remote
from tfevents.summaries.embedding import text_format_string

# The one tensor name Keras' callback gives every Embedding layer in its projector config.
KERAS_TENSOR_NAME = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"

__all__ = ["TensorBoard"]


class TensorBoard(keras.callbacks.Callback):  # type: ignore[misc]
    """``model.fit(..., callbacks=[TensorBoard(log_dir)])``.

    Args (Keras' own): ``log_dir``; ``histogram_freq`` (weight histograms every N
    epochs); ``write_graph`` (the model's JSON for the Graphs dashboard's conceptual
    graph; on the tensorflow backend also the train function's op graph);
    ``write_images`` (weights as images, with histograms); ``write_steps_per_second``;
    ``update_freq`` (``"epoch"``, ``"batch"`` or every N batches for ``batch_*``, and for
    the model's own ``tf.summary`` calls where TensorFlow is imported);
    ``embeddings_freq`` / ``embeddings_metadata`` (``Embedding`` layers' weights for the
    Projector: ``<log_dir>/projector_config.pbtxt`` holds Keras' own lines, and the
    embeddings themselves go into the ``train`` run through ``add_embedding``, which
    TensorBoard shows without TensorFlow). ``profile_batch`` must be 0 (profiling needs
    TensorFlow's profiler). ``**writer_kwargs`` go to ``tfevents.SummaryWriter``.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int | str | tuple[int, int] = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: str | Mapping[str, str] | None = None,
        **writer_kwargs: Any,
    ) -> None:
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)):
            raise ArgumentTypeError(f"log_dir must be a path, got {type(log_dir).__name__}")
        for name, value in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ArgumentError(f"{name} must be an int >= 0, got {value!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ArgumentError(f"update_freq must be 'epoch', 'batch' or an int >= 1, got {update_freq!r}")
        if profile_batch not in (0, "0", (0, 0), [0, 0], "0,0"):
            raise ArgumentError(
                f"profile_batch={profile_batch!r}: profiling needs TensorFlow's profiler; "
                "tfevents.keras.TensorBoard supports only profile_batch=0"
            )
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, Mapping)):
            raise ArgumentTypeError("embeddings_metadata must be a path, a dict of layer name -> path, or None")
        self.log_dir = str(os.fspath(log_dir))
        self.histogram_freq = histogram_freq
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writer_kwargs = writer_kwargs
        self._writers: dict[str, tfevents.SummaryWriter] = {}
        self._defaults: dict[str, DefaultWriter | None] = {}  # TensorFlow's default writer, per run
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0.0
        self._should_write_train_graph = False
        self._embedding_labels: dict[str, str | None] = {}

    # --- writers ----------------------------------------------------------------------

    def _writer(self, which: str) -> tfevents.SummaryWriter:
        writer = self._writers.get(which)
        if writer is None:
            subdir = "train" if which == "train" else "validation"
            writer = tfevents.SummaryWriter(os.path.join(self.log_dir, subdir), **self._writer_kwargs)
            self._writers[which] = writer
        return writer

    def _close_writers(self) -> None:
        for default in self._defaults.values():
            if default is not None:
                default.close()
        self._defaults = {}
        for writer in self._writers.values():
            writer.close()

    def _push_writer(self, which: str, step: int) -> None:
        """As Keras': the run's writer becomes TensorFlow's default summary writer, at
        ``step``, recording every ``update_freq`` steps (nothing with ``"epoch"``)."""
        if self.update_freq == "epoch":
            return
        if which not in self._defaults:
            self._defaults[which] = DefaultWriter.if_tensorflow(self._writer(which))
        default = self._defaults[which]
        if default is not None:
            freq = int(self.update_freq)
            default.push(step, lambda: step % freq == 0)

    def _pop_writer(self, which: str) -> None:
        default = self._defaults.get(which)
        if default is not None:
            default.pop()

    def _forward(self, which: str) -> None:
        """What the model's ``tf.summary`` calls wrote, into the run."""
        default = self._defaults.get(which)
        if default is not None:
            default.forward()

    # --- callback hooks -----------------------------------------------------------------

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self._close_writers()
        self._writers = {}
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_model_json()
            self._should_write_train_graph = keras.backend.backend() == "tensorflow"
        if self.embeddings_freq:
            self._configure_embeddings()

    def on_train_begin(self, logs: Any = None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0.0
        self._push_writer("train", self._global_train_batch)

    def on_train_end(self, logs: Any = None) -> None:
        self._pop_writer("train")
        self._close_writers()

    def on_test_begin(self, logs: Any = None) -> None:
        self._push_writer("val", self._global_test_batch)

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._global_train_batch += 1
        self._pop_writer("train")
        self._push_writer("train", self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._global_test_batch += 1
        self._pop_writer("val")
        self._push_writer("val", self._global_test_batch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self._should_write_train_graph:
            self._should_write_train_graph = False
            self._write_train_graph()
        if self.update_freq == "epoch" or self._global_train_batch % int(self.update_freq):
            return  # Keras writes batch summaries only into its recording default writer
        writer, step = self._writer("train"), self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            rate = 1.0 / elapsed if elapsed > 0 else float("inf")
            writer.add_scalar("batch_steps_per_second", rate, step, new_style=True)
        if isinstance(logs, dict):
            for name, value in logs.items():
                writer.add_scalar(f"batch_{name}", value, step, new_style=True)
        self._forward("train")

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if self.write_steps_per_second:
            self._previous_epoch_iterations = _float(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        self._forward("train")

    def on_test_end(self, logs: Any = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations") and logs:
            writer, step = self._writer("val"), int(_float(optimizer.iterations))
            for name, value in logs.items():
                writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step, new_style=True)
        self._pop_writer("val")
        self._forward("val")

    # --- what is written ----------------------------------------------------------------

    def _log_epoch_metrics(self, epoch: int, logs: Any) -> None:
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            done = _float(self.model.optimizer.iterations) - self._previous_epoch_iterations
            train["steps_per_second"] = done / elapsed if elapsed > 0 else float("inf")
        for which, values in (("train", train), ("val", val)):
            if values:
                writer = self._writer(which)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", value, epoch, new_style=True)

    def _learning_rates(self) -> dict[str, float]:
        optimizer: Any = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{o.name}": _float(o.learning_rate) for o in optimizer.optimizers}
        if isinstance(optimizer, keras.optimizers.Optimizer):
            return {"learning_rate": _float(optimizer.learning_rate)}
        return {}

    def _log_weights(self, epoch: int) -> None:
        """tf.summary.histogram's 30 buckets, and tf.summary.image's first 3 images."""
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = keras.ops.convert_to_numpy(weight)
                write_tensor(writer, f"{name}/histogram", forms.histogram(values), forms.HISTOGRAM, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        write_tensor(writer, f"{name}/image", forms.image(image), forms.IMAGE, epoch)
        writer.flush()

    def _write_model_json(self) -> None:
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            text = self.model.to_json()
        except Exception as exc:
            import warnings

            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
            return
        write_string(self._writer("train"), "keras", text, "graph_keras_model", b"1", 0)

    def _write_train_graph(self) -> None:
        """TensorFlow backend: the op graph of the compiled train function."""
        train_fn = getattr(self.model, "train_function", None)
        if not hasattr(train_fn, "function_spec"):
            return
        concrete = getattr(train_fn, "_concrete_stateful_fn", None) or getattr(
            train_fn, "_concrete_variable_creation_fn", None
        )
        if concrete is not None:
            self._writer("train").add_graph(concrete.graph.as_graph_def().SerializeToString())

    def _configure_embeddings(self) -> None:
        """Keras' ``<log_dir>/projector_config.pbtxt``, line for line (it names the tensor
        of a TensorFlow checkpoint that Keras 3 does not write, so TensorBoard shows nothing
        from it); the embeddings themselves are logged by ``_log_embeddings``."""
        layers = [layer for layer in self.model.layers if isinstance(layer, keras.layers.Embedding)]
        meta = self.embeddings_metadata
        if isinstance(meta, Mapping):
            unknown = set(meta) - {layer.name for layer in layers}
            if unknown:
                raise ArgumentError(
                    "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                    f"`embeddings_metadata` argument: {sorted(unknown)}"
                )
        if is_remote(self.log_dir):
            raise ArgumentError(f"embeddings_freq needs a local log_dir (the projector's files), got {self.log_dir!r}")
        self._embedding_labels = {
            layer.name: meta if isinstance(meta, str) else (meta or {}).get(layer.name) for layer in layers
        }
        lines = []
        for layer in layers:
            lines += ["embeddings {", f"  tensor_name: {text_format_string(KERAS_TENSOR_NAME)}"]
            if self._embedding_labels[layer.name]:
                lines.append(f"  metadata_path: {text_format_string(str(self._embedding_labels[layer.name]))}")
            lines.append("}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))

    def _log_embeddings(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            if layer.name not in self._embedding_labels:
                continue
            matrix = keras.ops.convert_to_numpy(layer.embeddings)
            labels = _read_labels(self._embedding_labels[layer.name], self.log_dir, len(matrix))
            writer.add_embedding(matrix, metadata=labels, global_step=epoch, tag=layer.name)


def _float(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(()))


def _weight_image(values: np.ndarray) -> np.ndarray | None:
    """Keras' picture of a weight: NHWC (one image per channel of a kernel), or None
    where Keras writes none."""
    w = np.squeeze(values)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        if keras.backend.image_data_format() == "channels_last":
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    return w


def _read_labels(path: str | None, log_dir: str, rows: int) -> list[str] | None:
    """The rows of a metadata TSV file with one label per embedding row, if it has them:
    relative to ``log_dir`` (where the Projector looks for Keras' ``metadata_path``), else
    to the working directory."""
    if path is None:
        return None
    for full in (os.path.join(log_dir, path), os.path.join(os.getcwd(), path)):
        try:
            with open(full, encoding="utf-8") as f:
                lines = [line.rstrip("\n") for line in f]
        except OSError:
            continue
        return lines if len(lines) == rows else None
    return None
