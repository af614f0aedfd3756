"""What the incident page shows: the incident, its assignments under names,
and its timeline as sentences."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import NotFound
from muster.dispatch import assignments as assignment_service
from muster.dispatch.models import Assignment
from muster.events.models import Event
from muster.incidents import service as incident_service
from muster.incidents.lifecycle import TRANSITIONS, IncidentStatus
from muster.incidents.models import Incident, IncidentReport
from muster.org import service as org_service
from muster.units import service as unit_service

TIMELINE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    assignment: Assignment
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    """One timeline entry: when, who, what (a sentence), and the raw kind."""

    seq: int
    at: datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: Incident
    reports: Sequence[IncidentReport]
    assignments: list[AssignmentRow]
    timeline: list[Line]
    next_statuses: list[IncidentStatus]

    @property
    def last_seq(self) -> int:
        return self.timeline[-1].seq if self.timeline else 0


async def _name_of(session: AsyncSession, department_id: str, row: Assignment) -> str:
    try:
        if row.unit_id is not None:
            owner = row.provider_department_id or department_id
            unit = await unit_service.get_unit(
                session, department_id=owner, unit_id=row.unit_id
            )
            return unit.name
        _, membership = await org_service.get_member(
            session, department_id=department_id, member_id=row.member_id or ""
        )
    except NotFound:
        return "unknown"
    return membership.name


async def assignment_rows(
    session: AsyncSession, *, department_id: str, incident_id: str
) -> list[AssignmentRow]:
    """The incident's assignments in dispatch order, each with its unit's or
    person's name. Raises ``IncidentNotFound``."""
    rows = await assignment_service.list_assignments(
        session, department_id=department_id, incident_id=incident_id
    )
    return [AssignmentRow(a, await _name_of(session, department_id, a)) for a in rows]


async def timeline_lines(
    session: AsyncSession,
    *,
    department_id: str,
    incident_id: str,
    after_seq: int = 0,
) -> list[Line]:
    """The incident's events after ``after_seq`` as sentences."""
    events = await incident_service.timeline(
        session,
        department_id=department_id,
        incident_id=incident_id,
        after_seq=after_seq,
        limit=TIMELINE_LIMIT,
    )
    rows = await assignment_rows(
        session, department_id=department_id, incident_id=incident_id
    )
    names = _names(rows)
    return [_line(event, names) for event in events]


async def incident_view(
    session: AsyncSession, *, department_id: str, incident_id: str
) -> IncidentView:
    """Everything the incident page shows. Raises ``IncidentNotFound``."""
    incident = await incident_service.get_incident(
        session, department_id=department_id, incident_id=incident_id
    )
    reports = await incident_service.list_reports(session, incident_id=incident.id)
    rows = await assignment_rows(
        session, department_id=department_id, incident_id=incident_id
    )
    events = await incident_service.timeline(
        session,
        department_id=department_id,
        incident_id=incident_id,
        after_seq=0,
        limit=TIMELINE_LIMIT,
    )
    names = _names(rows)
    return IncidentView(
        incident=incident,
        reports=reports,
        assignments=rows,
        timeline=[_line(event, names) for event in events],
        next_statuses=sorted(TRANSITIONS[IncidentStatus(incident.status)]),
    )


def _names(rows: list[AssignmentRow]) -> dict[str, str]:
    names = {}
    for row in rows:
        for key in (row.assignment.unit_id, row.assignment.member_id):
            if key is not None:
                names[key] = row.name
    return names


def _line(event: Event, names: dict[str, str]) -> Line:
    return Line(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        kind=event.kind,
        text=describe(event.kind, event.data, names),
    )


def _who(data: dict[str, Any], names: dict[str, str]) -> str:
    for key in ("unit", "member", "name"):
        if data.get(key):
            return str(data[key])
    for key in ("unit_id", "member_id"):
        if data.get(key) in names:
            return names[data[key]]
    return "a unit"


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


_SENTENCES: dict[str, Callable[[dict[str, Any], str], str]] = {
    "incident.created": lambda d, w: (
        f"Call taken: {d.get('type')}, priority {d.get('priority')}."
    ),
    "incident.updated": lambda d, w: "Details changed.",
    "incident.report_added": lambda d, w: "Another caller reported.",
    "incident.note_added": lambda d, w: f"Note: {d.get('text', '')}",
    "incident.status_changed": lambda d, w: (
        f"Status {_words(d.get('from'))} → {_words(d.get('to'))}."
    ),
    "incident.closed": lambda d, w: f"Closed: {d.get('disposition', '')}",
    "incident.reopened": lambda d, w: "Reopened.",
    "incident.dispatched": lambda d, w: "First unit dispatched.",
    "assignment.created": lambda d, w: f"{w} assigned (alarm {d.get('alarm')}).",
    "assignment.acknowledged": lambda d, w: f"{w} acknowledged: responding.",
    "assignment.declined": lambda d, w: f"{w} declined.",
    "assignment.repaged": lambda d, w: f"{w} paged again (page {d.get('page')}).",
    "assignment.escalated": lambda d, w: f"{w} did not answer: escalated.",
    "assignment.cleared": lambda d, w: f"{w} cleared.",
    "unit.status_changed": lambda d, w: (
        f"{w}: {_words(d.get('from'))} → {_words(d.get('to'))}."
    ),
    "member.status_changed": lambda d, w: f"{w}: {_words(d.get('to'))}.",
    "message.sent": lambda d, w: f"Message: {d.get('body', '')}",
}


def describe(kind: str, data: dict[str, Any], names: dict[str, str]) -> str:
    """A sentence for an event; kinds without one read as their name."""
    sentence = _SENTENCES.get(kind)
    if sentence is None:
        return _words(kind.replace(".", " "))
    return sentence(data, _who(data, names))
