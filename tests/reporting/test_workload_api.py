"""The utilisation report over one hand-made day whose answers are known.

The day (2026-05-04, UTC): engines E1 (crew 4) and E2 (crew 2), threshold
two available, and medic M1. E1 is on an incident from 22:00 the day before
to 02:00, on two overlapping ones from 10:00 to 13:00, declines one at 15:00
and is still out since 22:00: 7 hours committed. E2 is out 12:00 to 14:00.
Member P works 10:00 to 14:00 over two incidents; another member's unanswered
and declined pages count nothing.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from muster.core import clock
from muster.core.geo import distance_m
from muster.org.roles import Role
from tests.factories.extra import assert_problem, colleague, get
from tests.factories.org import make_caller
from tests.factories.workload import (
    Kind,
    Vehicle,
    Work,
    add_fixes,
    add_incident,
    add_member_status,
    add_statuses,
    add_work,
    make_yard,
)

DAY = datetime(2026, 5, 4, tzinfo=UTC)
PERIOD = {"from": "2026-05-04T00:00:00Z", "to": "2026-05-05T00:00:00Z"}
STEP = 0.009  # degrees of latitude, about a kilometre
LEG_KM = distance_m(37.0, -122.0, 37.0 + STEP, -122.0) / 1000


def h(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


async def _incidents(sessions, yard):
    made = {}
    for name, received, point in [
        ("before", h(-2.1), (37.70, -122.40)),
        ("x", h(9.9), (37.71, -122.40)),
        ("y", h(10.8), (37.72, -122.40)),
        ("z", h(11.9), (37.73, -122.40)),
        ("z_again", h(12.1), (37.7305, -122.40)),
        ("declined", h(14.9), (37.74, -122.40)),
        ("w", h(21.9), (37.75, -122.40)),
    ]:
        made[name] = await add_incident(sessions, yard, received, point)
    return made


async def _work(sessions, yard, member_id, other_id):
    i = await _incidents(sessions, yard)
    await add_work(
        sessions,
        yard,
        Work(i["before"], h(-2), h(2), unit="E1"),
        Work(i["x"], h(10), h(12), unit="E1"),
        Work(i["y"], h(11), h(13), unit="E1"),
        Work(i["declined"], h(15), h(15.1), unit="E1", declined_at=h(15.1)),
        Work(i["w"], h(22), None, unit="E1"),
        Work(i["z"], h(12), h(14), unit="E2"),
        Work(i["x"], h(9.95), h(12), member_id=member_id, acknowledged_at=h(10)),
        Work(i["y"], h(10.9), h(14), member_id=member_id, acknowledged_at=h(11)),
        Work(i["z"], h(12), h(14), member_id=other_id),
        Work(i["z"], h(12), h(12.1), member_id=other_id, declined_at=h(12.1)),
    )
    return i


async def _history(sessions, yard):
    base = (37.0, -122.0)
    await add_fixes(
        sessions,
        yard,
        "E1",
        [
            (h(-0.01), 36.9, base[1], 5.0),  # before the period: no leg
            (h(8), base[0], base[1], 5.0),
            (h(8) + timedelta(minutes=1), base[0] + STEP, base[1], 5.0),
            (h(8) + timedelta(minutes=1), base[0] + STEP, base[1], 5.0),  # repeat
            (h(8) + timedelta(minutes=2), 38.0, base[1], 5.0),  # a jump
            (h(8) + timedelta(minutes=3), base[0] + 2 * STEP, base[1], 5.0),
            (h(8) + timedelta(minutes=4), base[0] + 3 * STEP, base[1], None),
            (h(8) + timedelta(minutes=5), 37.5, base[1], 500.0),  # too rough
            (h(8) + timedelta(minutes=6), base[0] + 4 * STEP, base[1], 8.0),
        ],
    )
    await add_statuses(
        sessions,
        yard,
        "E1",
        [
            (h(-2), "available", "dispatched"),
            (h(2), "dispatched", "available"),
            (h(10), "available", "dispatched"),
            (h(13), "dispatched", "available"),
            (h(22), "available", "dispatched"),
        ],
    )
    await add_statuses(
        sessions,
        yard,
        "E2",
        [
            (h(12), "available", "dispatched"),
            (h(14), "dispatched", "available"),
            (h(14.5), "available", "available"),
        ],
    )


@pytest.fixture
async def day(sessions):
    admin = await make_caller(sessions)
    member = await colleague(sessions, admin, Role.RESPONDER)
    other = await colleague(sessions, admin, Role.RESPONDER)
    yard = await make_yard(
        sessions,
        admin.department_id,
        [
            Kind("ENGINE", fuel=0.5, wear=0.25, hourly=100, min_available=2),
            Kind("MEDIC"),
        ],
        [
            Vehicle("E1", "ENGINE", crew=4, status="dispatched"),
            Vehicle("E2", "ENGINE", crew=2),
            Vehicle("M1", "MEDIC", crew=2),
        ],
    )
    incidents = await _work(sessions, yard, member.member_id, other.member_id)
    await _history(sessions, yard)
    return admin, member, yard, incidents


async def _report(client, caller, **params):
    response = await get(client, caller, "/reports/utilization", **{**PERIOD, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _by(rows, key):
    return {row[key]: row for row in rows}


async def test_utilization_units_clip_and_merge_assignments(client, day):
    admin, *_ = day

    body = await _report(client, admin)

    assert (body["from"], body["to"], body["hours"]) == (
        "2026-05-04T00:00:00Z",
        "2026-05-05T00:00:00Z",
        24,
    )
    units = _by(body["units"], "unit")
    assert units["E1"]["committed_hours"] == 7
    assert units["E1"]["incidents"] == 4
    assert units["E1"]["utilisation"] == round(7 / 24, 4)
    assert (units["E2"]["committed_hours"], units["E2"]["incidents"]) == (2, 1)
    assert (units["M1"]["committed_hours"], units["M1"]["utilisation"]) == (0, 0)


async def test_utilization_distance_leaves_out_jumps_repeats_and_rough_fixes(
    client, day
):
    admin, *_ = day

    body = await _report(client, admin)

    e1 = _by(body["units"], "unit")["E1"]
    assert e1["distance_km"] == round(3 * LEG_KM, 2)
    assert _by(body["units"], "unit")["E2"]["distance_km"] == 0


async def test_utilization_costs_from_type_rates_costliest_first(client, day):
    admin, *_ = day

    body = await _report(client, admin)

    assert [u["unit"] for u in body["units"]] == ["E1", "E2", "M1"]
    e1 = body["units"][0]
    assert (e1["fuel_cost"], e1["wear_cost"], e1["time_cost"]) == (
        round(3 * LEG_KM * 0.5, 2),
        round(3 * LEG_KM * 0.25, 2),
        700,
    )
    assert e1["cost"] == round(3 * LEG_KM * 0.75 + 700, 2)
    engine = _by(body["unit_types"], "type")["ENGINE"]
    assert (engine["units"], engine["committed_hours"], engine["incidents"]) == (
        2,
        9,
        5,
    )
    assert engine["utilisation"] == round(9 / 48, 4)
    assert engine["cost"] == round(e1["cost"] + 200, 2)
    assert body["totals"]["cost"] == engine["cost"]
    assert body["unit_types"][-1]["type"] == "MEDIC"


async def test_utilization_strain_counts_hours_below_threshold(client, day):
    admin, *_ = day

    body = await _report(client, admin)

    assert body["strain"] == [
        {
            "type": "ENGINE",
            "min_available": 2,
            "units": 2,
            "strain_hours": 8,
            "strain_share": round(8 / 24, 4),
            "episodes": 3,
            "lowest_available": 0,
        }
    ]


async def test_utilization_personnel_overtime_past_weekly_hours(client, day):
    admin, member, *_ = day

    body = await _report(client, admin, weekly_hours=3)

    assert body["weekly_hours"] == 3
    people = _by(body["personnel"], "member_id")
    assert people[member.member_id] == {
        "member_id": member.member_id,
        "member": member.email.split("@")[0],
        "incidents": 2,
        "hours": 4,
        "busiest_week_hours": 4,
        "weeks_over": 1,
        "overtime_hours": 1,
    }
    assert body["personnel"][0]["member_id"] == member.member_id
    assert people[admin.member_id]["hours"] == 0
    assert len(people) == 3


async def test_utilization_counts_members_who_answer_by_status_alone(
    client, sessions, day
):
    admin, member, yard, incidents = day
    sam = await colleague(sessions, admin, Role.RESPONDER)
    who = (sam.member_id, "Sam")
    changes = [
        ((h(10), "available", "responding"), incidents["x"]),
        ((h(10.5), "responding", "on_scene"), incidents["x"]),
        ((h(12), "on_scene", "available"), incidents["x"]),
        ((h(22), "available", "responding"), incidents["w"]),  # still out at 24:00
    ]
    for change, incident_id in changes:
        await add_member_status(sessions, yard, who, change, incident_id)
    # The paged member also reported responding to x before acknowledging at 10.
    mine = (member.member_id, "member")
    await add_member_status(
        sessions, yard, mine, (h(9.5), "available", "responding"), incidents["x"]
    )
    await add_member_status(
        sessions, yard, mine, (h(10.2), "responding", "on_scene"), incidents["x"]
    )
    await add_member_status(
        sessions, yard, mine, (h(13), "on_scene", "available"), incidents["x"]
    )

    people = _by((await _report(client, admin))["personnel"], "member_id")

    assert (people[sam.member_id]["incidents"], people[sam.member_id]["hours"]) == (
        2,
        4,
    )
    # 9:30 to 14:00 once, the status spans overlapping the acknowledged pages.
    assert people[member.member_id]["hours"] == 4.5


async def test_utilization_incidents_by_personnel_hours(client, day):
    admin, _, _, incidents = day

    body = await _report(client, admin, limit=2)

    assert body["incidents_total"] == 5
    assert [i["incident_id"] for i in body["incidents"]] == [
        incidents["y"],
        incidents["x"],
    ]
    y = body["incidents"][0]
    assert (y["units"], y["unit_hours"], y["members"], y["member_hours"]) == (
        1,
        2,
        1,
        3,
    )
    assert (y["crew_hours"], y["personnel_hours"]) == (8, 11)
    assert body["totals"]["personnel_hours"] == 11 + 10 + 8 + 8 + 4


async def test_utilization_duplicates_found(client, sessions, day):
    admin, _, yard, incidents = day
    pat = ("member-pat", "Pat")
    await add_member_status(sessions, yard, pat, (h(3), "on_scene", "on_scene"))
    await add_member_status(sessions, yard, pat, (h(4), "on_scene", "available"))

    body = await _report(client, admin)

    first = body["duplicates"][0]
    assert (first["kind"], first["subject_id"], first["other"]) == (
        "possible_duplicate_incident",
        incidents["z_again"],
        next(
            i["number"] for i in body["incidents"] if i["incident_id"] == incidents["z"]
        ),
    )
    assert 50 < first["distance_m"] < 60
    rest = {(d["kind"], d["subject"], d["count"]) for d in body["duplicates"][1:]}
    assert rest == {
        ("repeated_status", "E2", 1),
        ("repeated_status", "Pat", 1),
        ("repeated_position", "E1", 1),
    }
    assert body["duplicates_total"] == 4


@pytest.fixture
def at_23h():
    clock.set_clock(lambda: h(23))
    yield
    clock.set_clock(None)


async def test_utilization_open_assignment_counts_to_now(client, day, at_23h):
    admin, *_ = day

    body = await _report(client, admin)

    assert (body["to"], body["hours"]) == ("2026-05-04T23:00:00Z", 23)
    assert _by(body["units"], "unit")["E1"]["committed_hours"] == 6


async def test_utilization_defaults_to_the_30_days_before_now(client, day, at_23h):
    admin, *_ = day

    response = await get(client, admin, "/reports/utilization")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (
        "2026-04-04T23:00:00Z",
        "2026-05-04T23:00:00Z",
    )
    # The assignment from 22:00 the day before now counts whole.
    assert _by(body["units"], "unit")["E1"]["committed_hours"] == 4 + 3 + 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"weekly_hours": "0"}, "weekly_hours"),
        ({"weekly_hours": "169"}, "weekly_hours"),
        ({"limit": "0"}, "limit"),
        ({"from": "2026-05-05T00:00:00Z", "to": "2026-05-04T00:00:00Z"}, "to"),
        ({"from": "2099-01-01T00:00:00Z", "to": "2099-02-01T00:00:00Z"}, "from"),
    ],
)
async def test_utilization_bad_parameter_is_422_problem(
    client, sessions, params, field
):
    viewer = await make_caller(sessions, roles=(Role.VIEWER,))

    response = await get(client, viewer, "/reports/utilization", **params)

    body = assert_problem(response, 422)
    assert field in response.text, body


@pytest.mark.parametrize("path", ["/reports/utilization", "/reports/utilization.csv"])
async def test_utilization_without_token_is_401(client, path):
    response = await client.get(f"/api/v1{path}", params={"table": "units"})

    assert_problem(response, 401)


async def test_utilization_viewer_may_read(client, sessions, day):
    admin, *_ = day
    viewer = await colleague(sessions, admin, Role.VIEWER)

    body = await _report(client, viewer)

    assert len(body["units"]) == 3


async def test_utilization_sees_only_the_callers_department(client, sessions, day):
    admin, *_ = day
    stranger = await make_caller(sessions)
    theirs = await make_yard(
        sessions,
        stranger.department_id,
        [Kind("ENGINE", hourly=1000, min_available=5)],
        [Vehicle("E1", "ENGINE", crew=9)],
    )
    incident = await add_incident(sessions, theirs, h(5))
    await add_work(sessions, theirs, Work(incident, h(5), h(9), unit="E1"))
    await add_fixes(
        sessions, theirs, "E1", [(h(5), 37.0, -122.0, None), (h(6), 37.1, -122.0, None)]
    )

    ours = await _report(client, admin)
    other = await _report(client, stranger)

    assert _by(ours["units"], "unit")["E1"]["committed_hours"] == 7
    assert ours["incidents_total"] == 5
    assert ours["totals"]["distance_km"] == round(3 * LEG_KM, 2)
    assert [u["unit_id"] for u in other["units"]] == [theirs.units["E1"]]
    assert other["units"][0]["cost"] == 4000  # 4 hours at 1000, no fuel rates
    assert other["incidents_total"] == 1
    assert other["strain"][0]["strain_hours"] == 24
    assert other["duplicates"] == []


async def _csv(client, caller, table, **params):
    response = await get(
        client, caller, "/reports/utilization.csv", table=table, **{**PERIOD, **params}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("units", "units"),
        ("types", "unit_types"),
        ("personnel", "personnel"),
        ("incidents", "incidents"),
        ("strain", "strain"),
        ("duplicates", "duplicates"),
    ],
)
async def test_utilization_csv_has_every_row_of_each_table(client, day, table, key):
    admin, *_ = day
    body = await _report(client, admin, limit=1)

    rows = await _csv(client, admin, table, limit=1)

    assert rows
    assert list(rows[0]) == list(body[key][0])
    total = body.get(f"{key}_total", len(body[key]))
    assert len(rows) == total


async def test_utilization_csv_neutralises_formula_cells(client, sessions):
    admin = await make_caller(sessions)
    await make_yard(
        sessions,
        admin.department_id,
        [Kind("=ENGINE")],
        [Vehicle('=HYPERLINK("x")', "=ENGINE"), Vehicle("-E2", "=ENGINE")],
    )

    rows = await _csv(client, admin, "units")

    assert {(r["unit"], r["type"]) for r in rows} == {
        ('\'=HYPERLINK("x")', "'=ENGINE"),
        ("'-E2", "'=ENGINE"),
    }
    assert {r["committed_hours"] for r in rows} == {"0.0"}


@pytest.mark.parametrize("table", [None, "colour"])
async def test_utilization_csv_bad_table_is_422(client, sessions, table):
    viewer = await make_caller(sessions, roles=(Role.VIEWER,))
    params = {"table": table} if table else {}

    response = await get(client, viewer, "/reports/utilization.csv", **params)

    body = assert_problem(response, 422)
    assert "table" in response.text, body
