"""Tests that need TensorFlow: run by the TF environment (``.venv-tf``); an environment
without TensorFlow (the main one, with torch) does not collect them.

(The directory is not named ``tensorflow``: with tests/ on ``sys.path`` it would be
importable as a namespace package of that name, and libraries that look for TensorFlow
with ``find_spec`` would take it for TensorFlow.)
"""

from __future__ import annotations

import importlib.util

_spec = importlib.util.find_spec("tensorflow")
collect_ignore_glob = [] if _spec is not None and _spec.origin is not None else ["test_*.py"]
