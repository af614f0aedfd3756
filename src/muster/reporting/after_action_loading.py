"""Reading everything an after-action review draws on, for one incident.

Each query is scoped by the incident (and so by its department). Units lent
by another department through mutual aid are read by id from the incident's
assignments, with their position history kept in the lender's department:
the review shows what the unit did for this incident, nothing beyond it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from muster.core import clock
from muster.dispatch import assignments as assignment_service
from muster.dispatch.models import Assignment
from muster.events import service as event_service
from muster.events.models import Event
from muster.incidents import service as incident_service
from muster.incidents.models import Incident, IncidentReport
from muster.messaging.models import Delivery, Message, NotificationEndpoint
from muster.org.models import Department, Membership, Station
from muster.units.models import PositionReport, Unit

_EVENT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Fix:
    """One reported position of a unit."""

    at: datetime
    lat: float
    lon: float


@dataclass(slots=True)
class Names:
    """Display names by id, for lines that carry only ids."""

    members: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)

    def member(self, member_id: object) -> str:
        return self.members.get(str(member_id), _short(member_id, "a member"))

    def unit(self, unit_id: object) -> str:
        return self.units.get(str(unit_id), _short(unit_id, "a unit"))

    def assignment(self, assignment_id: object) -> str:
        return self.assignments.get(str(assignment_id), "an assignment")

    def department(self, department_id: object) -> str:
        return self.departments.get(
            str(department_id), _short(department_id, "a department")
        )


def _short(value: object, fallback: str) -> str:
    """An unknown id, shortened so a line stays readable."""
    if value is None or value == "":
        return fallback
    return f"{fallback} ({str(value)[:8]})"


@dataclass(slots=True)
class Record:
    """The rows of one incident's record, as read."""

    department: Department
    incident: Incident
    reports: Sequence[IncidentReport]
    assignments: Sequence[Assignment]
    units: dict[str, Unit]
    stations: dict[str, Station]
    events: list[Event]
    messages: list[tuple[Message, list[Delivery]]]
    tracks: dict[str, list[Fix]]
    names: Names


async def _events(
    session: AsyncSession, department_id: str, incident_id: str
) -> list[Event]:
    found: list[Event] = []
    while True:
        batch = await event_service.list_incident_events(
            session,
            department_id=department_id,
            incident_id=incident_id,
            after_seq=found[-1].seq if found else 0,
            limit=_EVENT_BATCH,
        )
        found.extend(batch)
        if len(batch) < _EVENT_BATCH:
            return found


async def _units(session: AsyncSession, ids: set[str]) -> dict[str, Unit]:
    if not ids:
        return {}
    rows = await session.scalars(select(Unit).where(Unit.id.in_(sorted(ids))))
    return {unit.id: unit for unit in rows}


async def _stations(
    session: AsyncSession, department_id: str, ids: set[str]
) -> dict[str, Station]:
    """The department's own stations among ``ids`` (a lent unit's home station
    is the lender's business)."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(Station).where(
            Station.department_id == department_id, Station.id.in_(sorted(ids))
        )
    )
    return {station.id: station for station in rows}


async def _messages(
    session: AsyncSession, incident_id: str
) -> list[tuple[Message, list[Delivery]]]:
    messages = (
        await session.scalars(
            select(Message)
            .where(Message.incident_id == incident_id)
            .order_by(Message.created_at, Message.id)
        )
    ).all()
    deliveries = await session.scalars(
        select(Delivery)
        .join(Message, Message.id == Delivery.message_id)
        .where(Message.incident_id == incident_id)
        .order_by(Delivery.created_at, Delivery.id)
    )
    by_message: dict[str, list[Delivery]] = {m.id: [] for m in messages}
    for delivery in deliveries:
        by_message[delivery.message_id].append(delivery)
    return [(m, by_message[m.id]) for m in messages]


async def _track(
    session: AsyncSession, assignment: Assignment, until: datetime
) -> list[Fix]:
    """The unit's reports from its dispatch to its clearing (or ``until``)."""
    report = PositionReport
    rows = await session.execute(
        select(report.at, report.lat, report.lon)
        .where(
            report.department_id
            == (assignment.provider_department_id or assignment.department_id),
            report.unit_id == assignment.unit_id,
            report.at >= assignment.dispatched_at,
            report.at <= (assignment.cleared_at or until),
        )
        .order_by(report.at, report.id)
    )
    return [Fix(at, lat, lon) for at, lat, lon in rows]


async def _lookup(
    session: AsyncSession,
    columns: tuple[InstrumentedAttribute[str], InstrumentedAttribute[str]],
    ids: Iterable[str | None],
    *where: ColumnElement[bool],
) -> dict[str, str]:
    """Names (the second column) by id (the first) for the ``ids`` given."""
    key, name = columns
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.execute(select(key, name).where(key.in_(wanted), *where))
    return {str(found): str(label) for found, label in rows}


def _member_ids(record: Record) -> list[str | None]:
    ids: list[str | None] = [record.incident.owner_id]
    ids += [a.member_id for a in record.assignments]
    ids += [d.member_id for _, deliveries in record.messages for d in deliveries]
    ids += [e.actor_id for e in record.events]
    for event in record.events:
        for key in ("member_id", "supervisor_id"):
            value = event.data.get(key)
            ids.append(value if isinstance(value, str) else None)
    return ids


async def _names(session: AsyncSession, record: Record) -> Names:
    department_id = record.department.id
    endpoint = NotificationEndpoint
    names = Names(
        members=await _lookup(
            session,
            (Membership.member_id, Membership.name),
            _member_ids(record),
            Membership.department_id == department_id,
        ),
        units={unit_id: unit.name for unit_id, unit in record.units.items()},
        endpoints=await _lookup(
            session,
            (endpoint.id, endpoint.name),
            (d.endpoint_id for _, deliveries in record.messages for d in deliveries),
            endpoint.department_id == department_id,
        ),
        departments=await _lookup(
            session,
            (Department.id, Department.name),
            [department_id, *(a.provider_department_id for a in record.assignments)],
        ),
    )
    for assignment in record.assignments:
        if assignment.unit_id is not None:
            label = names.unit(assignment.unit_id)
        else:
            label = names.member(assignment.member_id)
        names.assignments[assignment.id] = label
    return names


async def load_record(
    session: AsyncSession, *, department: Department, incident_id: str
) -> Record:
    """Read the incident's record. Raises ``IncidentNotFound`` when the
    department has no such incident."""
    incident = await incident_service.get_incident(
        session, department_id=department.id, incident_id=incident_id
    )
    assignments = await assignment_service.list_assignments(
        session, department_id=department.id, incident_id=incident.id
    )
    units = await _units(session, {a.unit_id for a in assignments if a.unit_id})
    station_ids = {u.station_id for u in units.values() if u.station_id}
    if incident.station_id is not None:
        station_ids.add(incident.station_id)
    now = clock.now()
    record = Record(
        department=department,
        incident=incident,
        reports=await incident_service.list_reports(session, incident_id=incident.id),
        assignments=assignments,
        units=units,
        stations=await _stations(session, department.id, station_ids),
        events=await _events(session, department.id, incident.id),
        messages=await _messages(session, incident.id),
        tracks={
            a.id: await _track(session, a, incident.closed_at or now)
            for a in assignments
            if a.unit_id is not None
        },
        names=Names(),
    )
    record.names = await _names(session, record)
    return record
