"""Unit workload: hours committed, distance driven and their estimated cost,
per unit and per unit type.

A unit's committed time is the union of its assignments (dispatch to clear,
declined ones left out) inside the period, so two assignments at once count
their overlap once; an assignment still open runs to the period's end. Its
cost is its distance times the type's fuel and wear rates plus its committed
hours times the type's hourly rate.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from muster.reporting import workload_queries as q
from muster.reporting.timeline import Period, merged, seconds_of
from muster.reporting.tracks import Track, TrackRules
from muster.reporting.workload_schemas import TypeUse, UnitUse
from muster.units.models import UnitType


@dataclass(frozen=True, slots=True)
class FleetUnit:
    id: str
    name: str
    type_id: str
    status: str
    created_at: datetime
    station: str | None


@dataclass(frozen=True, slots=True)
class Fleet:
    units: list[FleetUnit]
    types: dict[str, UnitType]

    def of_type(self, type_id: str) -> list[FleetUnit]:
        return [u for u in self.units if u.type_id == type_id]


@dataclass(frozen=True, slots=True)
class UnitWork:
    seconds: float
    incidents: int


async def load_fleet(session: AsyncSession, *, department_id: str) -> Fleet:
    """The department's units and unit types (a department has hundreds, not
    millions, so they are read whole)."""
    types = {t.id: t for t in await session.scalars(q.department_types(department_id))}
    rows = await session.execute(q.department_units(department_id))
    units = [FleetUnit(*row) for row in rows]
    return Fleet(sorted(units, key=lambda u: u.name), types)


async def read_unit_work(
    session: AsyncSession, *, department_id: str, period: Period
) -> dict[str, UnitWork]:
    """Each unit's committed seconds and incidents in the period."""
    work: dict[str, UnitWork] = {}
    statement = q.unit_work(department_id, period)
    async for unit_id, rows in q.stream_groups(session, statement):
        clipped = [period.clip(row[2], row[3]) for row in rows]
        inside = [c for c in clipped if c is not None]
        incidents = {row[1] for row, c in zip(rows, clipped, strict=True) if c}
        work[unit_id] = UnitWork(seconds_of(merged(inside)), len(incidents))
    return work


async def read_tracks(
    session: AsyncSession, *, department_id: str, period: Period, rules: TrackRules
) -> dict[str, Track]:
    """Each unit's track over its fixes in the period (one leg needs both of
    its fixes inside the period)."""
    tracks: dict[str, Track] = {}
    async for unit_id, t, lat, lon, accuracy_m in q.stream(
        session, q.unit_fixes(department_id, period)
    ):
        track = tracks.get(unit_id)
        if track is None:
            track = tracks[unit_id] = Track(rules)
        track.add(float(t), lat, lon, accuracy_m)
    return tracks


async def read_type_incidents(
    session: AsyncSession, *, department_id: str, period: Period
) -> dict[str, int]:
    rows = await session.execute(q.type_incidents(department_id, period))
    return {type_id: int(count) for type_id, count in rows}


def _money(value: float) -> float:
    return round(value, 2)


def _unit_use(
    unit: FleetUnit,
    unit_type: UnitType,
    work: UnitWork | None,
    metres: float,
    hours: float,
) -> UnitUse:
    committed_h = work.seconds / 3600 if work else 0.0
    km = metres / 1000
    fuel = km * unit_type.fuel_cost_per_km
    wear = km * unit_type.wear_cost_per_km
    time = committed_h * unit_type.cost_per_hour
    return UnitUse(
        unit_id=unit.id,
        unit=unit.name,
        type=unit_type.code,
        station=unit.station,
        incidents=work.incidents if work else 0,
        committed_hours=round(committed_h, 2),
        utilisation=round(committed_h / hours, 4) if hours else 0.0,
        distance_km=round(km, 2),
        fuel_cost=_money(fuel),
        wear_cost=_money(wear),
        time_cost=_money(time),
        cost=_money(fuel + wear + time),
    )


def unit_uses(
    fleet: Fleet,
    work: dict[str, UnitWork],
    tracks: dict[str, Track],
    period: Period,
) -> list[UnitUse]:
    """Every unit, the costliest first (then the busiest, then by name)."""
    rows = [
        _unit_use(
            unit,
            fleet.types[unit.type_id],
            work.get(unit.id),
            tracks[unit.id].metres if unit.id in tracks else 0.0,
            period.hours,
        )
        for unit in fleet.units
    ]
    return sorted(rows, key=lambda r: (-r.cost, -r.committed_hours, r.unit))


def type_uses(
    fleet: Fleet, units: Sequence[UnitUse], incidents: dict[str, int], period: Period
) -> list[TypeUse]:
    """Totals per unit type, the costliest first; utilisation is the type's
    committed hours over its units' hours in the period."""
    by_code: dict[str, list[UnitUse]] = defaultdict(list)
    for row in units:
        by_code[row.type].append(row)
    rows = []
    for unit_type in fleet.types.values():
        members = by_code.get(unit_type.code, [])
        committed = sum(r.committed_hours for r in members)
        capacity = len(members) * period.hours
        rows.append(
            TypeUse(
                type=unit_type.code,
                name=unit_type.name,
                units=len(members),
                incidents=incidents.get(unit_type.id, 0),
                committed_hours=round(committed, 2),
                utilisation=round(committed / capacity, 4) if capacity else 0.0,
                distance_km=round(sum(r.distance_km for r in members), 2),
                fuel_cost=_money(sum(r.fuel_cost for r in members)),
                wear_cost=_money(sum(r.wear_cost for r in members)),
                time_cost=_money(sum(r.time_cost for r in members)),
                cost=_money(sum(r.cost for r in members)),
            )
        )
    return sorted(rows, key=lambda r: (-r.cost, -r.committed_hours, r.type))
