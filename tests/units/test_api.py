"""Unit types, units and the unit status machine through the API."""

from datetime import UTC, datetime, timedelta

from tests.factories.api import make_incident, make_incident_type, make_unit, post
from tests.factories.extra import (
    assert_problem,
    get,
    make_station,
    patch,
    set_unit_status,
    timeline_kinds,
)
from tests.factories.org import make_caller

LEGAL_PATH = [
    "dispatched",
    "en_route",
    "on_scene",
    "transporting",
    "at_hospital",
    "returning",
    "available",
]


async def _unit_and_incident(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    unit = await make_unit(client, caller)
    return caller, unit, incident


# Unit types ------------------------------------------------------------------------


async def test_create_unit_type_returns_201_with_type(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        "/unit-types",
        {
            "code": "MEDIC",
            "name": "Ambulance",
            "capabilities": ["transport", "als", "als"],
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"]
    assert (body["code"], body["name"]) == ("MEDIC", "Ambulance")
    assert body["capabilities"] == ["als", "transport"]


async def test_list_unit_types_returns_created_types_in_code_order(client, sessions):
    caller = await make_caller(sessions)
    for code in ("TRUCK", "ENGINE"):
        created = await post(
            client, caller, "/unit-types", {"code": code, "name": code}
        )
        assert created.status_code == 201, created.text

    response = await get(client, caller, "/unit-types")

    assert response.status_code == 200, response.text
    assert [t["code"] for t in response.json()["items"]] == ["ENGINE", "TRUCK"]


async def test_create_unit_type_duplicate_code_is_409(client, sessions):
    caller = await make_caller(sessions)
    await post(client, caller, "/unit-types", {"code": "ENGINE", "name": "Engine"})

    response = await post(
        client, caller, "/unit-types", {"code": "ENGINE", "name": "Again"}
    )

    assert_problem(response, 409)
    assert len((await get(client, caller, "/unit-types")).json()["items"]) == 1


async def test_create_unit_type_bad_capability_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client,
        caller,
        "/unit-types",
        {
            "code": "ENGINE",
            "name": "Engine",
            "capabilities": ["Not Snake Case"],
        },
    )

    assert_problem(response, 422)


# Units -----------------------------------------------------------------------------


async def test_create_unit_returns_201_available(client, sessions):
    caller = await make_caller(sessions)
    station = await make_station(client, caller)

    unit = await make_unit(
        client,
        caller,
        name="E1",
        station_id=station["id"],
        crew_size=4,
        lat=37.77,
        lon=-122.41,
    )

    assert unit["id"]
    assert (unit["name"], unit["unit_type"], unit["station_id"], unit["crew_size"]) == (
        "E1",
        "ENGINE",
        station["id"],
        4,
    )
    assert unit["capabilities"] == ["engine"]
    assert (unit["status"], unit["incident_id"], unit["version"]) == (
        "available",
        None,
        1,
    )
    assert (unit["lat"], unit["lon"]) == (37.77, -122.41)
    assert unit["location_at"] is not None


async def test_read_unit_after_create_returns_it(client, sessions):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)

    response = await get(client, caller, f"/units/{unit['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == unit


async def test_read_unit_unknown_is_404_problem(client, sessions):
    caller = await make_caller(sessions)

    response = await get(client, caller, "/units/no-such-unit")

    assert_problem(response, 404)


async def test_list_units_returns_units_in_name_order(client, sessions):
    caller = await make_caller(sessions)
    for name in ("M2", "E1", "L3"):
        await make_unit(client, caller, name=name)

    response = await get(client, caller, "/units")

    assert response.status_code == 200, response.text
    assert [u["name"] for u in response.json()["items"]] == ["E1", "L3", "M2"]


async def test_list_units_filters_by_status(client, sessions):
    caller = await make_caller(sessions)
    first = await make_unit(client, caller, name="E1")
    await make_unit(client, caller, name="E2")
    await set_unit_status(client, caller, first["id"], "out_of_service")

    response = await get(client, caller, "/units", status="out_of_service")

    assert [u["name"] for u in response.json()["items"]] == ["E1"]


async def test_list_units_pages_with_limit_and_cursor(client, sessions):
    caller = await make_caller(sessions)
    for name in ("E1", "E2", "E3"):
        await make_unit(client, caller, name=name)

    first = await get(client, caller, "/units", limit=2)
    cursor = first.json()["next_cursor"]
    second = await get(client, caller, "/units", limit=2, cursor=cursor)

    assert [u["name"] for u in first.json()["items"]] == ["E1", "E2"]
    assert cursor is not None
    assert [u["name"] for u in second.json()["items"]] == ["E3"]


async def test_create_unit_unknown_unit_type_is_422(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client, caller, "/units", {"name": "E1", "unit_type": "BLIMP"}
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "unit_type"]
    assert (await get(client, caller, "/units")).json()["items"] == []


async def test_create_unit_unknown_station_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, name="E1")

    response = await post(
        client,
        caller,
        "/units",
        {
            "name": "E2",
            "unit_type": "ENGINE",
            "station_id": "no-such-station",
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "station_id"]
    names = [u["name"] for u in (await get(client, caller, "/units")).json()["items"]]
    assert names == ["E1"]


async def test_create_unit_duplicate_name_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, name="E1")

    response = await post(
        client, caller, "/units", {"name": "E1", "unit_type": "ENGINE"}
    )

    assert_problem(response, 409)
    assert len((await get(client, caller, "/units")).json()["items"]) == 1


async def test_create_unit_latitude_without_longitude_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, name="E1")

    response = await post(
        client,
        caller,
        "/units",
        {
            "name": "E2",
            "unit_type": "ENGINE",
            "lat": 37.7,
        },
    )

    assert_problem(response, 422)


async def test_patch_unit_changes_fields_and_bumps_version(client, sessions):
    caller = await make_caller(sessions)
    station = await make_station(client, caller)
    unit = await make_unit(client, caller, name="E1")
    await make_unit(client, caller, name="T1", unit_type="TRUCK")

    response = await patch(
        client,
        caller,
        f"/units/{unit['id']}",
        {
            "name": "E11",
            "unit_type": "TRUCK",
            "station_id": station["id"],
            "crew_size": 3,
        },
        if_match=1,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["unit_type"], body["station_id"], body["crew_size"]) == (
        "E11",
        "TRUCK",
        station["id"],
        3,
    )
    assert body["version"] == 2
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == body


async def test_patch_unit_to_taken_name_is_409(client, sessions):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller, name="E1")
    await make_unit(client, caller, name="E2")

    response = await patch(client, caller, f"/units/{unit['id']}", {"name": "E2"})

    assert_problem(response, 409)
    assert (await get(client, caller, f"/units/{unit['id']}")).json()["name"] == "E1"


async def test_patch_unit_unknown_unit_type_is_422(client, sessions):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)

    response = await patch(
        client, caller, f"/units/{unit['id']}", {"unit_type": "BLIMP"}
    )

    assert_problem(response, 422)
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_patch_unit_stale_version_is_409_with_current_version(client, sessions):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    path = f"/units/{unit['id']}"
    await patch(client, caller, path, {"crew_size": 2}, if_match=1)

    stale = await patch(client, caller, path, {"crew_size": 5}, if_match=1)

    body = assert_problem(stale, 409)
    assert body["current_version"] == 2
    assert (await get(client, caller, path)).json()["crew_size"] == 2


# Status machine --------------------------------------------------------------------


async def test_unit_status_legal_path_round_trip_succeeds(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    seen = []
    for status in LEGAL_PATH:
        response = await set_unit_status(
            client,
            caller,
            unit["id"],
            status,
            incident_id=incident["id"] if status == "dispatched" else None,
        )
        assert response.status_code == 200, (status, response.text)
        seen.append((response.json()["status"], response.json()["incident_id"]))

    committed = [(s, incident["id"]) for s in LEGAL_PATH[:5]]
    assert seen == [*committed, ("returning", None), ("available", None)]


async def test_unit_status_out_of_service_to_on_scene_is_409(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    await set_unit_status(client, caller, unit["id"], "out_of_service")

    response = await set_unit_status(
        client, caller, unit["id"], "on_scene", incident_id=incident["id"]
    )

    body = assert_problem(response, 409)
    assert body["type"] == "/problems/invalid-transition"
    read = (await get(client, caller, f"/units/{unit['id']}")).json()
    assert (read["status"], read["incident_id"]) == ("out_of_service", None)


async def test_unit_status_available_to_transporting_is_409(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    response = await set_unit_status(
        client, caller, unit["id"], "transporting", incident_id=incident["id"]
    )

    body = assert_problem(response, 409)
    assert body["type"] == "/problems/invalid-transition"
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_unknown_status_is_422(client, sessions):
    caller, unit, _ = await _unit_and_incident(client, sessions)

    response = await set_unit_status(client, caller, unit["id"], "teleporting")

    assert_problem(response, 422)


async def test_unit_status_committed_without_incident_is_422(client, sessions):
    caller, unit, _ = await _unit_and_incident(client, sessions)

    response = await set_unit_status(client, caller, unit["id"], "dispatched")

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "incident_id"]
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_unknown_incident_is_404(client, sessions):
    caller, unit, _ = await _unit_and_incident(client, sessions)

    response = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id="no-such-incident"
    )

    assert_problem(response, 404)
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_dispatched_unit_to_other_incident_is_409_naming_it(
    client, sessions
):
    caller, unit, first = await _unit_and_incident(client, sessions)
    second = await make_incident(client, caller, description="Another fire")
    await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=first["id"]
    )

    response = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=second["id"]
    )

    body = assert_problem(response, 409)
    assert (body["incident_id"], body["incident_number"]) == (
        first["id"],
        first["number"],
    )
    read = (await get(client, caller, f"/units/{unit['id']}")).json()
    assert read["incident_id"] == first["id"]


async def test_unit_status_on_scene_unit_to_other_incident_is_409_naming_it(
    client, sessions
):
    caller, unit, first = await _unit_and_incident(client, sessions)
    second = await make_incident(client, caller, description="Another fire")
    await set_unit_status(
        client, caller, unit["id"], "on_scene", incident_id=first["id"]
    )

    response = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=second["id"]
    )

    body = assert_problem(response, 409)
    assert (body.get("incident_id"), body.get("incident_number")) == (
        first["id"],
        first["number"],
    )


async def test_unit_status_dispatched_to_other_incident_leaves_it_untouched(
    client, sessions
):
    caller, unit, first = await _unit_and_incident(client, sessions)
    second = await make_incident(client, caller, description="Another fire")
    await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=first["id"]
    )
    before = (await get(client, caller, f"/incidents/{second['id']}")).json()

    await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=second["id"]
    )

    assert (await get(client, caller, f"/incidents/{second['id']}")).json() == before


async def test_unit_status_for_closed_incident_is_409(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    closed = await post(
        client,
        caller,
        f"/incidents/{incident['id']}/close",
        {"disposition": "False alarm"},
    )
    assert closed.status_code == 200, closed.text

    response = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )

    assert_problem(response, 409)
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_repeated_is_noop_with_unchanged_version(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    first = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )
    before = await timeline_kinds(client, caller, incident["id"])

    again = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert await timeline_kinds(client, caller, incident["id"]) == before
    assert before.count("unit.status_changed") == 1


async def test_unit_status_stale_version_is_409_with_current_version(client, sessions):
    caller, unit, _ = await _unit_and_incident(client, sessions)
    await set_unit_status(client, caller, unit["id"], "out_of_service")

    response = await client.post(
        f"/api/v1/units/{unit['id']}/status",
        json={"status": "available"},
        headers={**caller.headers, "If-Match": "1"},
    )

    body = assert_problem(response, 409)
    assert body["current_version"] == 2


async def test_unit_status_dispatched_stamps_and_dispatches_incident(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    moved = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert read["status"] == "dispatched"
    assert read["dispatched_at"] == moved.json()["status_at"]
    assert (read["first_en_route_at"], read["first_on_scene_at"]) == (None, None)


async def test_unit_status_en_route_stamps_first_en_route(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    dispatched = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )

    moved = await set_unit_status(client, caller, unit["id"], "en_route")

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert read["status"] == "dispatched"
    assert read["dispatched_at"] == dispatched.json()["status_at"]
    assert read["first_en_route_at"] == moved.json()["status_at"]
    assert read["first_on_scene_at"] is None


async def test_unit_status_on_scene_stamps_and_activates_incident(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )
    await set_unit_status(client, caller, unit["id"], "en_route")

    moved = await set_unit_status(client, caller, unit["id"], "on_scene")

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert read["status"] == "active"
    assert read["first_on_scene_at"] == moved.json()["status_at"]


async def test_unit_status_second_unit_keeps_first_stamps(client, sessions):
    caller, first_unit, incident = await _unit_and_incident(client, sessions)
    second_unit = await make_unit(client, caller, name="E2")
    first = await set_unit_status(
        client, caller, first_unit["id"], "on_scene", incident_id=incident["id"]
    )

    await set_unit_status(
        client, caller, second_unit["id"], "on_scene", incident_id=incident["id"]
    )

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert read["dispatched_at"] == first.json()["status_at"]
    assert read["first_on_scene_at"] == first.json()["status_at"]


async def test_unit_status_earlier_report_of_second_unit_becomes_first_on_scene(
    client, sessions
):
    caller, first_unit, incident = await _unit_and_incident(client, sessions)
    second_unit = await make_unit(client, caller, name="E2")
    await set_unit_status(
        client, caller, first_unit["id"], "on_scene", incident_id=incident["id"]
    )
    earlier = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0)

    await set_unit_status(
        client,
        caller,
        second_unit["id"],
        "on_scene",
        incident_id=incident["id"],
        at=earlier.isoformat(),
    )

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert datetime.fromisoformat(read["first_on_scene_at"]) == earlier


async def test_unit_status_reported_at_is_used_for_incident_stamp(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    at = (datetime.now(UTC) - timedelta(seconds=30)).replace(microsecond=0)

    await set_unit_status(
        client,
        caller,
        unit["id"],
        "dispatched",
        incident_id=incident["id"],
        at=at.isoformat(),
    )

    read = (await get(client, caller, f"/incidents/{incident['id']}")).json()
    assert datetime.fromisoformat(read["dispatched_at"]) == at


async def test_unit_status_changes_appear_on_incident_timeline(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    for status in ("dispatched", "en_route", "on_scene"):
        await set_unit_status(
            client, caller, unit["id"], status, incident_id=incident["id"]
        )

    response = await get(client, caller, f"/incidents/{incident['id']}/timeline")

    events = [e for e in response.json()["items"] if e["kind"] == "unit.status_changed"]
    assert [(e["data"]["from"], e["data"]["to"]) for e in events] == [
        ("available", "dispatched"),
        ("dispatched", "en_route"),
        ("en_route", "on_scene"),
    ]
    assert {e["data"]["unit_id"] for e in events} == {unit["id"]}
    assert {e["actor"]["id"] for e in events} == {caller.member_id}


async def test_unit_status_incident_moves_appear_on_timeline(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    for status in ("dispatched", "en_route", "on_scene"):
        await set_unit_status(
            client, caller, unit["id"], status, incident_id=incident["id"]
        )

    response = await get(client, caller, f"/incidents/{incident['id']}/timeline")

    moves = [
        (e["data"]["from"], e["data"]["to"])
        for e in response.json()["items"]
        if e["kind"] == "incident.status_changed"
    ]
    assert moves == [("new", "dispatched"), ("dispatched", "active")]


async def test_unit_status_returning_frees_unit_and_logs_on_incident(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    await set_unit_status(
        client, caller, unit["id"], "on_scene", incident_id=incident["id"]
    )

    response = await set_unit_status(client, caller, unit["id"], "returning")

    assert response.json()["incident_id"] is None
    kinds = await timeline_kinds(client, caller, incident["id"])
    assert kinds.count("unit.status_changed") == 2


async def test_unit_status_time_in_future_is_422(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)
    later = datetime.now(UTC) + timedelta(minutes=5)

    response = await set_unit_status(
        client,
        caller,
        unit["id"],
        "dispatched",
        incident_id=incident["id"],
        at=later.isoformat(),
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"][-1] == "at"
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_time_without_offset_is_422(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    response = await set_unit_status(
        client,
        caller,
        unit["id"],
        "dispatched",
        incident_id=incident["id"],
        at="2024-01-01T00:00:00",
    )

    assert_problem(response, 422)


async def test_unit_status_latitude_out_of_range_is_422(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    response = await set_unit_status(
        client,
        caller,
        unit["id"],
        "dispatched",
        incident_id=incident["id"],
        lat=200,
        lon=0,
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "lat"]
    assert (await get(client, caller, f"/units/{unit['id']}")).json() == unit


async def test_unit_status_with_position_moves_unit(client, sessions):
    caller, unit, incident = await _unit_and_incident(client, sessions)

    response = await set_unit_status(
        client,
        caller,
        unit["id"],
        "on_scene",
        incident_id=incident["id"],
        lat=37.78,
        lon=-122.42,
    )

    body = response.json()
    assert (body["lat"], body["lon"]) == (37.78, -122.42)
    assert body["location_at"] == body["status_at"]
