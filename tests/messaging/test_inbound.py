"""Replies: signed gateway posts and in-app replies acknowledge what a page asked."""

import json
import time

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import (
    assert_problem,
    colleague,
    get,
    make_member,
    patch,
    timeline_kinds,
)
from tests.factories.messaging import signed_headers
from tests.factories.messaging_api import (
    add_endpoint,
    assign,
    incident_messages,
    make_crew,
    open_incident,
)
from tests.factories.org import make_caller


async def _gateway(client, caller, channel="sms"):
    return await add_endpoint(client, caller, "gateway", channel=channel)


async def _inbound(client, gateway, payload, channel="sms", **options):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = signed_headers(gateway["id"], gateway["secret"], body, **options)
    return await client.post(
        f"/api/v1/inbound/{channel}", content=body, headers=headers
    )


async def _assignment(client, caller, assignment_id, incident_id):
    listed = await get(client, caller, f"/incidents/{incident_id}/assignments")
    return next(a for a in listed.json()["items"] if a["id"] == assignment_id)


async def test_sms_reply_1_acknowledges_the_members_assignment(client, sessions):
    caller = await make_caller(sessions)
    member = await make_member(client, caller, phone="+1 415 555 0199")
    gateway = await _gateway(client, caller)
    incident = await open_incident(client, caller)
    assignment = await assign(client, caller, incident["id"], member_id=member["id"])

    answer = await _inbound(client, gateway, {"from": "+14155550199", "text": "1"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["acknowledged"] is True
    assert answer.json()["intent"] == "responding"
    row = await _assignment(client, caller, assignment["id"], incident["id"])
    assert row["status"] == "acknowledged"
    kinds = await timeline_kinds(client, caller, incident["id"])
    assert kinds[-3:] == [
        "message.received",
        "assignment.acknowledged",
        "delivery.acknowledged",
    ]


async def test_email_reply_quoting_the_reference_acknowledges_the_unit(
    client, sessions
):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=2)
    gateway = await _gateway(client, caller, channel="email")
    incident = await open_incident(client, caller)
    assignment = await assign(client, caller, incident["id"], unit_id=crew.unit_id)
    [page] = await incident_messages(client, caller, incident["id"])
    reference = page["deliveries"][1]["reference"]

    answer = await _inbound(
        client,
        gateway,
        {
            "from": "someone@elsewhere.example",
            "subject": f"Re: [Muster {incident['number']} #{reference}] Fire",
            "text": "Responding, 5 minutes out",
        },
        channel="email",
    )

    assert answer.json()["acknowledged"] is True, answer.text
    assert answer.json()["delivery_id"] == page["deliveries"][1]["id"]
    row = await _assignment(client, caller, assignment["id"], incident["id"])
    assert row["status"] == "acknowledged"


async def test_crew_members_no_leaves_the_unit_assigned(client, sessions):
    caller = await make_caller(sessions)
    crew = await make_crew(client, caller, size=1)
    crew_member = await colleague(sessions, caller, Role.RESPONDER)
    moved = await patch(
        client,
        caller,
        f"/members/{crew_member.member_id}",
        {"station_id": crew.station_id},
    )
    assert moved.status_code == 200, moved.text
    incident = await open_incident(client, caller)
    assignment = await assign(client, caller, incident["id"], unit_id=crew.unit_id)
    [page] = await incident_messages(client, caller, incident["id"])

    answer = await post(
        client, crew_member, f"/messages/{page['id']}/replies", {"text": "2"}
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["intent"], answer.json()["acknowledged"]) == (
        "declined",
        False,
    )
    row = await _assignment(client, caller, assignment["id"], incident["id"])
    assert row["status"] == "pending"
    shown = await get(client, caller, f"/messages/{page['id']}")
    mine = [
        d for d in shown.json()["deliveries"] if d["member_id"] == crew_member.member_id
    ]
    assert [d["status"] for d in mine] == ["acknowledged"]


async def test_bystanders_reply_does_not_acknowledge(client, sessions):
    caller = await make_caller(sessions)
    paged = await colleague(sessions, caller, Role.RESPONDER)
    viewer = await colleague(sessions, caller, Role.VIEWER)
    incident = await open_incident(client, caller)
    assignment = await assign(client, caller, incident["id"], member_id=paged.member_id)
    [page] = await incident_messages(client, caller, incident["id"])

    answer = await post(
        client, viewer, f"/messages/{page['id']}/replies", {"text": "1"}
    )

    assert (answer.json()["intent"], answer.json()["acknowledged"]) == (
        "responding",
        False,
    )
    row = await _assignment(client, caller, assignment["id"], incident["id"])
    assert row["status"] == "pending"


async def test_in_app_reply_2_declines_the_paged_member(client, sessions):
    caller = await make_caller(sessions)
    paged = await colleague(sessions, caller, Role.RESPONDER)
    incident = await open_incident(client, caller)
    assignment = await assign(client, caller, incident["id"], member_id=paged.member_id)
    [page] = await incident_messages(client, caller, incident["id"])

    answer = await post(
        client, paged, f"/messages/{page['id']}/replies", {"text": "no"}
    )

    assert answer.json()["acknowledged"] is True, answer.text
    row = await _assignment(client, caller, assignment["id"], incident["id"])
    assert row["status"] == "declined"
    shown = await get(client, caller, f"/messages/{page['id']}")
    assert shown.json()["deliveries"][0]["status"] == "acknowledged"


async def test_free_text_reply_is_attached_without_acknowledging(client, sessions):
    caller = await make_caller(sessions)
    paged = await colleague(sessions, caller, Role.RESPONDER)
    incident = await open_incident(client, caller)
    await assign(client, caller, incident["id"], member_id=paged.member_id)
    [page] = await incident_messages(client, caller, incident["id"])

    answer = await post(
        client, paged, f"/messages/{page['id']}/replies", {"text": "Which gate?"}
    )

    assert (answer.json()["intent"], answer.json()["acknowledged"]) == (None, False)
    timeline = await get(client, caller, f"/incidents/{incident['id']}/timeline")
    received = [e for e in timeline.json()["items"] if e["kind"] == "message.received"]
    assert received[0]["data"]["text"] == "Which gate?"


async def test_forged_signature_is_refused_and_nothing_is_written(client, sessions):
    caller = await make_caller(sessions)
    member = await make_member(client, caller, phone="+1 415 555 0123")
    gateway = await _gateway(client, caller)
    incident = await open_incident(client, caller)
    await assign(client, caller, incident["id"], member_id=member["id"])
    before = await timeline_kinds(client, caller, incident["id"])
    forged = {**gateway, "secret": "not-the-secret"}

    answer = await _inbound(client, forged, {"from": "+14155550123", "text": "1"})

    assert_problem(answer, 401)
    assert await timeline_kinds(client, caller, incident["id"]) == before


async def test_stale_timestamp_is_refused(client, sessions):
    caller = await make_caller(sessions)
    gateway = await _gateway(client, caller)

    answer = await _inbound(
        client, gateway, {"from": "+1555", "text": "1"}, at=time.time() - 301
    )

    assert_problem(answer, 401)


async def test_gateway_of_another_channel_is_refused(client, sessions):
    caller = await make_caller(sessions)
    gateway = await _gateway(client, caller, channel="chat")

    answer = await _inbound(client, gateway, {"from": "+1555", "text": "1"})

    assert_problem(answer, 401)


async def test_oversized_inbound_is_413_and_nothing_is_written(client, sessions):
    caller = await make_caller(sessions)
    member = await make_member(client, caller, phone="+1 415 555 0124")
    gateway = await _gateway(client, caller)
    incident = await open_incident(client, caller)
    await assign(client, caller, incident["id"], member_id=member["id"])
    before = await timeline_kinds(client, caller, incident["id"])
    payload = {"from": "+14155550124", "text": "1", "subject": "x" * 998}
    body = json.dumps({**payload, "pad": "y" * 70_000}).encode()

    answer = await _inbound(client, gateway, body)

    assert_problem(answer, 413)
    assert await timeline_kinds(client, caller, incident["id"]) == before


async def test_signed_but_malformed_inbound_is_422(client, sessions):
    caller = await make_caller(sessions)
    gateway = await _gateway(client, caller)

    long_text = await _inbound(client, gateway, {"from": "+1555", "text": "z" * 2001})
    no_text = await _inbound(client, gateway, {"from": "+1555"})
    not_json = await _inbound(client, gateway, b"text=1")

    assert_problem(long_text, 422)
    assert_problem(no_text, 422)
    assert_problem(not_json, 400)


async def test_unknown_inbound_channel_is_422(client, sessions):
    caller = await make_caller(sessions)
    gateway = await _gateway(client, caller)

    answer = await _inbound(client, gateway, {"from": "+1", "text": "1"}, "pigeon")

    assert_problem(answer, 422)
