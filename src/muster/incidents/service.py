"""Incidents from first report to closure, and the incident types that shape them.

Numbers come from a per-department, per-year counter row updated with an
upsert; the row stays locked until commit, so numbers are consecutive and
never reused even when creations race.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.db import Base
from muster.core.errors import NotFound, check_version, field_error
from muster.core.geo import bounding_box, distance_m
from muster.core.ids import new_id
from muster.core.pagination import (
    decode_cursor,
    encode_cursor,
)
from muster.core.settings import Settings
from muster.events import service as event_service
from muster.events.models import Event
from muster.events.schemas import Actor, Context
from muster.incidents import type_service
from muster.incidents.errors import (
    IncidentClosed,
    IncidentNotFound,
)
from muster.incidents.lifecycle import OPEN, IncidentStatus, priority_from
from muster.incidents.models import (
    Incident,
    IncidentCounter,
    IncidentNote,
    IncidentReport,
    IncidentType,
)
from muster.incidents.schemas import (
    Caller,
    IncidentCreate,
    IncidentFilters,
    IncidentUpdate,
)
from muster.org import area_service
from muster.org import service as org_service

S = IncidentStatus
UnitProgress = Literal["dispatched", "en_route", "on_scene"]


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    id: str
    number: str
    distance_m: float
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    radius_m: float
    window: timedelta


def duplicate_rule(settings: Settings) -> DuplicateRule:
    """How near and how recent counts as a possible duplicate, as configured."""
    return DuplicateRule(
        radius_m=settings.duplicate_radius_m,
        window=timedelta(minutes=settings.duplicate_window_min),
    )


async def _check_owner(
    session: AsyncSession, department_id: str, owner_id: str
) -> None:
    try:
        await org_service.get_member(
            session, department_id=department_id, member_id=owner_id
        )
    except NotFound as exc:
        raise field_error("owner_id", f"unknown member {owner_id}") from exc


# Creation --------------------------------------------------------------------------


# Intake runs these on every call, so they are built once (one per dialect for
# the counter upsert) and run as Core statements on the session's connection.
def _counter_upsert(insert: Any) -> Any:
    return (
        insert(IncidentCounter)
        .values(department_id=bindparam("dept"), year=bindparam("yr"), last_number=1)
        .on_conflict_do_update(
            index_elements=["department_id", "year"],
            set_={"last_number": IncidentCounter.last_number + 1},
        )
        .returning(IncidentCounter.last_number)
    )


_NEXT_NUMBER = {
    "postgresql": _counter_upsert(pg_insert),
    "sqlite": _counter_upsert(sqlite_insert),
}

_NEARBY_OPEN = (
    select(
        Incident.id, Incident.number, Incident.lat, Incident.lon, Incident.received_at
    )
    .join(IncidentType, IncidentType.id == Incident.type_id)
    .where(
        Incident.department_id == bindparam("dept"),
        Incident.status.in_([str(s) for s in OPEN]),
        Incident.received_at >= bindparam("since"),
        Incident.lat.between(bindparam("min_lat"), bindparam("max_lat")),
        Incident.lon.between(bindparam("min_lon"), bindparam("max_lon")),
        IncidentType.category == bindparam("category"),
    )
)


async def _next_number(session: AsyncSession, department_id: str, year: int) -> int:
    connection = await session.connection()
    result = await connection.execute(
        _NEXT_NUMBER[connection.dialect.name], {"dept": department_id, "yr": year}
    )
    number: int = result.scalar_one()
    return number


async def find_possible_duplicates(
    session: AsyncSession,
    *,
    incident_type: IncidentType,
    point: tuple[float, float],
    at: datetime,
    rule: DuplicateRule,
) -> list[DuplicateCandidate]:
    """Open incidents of the type's category near ``point`` (lat, lon), lately."""
    lat, lon = point
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, rule.radius_m)
    connection = await session.connection()
    rows = await connection.execute(
        _NEARBY_OPEN,
        {
            "dept": incident_type.department_id,
            "since": at - rule.window,
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "category": incident_type.category,
        },
    )
    found = []
    for row in rows:
        metres = distance_m(lat, lon, row.lat, row.lon)
        if metres <= rule.radius_m:
            found.append(
                DuplicateCandidate(
                    row.id, row.number, round(metres, 1), row.received_at
                )
            )
    return sorted(found, key=lambda c: c.distance_m)


async def preview_duplicates(
    session: AsyncSession,
    *,
    department_id: str,
    type_code: str,
    point: tuple[float, float],
    rule: DuplicateRule,
) -> list[DuplicateCandidate]:
    """What intake would flag as possible duplicates of a call not yet taken.

    Raises ``ValidationFailed`` for an unknown type. Writes nothing.
    """
    incident_type = await type_service.type_for_input(session, department_id, type_code)
    return await find_possible_duplicates(
        session, incident_type=incident_type, point=point, at=clock.now(), rule=rule
    )


async def _insert_rows(session: AsyncSession, rows: Sequence[Base]) -> None:
    """Insert new rows with Core statements, skipping the unit of work.

    The objects stay transient: intake only reads them back to answer.
    """
    connection = await session.connection()
    for row in rows:
        table = cast(Table, row.__table__)
        values = {column.key: getattr(row, column.key) for column in table.columns}
        await connection.execute(insert(table), values)


def _report(
    department_id: str, incident_id: str, caller: Caller, at: datetime, actor: Actor
) -> IncidentReport:
    return IncidentReport(
        id=new_id(),
        department_id=department_id,
        incident_id=incident_id,
        caller_name=caller.name,
        caller_phone=caller.phone,
        text=caller.report,
        received_at=at,
        created_by=actor.id,
    )


async def create_incident(
    session: AsyncSession,
    *,
    ctx: Context,
    data: IncidentCreate,
    duplicate_rule: DuplicateRule,
) -> tuple[Incident, list[IncidentReport], list[DuplicateCandidate]]:
    """Record a new incident with its first caller report and number.

    Returns the incident, its reports and the open incidents it may duplicate.
    Raises ``ValidationFailed`` for an unknown type, owner or bad extra fields.
    """
    incident_type = await type_service.type_for_input(
        session, ctx.department_id, data.type
    )
    type_service.validate_fields(incident_type, data.fields)
    if data.owner_id is not None:
        await _check_owner(session, ctx.department_id, data.owner_id)
    zone = await org_service.department_timezone(session, ctx.department_id)
    now = clock.now()
    received_at = data.received_at or now
    duplicates = await find_possible_duplicates(
        session,
        incident_type=incident_type,
        point=(data.location.lat, data.location.lon),
        at=received_at,
        rule=duplicate_rule,
    )
    year = received_at.astimezone(ZoneInfo(zone)).year
    number = f"{year}-{await _next_number(session, ctx.department_id, year):06d}"
    priority = data.priority or priority_from(
        data.impact, data.urgency, incident_type.default_priority
    )
    incident = Incident(
        id=new_id(),
        department_id=ctx.department_id,
        number=number,
        type_id=incident_type.id,
        incident_type=incident_type,
        priority=priority,
        impact=data.impact,
        urgency=data.urgency,
        status=S.NEW,
        lat=data.location.lat,
        lon=data.location.lon,
        address=data.location.address,
        station_id=await area_service.station_area_of(
            session,
            department_id=ctx.department_id,
            lat=data.location.lat,
            lon=data.location.lon,
        ),
        description=data.description,
        owner_id=data.owner_id,
        fields=data.fields,
        received_at=received_at,
        created_at=now,
        updated_at=now,
        version=1,
    )
    reports = []
    if data.caller is not None:
        reports.append(
            _report(ctx.department_id, incident.id, data.caller, received_at, ctx.actor)
        )
    await _insert_rows(session, [incident, *reports])
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.created",
        incident_id=incident.id,
        data={
            "number": number,
            "type": incident_type.code,
            "priority": priority,
            "status": incident.status,
            "description": data.description,
            "location": data.location.model_dump(),
            "fields": data.fields,
            "caller": data.caller.model_dump() if data.caller else None,
            "possible_duplicates": [d.number for d in duplicates],
        },
    )
    return incident, reports, duplicates


# Reading ---------------------------------------------------------------------------


async def get_incident(
    session: AsyncSession,
    *,
    department_id: str,
    incident_id: str,
    for_update: bool = False,
) -> Incident:
    """The incident, row-locked until commit when ``for_update`` (on PostgreSQL)."""
    query = select(Incident).where(
        Incident.id == incident_id, Incident.department_id == department_id
    )
    if for_update:
        # Re-read the row under the lock: an earlier read in this session may
        # hold values another transaction has since changed.
        query = query.with_for_update(of=Incident).execution_options(
            populate_existing=True
        )
    incident = await session.scalar(query)
    if incident is None:
        raise IncidentNotFound(f"no incident {incident_id}", incident_id=incident_id)
    return incident


async def get_incident_by_number(
    session: AsyncSession, *, department_id: str, number: str
) -> Incident:
    """The department's incident numbered ``number``. Raises ``IncidentNotFound``."""
    incident = await session.scalar(
        select(Incident).where(
            Incident.department_id == department_id, Incident.number == number
        )
    )
    if incident is None:
        raise IncidentNotFound(f"no incident numbered {number}", number=number)
    return incident


async def list_reports(
    session: AsyncSession, *, incident_id: str
) -> Sequence[IncidentReport]:
    query = (
        select(IncidentReport)
        .where(IncidentReport.incident_id == incident_id)
        .order_by(IncidentReport.received_at, IncidentReport.id)
    )
    return (await session.scalars(query)).all()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select[Incident], filters: IncidentFilters) -> Select[Incident]:
    if filters.status:
        query = query.where(Incident.status.in_([str(s) for s in filters.status]))
    if filters.type:
        query = query.where(
            Incident.incident_type.has(IncidentType.code == filters.type)
        )
    if filters.priority is not None:
        query = query.where(Incident.priority == filters.priority)
    if filters.since is not None:
        query = query.where(Incident.received_at >= filters.since)
    if filters.owner_id:
        query = query.where(Incident.owner_id == filters.owner_id)
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        query = query.where(
            Incident.description.ilike(pattern, escape="\\")
            | Incident.address.ilike(pattern, escape="\\")
            | Incident.number.ilike(pattern, escape="\\")
        )
    return query


async def list_incidents(
    session: AsyncSession,
    *,
    department_id: str,
    filters: IncidentFilters,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Incident], str | None]:
    """Newest first, one page at a time; the cursor carries the last row's key."""
    query = _filtered(
        select(Incident).where(Incident.department_id == department_id), filters
    ).order_by(Incident.received_at.desc(), Incident.id.desc())
    if cursor:
        received, last_id = decode_cursor(cursor, size=2)
        try:
            received_at = datetime.fromisoformat(received)
        except (TypeError, ValueError) as exc:
            raise field_error("cursor", "malformed cursor") from exc
        query = query.where(
            (Incident.received_at < received_at)
            | ((Incident.received_at == received_at) & (Incident.id < last_id))
        )
    rows = (await session.scalars(query.limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.received_at.isoformat(), last.id)


async def list_open_incidents(
    session: AsyncSession, *, department_id: str, limit: int
) -> Sequence[Incident]:
    """Open incidents as a queue: most urgent priority first, then oldest."""
    query = (
        select(Incident)
        .where(
            Incident.department_id == department_id,
            Incident.status.in_([str(s) for s in OPEN]),
        )
        .order_by(Incident.priority, Incident.received_at, Incident.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def timeline(
    session: AsyncSession,
    *,
    department_id: str,
    incident_id: str,
    after_seq: int,
    limit: int,
) -> Sequence[Event]:
    """The incident's events in order. Raises ``IncidentNotFound``."""
    await get_incident(session, department_id=department_id, incident_id=incident_id)
    return await event_service.list_incident_events(
        session,
        department_id=department_id,
        incident_id=incident_id,
        after_seq=after_seq,
        limit=limit,
    )


# Changes ---------------------------------------------------------------------------


async def load_for_change(
    session: AsyncSession,
    department_id: str,
    incident_id: str,
    expected_version: int | None,
) -> Incident:
    incident = await get_incident(
        session, department_id=department_id, incident_id=incident_id, for_update=True
    )
    check_version(incident.version, expected_version)
    return incident


def require_open(incident: Incident) -> None:
    if incident.status not in OPEN:
        raise IncidentClosed(
            f"incident {incident.number} is {incident.status}; reopen it first",
            incident_id=incident.id,
        )


async def _apply_update(
    session: AsyncSession, incident: Incident, data: IncidentUpdate
) -> dict[str, Any]:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "type" in changes:
        incident_type = await type_service.type_for_input(
            session, incident.department_id, data.type or ""
        )
        incident.type_id, incident.incident_type = incident_type.id, incident_type
    if data.fields is not None or "type" in changes:
        fields = data.fields if data.fields is not None else incident.fields
        type_service.validate_fields(incident.incident_type, fields)
        incident.fields = fields
    if data.owner_id is not None:
        await _check_owner(session, incident.department_id, data.owner_id)
    if data.location is not None:
        incident.lat, incident.lon = data.location.lat, data.location.lon
        incident.address = data.location.address
        incident.station_id = await area_service.station_area_of(
            session,
            department_id=incident.department_id,
            lat=data.location.lat,
            lon=data.location.lon,
        )
    for field in ("description", "owner_id", "impact", "urgency"):
        if field in changes:
            setattr(incident, field, changes[field])
    if data.priority is not None:
        incident.priority = data.priority
    elif {"impact", "urgency"} & changes.keys():
        incident.priority = priority_from(
            data.impact, data.urgency, incident.incident_type.default_priority
        )
        changes["priority"] = incident.priority
    return changes


async def update_incident(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    data: IncidentUpdate,
    expected_version: int | None,
) -> Incident:
    """Edit an open incident. Raises ``StaleVersion``, ``IncidentClosed``,
    ``ValidationFailed``."""
    incident = await load_for_change(
        session, ctx.department_id, incident_id, expected_version
    )
    require_open(incident)
    changes = await _apply_update(session, incident, data)
    if not changes:
        return incident
    incident.updated_at = clock.now()
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.updated",
        incident_id=incident.id,
        data={"changes": changes},
    )
    return incident


async def add_report(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    caller: Caller,
    received_at: datetime | None,
) -> IncidentReport:
    """Attach another caller's report to an incident, open or not (callers are late)."""
    incident = await get_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    report = _report(
        ctx.department_id, incident.id, caller, received_at or clock.now(), ctx.actor
    )
    session.add(report)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.report_added",
        incident_id=incident.id,
        data={"report_id": report.id, **caller.model_dump()},
    )
    return report


async def add_note(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    text: str,
) -> IncidentNote:
    incident = await get_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    note = IncidentNote(
        department_id=ctx.department_id,
        incident_id=incident.id,
        author_id=ctx.actor.id,
        author=ctx.actor.name,
        text=text,
        created_at=clock.now(),
    )
    session.add(note)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.note_added",
        incident_id=incident.id,
        data={"note_id": note.id, "text": text},
    )
    return note
