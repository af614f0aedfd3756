"""The statements behind the utilisation report, built as SQL that runs
unchanged on both databases.

Long histories are read as ordered streams (``stream``): assignments by unit or
member and time, positions by unit and time, events by sequence, incidents by
time of receipt; per-incident effort is summed by the database.
"""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.db import UTCDateTime
from muster.core.schemas import FUTURE_TOLERANCE_S
from muster.dispatch.models import Assignment
from muster.events.models import Event
from muster.incidents.models import Incident, IncidentType
from muster.org.models import Membership, Station
from muster.reporting.sql import epoch_seconds, seconds_between
from muster.reporting.timeline import Period
from muster.units.models import PositionReport, Unit, UnitType

AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]
_BATCH = 2000
STATUS_KINDS = ("unit.status_changed", "member.status_changed")
# Events are read from a little before the period: a status report may be
# stamped up to a minute after it was recorded, and clocks of several
# instances differ by a little.
_EVENT_MARGIN = timedelta(seconds=FUTURE_TOLERANCE_S * 5)


async def stream(session: AsyncSession, statement: AnySelect) -> AsyncIterator[AnyRow]:
    """The rows of ``statement``, fetched in batches, never all at once.

    Core rows on the session's connection, a batch per await: awaiting each
    row (or loading through the ORM) costs more than the work done on it.
    """
    connection = await session.connection()
    result = await connection.stream(statement.execution_options(yield_per=_BATCH))
    async for batch in result.partitions(_BATCH):
        for row in batch:
            yield row


async def stream_groups(
    session: AsyncSession, statement: AnySelect
) -> AsyncIterator[tuple[Any, list[AnyRow]]]:
    """The rows of a statement ordered by its first column, one run of equal
    first values at a time (so one subject's rows are in memory at once)."""
    key: Any = None
    group: list[AnyRow] = []
    async for row in stream(session, statement):
        if group and row[0] != key:
            yield key, group
            group = []
        key = row[0]
        group.append(row)
    if group:
        yield key, group


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


def _starts(column: Any, period: Period) -> ColumnElement[bool]:
    """Work that began before the period's end and had not ended by its start."""
    return and_(
        column < _at(period.end),
        or_(Assignment.cleared_at.is_(None), Assignment.cleared_at > _at(period.start)),
    )


def _counted() -> ColumnElement[bool]:
    """A unit counts from its dispatch; a person once they answered the page.
    Declined assignments count for neither."""
    return and_(
        Assignment.declined_at.is_(None),
        or_(Assignment.unit_id.is_not(None), Assignment.acknowledged_at.is_not(None)),
    )


def _start_column() -> ColumnElement[datetime]:
    return case(
        (Assignment.unit_id.is_not(None), Assignment.dispatched_at),
        else_=Assignment.acknowledged_at,
    )


def department_units(department_id: str) -> AnySelect:
    return (
        select(
            Unit.id,
            Unit.name,
            Unit.unit_type_id,
            Unit.status,
            Unit.created_at,
            Station.code,
        )
        .outerjoin(Station, Station.id == Unit.station_id)
        .where(Unit.department_id == department_id)
    )


def department_types(department_id: str) -> AnySelect:
    return select(UnitType).where(UnitType.department_id == department_id)


def unit_work(department_id: str, period: Period) -> AnySelect:
    """The department's units' assignments in the period (wherever they were
    sent, lent ones included), by unit and dispatch time."""
    return (
        select(
            Assignment.unit_id,
            Assignment.incident_id,
            Assignment.dispatched_at,
            Assignment.cleared_at,
        )
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Unit.department_id == department_id,
            Assignment.declined_at.is_(None),
            _starts(Assignment.dispatched_at, period),
        )
        .order_by(Assignment.unit_id, Assignment.dispatched_at, Assignment.id)
    )


def type_incidents(department_id: str, period: Period) -> AnySelect:
    """How many incidents the units of each type worked in the period."""
    return (
        select(Unit.unit_type_id, func.count(distinct(Assignment.incident_id)))
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Unit.department_id == department_id,
            Assignment.declined_at.is_(None),
            _starts(Assignment.dispatched_at, period),
        )
        .group_by(Unit.unit_type_id)
    )


def member_work(department_id: str, period: Period) -> AnySelect:
    """Acknowledged person assignments in the period, by member and time."""
    return (
        select(
            Assignment.member_id,
            Assignment.incident_id,
            Assignment.acknowledged_at,
            Assignment.cleared_at,
        )
        .where(
            Assignment.department_id == department_id,
            Assignment.member_id.is_not(None),
            Assignment.declined_at.is_(None),
            Assignment.acknowledged_at.is_not(None),
            _starts(Assignment.acknowledged_at, period),
        )
        .order_by(Assignment.member_id, Assignment.acknowledged_at, Assignment.id)
    )


def department_members(department_id: str) -> AnySelect:
    return select(Membership.member_id, Membership.name, Membership.is_active).where(
        Membership.department_id == department_id
    )


def _seconds_inside(start: ColumnElement[datetime], period: Period) -> Any:
    """Seconds of an assignment from ``start`` to clearing, inside the period."""
    low = case((start < _at(period.start), _at(period.start)), else_=start)
    still_out = or_(
        Assignment.cleared_at.is_(None), Assignment.cleared_at > _at(period.end)
    )
    high = case((still_out, _at(period.end)), else_=Assignment.cleared_at)
    return seconds_between(low, high)


def _effort(department_id: str, period: Period) -> Any:
    """Per incident of the department: units and people on it and their hours
    inside the period; a unit's crew counts as ``crew_size`` people."""
    start = _start_column()
    seconds = _seconds_inside(start, period)
    rows = (
        select(
            Assignment.incident_id,
            Assignment.unit_id,
            Assignment.member_id,
            seconds.label("s"),
            (seconds * func.coalesce(Unit.crew_size, 0)).label("crew"),
        )
        .outerjoin(Unit, Unit.id == Assignment.unit_id)
        .where(
            Assignment.department_id == department_id,
            _counted(),
            _starts(start, period),
        )
        .subquery("effort_rows")
    )
    is_unit = rows.c.unit_id.is_not(None)
    member_s = func.coalesce(func.sum(case((~is_unit, rows.c.s))), 0)
    crew_s = func.coalesce(func.sum(rows.c.crew), 0)
    return select(
        rows.c.incident_id,
        func.count(distinct(rows.c.unit_id)).label("units"),
        func.coalesce(func.sum(case((is_unit, rows.c.s))), 0).label("unit_s"),
        func.count(distinct(rows.c.member_id)).label("members"),
        member_s.label("member_s"),
        crew_s.label("crew_s"),
        (member_s + crew_s).label("people_s"),
    ).group_by(rows.c.incident_id)


def incident_effort(department_id: str, period: Period, limit: int | None) -> AnySelect:
    """The incidents with the most personnel hours first."""
    effort = _effort(department_id, period).subquery("effort")
    statement = (
        select(effort, Incident.number, Incident.received_at, IncidentType.code)
        .join(Incident, Incident.id == effort.c.incident_id)
        .join(IncidentType, IncidentType.id == Incident.type_id)
        .order_by(effort.c.people_s.desc(), Incident.received_at, Incident.id)
    )
    return statement if limit is None else statement.limit(limit)


def effort_totals(department_id: str, period: Period) -> AnySelect:
    """How many incidents had any effort, and the personnel seconds of all."""
    effort = _effort(department_id, period).subquery("effort")
    return select(func.count(), func.coalesce(func.sum(effort.c.people_s), 0))


def unit_fixes(department_id: str, period: Period) -> AnySelect:
    """The department's units' positions in the period, by unit and time
    (in epoch seconds: plain numbers cost far less to read than datetimes)."""
    return (
        select(
            PositionReport.unit_id,
            epoch_seconds(PositionReport.at),
            PositionReport.lat,
            PositionReport.lon,
            PositionReport.accuracy_m,
        )
        .where(
            PositionReport.department_id == department_id,
            PositionReport.unit_id.is_not(None),
            PositionReport.at >= _at(period.start),
            PositionReport.at < _at(period.end),
        )
        .order_by(
            PositionReport.unit_id,
            PositionReport.at,
            PositionReport.received_at,
            PositionReport.id,
        )
    )


def event_floor(
    department_id: str, period: Period, margin: timedelta = _EVENT_MARGIN
) -> AnySelect:
    """The last event recorded ``margin`` or more before the period.

    Read backwards along the department's sequence, so it costs what the
    events since then cost anyway (recording times rise with the sequence).
    """
    return (
        select(Event.seq)
        .where(
            Event.department_id == department_id,
            Event.at < _at(period.start - margin),
        )
        .order_by(Event.seq.desc())
        .limit(1)
    )


def status_events(department_id: str, after_seq: int) -> AnySelect:
    """Unit and member status changes after ``after_seq``, in order."""
    return (
        select(Event.kind, Event.data)
        .where(
            Event.department_id == department_id,
            Event.seq > after_seq,
            Event.kind.in_(STATUS_KINDS),
        )
        .order_by(Event.seq)
    )


def member_status_events(department_id: str, after_seq: int) -> AnySelect:
    """Members' status changes after ``after_seq``, in order: the incident each
    concerns, when it was recorded, and what it says."""
    return (
        select(Event.incident_id, Event.at, Event.data)
        .where(
            Event.department_id == department_id,
            Event.seq > after_seq,
            Event.kind == STATUS_KINDS[1],
        )
        .order_by(Event.seq)
    )


def department_calls(department_id: str, period: Period) -> AnySelect:
    """The incidents received in the period, in order of receipt."""
    return (
        select(
            Incident.id,
            Incident.number,
            Incident.type_id,
            Incident.lat,
            Incident.lon,
            Incident.received_at,
        )
        .where(
            Incident.department_id == department_id,
            Incident.received_at >= _at(period.start),
            Incident.received_at < _at(period.end),
        )
        .order_by(Incident.received_at, Incident.id)
    )
