"""Unit types' cost rates and strain threshold through the API."""

import pytest

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import assert_problem, colleague, get, patch
from tests.factories.org import make_caller

RATES = {
    "fuel_cost_per_km": 0.42,
    "wear_cost_per_km": 0.3,
    "cost_per_hour": 85.5,
    "min_available": 2,
}


async def _engine(client, caller, **extra):
    response = await post(
        client, caller, "/unit-types", {"code": "ENGINE", "name": "Engine", **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_unit_type_with_rates_returns_them(client, sessions):
    caller = await make_caller(sessions)

    created = await _engine(client, caller, **RATES)

    assert {k: created[k] for k in RATES} == RATES
    assert created["version"] == 1


async def test_create_unit_type_without_rates_costs_nothing(client, sessions):
    caller = await make_caller(sessions)

    created = await _engine(client, caller)

    assert {k: created[k] for k in RATES} == dict.fromkeys(RATES, 0)


async def test_patch_unit_type_sets_rates_and_bumps_version(client, sessions):
    caller = await make_caller(sessions)
    created = await _engine(client, caller)

    response = await patch(
        client, caller, f"/unit-types/{created['id']}", RATES, if_match=1
    )
    read = await get(client, caller, f"/unit-types/{created['id']}")

    assert response.status_code == 200, response.text
    assert {k: read.json()[k] for k in RATES} == RATES
    assert (read.json()["version"], read.json()["code"]) == (2, "ENGINE")


async def test_patch_unit_type_without_change_keeps_version(client, sessions):
    caller = await make_caller(sessions)
    created = await _engine(client, caller, **RATES)

    response = await patch(client, caller, f"/unit-types/{created['id']}", RATES)

    assert response.json()["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"fuel_cost_per_km": -0.01},
        {"wear_cost_per_km": 1000.01},
        {"cost_per_hour": 100_001},
        {"min_available": -1},
        {"min_available": 10_001},
        {"min_available": 1.5},
        {"cost_per_hour": None},
        {"capabilities": ["ladder"]},
    ],
)
async def test_patch_unit_type_bad_rate_is_422_and_changes_nothing(
    client, sessions, body
):
    caller = await make_caller(sessions)
    created = await _engine(client, caller)

    response = await patch(client, caller, f"/unit-types/{created['id']}", body)
    read = await get(client, caller, f"/unit-types/{created['id']}")

    assert_problem(response, 422)
    assert read.json() == created


async def test_create_unit_type_negative_rate_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        "/unit-types",
        {"code": "ENGINE", "name": "Engine", "fuel_cost_per_km": -1},
    )

    body = assert_problem(response, 422)
    assert "fuel_cost_per_km" in str(body["errors"])


async def test_patch_unit_type_stale_version_is_409(client, sessions):
    caller = await make_caller(sessions)
    created = await _engine(client, caller)
    path = f"/unit-types/{created['id']}"
    await patch(client, caller, path, {"cost_per_hour": 10}, if_match=1)

    stale = await patch(client, caller, path, {"cost_per_hour": 20}, if_match=1)

    body = assert_problem(stale, 409)
    assert body["current_version"] == 2


async def test_patch_unit_type_by_viewer_is_403(client, sessions):
    caller = await make_caller(sessions)
    created = await _engine(client, caller)
    viewer = await colleague(sessions, caller, Role.VIEWER)

    response = await patch(client, viewer, f"/unit-types/{created['id']}", RATES)

    assert_problem(response, 403)


async def test_unit_type_of_another_department_is_404(client, sessions):
    caller = await make_caller(sessions)
    created = await _engine(client, caller)
    stranger = await make_caller(sessions)

    read = await get(client, stranger, f"/unit-types/{created['id']}")
    changed = await patch(client, stranger, f"/unit-types/{created['id']}", RATES)

    assert_problem(read, 404)
    assert_problem(changed, 404)
