"""Plans, recommendations and one-call dispatch through the API."""

from tests.factories.api import make_incident_type, post
from tests.factories.dispatch import (
    FIRE_PLAN,
    fire_at_city_hall,
    make_dispatch_department,
)
from tests.factories.extra import assert_problem, get, make_member, make_station
from tests.factories.org import make_caller


async def _setup(client, sessions, **options):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller, **options)
    incident = await post(client, caller, "/incidents", fire_at_city_hall())
    return caller, department, incident.json()


async def test_recommendation_fills_plan_closest_first_with_reasons(client, sessions):
    caller, _, incident = await _setup(client, sessions)

    response = await client.get(
        f"/api/v1/incidents/{incident['id']}/recommendation", headers=caller.headers
    )

    assert response.status_code == 200, response.text
    picks = response.json()["picks"]
    assert [(p["name"], p["capability"]) for p in picks] == [
        ("E1", "engine"),
        ("E2", "engine"),
        ("T1", "ladder"),
    ]
    assert picks[0]["eta_s"] < picks[1]["eta_s"]
    assert all(p["reason"] for p in picks)
    assert response.json()["shortfalls"] == []


async def test_recommendation_names_committed_unit_in_shortfall(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    other = await post(
        client,
        caller,
        "/incidents",
        fire_at_city_hall(location={"lat": 37.70, "lon": -122.45}),
    )
    await post(
        client,
        caller,
        f"/incidents/{other.json()['id']}/assignments",
        {"unit_id": department.units["T1"]},
    )

    response = await client.get(
        f"/api/v1/incidents/{incident['id']}/recommendation", headers=caller.headers
    )

    shortfalls = response.json()["shortfalls"]
    assert [(s["capability"], s["missing"]) for s in shortfalls] == [("ladder", 1)]
    assert other.json()["number"] in shortfalls[0]["reason"]


async def test_dispatch_assigns_first_alarm_in_one_call(client, sessions):
    caller, department, incident = await _setup(client, sessions)

    response = await post(client, caller, f"/incidents/{incident['id']}/dispatch", {})

    assert response.status_code == 200, response.text
    sent = {a["unit_id"] for a in response.json()["assignments"]}
    assert sent == {department.units[n] for n in ("E1", "E2", "T1")}
    again = await post(client, caller, f"/incidents/{incident['id']}/dispatch", {})
    assert again.json()["assignments"] == []


async def test_second_alarm_adds_its_level(client, sessions):
    caller, department, incident = await _setup(client, sessions)
    await post(client, caller, f"/incidents/{incident['id']}/dispatch", {})

    response = await post(
        client, caller, f"/incidents/{incident['id']}/dispatch", {"alarm": 2}
    )

    assert [a["unit_id"] for a in response.json()["assignments"]] == [
        department.units["E3"]
    ]
    assert response.json()["assignments"][0]["alarm_level"] == 2


async def test_auto_dispatch_type_assigns_at_creation(client, sessions):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller, auto_dispatch=True)

    response = await post(client, caller, "/incidents", fire_at_city_hall())

    assert response.status_code == 201, response.text
    sent = {a["unit_id"] for a in response.json()["assignments"]}
    assert sent == {department.units[n] for n in ("E1", "E2", "T1")}
    assert response.json()["status"] == "dispatched"


async def test_dispatch_without_plan_is_409(client, sessions):
    caller = await make_caller(sessions)
    await make_dispatch_department(client, caller)
    await post(client, caller, "/incident-types", {"code": "ODD", "name": "Odd"})
    incident = await post(client, caller, "/incidents", fire_at_city_hall(type="ODD"))

    response = await post(
        client, caller, f"/incidents/{incident.json()['id']}/dispatch", {}
    )

    assert_problem(response, 409)


async def test_zoned_plan_wins_inside_its_zone(client, sessions):
    caller, _, incident = await _setup(client, sessions)
    square = [[-122.43, 37.77], [-122.41, 37.77], [-122.41, 37.79], [-122.43, 37.79]]
    zoned = await post(
        client,
        caller,
        "/response-plans",
        {
            "incident_type": "FIRE",
            "name": "Civic centre",
            "zone": square,
            "alarms": [{"level": 1, "needs": [{"capability": "als", "count": 1}]}],
        },
    )
    outside = await post(
        client,
        caller,
        "/incidents",
        fire_at_city_hall(location={"lat": 37.70, "lon": -122.45}),
    )

    inside_rec = await client.get(
        f"/api/v1/incidents/{incident['id']}/recommendation", headers=caller.headers
    )
    outside_rec = await client.get(
        f"/api/v1/incidents/{outside.json()['id']}/recommendation",
        headers=caller.headers,
    )

    assert inside_rec.json()["plan_id"] == zoned.json()["id"]
    assert [p["name"] for p in inside_rec.json()["picks"]] == ["M1"]
    assert outside_rec.json()["plan_id"] != zoned.json()["id"]


async def test_create_plan_bad_input_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_dispatch_department(client, caller)
    station = await post(client, caller, "/stations", {"code": "S9", "name": "Nine"})
    cases = [
        {"incident_type": "NOPE", "alarms": FIRE_PLAN},
        {"incident_type": "FIRE", "alarms": [*FIRE_PLAN, FIRE_PLAN[0]]},
        {"incident_type": "FIRE", "alarms": []},
        {
            "incident_type": "FIRE",
            "alarms": [{"level": 1, "needs": [{"capability": "engine", "count": 0}]}],
        },
        {
            "incident_type": "FIRE",
            "alarms": FIRE_PLAN,
            "station_id": station.json()["id"],
        },
        {
            "incident_type": "FIRE",
            "alarms": FIRE_PLAN,
            "zone": [[0, 0], [1, 1], [200, 0]],
        },
    ]

    for body in cases:
        response = await post(client, caller, "/response-plans", body)
        assert_problem(response, 422)


async def test_list_and_read_plans(client, sessions):
    caller = await make_caller(sessions)
    await make_dispatch_department(client, caller)

    listed = await client.get("/api/v1/response-plans", headers=caller.headers)
    plan = listed.json()["items"][0]
    read = await client.get(
        f"/api/v1/response-plans/{plan['id']}", headers=caller.headers
    )

    assert plan["incident_type"] == "FIRE"
    assert read.json() == plan


async def test_settings_read_and_update(client, sessions):
    caller = await make_caller(sessions)

    initial = await client.get("/api/v1/dispatch/settings", headers=caller.headers)
    updated = await client.patch(
        "/api/v1/dispatch/settings",
        json={"ack_repage_s": 30, "allow_returning": True},
        headers=caller.headers,
    )
    bad = await client.patch(
        "/api/v1/dispatch/settings", json={"ack_escalate_s": 20}, headers=caller.headers
    )

    assert initial.json()["ack_repage_s"] == 60
    assert (updated.json()["ack_repage_s"], updated.json()["allow_returning"]) == (
        30,
        True,
    )
    assert_problem(bad, 422)


async def test_recommendation_names_station_left_uncovered(client, sessions):
    caller = await make_caller(sessions)
    station = await post(
        client,
        caller,
        "/stations",
        {"code": "S1", "name": "One", "lat": 37.80, "lon": -122.42},
    )
    await post(
        client,
        caller,
        "/unit-types",
        {"code": "ENGINE", "name": "Engine", "capabilities": ["engine"]},
    )
    await post(
        client,
        caller,
        "/units",
        {
            "name": "E1",
            "unit_type": "ENGINE",
            "station_id": station.json()["id"],
            "lat": 37.7800,
            "lon": -122.4190,
        },
    )
    spare = await post(
        client,
        caller,
        "/units",
        {"name": "E9", "unit_type": "ENGINE", "lat": 37.83, "lon": -122.42},
    )
    await post(client, caller, "/incident-types", {"code": "FIRE", "name": "Fire"})
    await post(
        client,
        caller,
        "/response-plans",
        {
            "incident_type": "FIRE",
            "alarms": [{"level": 1, "needs": [{"capability": "engine", "count": 1}]}],
        },
    )
    incident = await post(client, caller, "/incidents", fire_at_city_hall())

    response = await client.get(
        f"/api/v1/incidents/{incident.json()['id']}/recommendation",
        headers=caller.headers,
    )

    assert [p["name"] for p in response.json()["picks"]] == ["E1"]
    cover = response.json()["cover"]
    assert [(c["station_id"], c["capability"]) for c in cover] == [
        (station.json()["id"], "engine")
    ]
    assert cover[0]["move_up"]["unit_id"] == spare.json()["id"]


async def test_alarm_minimum_of_people_is_checked_against_crews(client, sessions):
    caller = await make_caller(sessions)
    await make_dispatch_department(client, caller)
    await make_incident_type(client, caller, code="RESCUE")
    alarms = [{**FIRE_PLAN[0], "min_people": 14}]
    plan = await post(
        client, caller, "/response-plans", {"incident_type": "RESCUE", "alarms": alarms}
    )
    assert plan.status_code == 201, plan.text
    incident = await post(
        client, caller, "/incidents", fire_at_city_hall(type="RESCUE")
    )
    path = f"/incidents/{incident.json()['id']}"

    before = await get(client, caller, f"{path}/recommendation")
    dispatched = await post(client, caller, f"{path}/dispatch", {})
    member = await make_member(client, caller)
    await post(client, caller, f"{path}/assignments", {"member_id": member["id"]})
    after = await get(client, caller, f"{path}/recommendation")

    (short,) = before.json()["shortfalls"]
    assert (short["capability"], short["missing"]) == ("people", 2)
    assert "at least 14 people" in short["reason"]
    assert [s["capability"] for s in dispatched.json()["shortfalls"]] == ["people"]
    assert after.json()["picks"] == []
    assert [(s["capability"], s["missing"]) for s in after.json()["shortfalls"]] == [
        ("people", 1)
    ]


async def test_on_call_unit_ranks_by_its_responding_crew(client, sessions):
    caller = await make_caller(sessions)
    station = await make_station(client, caller, lat=37.7795, lon=-122.4195)
    kind = {"code": "ENGINE", "name": "Engine", "capabilities": ["engine"]}
    await post(client, caller, "/unit-types", kind)
    unit = await post(
        client,
        caller,
        "/units",
        {"name": "V1", "unit_type": "ENGINE", "station_id": station["id"]},
    )
    path = f"/units/{unit.json()['id']}/staffing"
    staffing = await post(client, caller, path, {"staffing": "on_call", "crew_size": 1})
    assert staffing.status_code == 200, staffing.text
    member = await make_member(client, caller, station_id=station["id"])
    await make_incident_type(client, caller, code="FIRE")
    plan = {"level": 1, "needs": [{"capability": "engine", "count": 1}]}
    await post(
        client, caller, "/response-plans", {"incident_type": "FIRE", "alarms": [plan]}
    )
    incident = (await post(client, caller, "/incidents", fire_at_city_hall())).json()
    recommendation = f"/incidents/{incident['id']}/recommendation"

    before = (await get(client, caller, recommendation)).json()["picks"][0]
    status = {"status": "responding", "incident_id": incident["id"], "eta_s": 120}
    responding = await post(client, caller, f"/members/{member['id']}/status", status)
    assert responding.status_code == 200, responding.text
    after = (await get(client, caller, recommendation)).json()["picks"][0]

    assert "crew called in" in before["reason"]
    assert "crew in about 2 min" in after["reason"]
    assert after["eta_s"] < before["eta_s"]
