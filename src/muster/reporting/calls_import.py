"""Loading a calls-for-service file as closed incidents with their real times.

One incident per call (keyed by the call number, kept as the incident's
``external_ref``, so importing a file again adds only calls not yet there),
one assignment per unit row. The incident types, unit types, units and
stations the file names are created through their services. Incidents and
assignments are inserted in batches for speed, and each incident still gets
an ``incident.imported`` event on the department's hash-chained log. The
whole import is one transaction: a refused file writes nothing.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.ids import new_id
from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents import type_service
from muster.incidents.models import Incident, IncidentType
from muster.incidents.schemas import IncidentTypeCreate
from muster.org import service as org_service
from muster.org.models import Station
from muster.org.schemas import StationCreate
from muster.reporting.calls_csv import read_calls
from muster.reporting.calls_mapping import (
    CallRecord,
    capability_of,
    cleared_at,
    code_of,
    gather,
    priority_of,
    type_categories,
)
from muster.units import service as unit_service
from muster.units.models import Unit, UnitType
from muster.units.schemas import UnitCreate, UnitTypeCreate

logger = logging.getLogger(__name__)

BATCH = 500
SOURCE = "calls-for-service import"
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    rows: int = 0
    calls: int = 0
    imported: int = 0
    assignments: int = 0
    already_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)


@dataclass
class _Refs:
    """Ids of what the file names, by code or name."""

    types: dict[str, str] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    capabilities: dict[str, str] = field(default_factory=dict)


async def _existing(
    session: AsyncSession, key: Any, value: Any, department: Any, department_id: str
) -> dict[str, str]:
    rows = await session.execute(select(key, value).where(department == department_id))
    return {row[0]: row[1] for row in rows}


async def _ensure_types(
    session: AsyncSession,
    ctx: Context,
    calls: dict[str, CallRecord],
    result: ImportResult,
) -> dict[str, str]:
    known = await _existing(
        session,
        IncidentType.code,
        IncidentType.id,
        IncidentType.department_id,
        ctx.department_id,
    )
    for code, (name, category) in type_categories(calls).items():
        if code in known:
            continue
        data = IncidentTypeCreate(code=code, name=name, category=category)
        made = await type_service.create_incident_type(session, ctx=ctx, data=data)
        known[code] = made.id
        result.created["incident types"] += 1
    return known


async def _ensure_stations(
    session: AsyncSession,
    ctx: Context,
    calls: dict[str, CallRecord],
    result: ImportResult,
) -> dict[str, str]:
    known = await _existing(
        session, Station.code, Station.id, Station.department_id, ctx.department_id
    )
    areas = {r.first.station_area for r in calls.values()} - {None}
    for area in sorted(a for a in areas if a is not None):
        code = code_of(area)
        if code not in known:
            data = StationCreate(code=code, name=f"Station area {area}")
            made = await org_service.create_station(session, ctx=ctx, data=data)
            known[code] = made.id
            result.created["stations"] += 1
    return known


async def _ensure_unit_types(
    session: AsyncSession, ctx: Context, names: Iterable[str], result: ImportResult
) -> set[str]:
    known = set(
        await _existing(
            session,
            UnitType.code,
            UnitType.id,
            UnitType.department_id,
            ctx.department_id,
        )
    )
    for name in sorted(set(names)):
        code = code_of(name)
        if code in known:
            continue
        data = UnitTypeCreate(code=code, name=name, capabilities=[capability_of(name)])
        await unit_service.create_unit_type(session, ctx=ctx, data=data)
        known.add(code)
        result.created["unit types"] += 1
    return known


async def _ensure_units(
    session: AsyncSession,
    ctx: Context,
    calls: dict[str, CallRecord],
    result: ImportResult,
) -> dict[str, str]:
    first_type: dict[str, str] = {}
    for record in calls.values():
        for row in record.units:
            first_type.setdefault(row.unit_id, row.unit_type or "UNKNOWN")
    await _ensure_unit_types(session, ctx, first_type.values(), result)
    known = await _existing(
        session, Unit.name, Unit.id, Unit.department_id, ctx.department_id
    )
    for name, unit_type in first_type.items():
        if name in known:
            continue
        data = UnitCreate(name=name, unit_type=code_of(unit_type))
        made = await unit_service.create_unit(session, ctx=ctx, data=data)
        known[name] = made.id
        result.created["units"] += 1
    return known


async def _new_calls(
    session: AsyncSession,
    department_id: str,
    calls: dict[str, CallRecord],
    result: ImportResult,
) -> list[CallRecord]:
    """The calls not imported before (by call number) whose number is free."""
    refs, numbers = set(), set()
    rows = await session.execute(
        select(Incident.external_ref, Incident.number).where(
            Incident.department_id == department_id
        )
    )
    for ref, number in rows:
        refs.add(ref)
        numbers.add(number)
    fresh = []
    for call_number, record in calls.items():
        if call_number in refs:
            result.already_present += 1
        elif record.number in numbers:
            result.skipped["incident number already used"] += len(record.units)
        else:
            numbers.add(record.number)
            fresh.append(record)
    return fresh


def _incident_row(
    record: CallRecord, department_id: str, refs: _Refs
) -> dict[str, Any]:
    first, now = record.first, clock.now()
    area = first.station_area
    return {
        "id": new_id(),
        "department_id": department_id,
        "number": record.number,
        "external_ref": first.call_number,
        "type_id": refs.types[code_of(first.call_type)],
        "priority": priority_of(first.priority),
        "status": "closed",
        "lat": first.lat,
        "lon": first.lon,
        "address": first.address,
        "description": f"{first.call_type} ({SOURCE})",
        "fields": {
            "call_type_group": first.call_type_group,
            "priority_code": first.priority,
        },
        "disposition": first.disposition,
        "station_id": refs.stations.get(code_of(area)) if area else None,
        "received_at": first.received,
        "dispatched_at": record.dispatched_at,
        "first_en_route_at": record.first_time("en_route"),
        "first_on_scene_at": record.first_time("on_scene"),
        "closed_at": record.closed_at,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _assignment_rows(
    record: CallRecord, incident: dict[str, Any], refs: _Refs
) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "department_id": incident["department_id"],
            "incident_id": incident["id"],
            "unit_id": refs.units[row.unit_id],
            "capability": capability_of(row.unit_type or "UNKNOWN"),
            "status": "cleared",
            "alarm_level": 1,
            "pages": 1,
            "dispatched_at": row.dispatched,
            "en_route_at": row.en_route,
            "on_scene_at": row.on_scene,
            "cleared_at": cleared_at(row),
            "version": 1,
        }
        for row in record.units
    ]


def _event_data(record: CallRecord, incident: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "number",
        "external_ref",
        "priority",
        "received_at",
        "closed_at",
        "disposition",
    )
    return {
        "incident_id": incident["id"],
        **{name: incident[name] for name in keep},
        "type": code_of(record.first.call_type),
        "source": SOURCE,
        "units": [
            {
                "unit": row.unit_id,
                "dispatched_at": row.dispatched,
                "en_route_at": row.en_route,
                "on_scene_at": row.on_scene,
                "cleared_at": cleared_at(row),
            }
            for row in record.units
        ],
    }


async def _write_batch(
    session: AsyncSession, ctx: Context, batch: Sequence[CallRecord], refs: _Refs
) -> int:
    incidents = [_incident_row(r, ctx.department_id, refs) for r in batch]
    assignments = [
        row
        for r, i in zip(batch, incidents, strict=True)
        for row in _assignment_rows(r, i, refs)
    ]
    connection = await session.connection()
    await connection.execute(insert(cast(Table, Incident.__table__)), incidents)
    await connection.execute(insert(cast(Table, Assignment.__table__)), assignments)
    for record, incident in zip(batch, incidents, strict=True):
        await event_service.append(
            session,
            ctx=ctx,
            kind="incident.imported",
            incident_id=incident["id"],
            data=_event_data(record, incident),
        )
    return len(assignments)


async def import_calls(
    session: AsyncSession,
    *,
    ctx: Context,
    source: TextIO,
    zone: ZoneInfo,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import the calls in ``source`` (times without offset are in ``zone``).

    Raises ``NotACallsFile`` (nothing written) for a file that is not a
    calls-for-service CSV. Malformed rows are skipped and counted by reason.
    """
    parsed = read_calls(source, zone)
    result = ImportResult(rows=parsed.read, skipped=parsed.skipped)
    calls = gather(parsed.rows, result.skipped)
    result.calls = len(calls)
    fresh = await _new_calls(session, ctx.department_id, calls, result)
    wanted = {r.first.call_number: r for r in fresh}
    refs = _Refs(
        types=await _ensure_types(session, ctx, wanted, result),
        stations=await _ensure_stations(session, ctx, wanted, result),
        units=await _ensure_units(session, ctx, wanted, result),
    )

    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        result.assignments += await _write_batch(session, ctx, batch, refs)
        result.imported += len(batch)
        if on_progress is not None:
            on_progress(result.imported, len(fresh))
    logger.info(
        "calls_imported",
        extra={
            "department_id": ctx.department_id,
            "imported": result.imported,
            "already_present": result.already_present,
            "skipped_rows": sum(result.skipped.values()),
        },
    )
    return result
