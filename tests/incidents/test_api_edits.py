"""Editing, filtering, cancelling and reopening incidents."""

from datetime import UTC, datetime, timedelta

from muster.core.pagination import encode_cursor
from tests.factories.api import (
    FIRE_FIELDS,
    make_incident,
    make_incident_type,
    make_unit,
    post,
)
from tests.factories.extra import assert_problem
from tests.factories.org import make_caller


async def _patch(client, caller, incident, body):
    return await client.patch(
        f"/api/v1/incidents/{incident['id']}", json=body, headers=caller.headers
    )


async def test_create_incident_type_schema_not_an_object_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        "/incident-types",
        {"code": "X", "name": "X", "fields_schema": {"type": "array"}},
    )

    assert assert_problem(response, 422)["errors"][0]["loc"] == [
        "body",
        "fields_schema",
    ]


async def test_patch_incident_type_change_revalidates_fields(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    await make_incident_type(client, caller, code="BIG", fields_schema=FIRE_FIELDS)
    incident = await make_incident(client, caller, fields={"colour": "red"})

    refused = await _patch(client, caller, incident, {"type": "BIG"})
    accepted = await _patch(
        client, caller, incident, {"type": "BIG", "fields": {"floors": 2}}
    )

    assert_problem(refused, 422)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["type"], accepted.json()["fields"]) == (
        "BIG",
        {"floors": 2},
    )


async def test_patch_incident_location_and_impact_recomputes_priority(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller, default_priority=5)
    incident = await make_incident(client, caller)

    response = await _patch(
        client,
        caller,
        incident,
        {
            "location": {"lat": 40.0, "lon": -74.0, "address": "Elsewhere"},
            "impact": "high",
            "urgency": "high",
        },
    )

    body = response.json()
    assert body["location"] == {"lat": 40.0, "lon": -74.0, "address": "Elsewhere"}
    assert body["priority"] == 1


async def test_patch_incident_nothing_changes_nothing(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await _patch(client, caller, incident, {})

    assert response.json()["version"] == incident["version"]
    timeline = await client.get(
        f"/api/v1/incidents/{incident['id']}/timeline", headers=caller.headers
    )
    assert [e["kind"] for e in timeline.json()["items"]] == ["incident.created"]


async def test_patch_incident_null_description_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await _patch(client, caller, incident, {"description": None})

    assert_problem(response, 422)


async def test_list_incidents_by_priority_since_and_owner(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    old = datetime.now(UTC) - timedelta(days=2)
    await make_incident(client, caller, received_at=old.isoformat(), priority=1)
    owned = await make_incident(client, caller, owner_id=caller.member_id, priority=4)
    recent = await make_incident(client, caller, priority=1)
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    by_priority = await client.get(
        "/api/v1/incidents",
        params={"priority": 1, "since": since},
        headers=caller.headers,
    )
    by_owner = await client.get(
        "/api/v1/incidents",
        params={"owner_id": caller.member_id},
        headers=caller.headers,
    )

    assert [i["id"] for i in by_priority.json()["items"]] == [recent["id"]]
    assert [i["id"] for i in by_owner.json()["items"]] == [owned["id"]]


async def test_list_incidents_cursor_with_bad_time_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await client.get(
        "/api/v1/incidents",
        params={"cursor": encode_cursor("yesterday", "x")},
        headers=caller.headers,
    )

    assert_problem(response, 422)


async def test_cancel_incident_sets_closed_time_and_reopens_as_new(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    path = f"/incidents/{incident['id']}"

    cancelled = await post(
        client,
        caller,
        f"{path}/status",
        {"status": "cancelled", "reason": "caller called back"},
    )
    reopened = await post(client, caller, f"{path}/reopen", {})

    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["closed_at"] is not None
    assert reopened.json()["status"] == "new"


async def test_reopen_open_incident_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await post(client, caller, f"/incidents/{incident['id']}/reopen", {})

    assert_problem(response, 409)


async def test_reopen_after_units_on_scene_returns_to_active(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    unit = await make_unit(client, caller)
    await post(
        client,
        caller,
        f"/units/{unit['id']}/status",
        {"status": "on_scene", "incident_id": incident["id"]},
    )
    await post(client, caller, f"/units/{unit['id']}/status", {"status": "available"})
    await post(
        client, caller, f"/incidents/{incident['id']}/close", {"disposition": "ok"}
    )

    reopened = await post(client, caller, f"/incidents/{incident['id']}/reopen", {})

    assert reopened.json()["status"] == "active"
    assert reopened.json()["first_on_scene_at"] is not None
