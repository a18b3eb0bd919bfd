"""Custom scalars: the ``Layout`` of TensorBoard's Custom Scalars dashboard.

The layout is a serialized ``tensorboard.Layout`` in a rank-0 DT_STRING tensor under
the tag ``custom_scalars__config__`` (format reference §5 Custom scalars). TensorBoard
shows the latest layout of each run and merges the runs' layouts by category title.

A layout is given as torch and tensorboardX take it::

    {category: {chart_title: ["Multiline", [tag_regex, ...]]
                            | ["Margin", [value_tag, lower_tag, upper_tag]]}}

Multiline tags are regular expressions (TensorBoard matches them with ``re.search``);
margin tags are exact tag names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import bytes_field, string_field

CONFIG_TAG = "custom_scalars__config__"
PLUGIN_NAME = "custom_scalars"
METADATA = messages.summary_metadata(PLUGIN_NAME, data_class=messages.DATA_CLASS_TENSOR)
MULTILINE = "Multiline"
MARGIN = "Margin"

# A chart: (kind, tags).
Chart = tuple[str, tuple[str, ...]]


def check_chart(spec: Any, name: str) -> Chart:
    """``["Multiline"|"Margin", [tags]]`` -> ``(kind, tags)``, or an error naming ``name``."""
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != 2:
        raise ArgumentTypeError(
            f"{name} must be a pair ['Multiline' or 'Margin', [tags]], got {spec!r}"
        )
    kind, tags = spec
    if kind not in (MULTILINE, MARGIN):
        raise ArgumentError(f"{name}[0] must be 'Multiline' or 'Margin', got {kind!r}")
    return kind, check_tags(tags, kind, f"{name}[1]")


def check_tags(tags: object, kind: str, name: str) -> tuple[str, ...]:
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        raise ArgumentTypeError(f"{name} must be a list of tags, got {type(tags).__name__}")
    tags = tuple(tags)
    for i, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise ArgumentTypeError(f"{name}[{i}] must be a str, got {type(tag).__name__}")
        if not tag:
            raise ArgumentError(f"{name}[{i}] must not be empty")
    if kind == MARGIN:
        if len(tags) != 3:
            raise ArgumentError(
                f"{name} must be exactly 3 tags [value, lower, upper] for a Margin chart, got {len(tags)}"
            )
    else:
        if not tags:
            raise ArgumentError(f"{name} must hold at least one tag")
        for i, tag in enumerate(tags):
            try:
                re.compile(tag)
            except re.error as exc:
                raise ArgumentError(
                    f"{name}[{i}] = {tag!r} is not a valid regular expression "
                    f"(Multiline tags are regexes): {exc}"
                ) from None
    return tags


def check_title(title: Any, name: str) -> str:
    if not isinstance(title, str):
        raise ArgumentTypeError(f"{name} must be a str, got {type(title).__name__}")
    return title


def check_layout(layout: Any, name: str = "layout") -> dict[str, dict[str, Chart]]:
    """Validates a torch-style layout dict; returns ``{category: {title: (kind, tags)}}``."""
    if not isinstance(layout, Mapping):
        raise ArgumentTypeError(
            f"{name} must be a dict {{category: {{title: [kind, tags]}}}}, got {type(layout).__name__}"
        )
    checked: dict[str, dict[str, Chart]] = {}
    for category, charts in layout.items():
        check_title(category, f"{name} key")
        where = f"{name}[{category!r}]"
        if not isinstance(charts, Mapping):
            raise ArgumentTypeError(f"{where} must be a dict {{title: [kind, tags]}}, got {type(charts).__name__}")
        checked[category] = {}
        for title, spec in charts.items():
            check_title(title, f"{where} key")
            checked[category][title] = check_chart(spec, f"{where}[{title!r}]")
    return checked


def layout_proto(layout: Mapping[str, Mapping[str, Chart]]) -> bytes:
    """tensorboard.Layout{category=2 [Category{title=1, chart=2 [Chart{title=1,
    multiline=2 {tag=1 ...} | margin=3 {series=1 [{value=1, lower=2, upper=3}]}}]}]}."""
    categories = []
    for category, charts in layout.items():
        body = [string_field(1, category)]
        for title, (kind, tags) in charts.items():
            if kind == MARGIN:
                series = string_field(1, tags[0]) + string_field(2, tags[1]) + string_field(3, tags[2])
                content = bytes_field(3, bytes_field(1, series))
            else:
                content = bytes_field(2, b"".join(string_field(1, t) for t in tags))
            body.append(bytes_field(2, string_field(1, title) + content))
        categories.append(bytes_field(2, b"".join(body)))
    return b"".join(categories)


def value_field(layout: Mapping[str, Mapping[str, Chart]]) -> bytes:
    return messages.tensor_value_field(
        messages.tensor_from_strings([layout_proto(layout)], shape=[])
    )
