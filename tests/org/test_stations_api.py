"""Stations through the API: creating, listing, reading and editing."""

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import (
    assert_problem,
    colleague,
    get,
    make_station,
    patch,
)
from tests.factories.org import make_caller


async def test_create_station_returns_201_with_station(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/stations",
        {
            "code": "ST1",
            "name": "Station 1",
            "address": "1 Main St",
            "lat": 37.77,
            "lon": -122.41,
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"]
    assert (body["code"], body["name"], body["address"]) == (
        "ST1",
        "Station 1",
        "1 Main St",
    )
    assert (body["lat"], body["lon"], body["version"]) == (37.77, -122.41, 1)


async def test_read_station_after_create_returns_it(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)

    response = await get(client, admin, f"/stations/{station['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == station


async def test_read_station_unknown_is_404_problem(client, sessions):
    admin = await make_caller(sessions)

    response = await get(client, admin, "/stations/no-such-station")

    assert_problem(response, 404)


async def test_list_stations_returns_all_in_code_order(client, sessions):
    admin = await make_caller(sessions)
    for code in ("ST3", "ST1", "ST2"):
        await make_station(client, admin, code)

    response = await get(client, admin, "/stations")

    assert response.status_code == 200, response.text
    assert [s["code"] for s in response.json()["items"]] == ["ST1", "ST2", "ST3"]
    assert response.json()["next_cursor"] is None


async def test_list_stations_pages_with_limit_and_cursor(client, sessions):
    admin = await make_caller(sessions)
    for code in ("ST3", "ST1", "ST2"):
        await make_station(client, admin, code)

    first = await get(client, admin, "/stations", limit=2)
    cursor = first.json()["next_cursor"]
    second = await get(client, admin, "/stations", limit=2, cursor=cursor)

    assert [s["code"] for s in first.json()["items"]] == ["ST1", "ST2"]
    assert cursor is not None
    assert [s["code"] for s in second.json()["items"]] == ["ST3"]
    assert second.json()["next_cursor"] is None


async def test_create_station_duplicate_code_is_409(client, sessions):
    admin = await make_caller(sessions)
    await make_station(client, admin, "ST1")

    response = await post(client, admin, "/stations", {"code": "ST1", "name": "Again"})

    assert_problem(response, 409)
    codes = [s["code"] for s in (await get(client, admin, "/stations")).json()["items"]]
    assert codes == ["ST1"]


async def test_create_station_latitude_out_of_range_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/stations",
        {
            "code": "ST1",
            "name": "Nowhere",
            "lat": 200,
            "lon": 0,
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "lat"]


async def test_create_station_unknown_field_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/stations",
        {
            "code": "ST1",
            "name": "Station",
            "colour": "red",
        },
    )

    assert_problem(response, 422)


async def test_create_station_as_dispatcher_is_403(client, sessions):
    admin = await make_caller(sessions)
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await post(client, dispatcher, "/stations", {"code": "ST1", "name": "X"})

    assert_problem(response, 403)
    assert (await get(client, admin, "/stations")).json()["items"] == []


async def test_patch_station_changes_fields_and_bumps_version(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)

    response = await patch(
        client,
        admin,
        f"/stations/{station['id']}",
        {
            "name": "Headquarters",
            "address": "2 Main St",
        },
        if_match=1,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["address"], body["version"]) == (
        "Headquarters",
        "2 Main St",
        2,
    )
    assert (await get(client, admin, f"/stations/{station['id']}")).json() == body


async def test_patch_station_stale_version_is_409_with_current_version(
    client, sessions
):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)
    path = f"/stations/{station['id']}"
    await patch(client, admin, path, {"name": "First edit"}, if_match=1)

    stale = await patch(client, admin, path, {"name": "Second edit"}, if_match=1)

    body = assert_problem(stale, 409)
    assert body["current_version"] == 2
    assert (await get(client, admin, path)).json()["name"] == "First edit"


async def test_patch_station_malformed_if_match_is_422(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)

    response = await client.patch(
        f"/api/v1/stations/{station['id']}",
        json={"name": "X"},
        headers={**admin.headers, "If-Match": "yesterday"},
    )

    assert_problem(response, 422)


async def test_patch_station_null_name_is_422(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)

    response = await patch(client, admin, f"/stations/{station['id']}", {"name": None})

    assert_problem(response, 422)
    assert (await get(client, admin, f"/stations/{station['id']}")).json() == station


async def test_patch_station_unknown_is_404_problem(client, sessions):
    admin = await make_caller(sessions)

    response = await patch(client, admin, "/stations/no-such-station", {"name": "X"})

    assert_problem(response, 404)
