"""``SummaryWriter`` methods for media and text: mixed into the writer class.

Each method normalises its arguments, asks a ``summaries`` module for the encoded
value and queues it with ``self._add_value`` (see ``writer.SummaryWriter``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents.summaries import text

if TYPE_CHECKING:
    from tfevents.writer import WriterBase as _Base
else:
    _Base = object


class MediaMethods(_Base):
    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs markdown text, shown by TensorBoard's Text dashboard under ``tag``.

        (torch and tensorboardX store it under ``tag + "/text_summary"``.)
        """
        args.check_tag(tag)
        if not isinstance(text_string, str):
            raise TypeError(f"text_string must be a str, got {type(text_string).__name__}")
        step, wall_time = args.global_step(global_step), args.wall_time(walltime)
        self._add_value(tag, text.METADATA, text.value_field(text_string), step, wall_time)
