"""Incidents through the API: creation, numbering, callers, lifecycle, timeline."""

from datetime import UTC, datetime, timedelta

from tests.factories.api import (
    FIRE_FIELDS,
    incident_body,
    make_incident,
    make_incident_type,
    post,
)
from tests.factories.org import make_caller, make_department


async def test_create_incident_valid_body_returns_record_with_number(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    incident = await make_incident(client, caller)

    year = datetime.now(UTC).year
    assert incident["number"] == f"{year}-000001"
    assert incident["status"] == "new"
    assert incident["priority"] == 2
    assert incident["version"] == 1
    assert incident["received_at"] is not None
    for field in (
        "dispatched_at",
        "first_en_route_at",
        "first_on_scene_at",
        "under_control_at",
        "closed_at",
    ):
        assert incident[field] is None
    assert incident["reports"][0]["caller_name"] == "Pat"
    assert incident["possible_duplicates"] == []


async def test_create_incident_numbers_are_consecutive(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    numbers = [(await make_incident(client, caller))["number"] for _ in range(3)]

    assert [n.split("-")[1] for n in numbers] == ["000001", "000002", "000003"]


async def test_create_incident_numbering_is_per_department(client, sessions):
    first = await make_caller(sessions)
    second = await make_caller(sessions)
    for caller in (first, second):
        await make_incident_type(client, caller)

    await make_incident(client, first)
    other = await make_incident(client, second)

    assert other["number"].endswith("-000001")


async def test_create_incident_year_follows_department_time_zone(client, sessions):
    department = await make_department(sessions, timezone="Pacific/Kiritimati")
    caller = await make_caller(sessions, department=department)
    await make_incident_type(client, caller)
    # 10:30 UTC on 31 December is already New Year's Day at UTC+14.
    received = datetime(datetime.now(UTC).year - 1, 12, 31, 10, 30, tzinfo=UTC)

    incident = await make_incident(client, caller, received_at=received.isoformat())

    assert incident["number"] == f"{received.year + 1}-000001"


async def test_create_incident_priority_from_impact_and_urgency(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller, default_priority=5)

    urgent = await make_incident(client, caller, impact="high", urgency="high")
    mixed = await make_incident(client, caller, impact="low", urgency="medium")
    typed = await make_incident(client, caller)
    given = await make_incident(
        client, caller, priority=3, impact="high", urgency="high"
    )

    assert [
        urgent["priority"],
        mixed["priority"],
        typed["priority"],
        given["priority"],
    ] == [
        1,
        4,
        5,
        3,
    ]


async def test_create_incident_near_open_incident_lists_possible_duplicate(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    first = await make_incident(client, caller)

    second = await make_incident(
        client, caller, location={"lat": 37.7760, "lon": -122.4194}
    )

    duplicates = second["possible_duplicates"]
    assert [d["id"] for d in duplicates] == [first["id"]]
    assert 100 < duplicates[0]["distance_m"] < 150


async def test_create_incident_far_or_closed_or_other_category_is_no_duplicate(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    await make_incident_type(client, caller, code="MEDICAL", category="ems")
    closed = await make_incident(client, caller)
    await post(
        client, caller, f"/incidents/{closed['id']}/close", {"disposition": "done"}
    )
    await make_incident(client, caller, location={"lat": 37.80, "lon": -122.4194})
    await make_incident(client, caller, type="MEDICAL")

    fresh = await make_incident(client, caller)

    assert fresh["possible_duplicates"] == []


async def test_create_incident_old_incident_outside_window_is_no_duplicate(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    await make_incident(client, caller, received_at=long_ago.isoformat())

    fresh = await make_incident(client, caller)

    assert fresh["possible_duplicates"] == []


async def test_add_report_second_caller_attaches_to_incident(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/reports",
        {"name": "Sam", "phone": "555 0199", "report": "Flames now"},
    )

    assert response.status_code == 201
    detail = await client.get(
        f"/api/v1/incidents/{incident['id']}", headers=caller.headers
    )
    assert [r["caller_name"] for r in detail.json()["reports"]] == ["Pat", "Sam"]


async def test_add_note_appears_on_timeline(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/notes",
        {"text": "Hydrant at the corner is out of service"},
    )

    assert response.status_code == 201
    timeline = await client.get(
        f"/api/v1/incidents/{incident['id']}/timeline", headers=caller.headers
    )
    kinds = [e["kind"] for e in timeline.json()["items"]]
    assert kinds == ["incident.created", "incident.note_added"]
    assert timeline.json()["items"][1]["data"]["text"].startswith("Hydrant")
    assert timeline.json()["items"][1]["actor"]["id"] == caller.member_id


async def test_incident_lifecycle_to_closure_and_reopen(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    path = f"/incidents/{incident['id']}"

    for status in ("dispatched", "active", "under_control"):
        response = await post(client, caller, f"{path}/status", {"status": status})
        assert response.status_code == 200, response.text
    closed = await post(
        client, caller, f"{path}/close", {"disposition": "Extinguished"}
    )
    reopened = await post(client, caller, f"{path}/reopen", {})

    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    assert closed.json()["disposition"] == "Extinguished"
    assert closed.json()["dispatched_at"] is not None
    assert closed.json()["under_control_at"] is not None
    assert reopened.json()["status"] == "dispatched"
    assert reopened.json()["closed_at"] is None
    timeline = await client.get(f"/api/v1{path}/timeline", headers=caller.headers)
    assert [e["kind"] for e in timeline.json()["items"]] == [
        "incident.created",
        "incident.status_changed",
        "incident.status_changed",
        "incident.status_changed",
        "incident.closed",
        "incident.reopened",
    ]
    seqs = [e["seq"] for e in timeline.json()["items"]]
    assert seqs == sorted(seqs)


async def test_change_status_illegal_move_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    backwards = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/status",
        {"status": "under_control"},
    )
    to_closed = await post(
        client, caller, f"/incidents/{incident['id']}/status", {"status": "closed"}
    )

    assert backwards.status_code == 409
    assert backwards.headers["content-type"] == "application/problem+json"
    assert to_closed.status_code == 409


async def test_close_closed_incident_is_409_and_blank_disposition_is_422(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    path = f"/incidents/{incident['id']}"

    blank = await post(client, caller, f"{path}/close", {"disposition": "  "})
    first = await post(client, caller, f"{path}/close", {"disposition": "False alarm"})
    again = await post(client, caller, f"{path}/close", {"disposition": "Again"})
    edit = await client.patch(
        f"/api/v1{path}", json={"description": "x"}, headers=caller.headers
    )

    assert [
        blank.status_code,
        first.status_code,
        again.status_code,
        edit.status_code,
    ] == [
        422,
        200,
        409,
        409,
    ]


async def test_patch_incident_with_current_version_updates(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await client.patch(
        f"/api/v1/incidents/{incident['id']}",
        json={
            "description": "Kitchen fire, knocked down",
            "priority": 3,
            "owner_id": caller.member_id,
        },
        headers={**caller.headers, "If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["description"],
        body["priority"],
        body["owner_id"],
        body["version"],
    ) == (
        "Kitchen fire, knocked down",
        3,
        caller.member_id,
        2,
    )


async def test_patch_incident_stale_version_is_409_with_current_version(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    url = f"/api/v1/incidents/{incident['id']}"
    await client.patch(
        url, json={"priority": 4}, headers={**caller.headers, "If-Match": "1"}
    )

    stale = await client.patch(
        url, json={"priority": 5}, headers={**caller.headers, "If-Match": "1"}
    )

    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    current = await client.get(url, headers=caller.headers)
    assert current.json()["priority"] == 4


async def test_patch_incident_unknown_owner_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await client.patch(
        f"/api/v1/incidents/{incident['id']}",
        json={"owner_id": "nobody"},
        headers=caller.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner_id"]


async def test_create_incident_fields_validated_against_type_schema(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller, fields_schema=FIRE_FIELDS)

    good = await post(client, caller, "/incidents", incident_body(fields={"floors": 3}))
    bad = await post(client, caller, "/incidents", incident_body(fields={"floors": 0}))
    extra = await post(
        client, caller, "/incidents", incident_body(fields={"colour": "red"})
    )

    assert good.status_code == 201
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "fields", "floors"]
    assert extra.status_code == 422


async def test_create_incident_type_invalid_schema_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        "/incident-types",
        {
            "code": "X",
            "name": "X",
            "fields_schema": {"type": "object", "properties": 5},
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "fields_schema"]


async def test_create_incident_type_duplicate_code_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    response = await post(
        client, caller, "/incident-types", {"code": "FIRE", "name": "Fire"}
    )

    assert response.status_code == 409


async def test_list_incidents_filters_and_pages(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    await make_incident_type(client, caller, code="MEDICAL", category="ems")
    made = [
        await make_incident(client, caller, description=f"fire number {i}")
        for i in range(5)
    ]
    medical = await make_incident(
        client, caller, type="MEDICAL", description="chest pain"
    )
    await post(
        client, caller, f"/incidents/{made[0]['id']}/status", {"status": "dispatched"}
    )

    page1 = await client.get(
        "/api/v1/incidents?type=FIRE&limit=3", headers=caller.headers
    )
    cursor = page1.json()["next_cursor"]
    page2 = await client.get(
        f"/api/v1/incidents?type=FIRE&limit=3&cursor={cursor}", headers=caller.headers
    )
    by_status = await client.get(
        "/api/v1/incidents?status=new,dispatched&q=number%204", headers=caller.headers
    )
    by_text = await client.get("/api/v1/incidents?q=CHEST", headers=caller.headers)
    dispatched = await client.get(
        "/api/v1/incidents?status=dispatched", headers=caller.headers
    )

    ids = [i["id"] for i in page1.json()["items"] + page2.json()["items"]]
    assert ids == [m["id"] for m in reversed(made)]
    assert page2.json()["next_cursor"] is None
    assert [i["id"] for i in by_status.json()["items"]] == [made[4]["id"]]
    assert [i["id"] for i in by_text.json()["items"]] == [medical["id"]]
    assert [i["id"] for i in dispatched.json()["items"]] == [made[0]["id"]]


async def test_list_incidents_bad_filters_are_422(client, sessions):
    caller = await make_caller(sessions)

    bad_status = await client.get(
        "/api/v1/incidents?status=burning", headers=caller.headers
    )
    bad_cursor = await client.get(
        "/api/v1/incidents?cursor=%%%", headers=caller.headers
    )
    bad_limit = await client.get("/api/v1/incidents?limit=0", headers=caller.headers)

    assert [bad_status.status_code, bad_cursor.status_code, bad_limit.status_code] == [
        422,
        422,
        422,
    ]


async def test_read_unknown_incident_is_404_problem(client, sessions):
    caller = await make_caller(sessions)

    response = await client.get(
        "/api/v1/incidents/does-not-exist", headers=caller.headers
    )

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert response.json()["status"] == 404


async def test_timeline_pages_with_after(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    for i in range(4):
        await post(
            client, caller, f"/incidents/{incident['id']}/notes", {"text": f"n{i}"}
        )
    url = f"/api/v1/incidents/{incident['id']}/timeline"

    first = await client.get(f"{url}?limit=2", headers=caller.headers)
    rest = await client.get(
        f"{url}?after={first.json()['next_cursor']}", headers=caller.headers
    )

    assert len(first.json()["items"]) == 2
    assert [e["data"]["text"] for e in rest.json()["items"]] == ["n1", "n2", "n3"]
