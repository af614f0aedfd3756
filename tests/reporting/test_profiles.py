"""Target profiles a department defines, and the default its reports use."""

from datetime import UTC, datetime

import pytest

from muster.org.roles import Role
from tests.factories.extra import assert_problem, colleague, delete, get
from tests.factories.org import make_caller
from tests.factories.reporting import Call, Crew, add_calls, make_place

AT = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

STRICT = {
    "description": "County standard: every turnout within 90 s",
    "targets": {
        "turnout": {"any": [{"seconds": 90, "share": 0.9}]},
        "travel": {
            "first_on_scene": [{"seconds": 300, "share": 0.9}],
            "later_on_scene": [{"seconds": 600, "share": 0.9}],
        },
    },
    "is_default": True,
}


@pytest.fixture
async def admin(sessions):
    caller = await make_caller(sessions)
    place = await make_place(sessions, caller.department_id)
    await add_calls(
        sessions,
        place,
        Call(
            at=AT,
            dispatched=30,
            on_scene=400,
            crews=[Crew("E1", dispatched=30, en_route=100, on_scene=400)],
        ),
    )
    return caller


async def _put(client, caller, name, body):
    return await client.put(
        f"/api/v1/reports/profiles/{name}", json=body, headers=caller.headers
    )


async def test_the_shipped_profiles_are_listed_with_nfpa_the_default(client, admin):
    response = await get(client, admin, "/reports/profiles")

    assert response.status_code == 200
    items = {p["name"]: p for p in response.json()["items"]}
    assert set(items) == {"nfpa", "none"}
    assert items["nfpa"]["is_default"] is True
    assert items["nfpa"]["shipped"] is True
    assert items["nfpa"]["targets"]["turnout"]["ems"] == [[60, 0.9]]


async def test_a_department_default_profile_drives_reports(client, admin):
    saved = await _put(client, admin, "county", STRICT)
    report = await get(client, admin, "/reports/response-times")

    assert saved.status_code == 200, saved.text
    assert saved.json()["targets"]["turnout"] == {
        "ems": [[90, 0.9]],
        "fire": [[90, 0.9]],
    }
    body = report.json()
    assert body["profile"] == "county"
    turnout = body["intervals"]["turnout"]
    assert turnout["target_s"] == 90
    assert turnout["within_target"] == 1.0  # 70 s
    travel = body["intervals"]["travel"]
    assert travel["target_s"] == 300
    assert travel["meets_target"] is True  # 300 s, exactly on target
    assert body["intervals"]["call_processing"]["target_s"] is None


async def test_asking_for_nfpa_still_works_beside_a_default(client, admin):
    await _put(client, admin, "county", STRICT)

    report = await get(client, admin, "/reports/response-times", profile="nfpa")

    assert report.json()["intervals"]["turnout"]["target_s"] == 60


async def test_a_new_default_takes_over_and_deleting_it_restores_nfpa(client, admin):
    await _put(client, admin, "county", STRICT)
    await _put(client, admin, "summer", {**STRICT, "description": "Summer"})

    listed = (await get(client, admin, "/reports/profiles")).json()["items"]
    gone = await delete(client, admin, "/reports/profiles/summer")
    after = await get(client, admin, "/reports/response-times")

    defaults = [p["name"] for p in listed if p["is_default"]]
    assert defaults == ["summer"]
    assert gone.status_code == 204
    assert after.json()["profile"] == "nfpa"


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("nfpa", STRICT, 409),
        ("Bad Name", STRICT, 422),
        ("x", {**STRICT, "targets": {"turnout": {"first_on_scene": []}}}, 422),
        (
            "x",
            {**STRICT, "targets": {"travel": {"ems": [{"seconds": 1, "share": 1}]}}},
            422,
        ),
        (
            "x",
            {**STRICT, "targets": {"turnout": {"any": [{"seconds": 60, "share": 0}]}}},
            422,
        ),
        (
            "x",
            {
                **STRICT,
                "targets": {
                    "turnout": {
                        "any": [{"seconds": 60, "share": 0.9}],
                        "ems": [{"seconds": 60, "share": 0.9}],
                    }
                },
            },
            422,
        ),
        ("x", {**STRICT, "targets": {"speed": {"any": []}}}, 422),
        ("x", {**STRICT, "description": ""}, 422),
    ],
)
async def test_bad_profiles_are_refused(client, admin, name, body, status):
    response = await _put(client, admin, name, body)

    assert_problem(response, status)
    listed = (await get(client, admin, "/reports/profiles")).json()["items"]
    assert {p["name"] for p in listed} == {"nfpa", "none"}


async def test_only_admins_save_profiles_and_departments_see_their_own(
    client, sessions, admin
):
    viewer = await colleague(sessions, admin, Role.VIEWER)
    stranger = await make_caller(sessions)
    await _put(client, admin, "county", STRICT)

    refused = await _put(client, viewer, "mine", STRICT)
    theirs = await get(client, stranger, "/reports/profiles")
    missing = await delete(client, admin, "/reports/profiles/never")

    assert_problem(refused, 403)
    assert {p["name"] for p in theirs.json()["items"]} == {"nfpa", "none"}
    assert_problem(missing, 404)
    unknown = await get(client, stranger, "/reports/response-times", profile="county")
    assert_problem(unknown, 422)
