"""The after-action review as JSON: every section of a worked incident, its
intervals against the NFPA targets, integrity, access and negotiation."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from muster.core.db import transaction
from muster.events.models import Event
from muster.org.roles import Role
from tests.factories.after_action import (
    DESCRIPTION,
    E1_TRACK,
    E3_TRACK,
    Worked,
    make_worked_incident,
)
from tests.factories.api import make_incident, make_incident_type, post
from tests.factories.extra import assert_problem, colleague, get, make_member
from tests.factories.messaging_api import add_endpoint
from tests.factories.org import make_caller


@pytest.fixture
async def worked(client, sessions, frozen) -> Worked:
    caller = await make_caller(sessions)
    return await make_worked_incident(client, sessions, caller, frozen)


@pytest.fixture
async def review(client, sessions, worked) -> dict:
    viewer = await colleague(sessions, worked.caller, Role.VIEWER)
    response = await get(client, viewer, _path(worked))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return dict(response.json())


def _path(worked: Worked) -> str:
    return f"/incidents/{worked.incident['id']}/after-action"


def _at(worked: Worked, seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return (worked.t0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _by_name(review: dict) -> dict[str, dict]:
    return {a["name"]: a for a in review["assignments"]}


def _figures(intervals: list[dict]) -> dict[str, tuple]:
    return {
        i["interval"]: (i["seconds"], i["target_s"], i["target_percentile"], i["met"])
        for i in intervals
    }


async def test_after_action_summary_has_incident_and_callers(worked, review):
    incident = review["incident"]

    assert incident["number"] == worked.incident["number"]
    assert incident["type"] == {"code": "FIRE", "name": "Fire", "category": "fire"}
    assert incident["status"] == "closed"
    assert incident["address"] == "1 Main St"
    assert (incident["lat"], incident["lon"]) == (37.7793, -122.4193)
    assert incident["description"] == DESCRIPTION
    assert incident["disposition"] == "Kitchen fire out, ventilated"
    assert incident["owner"] is None
    assert [(r["name"], r["phone"], r["text"]) for r in incident["reports"]] == [
        ("Pat", "+1 415 555 0100", "Smoke")
    ]
    assert review["department"]["id"] == worked.caller.department_id
    assert review["profile"] == "nfpa"


async def test_after_action_lifecycle_has_each_moment(worked, review):
    assert review["lifecycle"] == {
        "received_at": _at(worked, 0),
        "dispatched_at": _at(worked, 50),
        "first_en_route_at": _at(worked, 80),
        "first_on_scene_at": _at(worked, 200),
        "under_control_at": None,
        "closed_at": _at(worked, 1200),
    }


async def test_after_action_incident_intervals_meet_fire_targets(worked, review):
    assert _figures(review["intervals"]) == {
        "call_processing": (50.0, 64.0, 0.9, True),
        "total_response": (200.0, 384.0, 0.9, True),
    }
    first = review["intervals"][0]
    assert (first["start"], first["end"]) == (_at(worked, 0), _at(worked, 50))
    assert first["label"] == "Call processing"


async def test_after_action_assignments_have_times_in_order(worked, review):
    assert [a["name"] for a in review["assignments"]] == ["E1", "E2", "E3"]
    e1 = _by_name(review)["E1"]
    assert e1["kind"] == "unit"
    assert e1["unit_id"] == worked.units["E1"]
    assert (e1["unit_type"], e1["station"]) == ("ENGINE", "ST1")
    assert e1["status"] == "cleared"
    assert e1["first_on_scene"] is True
    assert [
        e1[k]
        for k in ("dispatched_at", "acknowledged_at", "en_route_at", "on_scene_at")
    ] == [_at(worked, s) for s in (50, 60, 80, 200)]
    assert e1["cleared_at"] == _at(worked, 1000)
    assert e1["declined_at"] is None
    assert _by_name(review)["E3"]["first_on_scene"] is False


async def test_after_action_assignment_intervals_judge_each_unit(review):
    found = {name: _figures(a["intervals"]) for name, a in _by_name(review).items()}

    assert found["E1"] == {
        "turnout": (30.0, 80.0, 0.9, True),
        "travel": (120.0, 240.0, 0.9, True),
        "committed": (950.0, None, None, None),
    }
    assert found["E3"] == {
        "turnout": (100.0, 80.0, 0.9, False),
        "travel": (230.0, 480.0, 0.9, True),
        "committed": (1130.0, None, None, None),
    }
    assert found["E2"] == {
        "turnout": (None, None, None, None),
        "travel": (None, None, None, None),
        "committed": (13.0, None, None, None),
    }


async def test_after_action_decline_carries_its_escalation(worked, review):
    e2 = _by_name(review)["E2"]

    assert e2["status"] == "declined"
    assert e2["declined_at"] == _at(worked, 65)
    assert e2["acknowledged_at"] is None
    assert [
        (e["at"], e["cause"], e["next_candidate"], e["shortfall"])
        for e in e2["escalations"]
    ] == [(_at(worked, 65), "declined", "E3", None)]
    assert _by_name(review)["E1"]["escalations"] == []


async def test_after_action_timeline_is_the_incident_events_with_lines(
    client, worked, review
):
    events = await get(
        client, worked.caller, f"/incidents/{worked.incident['id']}/timeline"
    )
    expected = [(e["seq"], e["kind"]) for e in events.json()["items"]]

    assert [(e["seq"], e["kind"]) for e in review["timeline"]] == expected
    lines = {e["kind"]: [] for e in review["timeline"]}
    for entry in review["timeline"]:
        lines[entry["kind"]].append(entry["summary"])
    assert lines["incident.created"] == [
        f"Incident {worked.incident['number']} created: FIRE, priority 2, at 1 Main St"
    ]
    assert lines["assignment.declined"] == ["E2 declined"]
    assert lines["assignment.escalated"] == [
        "Assignment of E2 escalated (declined); next candidate E3"
    ]
    assert lines["assignment.acknowledged"] == [
        "E1 acknowledged: responding",
        "E3 acknowledged: responding",
    ]
    assert "E1: en route to on scene" in lines["unit.status_changed"]
    assert lines["incident.closed"] == [
        "Closed (was active): “Kitchen fire out, ventilated”"
    ]
    responder = review["messages"][0]["replies"][0]["sender"]
    assert lines["message.received"] == [
        f"Reply from {responder} by in app: “Copy, staging at the hydrant”"
    ]


async def test_after_action_messages_have_deliveries_and_replies(worked, review):
    [message] = review["messages"]

    assert message["id"] == worked.message_id
    assert message["body"] == "Stage at the hydrant on 3rd"
    assert message["at"] == _at(worked, 300)
    assert [
        (d["channel"], d["status"], d["attempts"], d["sent_at"])
        for d in message["deliveries"]
    ] == [("in_app", "sent", 1, _at(worked, 300))]
    assert "address" not in message["deliveries"][0]
    [reply] = message["replies"]
    assert (reply["at"], reply["channel"], reply["text"]) == (
        _at(worked, 310),
        "in_app",
        "Copy, staging at the hydrant",
    )
    assert reply["sender"] == message["deliveries"][0]["recipient"]


async def test_after_action_tracks_are_geojson_between_dispatch_and_clear(
    worked, review
):
    tracks = review["tracks"]

    assert tracks["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in tracks["features"]}
    assert set(by_name) == {"E1", "E3"}
    for name, track in (("E1", E1_TRACK), ("E3", E3_TRACK)):
        feature = by_name[name]
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {
            "type": "LineString",
            "coordinates": [[lon, lat] for _, lat, lon in track],
        }
        properties = feature["properties"]
        assert properties["unit_id"] == worked.units[name]
        assert properties["assignment_id"] == worked.assignments[name]
        assert properties["points"] == 3
        assert (properties["start"], properties["end"]) == (
            _at(worked, track[0][0]),
            _at(worked, track[-1][0]),
        )
    assert 1200 < by_name["E1"]["properties"]["distance_m"] < 1500
    assert (
        by_name["E1"]["properties"]["colour"] != by_name["E3"]["properties"]["colour"]
    )
    assert [s["code"] for s in review["stations"]] == ["ST1"]


async def test_after_action_integrity_verifies_and_names_last_hash(
    sessions, worked, review
):
    async with transaction(sessions) as session:
        last = await session.scalar(
            select(Event)
            .where(Event.incident_id == worked.incident["id"])
            .order_by(Event.seq.desc())
            .limit(1)
        )

    integrity = review["integrity"]
    assert integrity["verified"] is True
    assert integrity["last_hash"] == last.hash
    assert integrity["first_seq"] == review["timeline"][0]["seq"]
    assert integrity["last_seq"] == last.seq
    # Through the event after the incident's last (the viewer's addition).
    assert integrity["events_checked"] == last.seq - integrity["first_seq"] + 2
    assert integrity["broken_seq"] is None


async def test_after_action_edited_event_is_reported_broken(
    client, sessions, worked, review
):
    edited = review["timeline"][5]["seq"]
    async with transaction(sessions) as session:
        await session.execute(
            update(Event)
            .where(
                Event.department_id == worked.caller.department_id,
                Event.seq == edited,
            )
            .values(data={"forged": True})
        )

    response = await get(client, worked.caller, _path(worked))

    integrity = response.json()["integrity"]
    assert integrity["verified"] is False
    assert integrity["broken_seq"] == edited
    assert integrity["reason"] == "content does not match its hash"


async def test_after_action_another_departments_incident_is_404(
    client, sessions, worked
):
    stranger = await make_caller(sessions)

    response = await get(client, stranger, _path(worked))

    assert_problem(response, 404)


async def test_after_action_unknown_incident_is_404(client, sessions):
    caller = await make_caller(sessions)

    response = await get(client, caller, "/incidents/nope/after-action")

    assert_problem(response, 404)


async def test_after_action_without_token_is_401(client):
    response = await client.get("/api/v1/incidents/x/after-action")

    assert_problem(response, 401)


async def test_after_action_image_accept_is_406_problem(client, worked):
    response = await client.get(
        f"/api/v1{_path(worked)}",
        headers={**worked.caller.headers, "Accept": "image/png"},
    )

    body = assert_problem(response, 406)
    assert body["available"] == ["application/json", "text/html", "application/pdf"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/html", "text/html"),
        ("text/*;q=0.9, image/png", "text/html"),
        ("application/pdf", "application/pdf"),
        ("text/html;q=0.5, application/pdf", "application/pdf"),
        ("application/json;q=0, */*;q=0.1", "text/html"),
    ],
)
async def test_after_action_accept_chooses_representation(
    client, worked, accept, expected
):
    headers = dict(worked.caller.headers)
    if accept is not None:
        headers["Accept"] = accept

    response = await client.get(f"/api/v1{_path(worked)}", headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    ("form", "expected"),
    [("json", "application/json"), ("html", "text/html"), ("pdf", "application/pdf")],
)
async def test_after_action_format_overrides_accept(client, worked, form, expected):
    response = await client.get(
        f"/api/v1{_path(worked)}",
        params={"format": form},
        headers={**worked.caller.headers, "Accept": "image/png"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(
    ("params", "field"), [({"format": "docx"}, "format"), ({"profile": "x"}, "profile")]
)
async def test_after_action_bad_parameter_is_422(client, worked, params, field):
    response = await get(client, worked.caller, _path(worked), **params)

    assert_problem(response, 422)
    assert field in response.text


async def test_after_action_profile_none_sets_no_targets(client, worked):
    response = await get(client, worked.caller, _path(worked), profile="none")

    body = response.json()
    assert body["profile"] == "none"
    assert {i["target_s"] for i in body["intervals"]} == {None}
    assert {i["met"] for a in body["assignments"] for i in a["intervals"]} == {None}


async def test_after_action_new_incident_has_empty_sections(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await get(client, caller, f"/incidents/{incident['id']}/after-action")

    body = response.json()
    assert body["assignments"] == body["messages"] == body["stations"] == []
    assert body["tracks"] == {"type": "FeatureCollection", "features": []}
    assert [i["seconds"] for i in body["intervals"]] == [None, None]
    assert [e["kind"] for e in body["timeline"]] == ["incident.created"]
    assert body["integrity"]["verified"] is True
    assert datetime.fromisoformat(body["generated_at"])


async def test_after_action_person_who_declines_and_an_integration(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    person = await make_member(client, caller, name="Robin Vale")
    hook = await add_endpoint(client, caller, "webhook", target="https://example.net/h")
    assignment = (
        await post(
            client,
            caller,
            f"/incidents/{incident['id']}/assignments",
            {"member_id": person["id"]},
        )
    ).json()
    declined = await post(
        client, caller, f"/assignments/{assignment['id']}/ack", {"response": "declined"}
    )
    assert declined.status_code == 200, declined.text
    sent = await post(
        client,
        caller,
        "/messages",
        {
            "body": "All units: water",
            "incident_id": incident["id"],
            "to": {"roles": ["admin"]},
        },
    )
    assert sent.status_code == 201, sent.text

    body = (
        await get(client, caller, f"/incidents/{incident['id']}/after-action")
    ).json()

    [person_review] = body["assignments"]
    assert (person_review["kind"], person_review["name"]) == ("member", "Robin Vale")
    assert person_review["member_id"] == person["id"]
    assert person_review["status"] == "declined"
    assert {i["target_s"] for i in person_review["intervals"]} == {None}
    assert [
        (e["cause"], e["next_candidate"]) for e in person_review["escalations"]
    ] == [("declined", None)]
    assert body["tracks"]["features"] == []
    recipients = {
        d["recipient"]: d["channel"]
        for m in body["messages"]
        if m["body"] == "All units: water"
        for d in m["deliveries"]
    }
    assert recipients[hook["name"]] == "webhook"
    lines = [e["summary"] for e in body["timeline"]]
    assert "Robin Vale declined" in lines
    assert "Assignment of Robin Vale escalated (declined); no candidate" in lines
