"""The registry: a department's index loaded from the database and kept in step."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.db import transaction
from muster.dispatch.index import UnitIndex
from muster.dispatch.recommend import Candidate, Need, Point, Rules, Shortfall
from muster.dispatch.registry import IndexRegistry
from tests.factories.api import make_incident, make_incident_type, make_unit
from tests.factories.extra import make_station, patch, set_unit_status
from tests.factories.org import make_caller

TARGET = Point(47.40, 8.50)
ENGINE = [Need("engine", 1)]


async def index_of(
    registry: IndexRegistry,
    sessions: async_sessionmaker[AsyncSession],
    department_id: str,
) -> UnitIndex:
    async with transaction(sessions) as session:
        return await registry.index_for(session, department_id)


def rules() -> Rules:
    return Rules(now=datetime.now().astimezone())


async def test_first_sync_loads_units_with_type_and_home_station(client, sessions):
    caller = await make_caller(sessions)
    station = await make_station(client, caller, "S1", lat=47.40, lon=8.50)
    housed = await make_unit(
        client, caller, "E1", station_id=station["id"], lat=47.41, lon=8.51
    )
    await make_unit(client, caller, "E2")

    index = await index_of(IndexRegistry(), sessions, caller.department_id)

    assert len(index) == 2
    assert index.get(housed["id"]) == Candidate(
        unit_id=housed["id"],
        name="E1",
        department_id=caller.department_id,
        capabilities=frozenset({"engine"}),
        status="available",
        lat=47.41,
        lon=8.51,
        position_at=datetime.fromisoformat(housed["location_at"]),
        home_lat=47.40,
        home_lon=8.50,
        station_id=station["id"],
        station_code="S1",
        staffing="staffed",
        crew_size=0,
        speed_kmh=None,
    )


async def test_next_sync_sees_a_unit_moved_since(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, "E1", lat=47.41, lon=8.50)
    far = await make_unit(client, caller, "E2", lat=47.50, lon=8.50)
    registry = IndexRegistry()
    first = await index_of(registry, sessions, caller.department_id)
    assert [p.name for p in first.recommend(ENGINE, TARGET, rules()).picks] == ["E1"]

    moved = await patch(
        client, caller, f"/units/{far['id']}", {"lat": 47.401, "lon": 8.5}
    )
    assert moved.status_code == 200, moved.text
    index = await index_of(registry, sessions, caller.department_id)

    assert index is first
    assert [p.name for p in index.recommend(ENGINE, TARGET, rules()).picks] == ["E2"]


async def test_next_sync_sees_a_commitment_and_its_incident_number(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    unit = await make_unit(client, caller, "E12", lat=37.78, lon=-122.42)
    registry = IndexRegistry()
    await index_of(registry, sessions, caller.department_id)

    response = await set_unit_status(
        client, caller, unit["id"], "dispatched", incident_id=incident["id"]
    )
    assert response.status_code == 200, response.text
    index = await index_of(registry, sessions, caller.department_id)

    candidate = index.get(unit["id"])
    assert candidate is not None
    assert (candidate.status, candidate.incident_number) == (
        "dispatched",
        incident["number"],
    )
    result = index.recommend(ENGINE, Point(37.7749, -122.4194), rules())
    assert result.shortfalls == [
        Shortfall(
            "engine",
            1,
            f"closest engine E12 is committed to {incident['number']}; "
            "no available engine",
        )
    ]


async def test_departments_keep_separate_indexes(client, sessions):
    first = await make_caller(sessions)
    second = await make_caller(sessions)
    mine = await make_unit(client, first, "E1", lat=47.41, lon=8.50)
    await make_unit(client, second, "E1", lat=47.40, lon=8.50)
    registry = IndexRegistry()

    index = await index_of(registry, sessions, first.department_id)

    assert len(index) == 1
    assert index.get(mine["id"]) is not None


async def test_sync_reads_only_changed_units_so_station_moves_need_invalidate(
    client, sessions
):
    caller = await make_caller(sessions)
    station = await make_station(client, caller, "S1", lat=47.40, lon=8.50)
    unit = await make_unit(client, caller, "E1", station_id=station["id"])
    registry = IndexRegistry(overlap_s=0)
    await index_of(registry, sessions, caller.department_id)
    await patch(client, caller, f"/stations/{station['id']}", {"lat": 47.5, "lon": 8.6})

    kept = await index_of(registry, sessions, caller.department_id)
    kept_home = kept.get(unit["id"])
    registry.invalidate(caller.department_id)
    fresh = await index_of(registry, sessions, caller.department_id)

    assert kept_home is not None
    assert (kept_home.home_lat, kept_home.home_lon) == (47.40, 8.50)
    assert fresh is not kept
    candidate = fresh.get(unit["id"])
    assert candidate is not None
    assert (candidate.home_lat, candidate.home_lon) == (47.5, 8.6)


async def test_index_is_rebuilt_once_reload_time_has_passed(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, "E1", lat=47.41, lon=8.50)
    registry = IndexRegistry(reload_s=0)

    first = await index_of(registry, sessions, caller.department_id)
    second = await index_of(registry, sessions, caller.department_id)

    assert second is not first
    assert len(second) == 1


async def test_invalidate_all_drops_every_department(client, sessions):
    caller = await make_caller(sessions)
    await make_unit(client, caller, "E1", lat=47.41, lon=8.50)
    registry = IndexRegistry()
    first = await index_of(registry, sessions, caller.department_id)

    registry.invalidate()

    assert await index_of(registry, sessions, caller.department_id) is not first
