"""Unit positions and station filters."""

from sqlalchemy import select

from muster.core.db import transaction
from muster.events.models import Event
from tests.factories.api import make_unit, post
from tests.factories.org import make_caller


async def test_patch_unit_position_is_unit_moved_event(client, sessions, app):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)

    response = await client.patch(
        f"/api/v1/units/{unit['id']}",
        json={"lat": 37.7, "lon": -122.4},
        headers=caller.headers,
    )

    assert (response.json()["lat"], response.json()["lon"]) == (37.7, -122.4)
    assert response.json()["location_at"] is not None
    async with transaction(sessions) as session:
        kinds = (
            await session.scalars(
                select(Event.kind)
                .where(Event.department_id == caller.department_id)
                .order_by(Event.seq.desc())
                .limit(1)
            )
        ).all()
    assert kinds == ["unit.moved"]


async def test_list_units_by_station(client, sessions):
    caller = await make_caller(sessions)
    station = await post(client, caller, "/stations", {"code": "S1", "name": "One"})
    at_station = await make_unit(client, caller, "E1", station_id=station.json()["id"])
    await make_unit(client, caller, "E2")

    response = await client.get(
        "/api/v1/units",
        params={"station_id": station.json()["id"]},
        headers=caller.headers,
    )

    assert [u["id"] for u in response.json()["items"]] == [at_station["id"]]
