"""Small JAX / flax models for the JAX graph tests; jax and flax are imported when called.

Each ``make_*`` returns ``(fn, example_inputs)`` for ``jax_graph_def``. Variables are
shapes only (``jax.eval_shape`` of ``init``, ``nnx.eval_shape``): a graph needs no
values, and running ``init`` eagerly would compile every small op (a minute on a busy
machine).
"""

from __future__ import annotations

from typing import Any


def make_cnn() -> tuple[Any, tuple[Any, ...]]:
    """A linen CNN: two conv blocks and a classifier, on one 28x28 grey image."""
    import flax.linen as nn
    import jax
    import numpy as np

    class CNN(nn.Module):
        @nn.compact
        def __call__(self, x: Any) -> Any:
            x = nn.relu(nn.Conv(8, (3, 3))(x))
            x = nn.avg_pool(x, (2, 2), strides=(2, 2))
            x = nn.relu(nn.Conv(16, (3, 3))(x))
            x = x.reshape((x.shape[0], -1))
            return nn.Dense(10)(x)

    model = CNN()
    x = np.ones((1, 28, 28, 1), np.float32)
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)
    return model.apply, (variables, x)


def transformer_block_class() -> Any:
    import flax.linen as nn
    import jax.numpy as jnp

    class TransformerBlock(nn.Module):
        dim: int = 32
        heads: int = 4

        @nn.compact
        def __call__(self, x: Any) -> Any:
            mask = nn.make_causal_mask(jnp.ones(x.shape[:2]))
            h = nn.LayerNorm()(x)
            h = nn.MultiHeadDotProductAttention(num_heads=self.heads)(h, h, mask=mask)
            x = x + h
            h = nn.LayerNorm()(x)
            h = nn.Dense(4 * self.dim)(h)
            h = nn.gelu(h)
            return x + nn.Dense(self.dim)(h)

    return TransformerBlock


def make_transformer() -> tuple[Any, tuple[Any, ...]]:
    """A linen pre-norm transformer block (causal self-attention and an MLP), jitted."""
    import jax
    import numpy as np

    model = transformer_block_class()()
    x = np.ones((2, 8, 32), np.float32)
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)
    return jax.jit(model.apply), (variables, x)


def make_language_model(layers: int) -> tuple[Any, tuple[Any, ...]]:
    """``layers`` transformer blocks between an embedding and a 1000-way head; the
    variables are shapes only (``jax.eval_shape``): nothing is initialised."""
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    block = transformer_block_class()

    class LM(nn.Module):
        @nn.compact
        def __call__(self, tokens: Any) -> Any:
            x = nn.Embed(1000, 32)(tokens)
            for _ in range(layers):
                x = block()(x)
            return nn.Dense(1000)(nn.LayerNorm()(x))

    model = LM()
    tokens = jax.ShapeDtypeStruct((2, 8), jnp.int32)
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), tokens)
    return model.apply, (variables, tokens)


def nnx_mlp_class() -> Any:
    import jax
    from flax import nnx

    class MLP(nnx.Module):
        def __init__(self, rngs: Any) -> None:
            self.layers = nnx.List([nnx.Linear(16, 32, rngs=rngs), nnx.Linear(32, 32, rngs=rngs)])
            self.bn = nnx.BatchNorm(32, rngs=rngs)
            self.head = nnx.Linear(32, 4, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            for layer in self.layers:
                x = jax.nn.relu(layer(x))
            return self.head(self.bn(x))

    return MLP


def make_nnx_mlp() -> tuple[Any, tuple[Any, ...]]:
    """An nnx MLP (a list of Linear layers, BatchNorm, a head), given as the module."""
    import numpy as np
    from flax import nnx

    model = nnx.eval_shape(lambda: nnx_mlp_class()(nnx.Rngs(0)))
    return model, (np.ones((8, 16), np.float32),)


def make_control_flow() -> tuple[Any, tuple[Any, ...]]:
    """A jitted function with every kind of nested jaxpr: an inner jit, scan, while,
    cond, checkpoint, custom_vjp and custom_jvp."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    @jax.custom_vjp
    def clip_gradient(x: Any) -> Any:
        return jnp.sin(x)

    clip_gradient.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (jnp.clip(g * jnp.cos(x), -1, 1),))

    @jax.jit
    def normalize(v: Any) -> Any:
        return v / jnp.linalg.norm(v)

    def rnn_step(h: Any, x: Any) -> tuple[Any, Any]:
        h = jnp.tanh(h @ jnp.eye(4) + x)
        return h, h * 2

    def steps(x: Any, h0: Any) -> Any:
        h, ys = jax.lax.scan(rnn_step, h0, x)
        _, h = jax.lax.while_loop(lambda s: s[0] < 3, lambda s: (s[0] + 1, s[1] * 0.5), (0, h))
        h = jax.lax.cond(h.sum() > 0, lambda a: a + 1, lambda a: a - 1, h)
        h = jax.checkpoint(lambda a: jnp.exp(a) * 2)(h)
        return {"h": jax.nn.relu(normalize(clip_gradient(h))), "ys": ys}

    return jax.jit(steps), (np.ones((5, 4), np.float32), np.zeros((4,), np.float32))
