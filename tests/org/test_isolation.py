"""Departments are sealed off from each other, and roles limit what members write.

Anything of another department answers 404, as if it did not exist, and is
left exactly as it was: every test reads department B back as B afterwards.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from muster.org.roles import Role
from tests.factories.api import (
    incident_body,
    make_incident,
    make_incident_type,
    make_unit,
    post,
)
from tests.factories.extra import (
    assert_problem,
    colleague,
    get,
    login,
    make_member,
    make_station,
    set_unit_status,
    timeline_kinds,
)
from tests.factories.org import Caller, make_caller

PASSWORD = "b member password"


@dataclass
class Department:
    admin: Caller
    station: dict[str, Any]
    member: dict[str, Any]
    unit: dict[str, Any]
    incident_type: dict[str, Any]
    incident: dict[str, Any]
    token: dict[str, Any]

    @property
    def ids(self) -> dict[str, str]:
        return {
            "station": self.station["id"],
            "member": self.member["id"],
            "unit": self.unit["id"],
            "incident_type": self.incident_type["id"],
            "incident": self.incident["id"],
            "token": self.token["id"],
        }


async def _populate(client, sessions, label: str) -> Department:
    admin = await make_caller(sessions)
    station = await make_station(client, admin, "ST1", name=f"Station of {label}")
    member = await make_member(
        client,
        admin,
        name=f"Member of {label}",
        phone="+1 415 555 0142",
        password=PASSWORD,
        station_id=station["id"],
    )
    incident_type = await make_incident_type(client, admin)
    unit = await make_unit(client, admin, name="E1", station_id=station["id"])
    incident = await make_incident(client, admin, description=f"Smoke seen by {label}")
    token = await post(client, admin, "/auth/tokens", {"name": f"MDT of {label}"})
    assert token.status_code == 201, token.text
    return Department(
        admin=admin,
        station=station,
        member=member,
        unit=unit,
        incident_type=incident_type,
        incident=incident,
        token=token.json(),
    )


async def _snapshot(
    client: httpx.AsyncClient, department: Department
) -> dict[str, Any]:
    """Everything of ``department`` as its own admin reads it."""
    caller, ids = department.admin, department.ids
    paths = [
        "/members",
        "/stations",
        "/unit-types",
        "/units",
        "/incident-types",
        "/incidents",
        "/auth/tokens",
        f"/members/{ids['member']}",
        f"/stations/{ids['station']}",
        f"/units/{ids['unit']}",
        f"/incident-types/{ids['incident_type']}",
        f"/incidents/{ids['incident']}",
        f"/incidents/{ids['incident']}/timeline",
    ]
    snapshot = {}
    for path in paths:
        response = await get(client, caller, path)
        assert response.status_code == 200, response.text
        snapshot[path] = response.json()
    return snapshot


@pytest.fixture
async def a(client, sessions) -> Department:
    return await _populate(client, sessions, "A")


@pytest.fixture
async def b(client, sessions) -> Department:
    return await _populate(client, sessions, "B")


def _ids(listing: Any) -> set[str]:
    items = listing["items"] if isinstance(listing, dict) else listing
    return {item["id"] for item in items}


# Reading ---------------------------------------------------------------------------

READS = [
    "/members/{member}",
    "/stations/{station}",
    "/units/{unit}",
    "/incident-types/{incident_type}",
    "/incidents/{incident}",
    "/incidents/{incident}/timeline",
]


@pytest.mark.parametrize("template", READS)
async def test_read_other_department_resource_is_404(client, a, b, template):
    response = await get(client, a.admin, template.format(**b.ids))

    body = assert_problem(response, 404)
    assert body["type"] == "/problems/not-found"
    for secret in ("Member of B", "Station of B", "Smoke seen by B"):
        assert secret not in response.text


async def test_read_other_department_resource_answers_like_unknown_id(client, a, b):
    theirs = await get(client, a.admin, f"/incidents/{b.incident['id']}")
    unknown = await get(client, a.admin, "/incidents/no-such-incident")

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["type"] == unknown.json()["type"]
    assert theirs.json()["title"] == unknown.json()["title"]


LISTS = [
    "/members",
    "/stations",
    "/unit-types",
    "/units",
    "/incident-types",
    "/incidents",
    "/auth/tokens",
]


@pytest.mark.parametrize("path", LISTS)
async def test_list_shows_only_own_department_rows(client, a, b, path):
    mine = await get(client, a.admin, path)
    theirs = await get(client, b.admin, path)

    assert mine.status_code == 200, mine.text
    assert _ids(mine.json())
    assert not _ids(mine.json()) & _ids(theirs.json())


async def test_list_incidents_search_does_not_find_other_department(client, a, b):
    response = await get(client, a.admin, "/incidents", q="seen by B")

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


# Changing --------------------------------------------------------------------------

WRITES = [
    ("PATCH", "/members/{member}", {"name": "Hijacked"}),
    ("POST", "/members/{member}/password", {"password": "hijacked password"}),
    ("PATCH", "/stations/{station}", {"name": "Hijacked"}),
    ("PATCH", "/units/{unit}", {"name": "Hijacked"}),
    ("POST", "/units/{unit}/status", {"status": "out_of_service"}),
    ("PATCH", "/incidents/{incident}", {"description": "Hijacked"}),
    ("POST", "/incidents/{incident}/status", {"status": "dispatched"}),
    ("POST", "/incidents/{incident}/notes", {"text": "Hijacked"}),
    ("POST", "/incidents/{incident}/reports", {"name": "Eve", "report": "Hijacked"}),
    ("POST", "/incidents/{incident}/close", {"disposition": "Hijacked"}),
    ("DELETE", "/auth/tokens/{token}", None),
]


@pytest.mark.parametrize("write", WRITES, ids=[f"{m} {t}" for m, t, _ in WRITES])
async def test_change_other_department_resource_is_404_and_leaves_it_unchanged(
    client, a, b, write
):
    method, template, body = write
    before = await _snapshot(client, b)

    response = await client.request(
        method, f"/api/v1{template.format(**b.ids)}", json=body, headers=a.admin.headers
    )

    assert_problem(response, 404)
    assert await _snapshot(client, b) == before


async def test_reopen_other_department_incident_is_404_and_leaves_it_closed(
    client, a, b
):
    path = f"/incidents/{b.incident['id']}"
    closed = await post(client, b.admin, f"{path}/close", {"disposition": "Out"})
    assert closed.status_code == 200, closed.text
    before = await _snapshot(client, b)

    response = await post(client, a.admin, f"{path}/reopen", {})

    assert_problem(response, 404)
    assert await _snapshot(client, b) == before


async def test_set_password_other_department_member_leaves_old_password_working(
    client, a, b
):
    await post(
        client,
        a.admin,
        f"/members/{b.member['id']}/password",
        {"password": "hijacked password"},
    )

    theirs = await login(client, b.member["email"], PASSWORD)
    hijacked = await login(client, b.member["email"], "hijacked password")

    assert theirs.status_code == 200, theirs.text
    assert_problem(hijacked, 401)


async def test_revoke_other_department_token_leaves_it_working(client, a, b):
    await client.delete(f"/api/v1/auth/tokens/{b.token['id']}", headers=a.admin.headers)

    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {b.token['token']}"}
    )

    assert me.status_code == 200, me.text


async def test_unit_status_for_other_department_incident_is_404_and_unchanged(
    client, a, b
):
    before = await _snapshot(client, b)

    response = await set_unit_status(
        client, a.admin, a.unit["id"], "dispatched", incident_id=b.incident["id"]
    )

    assert_problem(response, 404)
    assert await _snapshot(client, b) == before
    unit = (await get(client, a.admin, f"/units/{a.unit['id']}")).json()
    assert (unit["status"], unit["incident_id"], unit["version"]) == (
        "available",
        None,
        a.unit["version"],
    )


# Referring to another department's rows -------------------------------------------


async def test_create_unit_with_other_department_station_is_422(client, a, b):
    response = await post(
        client,
        a.admin,
        "/units",
        {
            "name": "E2",
            "unit_type": "ENGINE",
            "station_id": b.station["id"],
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "station_id"]
    names = [u["name"] for u in (await get(client, a.admin, "/units")).json()["items"]]
    assert names == ["E1"]


async def test_patch_unit_to_other_department_station_is_422(client, a, b):
    response = await client.patch(
        f"/api/v1/units/{a.unit['id']}",
        json={"station_id": b.station["id"]},
        headers=a.admin.headers,
    )

    assert_problem(response, 422)
    assert (await get(client, a.admin, f"/units/{a.unit['id']}")).json() == a.unit


async def test_create_unit_with_other_department_unit_type_is_422(client, a, b):
    await make_unit(client, b.admin, name="L1", unit_type="LADDER")

    response = await post(
        client, a.admin, "/units", {"name": "L1", "unit_type": "LADDER"}
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "unit_type"]


async def test_create_member_with_other_department_station_is_422(client, a, b):
    response = await post(
        client,
        a.admin,
        "/members",
        {
            "email": "new@example.org",
            "name": "New",
            "roles": ["viewer"],
            "station_id": b.station["id"],
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "station_id"]


async def test_create_incident_with_other_department_type_is_422(client, a, b):
    await make_incident_type(client, b.admin, code="HAZMAT")

    response = await post(client, a.admin, "/incidents", incident_body(type="HAZMAT"))

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "type"]


async def test_create_incident_owned_by_other_department_member_is_422(client, a, b):
    response = await post(
        client, a.admin, "/incidents", incident_body(owner_id=b.member["id"])
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "owner_id"]


async def test_create_station_with_code_used_by_other_department_succeeds(client, a, b):
    response = await post(client, a.admin, "/stations", {"code": "ST2", "name": "Two"})
    theirs = await post(client, b.admin, "/stations", {"code": "ST2", "name": "Two"})

    assert (response.status_code, theirs.status_code) == (201, 201)


# Accounts shared by two departments ---------------------------------------------


async def test_add_member_with_other_department_email_reveals_nothing(client, a, b):
    response = await post(
        client,
        a.admin,
        "/members",
        {
            "email": b.member["email"],
            "name": "Someone",
            "roles": ["viewer"],
        },
    )

    assert "Member of B" not in response.text
    assert "+1 415 555 0142" not in response.text


async def test_patch_shared_member_leaves_other_department_view_unchanged(client, a, b):
    added = await post(
        client,
        a.admin,
        "/members",
        {
            "email": b.member["email"],
            "name": "Someone",
            "roles": ["viewer"],
        },
    )
    before = await _snapshot(client, b)

    await client.patch(
        f"/api/v1/members/{added.json()['id']}",
        json={"name": "Renamed by A", "phone": "000"},
        headers=a.admin.headers,
    )

    assert await _snapshot(client, b) == before


async def test_set_password_of_shared_member_does_not_open_other_department(
    client, a, b
):
    added = await post(
        client,
        a.admin,
        "/members",
        {
            "email": b.member["email"],
            "name": "Someone",
            "roles": ["viewer"],
        },
    )
    await post(
        client,
        a.admin,
        f"/members/{added.json()['id']}/password",
        {"password": "chosen by admin of A"},
    )

    response = await login(
        client, b.member["email"], "chosen by admin of A", b.admin.department_slug
    )

    assert_problem(response, 401)


# Roles -----------------------------------------------------------------------------


async def test_create_incident_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    await make_incident_type(client, admin)

    response = await post(client, viewer, "/incidents", incident_body())

    assert_problem(response, 403)
    assert (await get(client, admin, "/incidents")).json()["items"] == []


async def test_create_unit_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    await make_unit(client, admin, name="E1")

    response = await post(
        client, viewer, "/units", {"name": "E2", "unit_type": "ENGINE"}
    )

    assert_problem(response, 403)
    names = [u["name"] for u in (await get(client, admin, "/units")).json()["items"]]
    assert names == ["E1"]


async def test_create_station_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)

    response = await post(client, viewer, "/stations", {"code": "ST1", "name": "One"})

    assert_problem(response, 403)
    assert (await get(client, admin, "/stations")).json()["items"] == []


async def test_create_member_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)

    response = await post(
        client,
        viewer,
        "/members",
        {
            "email": "new@example.org",
            "name": "New",
            "roles": ["admin"],
        },
    )

    assert_problem(response, 403)
    ids = _ids((await get(client, admin, "/members")).json())
    assert ids == {admin.member_id, viewer.member_id}


async def test_add_note_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    await make_incident_type(client, admin)
    incident = await make_incident(client, admin)

    response = await post(
        client, viewer, f"/incidents/{incident['id']}/notes", {"text": "Looks bad"}
    )

    assert_problem(response, 403)
    assert await timeline_kinds(client, admin, incident["id"]) == ["incident.created"]


async def test_unit_status_as_viewer_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    unit = await make_unit(client, admin)

    response = await set_unit_status(client, viewer, unit["id"], "out_of_service")

    assert_problem(response, 403)
    assert (await get(client, admin, f"/units/{unit['id']}")).json() == unit


async def test_viewer_can_read_incidents(client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    await make_incident_type(client, admin)
    incident = await make_incident(client, admin)

    response = await get(client, viewer, f"/incidents/{incident['id']}")

    assert response.status_code == 200, response.text
    assert response.json()["number"] == incident["number"]


async def test_add_note_as_responder_succeeds(client, sessions):
    admin = await make_caller(sessions)
    responder = await colleague(sessions, admin, Role.RESPONDER)
    await make_incident_type(client, admin)
    incident = await make_incident(client, admin)

    response = await post(
        client,
        responder,
        f"/incidents/{incident['id']}/notes",
        {"text": "Second floor clear"},
    )

    assert response.status_code == 201, response.text
    assert await timeline_kinds(client, admin, incident["id"]) == [
        "incident.created",
        "incident.note_added",
    ]


async def test_unit_status_as_responder_succeeds(client, sessions):
    admin = await make_caller(sessions)
    responder = await colleague(sessions, admin, Role.RESPONDER)
    await make_incident_type(client, admin)
    incident = await make_incident(client, admin)
    unit = await make_unit(client, admin)

    response = await set_unit_status(
        client, responder, unit["id"], "en_route", incident_id=incident["id"]
    )

    assert response.status_code == 200, response.text
    read = (await get(client, admin, f"/units/{unit['id']}")).json()
    assert (read["status"], read["incident_id"]) == ("en_route", incident["id"])


async def test_create_incident_as_responder_is_403_and_writes_nothing(client, sessions):
    admin = await make_caller(sessions)
    responder = await colleague(sessions, admin, Role.RESPONDER)
    await make_incident_type(client, admin)

    response = await post(client, responder, "/incidents", incident_body())

    assert_problem(response, 403)
    assert (await get(client, admin, "/incidents")).json()["items"] == []
