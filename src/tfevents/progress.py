"""A tiny progress bar for the command line: bytes of event files read, on stderr.

    bar = Progress(total_bytes, files=3, label="inspect")
    bar.advance_to(done_bytes)      # as often as you like: redraws at most 10 times a second
    bar.file_done()
    bar.close()                     # draws 100 % and ends the line

Nothing is drawn unless ``enabled`` (the CLI enables it when stderr is a terminal, or
with ``--progress``). No dependencies; the line is redrawn in place with ``\\r``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_REDRAW_SECONDS = 0.1
_WIDTH = 24


def human_bytes(count: float) -> str:
    """``1234567`` -> ``"1.2 MB"`` (powers of 1000, as file managers show sizes)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


class Progress:
    """A one-line bar of ``done/total`` bytes and files, redrawn in place."""

    def __init__(
        self,
        total: int,
        *,
        files: int = 0,
        label: str = "",
        enabled: bool = True,
        stream: TextIO | None = None,
    ) -> None:
        self.total = max(int(total), 0)
        self.files = files
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.base = 0  # bytes of the files already finished
        self.done = 0
        self.files_done = 0
        self._last_draw = float("-inf")
        self._closed = False
        self._drawn = 0

    def advance_to(self, bytes_in_file: int) -> None:
        """How far into the current file the work has got."""
        self.done = self.base + bytes_in_file
        self._maybe_draw()

    def file_done(self, size: int) -> None:
        """The current file, of ``size`` bytes, is finished."""
        self.base += size
        self.done = self.base
        self.files_done += 1
        self._maybe_draw()

    def close(self) -> None:
        """Draws the final state and ends the line (once)."""
        if self._closed:
            return
        self._closed = True
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def write(self, message: str) -> None:
        """Prints ``message`` on its own line of the stream, above the bar (which is
        redrawn at the next update)."""
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self._drawn = 0
            self._last_draw = float("-inf")
        self.stream.write(message + "\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw >= _REDRAW_SECONDS:
            self._last_draw = now
            self._draw()

    def render(self) -> str:
        """The bar's text, e.g. ``inspect [#########-----] 64% 1.2 MB/1.9 MB 2/3 files``."""
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(fraction * _WIDTH)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        text = f"[{bar}] {fraction:4.0%} {human_bytes(self.done)}/{human_bytes(self.total)}"
        if self.files:
            text += f" {self.files_done}/{self.files} files"
        return f"{self.label} {text}" if self.label else text

    def _draw(self) -> None:
        text = self.render()
        padding = " " * max(self._drawn - len(text), 0)  # covers a longer previous line
        self._drawn = len(text)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
