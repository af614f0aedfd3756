"""Position reports (AVL): batches, single reports, history, staleness, bad input."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from muster.core import clock
from muster.core.db import transaction
from muster.events.models import Event
from muster.org.roles import Role
from muster.units.models import PositionReport
from tests.factories.api import make_unit, post
from tests.factories.dispatch import fire_at_city_hall, make_dispatch_department
from tests.factories.extra import assert_problem, bearer, colleague, get
from tests.factories.org import make_caller

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[dict[str, datetime]]:
    moment = {"now": NOW}
    clock.set_clock(lambda: moment["now"])
    yield moment
    clock.set_clock(None)


def _at(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).isoformat()


def _report(unit_id: str, lat: float, lon: float, seconds_ago: float = 0, **extra):
    return {"unit_id": unit_id, "lat": lat, "lon": lon, "at": _at(seconds_ago), **extra}


async def _history_count(sessions) -> int:
    async with transaction(sessions) as session:
        return int(await session.scalar(select(func.count(PositionReport.id))) or 0)


async def _event_count(sessions, department_id: str) -> int:
    async with transaction(sessions) as session:
        count = await session.scalar(
            select(func.count(Event.id)).where(Event.department_id == department_id)
        )
        return int(count or 0)


async def _unit(client, caller, unit_id: str) -> dict:
    response = await get(client, caller, f"/units/{unit_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


# Batches ---------------------------------------------------------------------------


async def test_batch_moves_each_unit_to_its_newest_report(client, sessions, frozen):
    caller = await make_caller(sessions)
    e1 = await make_unit(client, caller, "E1")
    e2 = await make_unit(client, caller, "E2")
    items = [
        _report(e1["id"], 47.01, 8.01, seconds_ago=30),
        _report(e1["id"], 47.03, 8.03, seconds_ago=10),
        _report(e1["id"], 47.02, 8.02, seconds_ago=20),
        _report(e2["id"], 46.5, 7.5, seconds_ago=5, speed=42.5, heading=90),
    ]

    response = await post(client, caller, "/locations", {"items": items})

    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 4, "moved": 2, "kept_in_history_only": 2}
    moved = await _unit(client, caller, e1["id"])
    assert (moved["lat"], moved["lon"]) == (47.03, 8.03)
    assert moved["location_at"] == _at(10).replace("+00:00", "Z")
    assert moved["position_stale"] is False
    assert moved["version"] == e1["version"] + 1
    assert await _history_count(sessions) == 4


async def test_report_older_than_known_goes_to_history_only(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    await post(client, caller, "/locations", {"items": [_report(unit["id"], 1, 1, 5)]})

    response = await post(
        client, caller, "/locations", {"items": [_report(unit["id"], 2, 2, 60)]}
    )

    assert response.json() == {"accepted": 1, "moved": 0, "kept_in_history_only": 1}
    assert (await _unit(client, caller, unit["id"]))["lat"] == 1
    assert await _history_count(sessions) == 2


async def test_positions_append_no_events(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    before = await _event_count(sessions, caller.department_id)

    await post(client, caller, "/locations", {"items": [_report(unit["id"], 1, 1)]})

    assert await _event_count(sessions, caller.department_id) == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"lat": 200}, "lat"),
        ({"lon": -181}, "lon"),
        ({"at": (NOW + timedelta(days=365)).isoformat()}, "at"),
        ({"at": "2026-06-01T12:00:00"}, "at"),
        ({"heading": 360}, "heading"),
        ({"speed": -1}, "speed"),
    ],
)
async def test_batch_with_one_bad_report_is_422_naming_it_and_writes_nothing(
    client, sessions, frozen, bad, field
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    items = [_report(unit["id"], 1, 1), {**_report(unit["id"], 2, 2), **bad}]

    response = await post(client, caller, "/locations", {"items": items})

    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "items", 1, field]]
    assert await _history_count(sessions) == 0
    assert (await _unit(client, caller, unit["id"]))["lat"] is None


async def test_batch_naming_unknown_and_foreign_units_is_422_naming_each(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    mine = await make_unit(client, caller)
    foreign = await make_unit(client, other, "X1")
    items = [
        _report(mine["id"], 1, 1),
        _report("no-such-unit", 1, 1),
        _report(foreign["id"], 1, 1),
    ]

    response = await post(client, caller, "/locations", {"items": items})

    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [
        ["body", "items", 1, "unit_id"],
        ["body", "items", 2, "unit_id"],
    ]
    assert await _history_count(sessions) == 0
    assert (await _unit(client, other, foreign["id"]))["lat"] is None
    assert (await _unit(client, caller, mine["id"]))["lat"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"lat": 1, "lon": 1, "at": NOW.isoformat()}]},
        {"items": [{"unit_id": "a", "member_id": "b", "lat": 1, "lon": 1}]},
        {"positions": []},
    ],
)
async def test_batch_of_wrong_shape_is_422(client, sessions, frozen, body):
    caller = await make_caller(sessions)

    response = await post(client, caller, "/locations", body)

    assert_problem(response, 422)


async def test_viewer_cannot_report_positions(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    viewer = await colleague(sessions, caller, Role.VIEWER)

    response = await post(
        client, viewer, "/locations", {"items": [_report(unit["id"], 1, 1)]}
    )

    assert_problem(response, 403)
    assert await _history_count(sessions) == 0


async def test_device_token_narrowed_to_responder_reports_positions(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    crew = await colleague(sessions, caller, Role.RESPONDER, Role.DISPATCHER)
    created = await post(
        client,
        caller,
        "/auth/tokens",
        {"name": "MDT E1", "member_id": crew.member_id, "roles": ["responder"]},
    )
    assert created.status_code == 201, created.text
    device = bearer(created.json()["token"])

    response = await client.post(
        "/api/v1/locations",
        json={"items": [_report(unit["id"], 3, 4)]},
        headers=device,
    )

    assert response.status_code == 200, response.text
    assert (await _unit(client, caller, unit["id"]))["lat"] == 3


# Single reports --------------------------------------------------------------------


async def test_single_report_moves_unit_and_defaults_time_to_now(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)

    response = await post(
        client, caller, f"/units/{unit['id']}/locations", {"lat": 5, "lon": 6}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["lat"], body["lon"], body["position_stale"]) == (5, 6, False)
    assert body["location_at"] == NOW.isoformat().replace("+00:00", "Z")


async def test_single_report_for_foreign_unit_is_404_and_writes_nothing(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    foreign = await make_unit(client, other, "X1")

    response = await post(
        client, caller, f"/units/{foreign['id']}/locations", {"lat": 5, "lon": 6}
    )

    assert_problem(response, 404)
    assert await _history_count(sessions) == 0


async def test_unit_position_goes_stale_after_the_threshold(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    assert unit["position_stale"] is True
    await post(client, caller, f"/units/{unit['id']}/locations", {"lat": 5, "lon": 6})

    frozen["now"] = NOW + timedelta(seconds=301)

    assert (await _unit(client, caller, unit["id"]))["position_stale"] is True


async def test_status_change_with_older_position_does_not_move_unit(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    await post(client, caller, f"/units/{unit['id']}/locations", {"lat": 5, "lon": 6})

    response = await post(
        client,
        caller,
        f"/units/{unit['id']}/status",
        {"status": "out_of_service", "lat": 1, "lon": 1, "at": _at(60)},
    )

    assert response.status_code == 200, response.text
    assert (response.json()["lat"], response.json()["status"]) == (5, "out_of_service")


# History ---------------------------------------------------------------------------


async def test_history_pages_in_time_order_within_window(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    items = [_report(unit["id"], i, i, seconds_ago=100 - i) for i in range(5)]
    await post(client, caller, "/locations", {"items": items})
    path = f"/units/{unit['id']}/locations"

    first = await get(client, caller, path, limit=2, **{"from": _at(99)})
    second = await get(
        client, caller, path, limit=2, cursor=first.json()["next_cursor"]
    )
    bounded = await get(client, caller, path, **{"from": _at(99), "to": _at(97)})

    assert [p["lat"] for p in first.json()["items"]] == [1, 2]
    assert [p["lat"] for p in second.json()["items"]] == [3, 4]
    assert second.json()["next_cursor"] is None
    assert [p["lat"] for p in bounded.json()["items"]] == [1, 2]


async def test_history_with_malformed_cursor_is_422(client, sessions, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)

    response = await get(
        client, caller, f"/units/{unit['id']}/locations", cursor="WyJ4IiwieSJd"
    )

    assert_problem(response, 422)


async def test_history_of_foreign_unit_is_404(client, sessions, frozen):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    foreign = await make_unit(client, other, "X1")

    response = await get(client, caller, f"/units/{foreign['id']}/locations")

    assert_problem(response, 404)


# Members ---------------------------------------------------------------------------


async def test_member_reports_own_position_and_personnel_shows_it(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    responder = await colleague(sessions, caller, Role.RESPONDER)
    item = {"member_id": responder.member_id, "lat": 7, "lon": 8, "at": _at(1)}

    response = await post(client, responder, "/locations", {"items": [item]})
    people = await get(client, caller, "/personnel")
    track = await get(client, responder, f"/members/{responder.member_id}/locations")

    assert response.json()["moved"] == 1
    me = next(p for p in people.json()["items"] if p["member_id"] == item["member_id"])
    assert (me["lat"], me["lon"], me["position_stale"]) == (7, 8, False)
    assert [p["lat"] for p in track.json()["items"]] == [7]


async def test_responder_cannot_report_or_read_another_members_position(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    responder = await colleague(sessions, caller, Role.RESPONDER)
    item = {"member_id": caller.member_id, "lat": 7, "lon": 8, "at": _at(1)}

    reported = await post(client, responder, "/locations", {"items": [item]})
    read = await get(client, responder, f"/members/{caller.member_id}/locations")

    assert_problem(reported, 403)
    assert_problem(read, 403)
    assert await _history_count(sessions) == 0


async def test_batch_naming_foreign_member_is_422(client, sessions, frozen):
    caller = await make_caller(sessions)
    other = await make_caller(sessions)
    item = {"member_id": other.member_id, "lat": 7, "lon": 8, "at": _at(1)}

    response = await post(client, caller, "/locations", {"items": [item]})

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "items", 0, "member_id"]


# Dispatch sees the moves -----------------------------------------------------------


async def test_recommendation_follows_a_reported_move(client, sessions):
    caller = await make_caller(sessions)
    department = await make_dispatch_department(client, caller)
    incident = (await post(client, caller, "/incidents", fire_at_city_hall())).json()
    path = f"/incidents/{incident['id']}/recommendation"
    before = await get(client, caller, path)
    e3 = department.units["E3"]
    at = clock.now().isoformat()

    await post(
        client,
        caller,
        "/locations",
        {"items": [{"unit_id": e3, "lat": 37.7793, "lon": -122.4193, "at": at}]},
    )
    after = await get(client, caller, path)

    assert before.json()["picks"][0]["name"] == "E1"
    assert after.json()["picks"][0]["name"] == "E3"
