"""Internals of the torch adapter (``tfevents.extras.torch``): traced programs -> ``Graph``.

``common``: node naming (module scopes), shapes, dtypes, attribute values.
``export``: a ``torch.export.ExportedProgram`` (or a draft export) -> ``Graph``.
``jit``: a ``torch.jit.trace`` graph -> ``Graph`` (the last-resort fallback).

Every module here imports torch; only ``tfevents.extras.torch`` imports them, lazily.
"""
