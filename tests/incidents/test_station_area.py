"""The first-due station an incident is counted under, set at intake."""

from tests.factories.api import make_incident, make_incident_type, post
from tests.factories.extra import patch
from tests.factories.org import make_caller

# Two squares side by side around (37.77, -122.42); S-BIG holds both.
WEST = [[-122.44, 37.76], [-122.42, 37.76], [-122.42, 37.78], [-122.44, 37.78]]
EAST = [[-122.42, 37.76], [-122.40, 37.76], [-122.40, 37.78], [-122.42, 37.78]]
BIG = [[-122.50, 37.70], [-122.30, 37.70], [-122.30, 37.85], [-122.50, 37.85]]


async def _station(client, caller, code, **extra):
    body = {"code": code, "name": f"Station {code}", **extra}
    response = await post(client, caller, "/stations", body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _at(lat, lon):
    return {"location": {"lat": lat, "lon": lon, "address": None}}


async def test_the_smallest_area_holding_the_place_wins(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    await _station(client, caller, "BIG", response_area=BIG)
    west = await _station(client, caller, "W", response_area=WEST)
    east = await _station(client, caller, "E", response_area=EAST)

    in_west = await make_incident(client, caller, **_at(37.77, -122.43))
    in_east = await make_incident(client, caller, **_at(37.77, -122.41))

    assert in_west["station_id"] == west
    assert in_east["station_id"] == east


async def test_without_an_area_the_nearest_station_is_first_due(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    near = await _station(client, caller, "N", lat=37.775, lon=-122.419)
    await _station(client, caller, "F", lat=37.70, lon=-122.47)
    await _station(client, caller, "X")  # no place at all

    incident = await make_incident(client, caller, **_at(37.7749, -122.4194))

    assert incident["station_id"] == near


async def test_moving_the_incident_moves_its_station(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    west = await _station(client, caller, "W", response_area=WEST)
    east = await _station(client, caller, "E", response_area=EAST)
    incident = await make_incident(client, caller, **_at(37.77, -122.43))
    assert incident["station_id"] == west

    response = await patch(
        client,
        caller,
        f"/incidents/{incident['id']}",
        _at(37.77, -122.41),
        if_match=incident["version"],
    )

    assert response.status_code == 200, response.text
    assert response.json()["station_id"] == east


async def test_a_department_without_stations_leaves_it_empty(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    incident = await make_incident(client, caller)

    assert incident["station_id"] is None


async def test_a_bad_response_area_is_refused(client, sessions):
    caller = await make_caller(sessions)

    too_few = await post(
        client,
        caller,
        "/stations",
        {"code": "A", "name": "A", "response_area": WEST[:2]},
    )
    off_globe = await post(
        client,
        caller,
        "/stations",
        {"code": "B", "name": "B", "response_area": [[200, 0], [1, 1], [2, 2]]},
    )

    assert too_few.status_code == 422
    assert off_globe.status_code == 422
    assert "on the globe" in off_globe.text
