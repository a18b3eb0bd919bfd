"""A flax training loop logging to TensorBoard through CLU's MetricWriter interface,
with no TensorFlow installed: ``tfevents.clu.MetricWriter`` stands in for
``clu.metric_writers.SummaryWriter``.

    python examples/flax_clu_loop.py --logdir runs/flax --steps 50
    tensorboard --logdir runs/flax

It fits a small MLP (flax.linen + optax) to y = sin(x). Logged: the hyperparameters,
``train/loss`` every step, ``eval/loss`` every ``--eval-every`` steps, the weight
histograms and a plot of the fit as an image at the end, and a text note.
"""

from __future__ import annotations

import argparse

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from tfevents.clu import MetricWriter


class MLP(nn.Module):
    hidden: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.tanh(nn.Dense(self.hidden)(x))
        return nn.Dense(1)(x)  # type: ignore[no-any-return]


def fit_image(xs: np.ndarray, ys: np.ndarray, size: int = 32) -> np.ndarray:
    """A [H, W, 3] picture of the predictions (white dots) over the target (red)."""
    img = np.zeros((size, size, 3), dtype=np.float32)
    cols = ((xs - xs.min()) / (np.ptp(xs) or 1) * (size - 1)).astype(int)
    for values, channel in ((np.sin(xs), 0), (ys, slice(None))):
        rows = ((1 - (np.clip(values, -1, 1) + 1) / 2) * (size - 1)).astype(int)
        img[rows, cols, channel] = 1.0
    return img


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default="runs/flax_clu")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x_train = rng.uniform(-3, 3, size=(256, 1)).astype(np.float32)
    x_eval = np.linspace(-3, 3, 64, dtype=np.float32)[:, None]
    model = MLP(hidden=args.hidden)
    params = model.init(jax.random.PRNGKey(0), x_train[:1])
    optimizer = optax.adam(args.lr)
    opt_state = optimizer.init(params)

    def loss_fn(p: object, x: jax.Array) -> jax.Array:
        return jnp.mean((model.apply(p, x) - jnp.sin(x)) ** 2)

    @jax.jit
    def train_step(p: object, state: object, x: jax.Array) -> tuple[object, object, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(p, x)
        updates, state = optimizer.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    writer = MetricWriter(args.logdir)
    writer.write_hparams({"model": {"hidden": args.hidden}, "lr": args.lr, "optimizer": "adam"})
    writer.write_texts(0, {"note": f"MLP({args.hidden}) fitting sin(x), {args.steps} steps"})
    last: dict[str, float] = {}
    for step in range(1, args.steps + 1):
        batch = x_train[rng.integers(0, len(x_train), size=32)]
        params, opt_state, loss = train_step(params, opt_state, batch)
        writer.write_scalars(step, {"train/loss": loss})  # a jax array is fine
        last["train/loss"] = float(loss)
        if step % args.eval_every == 0 or step == args.steps:
            eval_loss = loss_fn(params, x_eval)
            writer.write_scalars(step, {"eval/loss": eval_loss})
            last["eval/loss"] = float(eval_loss)
    flat = {"/".join(str(getattr(k, "key", k)) for k in path): v for path, v in jax.tree_util.tree_leaves_with_path(params)}
    writer.write_histograms(args.steps, flat)
    preds = np.asarray(model.apply(params, x_eval))[:, 0]
    writer.write_images(args.steps, {"fit": fit_image(x_eval[:, 0], preds)})
    writer.close()
    return last


if __name__ == "__main__":
    print(main())
