"""Taking a call: the new incident, its possible duplicates, and for a type
under automatic dispatch its first alarm, all in the caller's transaction."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch import assignments as assignment_service
from muster.dispatch.errors import NoResponsePlan
from muster.dispatch.models import Assignment
from muster.dispatch.recommend import Shortfall
from muster.events.schemas import Context
from muster.incidents import service as incident_service
from muster.incidents.models import Incident, IncidentReport
from muster.incidents.schemas import IncidentCreate


@dataclass(slots=True)
class Intake:
    incident: Incident
    reports: list[IncidentReport]
    duplicates: list[incident_service.DuplicateCandidate]
    assignments: list[Assignment] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)


async def take_call(
    session: AsyncSession,
    *,
    ctx: Context,
    data: IncidentCreate,
    rule: incident_service.DuplicateRule,
) -> Intake:
    """Record the call; under automatic dispatch, assign its first alarm too
    (a type without a plan is then a shortfall, not an error). Raises what
    ``incident_service.create_incident`` raises."""
    incident, reports, duplicates = await incident_service.create_incident(
        session, ctx=ctx, data=data, duplicate_rule=rule
    )
    taken = Intake(incident, reports, duplicates)
    if not incident.incident_type.auto_dispatch:
        return taken
    try:
        made, found = await assignment_service.dispatch_alarm(
            session, ctx=ctx, incident_id=incident.id, alarm=1
        )
    except NoResponsePlan as exc:
        taken.shortfalls = [Shortfall("*", 0, exc.detail)]
        return taken
    taken.assignments, taken.shortfalls = made, list(found.shortfalls)
    taken.incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=incident.id
    )
    return taken
