"""Personnel workload: each member's hours on incidents and their drift past
a weekly threshold, and the personnel hours each incident took.

A member is on an incident from answering its page (acknowledging the
assignment) until the assignment is cleared; pages declined or never answered
count nothing. A member's hours are the union of those spans, so two incidents
at once count their overlap once. Weeks run Monday to Monday in the
department's time zone; a week only partly inside the period counts its part.

An incident's personnel hours are its members' hours on it plus each unit's
committed hours times the unit's crew size (its current one: crews are not
recorded per assignment).
"""

from dataclasses import dataclass
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
    member_id: str, name: str, rows: list[AnyRow], scope: PeopleScope
) -> MemberUse:
    spans: list[Interval] = []
    incidents: set[str] = set()
    for row in rows:
        clipped = scope.period.clip(row[2], row[3])
        if clipped is not None:
            spans.append(clipped)
            incidents.add(row[1])
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
    # TODO(#5): members who answer by status report alone ("responding" to an
    # incident, never paged) have no assignment and count no hours; their
    # spans would have to be rebuilt from member.status_changed events.
    statement = q.member_work(scope.department_id, scope.period)
    async for member_id, work in q.stream_groups(session, statement):
        name = members.get(member_id, (member_id, False))[0]
        rows[member_id] = _member_use(member_id, name, work, scope)
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
