"""``SummaryWriter`` methods for several series at once, experiments and layouts:
mixed into the writer class (see ``writer.SummaryWriter``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tfevents import _args as args
from tfevents import convert

if TYPE_CHECKING:
    from tfevents.writer import WriterBase as _Base
else:
    _Base = object


class ExperimentMethods(_Base):
    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs several numbers on one chart, torch's way: one run per key.

        Key ``k`` goes to the run ``<log_dir>/<main_tag with '/' -> '_'>_<k>`` under the
        tag ``main_tag``, so TensorBoard draws the runs as lines of one chart.
        """
        args.check_tag(main_tag, "main_tag")
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"tag_scalar_dict must be a dict of name -> number, got {type(tag_scalar_dict).__name__}"
            )
        step = args.global_step(global_step)
        wall_time = args.wall_time(walltime)
        entries = []
        for key, value in tag_scalar_dict.items():
            args.check_tag(key, "tag_scalar_dict key")
            if "/" in key or os.sep in key:
                raise ValueError(f"tag_scalar_dict key {key!r} must not contain a path separator")
            entries.append((key, convert.to_float(value, f"tag_scalar_dict[{key!r}]")))
        self._live_sink()
        for key, value in entries:
            run_dir = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + key)
            with self._lock:
                sink = self._sub_sinks.get(run_dir)
                if sink is None:
                    sink = self._sub_sinks[run_dir] = self._new_sink(run_dir)
            sink.scalars.append((main_tag, value, step, wall_time))
            if len(sink.scalars) >= self.max_queue:
                sink.request_write()
