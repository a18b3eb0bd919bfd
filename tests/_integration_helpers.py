"""What the framework-integration tests ask TensorBoard (tests/test_integration_*.py)."""

from __future__ import annotations

import json
from typing import Any

from tensorboard_server import TensorBoardServer

ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]


def post_json(tb: TensorBoardServer, route: str, body: dict[str, Any]) -> Any:
    """POST a JSON body (the hparams routes read the raw body, not a form)."""
    _, _, answer = tb.request(
        route, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    return json.loads(answer)


def wait_scalars(tb: TensorBoardServer, run: str, tag: str, count: int) -> list[list[Any]]:
    """The run's points of ``tag`` once at least ``count`` are loaded: [wall, step, value]."""
    return tb.wait_for_json(  # type: ignore[no-any-return]
        "/data/plugin/scalars/scalars", lambda pts: len(pts) >= count, run=run, tag=tag
    )


def scalar_tags(tb: TensorBoardServer, run: str, expected: set[str]) -> set[str]:
    """The run's scalar tags once all of ``expected`` are loaded."""
    tags = tb.wait_for_json(
        "/data/plugin/scalars/tags", lambda t: expected <= set(t.get(run, {})), timeout=60
    )
    return set(tags[run])


def text_entries(tb: TensorBoardServer, run: str, tag: str) -> list[dict[str, Any]]:
    tb.wait_for_json("/data/plugin/text/tags", lambda t: tag in t.get(run, []))
    return tb.wait_for_json("/data/plugin/text/text", bool, run=run, tag=tag)  # type: ignore[no-any-return]


def session_groups(
    tb: TensorBoardServer, hparams: list[str], metrics: list[str], groups_with_metrics: set[str]
) -> dict[str, Any]:
    """{session group name: group} once each of ``groups_with_metrics`` is there with a
    value for every metric (TensorBoard lists the metrics of the first run's session)."""

    def ready() -> dict[str, Any] | None:
        body = {
            "experimentName": "",
            "allowedStatuses": ALL_STATUSES,
            "colParams": [{"hparam": name} for name in hparams]
            + [{"metric": {"group": "", "tag": tag}} for tag in metrics],
            "startIndex": 0,
            "sliceSize": 100,
        }
        answer = post_json(tb, "/data/plugin/hparams/session_groups", body)
        groups = {g["name"]: g for g in answer.get("sessionGroups", [])}
        for name in groups_with_metrics:
            if name not in groups:
                return None
            have = {m["name"]["tag"] for m in groups[name]["sessions"][0].get("metricValues", [])}
            if not set(metrics) <= have:
                return None
        return groups

    return tb.wait_for(ready, what="hparams session groups")  # type: ignore[no-any-return]


def metric_values(group: dict[str, Any]) -> dict[str, tuple[float, int]]:
    return {
        m["name"]["tag"]: (m["value"], m["trainingStep"])
        for m in group["sessions"][0]["metricValues"]
    }
