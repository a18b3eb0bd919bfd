"""Internals of the JAX adapter (``tfevents.extras.jax``): jaxprs -> ``Graph``.

``names``: node and box names (sanitizing, name stacks, uniqueness).
``attrs``: equation parameters, constants, shapes and dtypes as node attributes.
``inputs``: the example inputs split into traced arrays and static values, named.
``walk``: a ``ClosedJaxpr`` -> ``Graph``, nested jaxprs as boxes.
``flax``: flax linen ``apply`` and nnx modules (names of variables, nnx scopes).

These modules import jax (and flax) at module level; only ``tfevents.extras.jax`` imports
them, lazily, from inside its functions.
"""
