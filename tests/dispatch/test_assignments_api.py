"""Assignment through the API: commitments, acknowledgement, clearing, closing."""

import asyncio

from sqlalchemy import func, select

from muster.core.db import transaction
from muster.dispatch.models import Assignment
from muster.org.roles import Role
from tests.factories.api import make_incident, make_incident_type, make_unit, post
from tests.factories.dispatch import fire_at_city_hall, make_dispatch_department
from tests.factories.extra import assert_problem, colleague
from tests.factories.org import make_caller


async def _setup(client, sessions, **options):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller, **options)
    incident = await post(client, caller, "/incidents", fire_at_city_hall())
    assert incident.status_code == 201, incident.text
    return caller, department, incident.json()


async def _timeline(client, caller, incident_id):
    response = await client.get(
        f"/api/v1/incidents/{incident_id}/timeline", headers=caller.headers
    )
    return response.json()["items"]


async def test_assign_unit_commits_it_and_stamps_dispatch(client, sessions):
    caller, department, incident = await _setup(client, sessions)

    response = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["capability"] == "engine"
    unit = await client.get(
        f"/api/v1/units/{department.units['E1']}", headers=caller.headers
    )
    assert (unit.json()["status"], unit.json()["incident_id"]) == (
        "dispatched",
        incident["id"],
    )
    detail = await client.get(
        f"/api/v1/incidents/{incident['id']}", headers=caller.headers
    )
    assert detail.json()["status"] == "dispatched"
    assert detail.json()["dispatched_at"] is not None
    kinds = [e["kind"] for e in await _timeline(client, caller, incident["id"])]
    assert "assignment.created" in kinds


async def test_assign_unknown_or_foreign_unit_is_422(client, sessions):
    caller, _, incident = await _setup(client, sessions)
    other = await make_caller(sessions)
    foreign = await make_unit(client, other, "X1")

    unknown = await post(
        client, caller, f"/incidents/{incident['id']}/assignments", {"unit_id": "nope"}
    )
    theirs = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": foreign["id"]},
    )

    assert assert_problem(unknown, 422)["errors"][0]["loc"] == ["body", "unit_id"]
    assert_problem(theirs, 422)
    still = await client.get(f"/api/v1/units/{foreign['id']}", headers=other.headers)
    assert still.json()["status"] == "available"


async def test_assign_out_of_service_unit_is_409(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    await post(
        client,
        caller,
        f"/units/{department.units['E1']}/status",
        {"status": "out_of_service"},
    )

    response = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    assert "out of service" in assert_problem(response, 409)["detail"]


async def test_assign_to_closed_incident_is_409(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    await post(
        client,
        caller,
        f"/incidents/{incident['id']}/close",
        {"disposition": "false alarm"},
    )

    response = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    assert_problem(response, 409)


async def test_assign_neither_or_both_targets_is_422(client, sessions):
    caller, department, incident = await _setup(client, sessions)

    neither = await post(client, caller, f"/incidents/{incident['id']}/assignments", {})
    both = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"], "member_id": caller.member_id},
    )

    assert_problem(neither, 422)
    assert_problem(both, 422)


async def test_concurrent_dispatchers_one_unit_twenty_incidents_one_wins(
    client, sessions
):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller)
    incidents = []
    for i in range(20):
        made = await post(
            client,
            caller,
            "/incidents",
            fire_at_city_hall(location={"lat": 30 + i, "lon": -100}),
        )
        incidents.append(made.json()["id"])

    responses = await asyncio.gather(
        *(
            post(
                client,
                caller,
                f"/incidents/{incident_id}/assignments",
                {"unit_id": department.units["E1"]},
            )
            for incident_id in incidents
        )
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19
    winner = next(r for r in responses if r.status_code == 201).json()["incident_id"]
    assert all(
        r.json()["incident_id"] == winner for r in responses if r.status_code == 409
    )
    async with transaction(sessions) as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(
                Assignment.unit_id == department.units["E1"],
                Assignment.cleared_at.is_(None),
            )
        )
    assert live == 1


async def test_assign_member_pages_them_once(client, sessions):
    caller, _, incident = await _setup(client, sessions)

    first = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"member_id": caller.member_id},
    )
    again = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"member_id": caller.member_id},
    )

    assert first.status_code == 201
    assert first.json()["member_id"] == caller.member_id
    assert_problem(again, 409)


async def test_ack_responding_then_status_stamps_assignment_times(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )
    assignment_id = made.json()["id"]

    acked = await post(
        client, caller, f"/assignments/{assignment_id}/ack", {"response": "responding"}
    )
    again = await post(
        client, caller, f"/assignments/{assignment_id}/ack", {"response": "responding"}
    )
    for status in ("en_route", "on_scene"):
        await post(
            client,
            caller,
            f"/units/{department.units['E1']}/status",
            {"status": status},
        )

    assert acked.json()["status"] == "acknowledged"
    assert again.json()["version"] == acked.json()["version"]
    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    row = listed.json()["items"][0]
    assert row["en_route_at"] is not None
    assert row["on_scene_at"] is not None
    detail = await client.get(
        f"/api/v1/incidents/{incident['id']}", headers=caller.headers
    )
    assert detail.json()["status"] == "active"


async def test_unit_moving_without_ack_acknowledges_implicitly(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    await post(
        client,
        caller,
        f"/units/{department.units['E1']}/status",
        {"status": "en_route"},
    )

    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    assert listed.json()["items"][0]["status"] == "acknowledged"
    events = await _timeline(client, caller, incident["id"])
    acks = [e for e in events if e["kind"] == "assignment.acknowledged"]
    assert acks[0]["data"]["implicit"] is True
    assert acks[0]["data"]["assignment_id"] == made.json()["id"]


async def test_self_dispatch_by_status_records_an_assignment(client, sessions):
    caller, department, incident = await _setup(client, sessions)

    await post(
        client,
        caller,
        f"/units/{department.units['E2']}/status",
        {"status": "en_route", "incident_id": incident["id"]},
    )

    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    rows = listed.json()["items"]
    assert [(r["unit_id"], r["status"]) for r in rows] == [
        (department.units["E2"], "acknowledged")
    ]
    assert rows[0]["en_route_at"] is not None


async def test_decline_frees_unit_and_escalates_to_next(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    declined = await post(
        client,
        caller,
        f"/assignments/{made.json()['id']}/ack",
        {"response": "declined"},
    )

    assert declined.json()["status"] == "declined"
    unit = await client.get(
        f"/api/v1/units/{department.units['E1']}", headers=caller.headers
    )
    assert unit.json()["status"] == "available"
    events = await _timeline(client, caller, incident["id"])
    escalated = [e for e in events if e["kind"] == "assignment.escalated"]
    assert escalated[0]["data"]["next"]["name"] == "E2"
    assert "incident.supervisor_alerted" in [e["kind"] for e in events]


async def test_decline_under_auto_dispatch_assigns_replacement(client, sessions):
    caller, department, incident = await _setup(client, sessions, auto_dispatch=True)
    first = incident["assignments"][0]

    await post(
        client, caller, f"/assignments/{first['id']}/ack", {"response": "declined"}
    )

    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    live = {r["unit_id"] for r in listed.json()["items"] if r["status"] == "pending"}
    assert department.units["E3"] in live
    assert first["unit_id"] not in live


async def test_ack_after_clear_is_409(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )
    path = f"/assignments/{made.json()['id']}"

    cleared = await post(client, caller, f"{path}/clear", {})
    late = await post(client, caller, f"{path}/ack", {"response": "responding"})
    again = await post(client, caller, f"{path}/clear", {})

    assert cleared.json()["status"] == "cleared"
    assert_problem(late, 409)
    assert_problem(again, 409)
    unit = await client.get(
        f"/api/v1/units/{department.units['E1']}", headers=caller.headers
    )
    assert unit.json()["status"] == "available"


async def test_close_incident_clears_assignments_and_frees_units(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    for name in ("E1", "T1"):
        await post(
            client,
            caller,
            f"/incidents/{incident['id']}/assignments",
            {"unit_id": department.units[name]},
        )

    closed = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/close",
        {"disposition": "Out on arrival"},
    )

    assert closed.json()["status"] == "closed"
    listed = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=caller.headers
    )
    assert {r["status"] for r in listed.json()["items"]} == {"cleared"}
    units = await client.get("/api/v1/units", headers=caller.headers)
    assert {u["status"] for u in units.json()["items"]} == {"available"}


async def test_assignment_of_other_department_is_404(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    made = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )
    other = await make_caller(sessions)

    ack = await post(
        client, other, f"/assignments/{made.json()['id']}/ack", {"response": "declined"}
    )
    listing = await client.get(
        f"/api/v1/incidents/{incident['id']}/assignments", headers=other.headers
    )

    assert_problem(ack, 404)
    assert_problem(listing, 404)


async def test_viewer_cannot_assign(client, sessions):

    caller, department, incident = await _setup(client, sessions)
    viewer = await colleague(sessions, caller, Role.VIEWER)

    response = await post(
        client,
        viewer,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": department.units["E1"]},
    )

    assert_problem(response, 403)


async def test_plain_incident_type_is_not_auto_dispatched(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller, code="SERVICE")

    made = await make_incident(client, caller, type="SERVICE")

    assert made["assignments"] == []
