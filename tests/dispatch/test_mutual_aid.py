"""Mutual aid inside one instance: links, recommending and requesting a lent unit,
the lender's answer, and the record each department keeps of it."""

from muster.core.db import transaction
from muster.events import service as event_service
from muster.jobs.worker import Worker
from muster.org.roles import Role
from muster.web.app import JOB_HANDLERS
from tests.factories.api import make_incident, make_incident_type, post
from tests.factories.dispatch import fire_at_city_hall, make_dispatch_department
from tests.factories.extra import (
    assert_problem,
    colleague,
    delete,
    get,
    set_unit_status,
    timeline_kinds,
)
from tests.factories.org import make_caller

# A ladder of the lending department, a few blocks from City Hall.
L9 = {"name": "L9", "unit_type": "TRUCK", "lat": 37.7830, "lon": -122.4170}


async def _lender(client, sessions):
    caller = await make_caller(sessions)
    kind = {"code": "TRUCK", "name": "Truck", "capabilities": ["ladder"]}
    assert (await post(client, caller, "/unit-types", kind)).status_code == 201
    unit = await post(client, caller, "/units", {**L9, "crew_size": 4})
    assert unit.status_code == 201, unit.text
    return caller, unit.json()["id"]


async def _short_of_a_ladder(client, sessions, *, linked=True):
    """Asker's T1 is busy elsewhere; the lender has L9 and, if linked, lends."""
    asker = await make_caller(sessions)
    department = await make_dispatch_department(client, asker)
    busy = await post(
        client,
        asker,
        "/incidents",
        fire_at_city_hall(location={"lat": 37.7, "lon": -122.45}),
    )
    await post(
        client,
        asker,
        f"/incidents/{busy.json()['id']}/assignments",
        {"unit_id": department.units["T1"]},
    )
    lender, l9 = await _lender(client, sessions)
    if linked:
        link = await post(
            client, lender, "/mutual-aid/links", {"department": asker.department_slug}
        )
        assert link.status_code == 201, link.text
    incident = (await post(client, asker, "/incidents", fire_at_city_hall())).json()
    return asker, lender, l9, incident, busy.json()


async def _request_l9(client, sessions):
    asker, lender, l9, incident, _ = await _short_of_a_ladder(client, sessions)
    made = await post(
        client, asker, f"/incidents/{incident['id']}/assignments", {"unit_id": l9}
    )
    assert made.status_code == 201, made.text
    requests = await get(client, lender, "/mutual-aid/requests", direction="incoming")
    (request,) = requests.json()["items"]
    return asker, lender, l9, incident, made.json(), request


# Links ------------------------------------------------------------------------------


async def test_lender_grants_a_link_both_sides_see_it(client, sessions):
    asker = await make_caller(sessions)
    lender = await make_caller(sessions)

    made = await post(
        client, lender, "/mutual-aid/links", {"department": asker.department_slug}
    )

    assert made.status_code == 201, made.text
    link = made.json()
    assert link["department"]["id"] == asker.department_id
    assert link["partner"]["id"] == lender.department_id
    for side in (asker, lender):
        listed = await get(client, side, "/mutual-aid/links")
        assert [x["id"] for x in listed.json()["items"]] == [link["id"]]
    outsider = await make_caller(sessions)
    assert (await get(client, outsider, "/mutual-aid/links")).json()["items"] == []


async def test_bad_links_are_refused(client, sessions):
    asker = await make_caller(sessions)
    lender = await make_caller(sessions)
    viewer = await colleague(sessions, lender, Role.VIEWER)
    body = {"department": asker.department_slug}
    await post(client, lender, "/mutual-aid/links", body)

    again = await post(client, lender, "/mutual-aid/links", body)
    unknown = await post(client, lender, "/mutual-aid/links", {"department": "nope"})
    itself = await post(
        client, lender, "/mutual-aid/links", {"department": lender.department_slug}
    )
    forbidden = await post(client, viewer, "/mutual-aid/links", body)
    extra = await post(client, lender, "/mutual-aid/links", {**body, "x": 1})

    assert_problem(again, 409)
    assert_problem(unknown, 422)
    assert_problem(itself, 422)
    assert_problem(forbidden, 403)
    assert_problem(extra, 422)
    listed = await get(client, lender, "/mutual-aid/links")
    assert len(listed.json()["items"]) == 1


async def test_either_side_may_end_a_link_others_get_404(client, sessions):
    asker = await make_caller(sessions)
    lender = await make_caller(sessions)
    outsider = await make_caller(sessions)
    made = await post(
        client, lender, "/mutual-aid/links", {"department": asker.department_slug}
    )
    path = f"/mutual-aid/links/{made.json()['id']}"

    assert_problem(await delete(client, outsider, path), 404)
    assert (await delete(client, asker, path)).status_code == 204
    assert (await get(client, lender, "/mutual-aid/links")).json()["items"] == []


# Recommendation -------------------------------------------------------------------


async def test_shortfall_is_filled_from_the_linked_department(client, sessions):
    asker, lender, l9, incident, _ = await _short_of_a_ladder(client, sessions)

    response = await get(client, asker, f"/incidents/{incident['id']}/recommendation")

    body = response.json()
    ladder = [p for p in body["picks"] if p["capability"] == "ladder"]
    assert [(p["unit_id"], p["mutual_aid"]) for p in ladder] == [(l9, True)]
    assert ladder[0]["department_id"] == lender.department_id
    assert ladder[0]["reason"].startswith("mutual aid from ")
    assert body["shortfalls"] == []
    own = [p for p in body["picks"] if p["capability"] == "engine"]
    assert all(not p["mutual_aid"] for p in own)


async def test_without_a_link_the_shortfall_stays_and_lender_units_are_unknown(
    client, sessions
):
    asker, _, l9, incident, busy = await _short_of_a_ladder(
        client, sessions, linked=False
    )

    response = await get(client, asker, f"/incidents/{incident['id']}/recommendation")
    assign = await post(
        client, asker, f"/incidents/{incident['id']}/assignments", {"unit_id": l9}
    )

    (shortfall,) = response.json()["shortfalls"]
    assert shortfall["capability"] == "ladder"
    assert busy["number"] in shortfall["reason"]
    assert_problem(assign, 422)


async def test_shortfall_left_after_mutual_aid_gives_both_reasons(client, sessions):
    asker, _, l9, _, _ = await _short_of_a_ladder(client, sessions)
    medical = fire_at_city_hall(location={"lat": 37.7794, "lon": -122.4194})
    incident = (await post(client, asker, "/incidents", medical)).json()
    await post(
        client,
        asker,
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": l9},
    )
    other = (await post(client, asker, "/incidents", fire_at_city_hall())).json()

    response = await get(client, asker, f"/incidents/{other['id']}/recommendation")

    (shortfall,) = response.json()["shortfalls"]
    assert "linked departments:" in shortfall["reason"]


# Requests and answers -------------------------------------------------------------


async def test_assigning_a_lent_unit_commits_it_and_asks_the_lender(client, sessions):
    asker, lender, l9, incident, assignment, request = await _request_l9(
        client, sessions
    )

    assert assignment["status"] == "requested"
    assert assignment["provider_department_id"] == lender.department_id
    assert request["status"] == "pending"
    assert (request["incident_number"], request["unit_name"]) == (
        incident["number"],
        "L9",
    )
    assert request["department"]["slug"] == asker.department_slug
    assert request["assignment_id"] == assignment["id"]
    unit = (await get(client, lender, f"/units/{l9}")).json()
    assert (unit["status"], unit["incident_id"]) == ("dispatched", incident["id"])
    outgoing = await get(client, asker, "/mutual-aid/requests", direction="outgoing")
    assert [r["id"] for r in outgoing.json()["items"]] == [request["id"]]
    assert "mutual_aid.requested" in await timeline_kinds(client, asker, incident["id"])


async def test_a_lent_unit_is_never_promised_twice(client, sessions):
    _, lender, l9, incident, _, _ = await _request_l9(client, sessions)
    await make_incident_type(client, lender)
    own = await make_incident(client, lender)

    taken = await post(
        client, lender, f"/incidents/{own['id']}/assignments", {"unit_id": l9}
    )

    body = assert_problem(taken, 409)
    assert body["incident_number"] == incident["number"]


async def test_only_the_lender_answers_and_only_once(client, sessions):
    asker, lender, _, _, assignment, request = await _request_l9(client, sessions)
    path = f"/mutual-aid/requests/{request['id']}"

    by_asker = await post(client, asker, f"{path}/accept", {})
    ack = await post(
        client,
        asker,
        f"/assignments/{assignment['id']}/ack",
        {"response": "responding"},
    )
    accepted = await post(client, lender, f"{path}/accept", {})
    again = await post(client, lender, f"{path}/decline", {})
    outsider = await make_caller(sessions)
    hidden = await post(client, outsider, f"{path}/accept", {})

    assert_problem(by_asker, 403)
    assert_problem(ack, 409)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert_problem(again, 409)
    assert_problem(hidden, 404)


async def test_accepted_request_waits_for_the_crew_like_any_page(client, sessions):
    asker, lender, l9, incident, assignment, request = await _request_l9(
        client, sessions
    )
    await post(client, lender, f"/mutual-aid/requests/{request['id']}/accept", {})

    moving = await set_unit_status(client, lender, l9, "en_route")

    assert moving.status_code == 200, moving.text
    listed = await get(client, asker, f"/incidents/{incident['id']}/assignments")
    row = next(a for a in listed.json()["items"] if a["id"] == assignment["id"])
    assert row["status"] == "acknowledged"
    assert row["en_route_at"] is not None
    kinds = await timeline_kinds(client, asker, incident["id"])
    assert "mutual_aid.accepted" in kinds
    assert "unit.status_changed" in kinds
    assert "assignment.acknowledged" in kinds
    async with transaction(sessions) as session:
        for side in (asker, lender):
            report = await event_service.verify_chain(
                session, department_id=side.department_id
            )
            assert report.ok, report


async def test_declined_request_frees_the_unit_and_escalates(client, sessions):
    asker, lender, l9, incident, assignment, request = await _request_l9(
        client, sessions
    )

    declined = await post(
        client,
        lender,
        f"/mutual-aid/requests/{request['id']}/decline",
        {"reason": "our ladder is needed here"},
    )

    assert declined.json()["status"] == "declined"
    unit = (await get(client, lender, f"/units/{l9}")).json()
    assert (unit["status"], unit["incident_id"]) == ("available", None)
    listed = await get(client, asker, f"/incidents/{incident['id']}/assignments")
    row = next(a for a in listed.json()["items"] if a["id"] == assignment["id"])
    assert row["status"] == "declined"
    kinds = await timeline_kinds(client, asker, incident["id"])
    assert "mutual_aid.declined" in kinds
    assert "assignment.escalated" in kinds


async def test_clearing_a_requested_assignment_withdraws_the_request(client, sessions):
    asker, lender, l9, _, assignment, request = await _request_l9(client, sessions)

    cleared = await post(client, asker, f"/assignments/{assignment['id']}/clear", {})

    assert cleared.status_code == 200, cleared.text
    found = await get(client, lender, "/mutual-aid/requests", status="withdrawn")
    assert [r["id"] for r in found.json()["items"]] == [request["id"]]
    late = await post(
        client, lender, f"/mutual-aid/requests/{request['id']}/accept", {}
    )
    assert_problem(late, 409)
    unit = (await get(client, lender, f"/units/{l9}")).json()
    assert unit["status"] == "available"


async def test_unanswered_request_lapses_as_declined(client, sessions, frozen):
    asker, lender, l9, incident, _, request = await _request_l9(client, sessions)
    worker = Worker(sessions, JOB_HANDLERS, name="test-worker")

    frozen(119)
    await worker.run_once()
    pending = await get(client, lender, "/mutual-aid/requests", status="pending")
    frozen(121)
    await worker.run_once()

    assert [r["id"] for r in pending.json()["items"]] == [request["id"]]
    lapsed = await get(client, lender, "/mutual-aid/requests", status="declined")
    assert [r["id"] for r in lapsed.json()["items"]] == [request["id"]]
    unit = (await get(client, lender, f"/units/{l9}")).json()
    assert unit["status"] == "available"
    kinds = await timeline_kinds(client, asker, incident["id"])
    assert kinds.count("assignment.escalated") == 1


async def test_bad_request_listing_filters_are_422(client, sessions):
    caller = await make_caller(sessions)

    response = await get(client, caller, "/mutual-aid/requests", direction="sideways")

    assert_problem(response, 422)
