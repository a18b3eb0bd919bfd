"""The Custom Scalars dashboard: the run's layout of charts, grown call by call."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tfevents.pipeline.entries import SummaryEntry
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.summaries import custom_scalars
else:
    from tfevents._lazy import LazyModule

    custom_scalars = LazyModule("tfevents.summaries.custom_scalars")


class CustomScalars:
    """Owns the run's layout (``{category: {title: chart}}``) and the keys of
    ``add_scalars(layout="same_run")``'s charts."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._layout: dict[str, dict[str, Any]] = {}
        self._chart_keys: dict[str, list[str]] = {}

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Any]], *, walltime: float | None = None) -> None:
        """Adds charts to the run's Custom Scalars dashboard.

        ``layout`` is ``{category: {chart_title: ["Multiline", [tag_regex, ...]]}}`` or
        ``["Margin", [value_tag, lower_tag, upper_tag]]`` (exactly 3 tags). Multiline
        tags are regular expressions matched against the run's scalar tags.

        The run's layout accumulates over calls: a chart replaces the one with the same
        category and title, others are added. (In torch the latest call's layout
        replaces the whole layout.)
        """
        checked = custom_scalars.check_layout(layout, "layout")
        self._update(checked, self._host.wall_time(walltime))

    def add_custom_scalars_multilinechart(
        self,
        tags: list[str],
        category: str = "default",
        title: str = "untitled",
        *,
        walltime: float | None = None,
    ) -> None:
        """Adds one chart drawing the scalar series matching ``tags`` (regexes) together."""
        self._add_chart(custom_scalars.MULTILINE, tags, category, title, walltime)

    def add_custom_scalars_marginchart(
        self,
        tags: list[str],
        category: str = "default",
        title: str = "untitled",
        *,
        walltime: float | None = None,
    ) -> None:
        """Adds one chart of a value with a band: ``tags = [value, lower, upper]``."""
        self._add_chart(custom_scalars.MARGIN, tags, category, title, walltime)

    def chart_keys(self, main_tag: str, keys: list[str], wall_time: float) -> None:
        """Draws the series ``main_tag/<key>`` on one chart titled ``main_tag`` (the
        layout is written again only when a key is new)."""
        with self._lock:
            known = self._chart_keys.setdefault(main_tag, [])
            new = [key for key in keys if key not in known]
            if not new:
                return
            known.extend(new)
            tags = tuple(f"^{re.escape(main_tag + '/' + key)}$" for key in known)
        self._update({main_tag: {main_tag: (custom_scalars.MULTILINE, tags)}}, wall_time)

    def _add_chart(
        self, kind: str, tags: list[str], category: str, title: str, walltime: float | None
    ) -> None:
        checked = custom_scalars.check_tags(tags, kind, "tags")
        custom_scalars.check_title(category, "category")
        custom_scalars.check_title(title, "title")
        self._update({category: {title: (kind, checked)}}, self._host.wall_time(walltime))

    def _update(self, charts: Mapping[str, Mapping[str, Any]], wall_time: float) -> None:
        queue = self._host.live_queue()
        with self._lock:
            for category, items in charts.items():
                target = self._layout.setdefault(category, {})
                for title, chart in items.items():
                    target[title] = chart
            field = custom_scalars.value_field(self._layout)
            # Queued under the lock: layouts reach the file in the order they were made.
            queue.add_summary(
                SummaryEntry(custom_scalars.CONFIG_TAG, custom_scalars.METADATA, field, 0, wall_time)
            )

    def after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
