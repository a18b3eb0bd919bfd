"""Serving the demo's logs with TensorBoard, and the command that does it by hand."""

from __future__ import annotations

import importlib.util
import os
import shlex
import signal
import sys
import threading
import time


class ServeError(RuntimeError):
    """TensorBoard could not be started (not installed, port taken, ...)."""


def _shown(path: str) -> str:
    """``path`` as typed in the current directory: relative below it, absolute elsewhere."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def tensorboard_command(logdir: str) -> str:
    """A shell command that serves ``logdir``, as it works when typed where the demo ran.

    The ``tensorboard`` next to this Python comes first: ``./scripts/demo.sh`` runs the
    demo in ``.venv`` without activating it, so a bare ``tensorboard`` would not be found
    (or would be another one). None there: this Python's module, else one on PATH.
    """
    program = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    if os.path.isfile(program) and os.access(program, os.X_OK):
        shown = _shown(program)
        command = shlex.quote(shown if os.sep in shown else os.path.join(os.curdir, shown))
    elif importlib.util.find_spec("tensorboard") is not None:
        command = f"{shlex.quote(_shown(sys.executable))} -m tensorboard.main"
    else:
        command = "tensorboard"  # not installed here: whichever the user installs
    return f"{command} --logdir {shlex.quote(_shown(logdir))}"


def serve(logdir: str, host: str = "127.0.0.1", port: int = 6006) -> None:
    """Serves ``logdir`` with TensorBoard on ``host:port`` until Ctrl-C."""
    try:
        from tensorboard import program
    except ImportError:
        raise ServeError(
            "serving needs the tensorboard package; install it and view the logs with: "
            f"{tensorboard_command(logdir)}"
        ) from None
    board = program.TensorBoard()
    board.configure(logdir=os.path.abspath(logdir), host=host, port=port)
    # SIGTERM (``kill``) stops it as Ctrl-C does; set before the address is printed, so
    # that whoever reads it may stop the demo at once.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        try:
            url = board.launch()  # serves from a daemon thread
        except program.TensorBoardServerException as exc:
            raise ServeError(f"{exc.msg} (choose another with --port)") from None
        print(f"\nTensorBoard is showing {logdir} at {url}\n"
              "Open that address in a browser; press Ctrl-C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopped TensorBoard.", flush=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
