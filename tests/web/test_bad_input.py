"""Bad input gets a clear 4xx problem, and nothing is written."""

import pytest
from sqlalchemy import func, select

from muster.core.db import transaction
from muster.events.models import Event
from muster.incidents.models import Incident, IncidentReport
from tests.factories.api import incident_body, make_incident_type
from tests.factories.org import make_caller


async def _counts(sessions, department_id):
    async with transaction(sessions) as session:
        incidents = await session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(Incident.department_id == department_id)
        )
        reports = await session.scalar(select(func.count()).select_from(IncidentReport))
        events = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.department_id == department_id)
        )
    return incidents, reports, events


BAD_BODIES = {
    "wrong_type_priority": (
        incident_body(priority="urgent"),
        422,
        ["body", "priority"],
    ),
    "priority_out_of_range": (incident_body(priority=9), 422, ["body", "priority"]),
    "unknown_type": (incident_body(type="VOLCANO"), 422, ["body", "type"]),
    "latitude_91": (
        incident_body(location={"lat": 91, "lon": 0}),
        422,
        ["body", "location", "lat"],
    ),
    "longitude_181": (
        incident_body(location={"lat": 0, "lon": 181}),
        422,
        ["body", "location", "lon"],
    ),
    "empty_description": (incident_body(description=""), 422, ["body", "description"]),
    "blank_description": (
        incident_body(description="   "),
        422,
        ["body", "description"],
    ),
    "missing_location": (
        {"type": "FIRE", "description": "x"},
        422,
        ["body", "location"],
    ),
    "unknown_field": (incident_body(prority=1), 422, ["body", "prority"]),
    "future_received_at": (
        incident_body(received_at="2999-01-01T00:00:00Z"),
        422,
        ["body", "received_at"],
    ),
    "body_is_list": ([1, 2, 3], 422, ["body"]),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_create_incident_bad_body_is_problem_and_writes_nothing(
    client, sessions, case
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    body, status, loc = BAD_BODIES[case]
    before = await _counts(sessions, caller.department_id)

    response = await client.post("/api/v1/incidents", json=body, headers=caller.headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    assert any(error["loc"][: len(loc)] == loc for error in problem["errors"]), problem
    assert await _counts(sessions, caller.department_id) == before


async def test_create_incident_malformed_json_is_400_and_writes_nothing(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    before = await _counts(sessions, caller.department_id)

    response = await client.post(
        "/api/v1/incidents",
        content=b'{"type": "FIRE", "description":',
        headers={**caller.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-json"
    assert await _counts(sessions, caller.department_id) == before


async def test_create_incident_oversized_declared_body_is_413(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    before = await _counts(sessions, caller.department_id)
    huge = incident_body(description="x" * (1024 * 1024 + 10))

    response = await client.post("/api/v1/incidents", json=huge, headers=caller.headers)

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"
    assert await _counts(sessions, caller.department_id) == before


async def test_create_incident_oversized_streamed_body_is_413(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    before = await _counts(sessions, caller.department_id)

    async def chunks():
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        "/api/v1/incidents",
        content=chunks(),
        headers={**caller.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert await _counts(sessions, caller.department_id) == before


async def test_request_without_token_is_401_with_challenge(client):
    response = await client.get("/api/v1/incidents")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_unknown_route_is_404_problem(client):
    response = await client.get("/api/v1/volcanoes")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_if_match_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await client.patch(
        "/api/v1/incidents/x", json={}, headers={**caller.headers, "If-Match": "abc"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "If-Match"]
