"""Hand-made incidents with exact times, written straight to the tables.

Report tests need times no API call would produce (negative intervals, a unit
on scene before it left), so these builders skip the services on purpose.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import transaction
from muster.dispatch.models import Assignment
from muster.incidents.models import Incident, IncidentType
from muster.org.models import Station
from muster.units.models import Unit, UnitType

_numbers = itertools.count(1)


@dataclass
class Crew:
    """What a unit did, in seconds after the incident was received."""

    unit: str
    dispatched: float
    en_route: float | None = None
    on_scene: float | None = None
    cleared: float | None = None


@dataclass
class Call:
    """An incident in seconds after ``at``; ``None`` leaves a time unset."""

    at: datetime
    type: str = "MED"
    priority: int = 1
    station: str | None = None
    dispatched: float | None = None
    on_scene: float | None = None
    crews: list[Crew] = field(default_factory=list)


@dataclass
class Place:
    department_id: str
    types: dict[str, str] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


def _after(at: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else at + timedelta(seconds=seconds)


async def make_place(
    sessions: async_sessionmaker[AsyncSession],
    department_id: str,
    *,
    units: tuple[str, ...] = ("E1", "M1"),
    stations: tuple[str, ...] = ("S1", "S2"),
) -> Place:
    """Types MED (ems) and FIRE (fire), stations and units of one type."""
    now = clock.now()
    place = Place(department_id)
    async with transaction(sessions) as session:
        for code, category in (("MED", "ems"), ("FIRE", "fire")):
            row = IncidentType(
                department_id=department_id,
                code=code,
                name=code.title(),
                category=category,
                default_priority=2,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            place.types[code] = row.id
        for code in stations:
            station = Station(
                department_id=department_id, code=code, name=code, created_at=now
            )
            session.add(station)
            await session.flush()
            place.stations[code] = station.id
        kind = UnitType(
            department_id=department_id,
            code="ENGINE",
            name="Engine",
            capabilities=["engine"],
            created_at=now,
        )
        session.add(kind)
        await session.flush()
        for name in units:
            unit = Unit(
                department_id=department_id,
                name=name,
                unit_type_id=kind.id,
                status="available",
                status_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(unit)
            await session.flush()
            place.units[name] = unit.id
    return place


def _incident(place: Place, call: Call) -> Incident:
    return Incident(
        department_id=place.department_id,
        number=f"T-{next(_numbers)}",
        type_id=place.types[call.type],
        priority=call.priority,
        status="closed",
        lat=37.77,
        lon=-122.42,
        description="hand-made",
        fields={},
        station_id=place.stations[call.station] if call.station else None,
        received_at=call.at,
        dispatched_at=_after(call.at, call.dispatched),
        first_on_scene_at=_after(call.at, call.on_scene),
        closed_at=call.at + timedelta(hours=3),
        created_at=call.at,
        updated_at=call.at,
    )


def _assignment(place: Place, incident: Incident, crew: Crew) -> Assignment:
    at = incident.received_at
    return Assignment(
        department_id=place.department_id,
        incident_id=incident.id,
        unit_id=place.units[crew.unit],
        status="cleared",
        dispatched_at=_after(at, crew.dispatched),
        en_route_at=_after(at, crew.en_route),
        on_scene_at=_after(at, crew.on_scene),
        cleared_at=_after(at, crew.cleared) or at + timedelta(hours=2),
    )


async def add_calls(
    sessions: async_sessionmaker[AsyncSession], place: Place, *calls: Call
) -> list[str]:
    ids = []
    async with transaction(sessions) as session:
        for call in calls:
            incident = _incident(place, call)
            session.add(incident)
            await session.flush()
            session.add_all(_assignment(place, incident, c) for c in call.crews)
            await session.flush()
            ids.append(incident.id)
    return ids
