"""Personnel status, staffing levels of members and staffing of units."""

from datetime import timedelta

from sqlalchemy import select

from muster.core import clock
from muster.core.db import transaction
from muster.events.models import Event
from muster.org.roles import Role
from tests.factories.api import make_incident, make_incident_type, make_unit, post
from tests.factories.extra import assert_problem, colleague, get, timeline_kinds
from tests.factories.org import make_caller


async def _kinds(sessions, department_id: str) -> list[str]:
    async with transaction(sessions) as session:
        rows = await session.scalars(
            select(Event.kind)
            .where(Event.department_id == department_id)
            .order_by(Event.seq)
        )
        return list(rows)


async def test_member_responds_to_incident_with_eta(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    responder = await colleague(sessions, caller, Role.RESPONDER)
    body = {"status": "responding", "incident_id": incident["id"], "eta_s": 300}

    response = await post(
        client, responder, f"/members/{responder.member_id}/status", body
    )

    assert response.status_code == 200, response.text
    person = response.json()
    assert (person["status"], person["incident_id"]) == ("responding", incident["id"])
    assert person["eta_at"] is not None
    assert "member.status_changed" in await timeline_kinds(
        client, caller, incident["id"]
    )


async def test_leaving_an_incident_is_on_its_timeline(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    path = f"/members/{caller.member_id}/status"
    await post(
        client, caller, path, {"status": "on_scene", "incident_id": incident["id"]}
    )

    response = await post(client, caller, path, {"status": "available"})

    assert response.json()["incident_id"] is None
    kinds = await timeline_kinds(client, caller, incident["id"])
    assert kinds.count("member.status_changed") == 2


async def test_personnel_lists_everyone_and_filters_by_status(client, sessions):
    caller = await make_caller(sessions)
    responder = await colleague(sessions, caller, Role.RESPONDER)
    await post(
        client,
        responder,
        f"/members/{responder.member_id}/status",
        {"status": "on_scene"},
    )

    everyone = await get(client, caller, "/personnel")
    on_scene = await get(client, caller, "/personnel", status="on_scene")

    statuses = {p["member_id"]: p["status"] for p in everyone.json()["items"]}
    assert statuses == {caller.member_id: None, responder.member_id: "on_scene"}
    assert [p["member_id"] for p in on_scene.json()["items"]] == [responder.member_id]


async def test_personnel_pages_by_name(client, sessions):
    caller = await make_caller(sessions)
    for _ in range(2):
        await colleague(sessions, caller, Role.RESPONDER)

    first = await get(client, caller, "/personnel", limit=2)
    rest = await get(client, caller, "/personnel", cursor=first.json()["next_cursor"])

    names = [p["name"] for p in first.json()["items"] + rest.json()["items"]]
    assert len(names) == 3
    assert names == sorted(names)
    assert rest.json()["next_cursor"] is None


async def test_repeated_status_appends_no_second_event(client, sessions):
    caller = await make_caller(sessions)
    path = f"/members/{caller.member_id}/status"
    await post(client, caller, path, {"status": "available"})
    before = await _kinds(sessions, caller.department_id)

    again = await post(client, caller, path, {"status": "available"})

    assert again.status_code == 200, again.text
    assert await _kinds(sessions, caller.department_id) == before


async def test_status_with_position_moves_member_and_keeps_history(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        f"/members/{caller.member_id}/status",
        {"status": "available", "lat": 1.5, "lon": 2.5},
    )
    track = await get(client, caller, f"/members/{caller.member_id}/locations")

    assert (response.json()["lat"], response.json()["lon"]) == (1.5, 2.5)
    assert response.json()["position_stale"] is False
    assert [(p["lat"], p["lon"]) for p in track.json()["items"]] == [(1.5, 2.5)]


async def test_responder_cannot_set_anothers_status_but_dispatcher_can(
    client, sessions
):
    caller = await make_caller(sessions)
    responder = await colleague(sessions, caller, Role.RESPONDER)
    dispatcher = await colleague(sessions, caller, Role.DISPATCHER)
    path = f"/members/{dispatcher.member_id}/status"

    refused = await post(client, responder, path, {"status": "unavailable"})
    allowed = await post(
        client,
        dispatcher,
        f"/members/{responder.member_id}/status",
        {"status": "not_responding"},
    )

    assert_problem(refused, 403)
    assert allowed.json()["status"] == "not_responding"


async def test_status_of_foreign_member_is_404(client, sessions):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)

    response = await post(
        client, caller, f"/members/{other.member_id}/status", {"status": "available"}
    )

    assert_problem(response, 404)


async def test_status_naming_unknown_incident_is_422_and_writes_nothing(
    client, sessions
):
    caller = await make_caller(sessions)
    before = await _kinds(sessions, caller.department_id)

    response = await post(
        client,
        caller,
        f"/members/{caller.member_id}/status",
        {"status": "responding", "incident_id": "nope"},
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "incident_id"]
    assert await _kinds(sessions, caller.department_id) == before


async def test_status_for_closed_incident_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    closed = await post(
        client, caller, f"/incidents/{incident['id']}/close", {"disposition": "done"}
    )
    assert closed.status_code == 200, closed.text

    response = await post(
        client,
        caller,
        f"/members/{caller.member_id}/status",
        {"status": "responding", "incident_id": incident["id"]},
    )

    assert_problem(response, 409)


async def test_bad_status_bodies_are_422(client, sessions):
    caller = await make_caller(sessions)
    path = f"/members/{caller.member_id}/status"
    future = (clock.now() + timedelta(hours=1)).isoformat()

    for body in (
        {"status": "asleep"},
        {"status": "available", "eta_s": 60},
        {"status": "responding", "lat": 1},
        {"status": "responding", "at": future},
        {"status": "on_scene", "lat": 200, "lon": 1},
    ):
        assert_problem(await post(client, caller, path, body), 422)


async def test_member_staffing_level_is_an_event(client, sessions):
    caller = await make_caller(sessions)
    path = f"/members/{caller.member_id}/staffing"

    response = await post(client, caller, path, {"level": "on_shift"})
    again = await post(client, caller, path, {"level": "on_shift"})
    bad = await post(client, caller, path, {"level": "sleepy"})

    assert response.json()["level"] == "on_shift"
    assert again.status_code == 200, again.text
    kinds = await _kinds(sessions, caller.department_id)
    assert kinds.count("member.staffing_changed") == 1
    assert_problem(bad, 422)


async def test_unit_staffing_change_is_an_event_and_new_version(client, sessions):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller, crew_size=4)
    path = f"/units/{unit['id']}/staffing"

    response = await post(client, caller, path, {"staffing": "on_call", "crew_size": 2})
    again = await post(client, caller, path, {"staffing": "on_call"})

    body = response.json()
    assert (body["staffing"], body["crew_size"]) == ("on_call", 2)
    assert body["version"] == unit["version"] + 1
    assert again.json()["version"] == body["version"]
    kinds = await _kinds(sessions, caller.department_id)
    assert kinds.count("unit.staffing_changed") == 1


async def test_unit_staffing_of_foreign_unit_is_404_and_bad_value_422(client, sessions):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    foreign = await make_unit(client, other, "X1")
    mine = await make_unit(client, caller)

    missing = await post(
        client, caller, f"/units/{foreign['id']}/staffing", {"staffing": "on_call"}
    )
    bad = await post(
        client, caller, f"/units/{mine['id']}/staffing", {"staffing": "asleep"}
    )

    assert_problem(missing, 404)
    assert_problem(bad, 422)
