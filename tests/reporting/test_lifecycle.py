"""Intervals of incidents worked through the API, including a reopened one."""

from datetime import UTC, datetime, timedelta

import pytest

from muster.core import clock
from tests.factories.api import make_incident, make_incident_type, make_unit, post
from tests.factories.extra import get
from tests.factories.org import make_caller

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def at():
    moment = {"now": START}
    clock.set_clock(lambda: moment["now"])

    def move(seconds: float) -> None:
        moment["now"] = START + timedelta(seconds=seconds)

    yield move
    clock.set_clock(None)


async def test_reopened_incident_counts_once_with_its_first_times(client, sessions, at):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    unit = await make_unit(client, caller)
    incident = await make_incident(client, caller)
    path = f"/incidents/{incident['id']}"

    at(20)
    made = await post(client, caller, f"{path}/assignments", {"unit_id": unit["id"]})
    assert made.status_code == 201, made.text
    for seconds, status in ((60, "en_route"), (200, "on_scene")):
        at(seconds)
        moved = await post(
            client, caller, f"/units/{unit['id']}/status", {"status": status}
        )
        assert moved.status_code == 200, moved.text
    for seconds, action, body in (
        (600, "close", {"disposition": "Out"}),
        (700, "reopen", {}),
        (800, "close", {"disposition": "Out again"}),
    ):
        at(seconds)
        done = await post(client, caller, f"{path}/{action}", body)
        assert done.status_code == 200, done.text

    report = (await get(client, caller, "/reports/response-times")).json()

    figures = {k: (v["count"], v["median"]) for k, v in report["intervals"].items()}
    assert figures == {
        "call_processing": (1, 20),
        "turnout": (1, 40),
        "travel": (1, 140),
        "total_response": (1, 200),
        "committed": (1, 580),
    }
