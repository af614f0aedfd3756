"""The console, incident and responder pages over HTTP: who may open them,
CSRF on every change, forms refused with 4xx and their reasons, and the
changes they make through the same services as the API."""

from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.dispatch import make_dispatch_department
from tests.factories.extra import colleague, make_member, make_station
from tests.factories.org import make_caller
from tests.factories.pages import PASSWORD, sign_in

CALL = {
    "type": "FIRE",
    "lat": "37.7793",
    "lon": "-122.4193",
    "address": "1 Dr Carlton B Goodlett Pl",
    "caller_name": "Pat",
    "caller_phone": "+1 415 555 0100",
    "description": "Smoke from the roof",
}


@pytest.fixture
async def admin(sessions):
    return await make_caller(sessions, password=PASSWORD)


@pytest.fixture
async def desk(client, admin):
    """A dispatch-ready department and the admin signed in; yields the token."""
    await make_dispatch_department(client, admin)
    return await sign_in(client, admin)


@pytest.fixture
async def second_client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://muster.test"
    ) as other:
        yield other


async def take_call(client, csrf: str, **fields: str) -> httpx.Response:
    return await client.post(
        "/console/calls", data={**CALL, **fields, "csrf_token": csrf}
    )


async def test_console_shows_the_form_queue_and_units(client, desk):
    response = await client.get("/console")

    assert response.status_code == 200
    assert 'action="/console/calls"' in response.text
    assert "Open incidents" in response.text
    assert '<th scope="row">E1' in response.text


async def test_console_is_refused_to_a_responder_with_403(client, sessions, admin):
    responder = await colleague(sessions, admin, Role.RESPONDER, password=PASSWORD)
    await sign_in(client, responder)

    response = await client.get("/console")

    assert response.status_code == 403
    assert "not open to your roles" in response.text


async def test_nav_offers_only_the_pages_a_role_may_use(client, sessions, admin):
    viewer = await colleague(sessions, admin, Role.VIEWER, password=PASSWORD)
    await sign_in(client, viewer)

    home = await client.get("/")

    assert 'href="/console"' not in home.text
    assert 'href="/responder"' not in home.text
    assert 'href="/reports"' in home.text


async def test_taking_a_call_redirects_to_its_recommendation(client, desk):
    response = await take_call(client, desk)

    assert response.status_code == 303
    target = response.headers["location"]
    assert target.startswith("/console?incident=")
    page = await client.get(target)
    assert "Recommended for the first alarm" in page.text
    assert "Dispatch E1, E2, T1" in page.text


async def test_taking_a_call_without_csrf_is_refused_with_403(client, desk):
    response = await client.post("/console/calls", data=CALL)

    assert response.status_code == 403
    listed = await client.get("/api/v1/incidents")
    assert listed.json()["items"] == []


async def test_a_call_without_place_or_description_is_422_naming_them(client, desk):
    response = await take_call(client, desk, lat="", description=" ")

    assert response.status_code == 422
    assert 'id="lat-error"' in response.text
    assert 'id="description-error"' in response.text
    assert "Smoke from the roof" not in response.text


async def test_a_call_of_an_unknown_type_is_422(client, desk):
    response = await take_call(client, desk, type="NOPE")

    assert response.status_code == 422
    assert "unknown incident type" in response.text


async def test_a_possible_duplicate_is_shown_before_saving(client, desk):
    first = await take_call(client, desk)
    assert first.status_code == 303

    shown = await take_call(client, desk, lat="37.7794")
    saved = await take_call(client, desk, lat="37.7794", duplicates_seen="1")

    assert shown.status_code == 200
    assert "Possible duplicate" in shown.text
    assert 'name="duplicates_seen" id="duplicates_seen" value="1"' in shown.text
    assert saved.status_code == 303
    listed = await client.get("/api/v1/incidents")
    assert len(listed.json()["items"]) == 2


async def test_duplicate_check_api_lists_nearby_open_incidents(client, admin, desk):
    await take_call(client, desk)

    response = await post(
        client,
        admin,
        "/incidents/duplicates",
        {"type": "FIRE", "location": {"lat": 37.7794, "lon": -122.4193}},
    )
    far = await post(
        client,
        admin,
        "/incidents/duplicates",
        {"type": "FIRE", "location": {"lat": 37.9, "lon": -122.4193}},
    )

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    assert far.json()["items"] == []


async def test_dispatch_button_assigns_and_opens_the_incident(client, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]

    response = await client.post(
        f"/console/incidents/{incident_id}/dispatch",
        data={"alarm": "1", "csrf_token": desk},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/incidents/{incident_id}"
    page = await client.get(f"/incidents/{incident_id}")
    assert page.text.count('class="ack ack-pending"') == 3
    assert "E1 assigned (alarm 1)." in page.text


async def test_incident_page_of_another_department_is_404(client, sessions, desk):
    stranger = await make_caller(sessions)
    other = await post(
        client,
        stranger,
        "/incident-types",
        {"code": "X", "name": "X", "default_priority": 3},
    )
    assert other.status_code == 201
    made = await post(
        client,
        stranger,
        "/incidents",
        {"type": "X", "description": "d", "location": {"lat": 1, "lon": 1}},
    )

    response = await client.get(f"/incidents/{made.json()['id']}")

    assert response.status_code == 404


async def test_timeline_part_lists_only_events_after_the_given_one(client, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]
    page = await client.get(f"/incidents/{incident_id}")
    last = int(page.text.split('data-after="')[1].split('"')[0])
    await client.post(
        f"/incidents/{incident_id}/notes",
        data={"text": "Ladder to the roof", "csrf_token": desk},
    )

    part = await client.get(f"/incidents/{incident_id}/timeline?after={last}")

    assert part.text.count("<li") == 1
    assert "Note: Ladder to the roof" in part.text


async def test_an_empty_note_is_refused_with_422(client, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]

    response = await client.post(
        f"/incidents/{incident_id}/notes", data={"text": "  ", "csrf_token": desk}
    )

    assert response.status_code == 422


async def test_status_buttons_move_the_incident(client, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]

    response = await client.post(
        f"/incidents/{incident_id}/status",
        data={"status": "active", "csrf_token": desk},
    )
    again = await client.post(
        f"/incidents/{incident_id}/status",
        data={"status": "new", "csrf_token": desk},
    )

    assert response.status_code == 303
    assert again.status_code == 409
    read = await client.get(f"/api/v1/incidents/{incident_id}")
    assert read.json()["status"] == "active"


async def test_closing_needs_a_disposition_then_closes(client, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]
    path = f"/incidents/{incident_id}/close"

    refused = await client.post(path, data={"disposition": "", "csrf_token": desk})
    closed = await client.post(
        path, data={"disposition": "False alarm", "csrf_token": desk}
    )

    assert refused.status_code == 422
    assert closed.status_code == 303
    read = await client.get(f"/api/v1/incidents/{incident_id}")
    assert read.json()["status"] == "closed"


async def test_message_composer_sends_through_messaging(client, admin, desk):
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]

    response = await client.post(
        f"/incidents/{incident_id}/messages",
        data={"body": "Stage at the corner", "to": "all", "csrf_token": desk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    listed = await client.get(
        f"/api/v1/incidents/{incident_id}/messages", headers=admin.headers
    )
    assert [m["body"] for m in listed.json()["items"]] == ["Stage at the corner"]


async def responder_on_e9(client, admin, second_client) -> str:
    """A responder at a station with unit E9, signed in on ``second_client``."""
    station = await make_station(client, admin, code="ST9")
    unit = await post(
        client,
        admin,
        "/units",
        {
            "name": "E9",
            "unit_type": "ENGINE",
            "station_id": station["id"],
            "lat": 37.7794,
            "lon": -122.4192,
            "crew_size": 2,
        },
    )
    assert unit.status_code == 201, unit.text
    member = await make_member(
        client, admin, password=PASSWORD, station_id=station["id"]
    )
    return await sign_in(second_client, SimpleNamespace(email=member["email"]))


async def test_responder_taps_responding_and_acknowledges(
    client, admin, desk, second_client
):
    phone = await responder_on_e9(client, admin, second_client)
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]
    await client.post(
        f"/console/incidents/{incident_id}/dispatch",
        data={"alarm": "1", "csrf_token": desk},
    )
    before = await second_client.get("/responder")

    response = await second_client.post(
        "/responder/answer",
        data={"answer": "responding", "csrf_token": phone},
        headers={"HX-Request": "true"},
    )

    assert "Smoke from the roof" in before.text
    assert "geo:37.779300,-122.419300" in before.text
    assert response.status_code == 200
    assert 'id="assignment-state">acknowledged' in response.text
    listed = await client.get(
        f"/api/v1/incidents/{incident_id}/assignments", headers=admin.headers
    )
    states = {a["unit_id"]: a["status"] for a in listed.json()["items"]}
    assert sorted(states.values()).count("acknowledged") == 1


async def test_a_crew_members_not_responding_keeps_the_unit_assigned(
    client, admin, desk, second_client
):
    phone = await responder_on_e9(client, admin, second_client)
    taken = await take_call(client, desk)
    incident_id = taken.headers["location"].split("=")[1]
    await client.post(
        f"/console/incidents/{incident_id}/dispatch",
        data={"alarm": "1", "csrf_token": desk},
    )

    response = await second_client.post(
        "/responder/answer", data={"answer": "not_responding", "csrf_token": phone}
    )

    assert response.status_code == 303
    people = await client.get("/api/v1/personnel", headers=admin.headers)
    statuses = [p["status"] for p in people.json()["items"]]
    assert "not_responding" in statuses
    listed = await client.get(
        f"/api/v1/incidents/{incident_id}/assignments", headers=admin.headers
    )
    assert "declined" not in [a["status"] for a in listed.json()["items"]]


async def test_responder_answer_without_csrf_is_403(client, admin, desk, second_client):
    await responder_on_e9(client, admin, second_client)

    response = await second_client.post(
        "/responder/answer", data={"answer": "available"}
    )

    assert response.status_code == 403


async def test_responder_answer_not_in_the_list_is_422(
    client, admin, desk, second_client
):
    phone = await responder_on_e9(client, admin, second_client)

    response = await second_client.post(
        "/responder/answer", data={"answer": "asleep", "csrf_token": phone}
    )

    assert response.status_code == 422


async def test_responder_view_is_refused_to_a_viewer(client, sessions, admin):
    viewer = await colleague(sessions, admin, Role.VIEWER, password=PASSWORD)
    await sign_in(client, viewer)

    response = await client.get("/responder")

    assert response.status_code == 403


async def test_manifest_service_worker_and_icons_make_it_installable(client):
    manifest = await client.get("/manifest.webmanifest")
    worker = await client.get("/sw.js")
    icon = await client.get("/icons/muster-192.png")
    missing = await client.get("/icons/muster-100.png")

    assert manifest.json()["start_url"] == "/responder"
    assert {i["sizes"] for i in manifest.json()["icons"]} >= {"192x192", "512x512"}
    assert 'addEventListener("fetch"' in worker.text
    assert icon.content.startswith(b"\x89PNG")
    assert missing.status_code == 404
