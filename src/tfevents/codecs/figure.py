"""Matplotlib figures rendered to pixels, for ``add_figure``.

matplotlib is never imported by tfevents itself: a figure object can only exist once
the caller has imported it. A figure is drawn with the Agg canvas
(``FigureCanvasAgg.draw`` and ``buffer_rgba``) at its own size and dpi; a figure whose
canvas is not Agg (a GUI window) gets a temporary Agg canvas and its own back after.
An opaque figure becomes an RGB image; one with any transparent pixel (e.g.
``facecolor="none"``) keeps its alpha channel.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from tfevents.errors import ArgumentError


def is_figure(value: object) -> bool:
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(value, module.Figure)


def render(figure: Any) -> np.ndarray:
    """The figure's pixels, ``(height, width, 3 or 4)`` uint8."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    previous = figure.canvas
    canvas = previous if isinstance(previous, FigureCanvasAgg) else FigureCanvasAgg(figure)
    try:
        canvas.draw()
        rgba = np.array(canvas.buffer_rgba(), dtype=np.uint8)  # a copy: the buffer is reused
    finally:
        if canvas is not previous:
            figure.set_canvas(previous)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or 0 in rgba.shape:
        raise ArgumentError(f"figure rendered to an empty or unexpected buffer of shape {rgba.shape}")
    return rgba[:, :, :3] if (rgba[:, :, 3] == 255).all() else rgba


def close(figure: Any) -> None:
    """Closes the figure in pyplot (a figure pyplot does not manage needs no closing)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)
