"""Personnel workload: each member's hours on incidents and their drift past
a weekly threshold, and the personnel hours each incident took.

A member is on an incident from answering its page (acknowledging the
assignment) until the assignment is cleared, and while their own status says
they are responding to it or on scene (members of an on-call crew often answer
that way, unpaged); pages declined or never answered count nothing. Status
spans are read from the event log from a day before the period, so one begun
earlier than that is not seen. A member's hours are the union of all those
spans, so two incidents at once count their overlap once. Weeks run Monday
to Monday in the department's time zone; a week only partly inside the period
counts its part.

An incident's personnel hours are its members' hours on it plus each unit's
committed hours times the unit's crew size (its current one: crews are not
recorded per assignment).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from muster.reporting import workload_queries as q
from muster.reporting.timeline import Interval, Period, hours_per_week, merged
from muster.reporting.workload_queries import AnyRow
from muster.reporting.workload_schemas import IncidentEffort, MemberUse


@dataclass(frozen=True, slots=True)
class PeopleScope:
    department_id: str
    period: Period
    zone: ZoneInfo
    weekly_hours: float


def _member_use(
    member_id: str, name: str, rows: Sequence[Sequence[Any]], scope: PeopleScope
) -> MemberUse:
    spans: list[Interval] = []
    incidents: set[str] = set()
    for row in rows:
        clipped = scope.period.clip(row[2], row[3])
        if clipped is not None:
            spans.append(clipped)
            incidents.add(row[1])
    spans.sort()
    weeks = hours_per_week(merged(spans), scope.zone)
    over = [h - scope.weekly_hours for h in weeks.values() if h > scope.weekly_hours]
    return MemberUse(
        member_id=member_id,
        member=name,
        incidents=len(incidents),
        hours=round(sum(weeks.values()), 2),
        busiest_week_hours=round(max(weeks.values(), default=0.0), 2),
        weeks_over=len(over),
        overtime_hours=round(sum(over), 2),
    )


ON_INCIDENT = frozenset({"responding", "on_scene"})
STATUS_LOOKBACK = timedelta(days=1)
Span = tuple[str, str, datetime, datetime | None]


def _when(data: dict[str, Any], recorded_at: datetime) -> datetime:
    raw = data.get("at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else recorded_at


async def status_spans(
    session: AsyncSession, scope: PeopleScope
) -> dict[str, list[Span]]:
    """Per member, the spans their own status put them on an incident, as
    (member, incident, from, to) rows like ``member_work``'s; ``to`` is
    ``None`` while the span is still open."""
    floor = await session.scalar(
        q.event_floor(scope.department_id, scope.period, STATUS_LOOKBACK)
    )
    opened: dict[str, tuple[str, datetime]] = {}
    spans: dict[str, list[Span]] = defaultdict(list)
    statement = q.member_status_events(scope.department_id, floor or 0)
    async for incident_id, recorded_at, data in q.stream(session, statement):
        member_id = data.get("member_id")
        if not isinstance(member_id, str):
            continue
        at = _when(data, recorded_at)
        began = opened.pop(member_id, None)
        if began is not None:
            spans[member_id].append((member_id, began[0], began[1], at))
        if data.get("to") in ON_INCIDENT and incident_id is not None:
            opened[member_id] = (incident_id, at)
    for member_id, (incident_id, at) in opened.items():
        spans[member_id].append((member_id, incident_id, at, None))
    return spans


async def member_uses(session: AsyncSession, scope: PeopleScope) -> list[MemberUse]:
    """Every active member and anyone else with hours in the period, the most
    overtime first, then the most hours, then by name."""
    members = {
        member_id: (name, active)
        for member_id, name, active in await session.execute(
            q.department_members(scope.department_id)
        )
    }
    rows: dict[str, MemberUse] = {}
    by_status = await status_spans(session, scope)
    statement = q.member_work(scope.department_id, scope.period)
    async for member_id, work in q.stream_groups(session, statement):
        name = members.get(member_id, (member_id, False))[0]
        spans = [*work, *by_status.pop(member_id, [])]
        rows[member_id] = _member_use(member_id, name, spans, scope)
    for member_id, spans in by_status.items():
        name = members.get(member_id, (member_id, False))[0]
        rows[member_id] = _member_use(member_id, name, spans, scope)
    for member_id, (name, active) in members.items():
        if active and member_id not in rows:
            rows[member_id] = _member_use(member_id, name, [], scope)
    return sorted(rows.values(), key=lambda r: (-r.overtime_hours, -r.hours, r.member))


def _hours(seconds: Any) -> float:
    return round(float(seconds or 0) / 3600, 2)


def _effort_row(row: AnyRow) -> IncidentEffort:
    return IncidentEffort(
        incident_id=row.incident_id,
        number=row.number,
        type=row.code,
        received_at=row.received_at,
        units=int(row.units),
        unit_hours=_hours(row.unit_s),
        members=int(row.members),
        member_hours=_hours(row.member_s),
        crew_hours=_hours(row.crew_s),
        personnel_hours=_hours(row.people_s),
    )


async def incident_efforts(
    session: AsyncSession, scope: PeopleScope, *, limit: int | None
) -> tuple[list[IncidentEffort], int, float]:
    """The incidents with the most personnel hours in the period first (the
    first ``limit``), how many incidents had any, and all their hours."""
    rows = await session.execute(
        q.incident_effort(scope.department_id, scope.period, limit)
    )
    efforts = [_effort_row(row) for row in rows]
    count, seconds = (
        await session.execute(q.effort_totals(scope.department_id, scope.period))
    ).one()
    return efforts, int(count), _hours(seconds)
