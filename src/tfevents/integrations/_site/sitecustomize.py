"""Put on PYTHONPATH by ``python -m tfevents.integrations.run``: with ``TFEVENTS_PATCH=1``
every Python process started below it (DDP workers, ``torchrun``, subprocesses) is
patched before any user code runs. Any other ``sitecustomize`` still runs afterwards."""

import importlib
import os
import sys

if os.environ.get("TFEVENTS_PATCH") == "1":
    try:
        from tfevents.integrations.patching import patch

        patch()
    except ImportError:  # tfevents is not importable from this interpreter
        pass

_here = os.path.dirname(os.path.abspath(__file__))
_saved = list(sys.path)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
_self = sys.modules.pop("sitecustomize", None)
try:
    importlib.import_module("sitecustomize")  # the environment's own, if it has one
except ImportError:
    if _self is not None:
        sys.modules["sitecustomize"] = _self
finally:
    sys.path[:] = _saved
