"""Hand-made fleets, assignments, positions and status histories with exact
times, for workload reports whose answers are known.

Like ``tests.factories.reporting`` these write straight to the tables (and
append status events to the department's chain), because the report tests
need times in the past that no API call would produce.
"""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.db import transaction
from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents.models import Incident, IncidentType
from muster.org.models import Station
from muster.units.models import PositionReport, Unit, UnitType
from tests.factories.org import FACTORY_ACTOR

BUILT = datetime(2026, 5, 1, tzinfo=UTC)
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Kind:
    """A unit type: cost rates and strain threshold."""

    code: str
    fuel: float = 0.0
    wear: float = 0.0
    hourly: float = 0.0
    min_available: int = 0


@dataclass(frozen=True)
class Vehicle:
    name: str
    kind: str
    crew: int = 0
    status: str = "available"
    created_at: datetime = BUILT


@dataclass
class Yard:
    department_id: str
    incident_type_id: str = ""
    station_id: str = ""
    types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


async def make_yard(
    sessions: async_sessionmaker[AsyncSession],
    department_id: str,
    kinds: list[Kind],
    vehicles: list[Vehicle],
) -> Yard:
    """An incident type MED, station S1, the unit types and the units."""
    yard = Yard(department_id)
    async with transaction(sessions) as session:
        kind = IncidentType(
            department_id=department_id,
            code="MED",
            name="Medical",
            category="ems",
            default_priority=2,
            created_at=BUILT,
        )
        station = Station(
            department_id=department_id, code="S1", name="One", created_at=BUILT
        )
        session.add_all([kind, station])
        await session.flush()
        yard.incident_type_id, yard.station_id = kind.id, station.id
        for k in kinds:
            row = UnitType(
                department_id=department_id,
                code=k.code,
                name=k.code.title(),
                capabilities=[k.code.lower()],
                fuel_cost_per_km=k.fuel,
                wear_cost_per_km=k.wear,
                cost_per_hour=k.hourly,
                min_available=k.min_available,
                created_at=BUILT,
            )
            session.add(row)
            await session.flush()
            yard.types[k.code] = row.id
        for v in vehicles:
            unit = Unit(
                department_id=department_id,
                name=v.name,
                unit_type_id=yard.types[v.kind],
                station_id=station.id,
                crew_size=v.crew,
                status=v.status,
                status_at=v.created_at,
                created_at=v.created_at,
                updated_at=v.created_at,
            )
            session.add(unit)
            await session.flush()
            yard.units[v.name] = unit.id
    return yard


async def add_incident(
    sessions: async_sessionmaker[AsyncSession],
    yard: Yard,
    received_at: datetime,
    point: tuple[float, float] = (37.77, -122.42),
) -> str:
    async with transaction(sessions) as session:
        incident = Incident(
            department_id=yard.department_id,
            number=f"W-{next(_numbers):04d}",
            type_id=yard.incident_type_id,
            priority=2,
            status="closed",
            lat=point[0],
            lon=point[1],
            description="hand-made",
            fields={},
            received_at=received_at,
            created_at=received_at,
            updated_at=received_at,
        )
        session.add(incident)
        await session.flush()
        return incident.id


@dataclass(frozen=True)
class Work:
    """A unit (by name) or a member (by id) on an incident."""

    incident_id: str
    dispatched_at: datetime
    cleared_at: datetime | None = None
    unit: str | None = None
    member_id: str | None = None
    acknowledged_at: datetime | None = None
    declined_at: datetime | None = None


async def add_work(
    sessions: async_sessionmaker[AsyncSession], yard: Yard, *work: Work
) -> None:
    async with transaction(sessions) as session:
        for w in work:
            session.add(
                Assignment(
                    department_id=yard.department_id,
                    incident_id=w.incident_id,
                    unit_id=yard.units[w.unit] if w.unit else None,
                    member_id=w.member_id,
                    status="cleared" if w.cleared_at else "acknowledged",
                    dispatched_at=w.dispatched_at,
                    acknowledged_at=w.acknowledged_at,
                    declined_at=w.declined_at,
                    cleared_at=w.cleared_at,
                )
            )


async def add_fixes(
    sessions: async_sessionmaker[AsyncSession],
    yard: Yard,
    unit: str,
    fixes: list[tuple[datetime, float, float, float | None]],
) -> None:
    """Positions of a unit: (time, lat, lon, accuracy in metres)."""
    async with transaction(sessions) as session:
        session.add_all(
            PositionReport(
                department_id=yard.department_id,
                unit_id=yard.units[unit],
                at=at,
                lat=lat,
                lon=lon,
                accuracy_m=accuracy,
                received_at=at,
            )
            for at, lat, lon, accuracy in fixes
        )


async def add_statuses(
    sessions: async_sessionmaker[AsyncSession],
    yard: Yard,
    unit: str,
    changes: list[tuple[datetime, str, str]],
) -> None:
    """A unit's status changes on the event log: (time, from, to)."""
    ctx = Context(yard.department_id, FACTORY_ACTOR)
    async with transaction(sessions) as session:
        for at, before, after in changes:
            await event_service.append(
                session,
                ctx=ctx,
                kind="unit.status_changed",
                data={
                    "unit_id": yard.units[unit],
                    "unit": unit,
                    "from": before,
                    "to": after,
                    "at": at.isoformat(),
                },
            )


async def add_member_status(
    sessions: async_sessionmaker[AsyncSession],
    yard: Yard,
    member: tuple[str, str],
    change: tuple[datetime, str | None, str],
    incident_id: str | None = None,
) -> None:
    """One member's status change on the event log: (id, name), (time, from,
    to), about ``incident_id`` if given."""
    at, before, after = change
    async with transaction(sessions) as session:
        await event_service.append(
            session,
            ctx=Context(yard.department_id, FACTORY_ACTOR),
            kind="member.status_changed",
            incident_id=incident_id,
            data={
                "member_id": member[0],
                "member": member[1],
                "from": before,
                "to": after,
                "at": at.isoformat(),
            },
        )
