"""``python -m tfevents.integrations.run [-m module | script.py] [args...]``.

Runs a program you cannot edit with ``torch.utils.tensorboard.SummaryWriter`` and
``tensorboardX.SummaryWriter`` resolving to tfevents' writer (``patch()``). It also sets
``TFEVENTS_PATCH=1`` and puts a ``sitecustomize`` directory first on ``PYTHONPATH``, so the
processes the program starts (DDP workers, ``torchrun``) are patched as well.

Why a launcher and not a ``.pth`` file: a ``.pth`` file runs in every Python process of
the environment, needs installing into site-packages by hand (wheels cannot ship one
cleanly) and would change programs that never asked for it; the launcher changes only
the program it starts. ``TFEVENTS_PATCH=1`` alone does nothing unless that directory
is on ``PYTHONPATH`` (``python -m tfevents.integrations.run --site-dir`` prints it).
"""

from __future__ import annotations

import os
import runpy
import sys

from tfevents.integrations.patching import patch

SITE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_site")
USAGE = "usage: python -m tfevents.integrations.run [--site-dir] [-m module | script.py] [args...]"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--site-dir"]:
        print(SITE_DIR)
        return 0
    if not args or args[0] in ("-h", "--help") or (args[0] == "-m" and len(args) < 2):
        print(USAGE, file=sys.stderr)
        return 2
    os.environ["TFEVENTS_PATCH"] = "1"
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = SITE_DIR + (os.pathsep + path if path else "")
    patch()
    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
        runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
