"""Messages, endpoints and contact methods through the API; dispatch pages."""

import pytest

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import (
    assert_problem,
    colleague,
    delete,
    get,
    make_member,
    make_station,
    patch,
    timeline_kinds,
)
from tests.factories.messaging_api import (
    add_contact,
    add_endpoint,
    assign,
    incident_messages,
    make_crew,
    open_incident,
)
from tests.factories.org import make_caller


async def test_message_to_a_station_reaches_its_members_in_app(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=2)
    incident = await open_incident(client, caller)

    made = await post(
        client,
        caller,
        "/messages",
        {
            "body": "Staging at the north gate",
            "incident_id": incident["id"],
            "to": {"stations": [crew.station_id]},
        },
    )

    assert made.status_code == 201, made.text
    deliveries = made.json()["deliveries"]
    assert {d["member_id"] for d in deliveries} == set(crew.member_ids)
    assert {(d["channel"], d["status"]) for d in deliveries} == {("in_app", "sent")}
    shown = await get(client, caller, f"/messages/{made.json()['id']}")
    assert shown.json() == made.json()
    assert "message.sent" in await timeline_kinds(client, caller, incident["id"])


async def test_message_by_role_and_channel_filter(client, sessions):
    caller = await make_caller(sessions)
    boss = await make_member(client, caller, roles=("supervisor",))
    await add_contact(client, caller, boss["id"], "email", "boss@example.net")

    made = await post(
        client,
        caller,
        "/messages",
        {
            "body": "Budget meeting",
            "to": {"roles": ["supervisor"]},
            "channels": ["email"],
        },
    )

    assert [
        (d["member_id"], d["channel"], d["status"]) for d in made.json()["deliveries"]
    ] == [(boss["id"], "email", "queued")]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"body": "  ", "to": {"roles": ["admin"]}}, ["body", "body"]),
        ({"body": "x", "to": {"members": ["nobody"]}}, ["body", "to", "members", 0]),
        ({"body": "x", "to": {"stations": ["nowhere"]}}, ["body", "to", "stations", 0]),
        ({"body": "x", "to": {"roles": ["mayor"]}}, ["body", "to", "roles", 0]),
        (
            {"body": "x", "to": {"roles": ["admin"]}, "channels": ["fax"]},
            ["body", "channels", 0],
        ),
        ({"body": "x", "to": {}}, ["body", "to"]),
        (
            {"body": "x", "incident_id": "none", "to": {"roles": ["admin"]}},
            ["body", "incident_id"],
        ),
        ({"body": "x", "to": {"roles": ["viewer"]}}, ["body", "to"]),
    ],
)
async def test_bad_message_is_422_and_nothing_is_written(client, sessions, body, where):
    caller = await make_caller(sessions)

    answer = await post(client, caller, "/messages", body)

    problem = assert_problem(answer, 422)
    assert problem["errors"][0]["loc"][: len(where)] == where


async def test_message_of_another_department_is_404(client, sessions):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    made = await post(
        client, caller, "/messages", {"body": "x", "to": {"roles": ["admin"]}}
    )

    answer = await get(client, other, f"/messages/{made.json()['id']}")

    assert_problem(answer, 404)


async def test_viewer_cannot_send_messages(client, sessions):
    caller = await make_caller(sessions)
    viewer = await colleague(sessions, caller, Role.VIEWER)

    answer = await post(
        client, viewer, "/messages", {"body": "x", "to": {"roles": ["admin"]}}
    )

    assert_problem(answer, 403)


async def test_endpoints_are_managed_by_admins_only(client, sessions):
    caller = await make_caller(sessions)
    dispatcher = await colleague(sessions, caller, Role.DISPATCHER)
    hook = await add_endpoint(client, caller, "webhook", target="https://example.net/h")

    refused = await get(client, dispatcher, "/notification-endpoints")
    listed = await get(client, caller, "/notification-endpoints")
    renamed = await patch(
        client, caller, f"/notification-endpoints/{hook['id']}", {"name": "CAD"}
    )
    removed = await delete(client, caller, f"/notification-endpoints/{hook['id']}")
    after = await get(client, caller, f"/notification-endpoints/{hook['id']}")

    assert_problem(refused, 403)
    assert len(hook["secret"]) >= 32
    assert listed.json()["items"][0]["has_secret"] is True
    assert "secret" not in listed.json()["items"][0]
    assert renamed.json()["name"] == "CAD"
    assert removed.status_code == 204
    assert (after.json()["is_enabled"], after.json()["has_secret"]) == (False, False)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "webhook", "name": "x", "target": "ftp://example.net"},
        {"kind": "webhook", "name": "x"},
        {"kind": "apprise", "name": "x", "channel": "webhook", "target": "json://h"},
        {"kind": "gateway", "name": "x", "channel": "push"},
        {"kind": "email", "name": "x", "target": "a@b", "station_id": "nowhere"},
    ],
)
async def test_bad_endpoint_is_422(client, sessions, body):
    caller = await make_caller(sessions)

    assert_problem(await post(client, caller, "/notification-endpoints", body), 422)


async def test_members_manage_their_own_contact_methods(client, sessions):
    caller = await make_caller(sessions)
    me = await colleague(sessions, caller, Role.RESPONDER)
    other = await colleague(sessions, caller, Role.RESPONDER)

    mine = await add_contact(client, me, me.member_id, "sms", "json://127.0.0.1:9/sms")
    theirs = await post(
        client,
        me,
        f"/members/{other.member_id}/contact-methods",
        {"channel": "email", "address": "x@example.net"},
    )
    bad = await post(
        client,
        me,
        f"/members/{me.member_id}/contact-methods",
        {"channel": "sms", "address": "+15551234"},
    )
    removed = await delete(client, me, f"/contact-methods/{mine['id']}")
    listed = await get(client, caller, f"/members/{me.member_id}/contact-methods")

    assert_problem(theirs, 403)
    assert_problem(bad, 422)
    assert removed.status_code == 204
    assert listed.json()["items"][0]["is_enabled"] is False


async def test_dispatch_pages_active_crew_at_the_units_station(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=2)
    away = await make_member(client, caller, station_id=crew.station_id)
    await patch(client, caller, f"/members/{away['id']}", {"is_active": False})
    elsewhere = await make_station(client, caller, code="ST2")
    await make_member(client, caller, station_id=elsewhere["id"])
    incident = await open_incident(client, caller)

    assignment = await assign(client, caller, incident["id"], unit_id=crew.unit_id)

    [page] = await incident_messages(client, caller, incident["id"])
    assert page["assignment_id"] == assignment["id"]
    assert {d["member_id"] for d in page["deliveries"]} == set(crew.member_ids)
    assert "Reply 1 responding, 2 declined." in page["body"]


async def test_unit_without_crew_is_not_paged(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=0)
    incident = await open_incident(client, caller)

    await assign(client, caller, incident["id"], unit_id=crew.unit_id)

    assert await incident_messages(client, caller, incident["id"]) == []


async def test_declined_member_escalates_to_the_incident_owner(client, sessions):
    caller = await make_caller(sessions)
    paged = await colleague(sessions, caller, Role.RESPONDER)
    incident = await open_incident(client, caller)
    await patch(
        client,
        caller,
        f"/incidents/{incident['id']}",
        {"owner_id": caller.member_id},
        if_match=incident["version"],
    )
    assignment = await assign(client, caller, incident["id"], member_id=paged.member_id)

    await post(
        client, paged, f"/assignments/{assignment['id']}/ack", {"response": "declined"}
    )

    messages = await incident_messages(client, caller, incident["id"])
    alert = messages[-1]
    assert [d["member_id"] for d in alert["deliveries"]] == [caller.member_id]
    assert "declined" in alert["body"]


async def test_incident_responders_are_the_paged_crews(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=2)
    bystander = await make_member(client, caller)
    incident = await open_incident(client, caller)
    await assign(client, caller, incident["id"], unit_id=crew.unit_id)

    made = await post(
        client,
        caller,
        "/messages",
        {
            "body": "Use channel 3",
            "incident_id": incident["id"],
            "to": {"incident_responders": True},
        },
    )

    members = {d["member_id"] for d in made.json()["deliveries"]}
    assert members == set(crew.member_ids)
    assert bystander["id"] not in members
