"""``python tests/_keras_fit.py LOGDIR [stock]``: one small ``model.fit`` with
``tfevents.keras.TensorBoard`` (or with ``stock``, Keras' own callback; needs TensorFlow),
on the backend ``KERAS_BACKEND`` names. Prints the fit's history as JSON. On the
tensorflow backend the model also logs ``tf.summary.scalar("activity", ...)`` from a layer,
which either callback must route into its ``train`` and ``validation`` runs; there
``update_freq`` is 1, not 2: the traced train function evaluates Keras' ``record_if`` once,
when it is traced at batch 1, so with 2 neither callback would ever record it.

Run in a subprocess by tests/test_integration_keras.py and
tests/tf_env/test_keras_tf_backend.py: the backend is chosen when keras is imported.
"""

from __future__ import annotations

import json
import sys

import keras
import numpy as np

EPOCHS, SAMPLES, BATCH = 2, 32, 8  # 4 batches per epoch


class _SummaryLayer(keras.layers.Layer):
    def call(self, x):  # type: ignore[no-untyped-def]
        import tensorflow as tf

        tf.summary.scalar("activity", tf.reduce_mean(x))
        return x


def main(logdir: str, stock: bool) -> None:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(SAMPLES, 2)).astype("int32")
    y = (x.sum(axis=1) % 3).astype("int32")
    inputs = keras.Input(shape=(2,), dtype="int32")
    h = keras.layers.Embedding(10, 4, name="emb")(inputs)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(8, activation="relu", name="hidden")(h)
    if keras.backend.backend() == "tensorflow":
        h = _SummaryLayer(name="logs_activity")(h)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=False)  # (summary ops do not compile with XLA)
    options = dict(
        log_dir=logdir, histogram_freq=1, write_images=True, write_steps_per_second=True,
        update_freq=1 if keras.backend.backend() == "tensorflow" else 2, embeddings_freq=1,
    )
    if stock:
        callback = keras.callbacks.TensorBoard(**options)
    else:
        from tfevents.keras import TensorBoard

        callback = TensorBoard(**options, flush_secs=1)
    history = model.fit(
        x, y, epochs=EPOCHS, batch_size=BATCH, validation_data=(x[:16], y[:16]), callbacks=[callback], verbose=0
    )
    out = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    out["backend"] = keras.backend.backend()
    out["tensorflow_imported"] = "tensorflow" in sys.modules
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "stock")
