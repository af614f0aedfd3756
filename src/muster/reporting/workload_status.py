"""Unit availability over the period, rebuilt from the status changes on the
event log, and the staffing strain it shows per unit type.

The history is read from the period's start onwards only, and walked back from
what is known now: a unit's status at the start is the ``from`` of its first
change since then, or its current status if it has not changed since. A unit
counts as available in status ``available`` only, and only once it exists.
A change reported with an earlier time than the unit's change before it is
taken to happen with that one, so the order of the log is kept.

The same pass finds repeated status reports: changes whose new status is the
one the unit or member was already in (recorded because they carried a new
position, ETA or incident).
"""

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from muster.reporting import workload_queries as q
from muster.reporting.timeline import Period, strain
from muster.reporting.workload_fleet import Fleet, FleetUnit
from muster.reporting.workload_schemas import TypeStrain
from muster.units.status import UnitStatus

UNIT_CHANGE = "unit.status_changed"


@dataclass(slots=True)
class Repeats:
    name: str
    count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, at: datetime) -> None:
        self.count += 1
        self.first_at = min(self.first_at or at, at)
        self.last_at = max(self.last_at or at, at)


@dataclass(slots=True)
class _Seen:
    """A unit's first status since the start and the time of its last change."""

    first: str
    last_t: float


@dataclass(slots=True)
class Availability:
    """Per unit type: when units became available (``ups``) or stopped being
    (``downs``), in epoch seconds; the count at the start comes later."""

    ups: "array[float]" = field(default_factory=lambda: array("d"))
    downs: "array[float]" = field(default_factory=lambda: array("d"))


@dataclass(slots=True)
class StatusHistory:
    seen: dict[str, _Seen] = field(default_factory=dict)
    changes: dict[str, Availability] = field(default_factory=dict)
    # Keyed by ("unit" or "member", id).
    repeats: dict[tuple[str, str], Repeats] = field(default_factory=dict)


def _available(status: object) -> int:
    return 1 if status == UnitStatus.AVAILABLE else 0


def _time(data: dict[str, Any]) -> datetime | None:
    raw = data.get("at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def _note_repeat(
    history: StatusHistory, kind: str, data: dict[str, Any], period: Period
) -> None:
    at = _time(data)
    if at is None or not period.start <= at < period.end:
        return
    if data.get("from") != data.get("to") or "mutual_aid_from" in data:
        return  # a lent unit's repeats are its own department's to count
    subject = "unit" if kind == UNIT_CHANGE else "member"
    subject_id, name = data.get(f"{subject}_id"), data.get(subject)
    if isinstance(subject_id, str):
        repeats = history.repeats.get((subject, subject_id))
        if repeats is None:
            repeats = Repeats(str(name or subject_id))
            history.repeats[subject, subject_id] = repeats
        repeats.add(at)


def _note_change(
    history: StatusHistory, unit: FleetUnit, data: dict[str, Any], period: Period
) -> None:
    at = _time(data)
    if at is None:
        return
    seen = history.seen.get(unit.id)
    t = max(at.timestamp(), period.start.timestamp())
    if seen is None:
        seen = history.seen[unit.id] = _Seen(str(data.get("from")), t)
    t = seen.last_t = max(t, seen.last_t)
    delta = _available(data.get("to")) - _available(data.get("from"))
    if delta == 0 or t >= period.end.timestamp():
        return
    changes = history.changes.setdefault(unit.type_id, Availability())
    (changes.ups if delta > 0 else changes.downs).append(t)


async def read_status_history(
    session: AsyncSession, *, department_id: str, period: Period, fleet: Fleet
) -> StatusHistory:
    """The department's status changes since just before the period."""
    floor = await session.scalar(q.event_floor(department_id, period))
    units = {unit.id: unit for unit in fleet.units}
    history = StatusHistory()
    statement = q.status_events(department_id, floor or 0)
    async for kind, data in q.stream(session, statement):
        _note_repeat(history, kind, data, period)
        unit = units.get(data.get("unit_id")) if kind == UNIT_CHANGE else None
        if unit is not None:
            _note_change(history, unit, data, period)
    return history


def _initial(
    history: StatusHistory, units: Sequence[FleetUnit], period: Period
) -> tuple[int, "array[float]"]:
    """Units available at the start, and the times units created later join."""
    count, joins = 0, array("d")
    for unit in units:
        seen = history.seen.get(unit.id)
        available = _available(seen.first if seen else unit.status)
        if unit.created_at <= period.start:
            count += available
        elif available and unit.created_at < period.end:
            joins.append(unit.created_at.timestamp())
    return count, joins


def type_strain(
    fleet: Fleet, history: StatusHistory, period: Period
) -> list[TypeStrain]:
    """Per unit type with a threshold: how long fewer units than it were
    available, in how many stretches, and the fewest available."""
    rows = []
    for unit_type in sorted(fleet.types.values(), key=lambda t: t.code):
        if unit_type.min_available <= 0:
            continue
        units = fleet.of_type(unit_type.id)
        initial, joins = _initial(history, units, period)
        changes = history.changes.get(unit_type.id, Availability())
        found = strain(
            initial,
            [*changes.ups, *joins],
            changes.downs,
            threshold=unit_type.min_available,
            period=(period.start.timestamp(), period.end.timestamp()),
        )
        hours = found.seconds / 3600
        rows.append(
            TypeStrain(
                type=unit_type.code,
                min_available=unit_type.min_available,
                units=len(units),
                strain_hours=round(hours, 2),
                strain_share=round(hours / period.hours, 4) if period.hours else 0.0,
                episodes=found.episodes,
                lowest_available=found.lowest,
            )
        )
    return sorted(rows, key=lambda r: (-r.strain_hours, r.type))
