"""A responder's own view: the assignment they are on (their own, or their
station's unit's), and their one-tap answers to it.

An answer acknowledges the assignment where it is the responder's to answer
and records what the person is doing. As with replies to a page, a crew
member's "not responding" is that person's answer only: the unit stays
assigned; a member paged in person declines their own assignment.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch import assignments as assignment_service
from muster.dispatch.models import Assignment
from muster.dispatch.schemas import LIVE, AckResponse, AssignmentStatus
from muster.events.schemas import Context
from muster.incidents import service as incident_service
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.units import personnel_service
from muster.units import service as unit_service
from muster.units.tracking_schemas import MemberStatusChange, PersonnelStatusValue


class ResponderAnswer(StrEnum):
    RESPONDING = "responding"
    NOT_RESPONDING = "not_responding"
    ON_SCENE = "on_scene"
    AVAILABLE = "available"


_ANSWERED = {
    AssignmentStatus.PENDING,
    AssignmentStatus.UNANSWERED,
}


@dataclass(frozen=True, slots=True)
class CurrentAssignment:
    assignment: Assignment
    incident: Incident
    unit_name: str | None

    @property
    def is_personal(self) -> bool:
        """Whether the member was paged in person rather than with a unit."""
        return self.assignment.unit_id is None


async def current_assignment(
    session: AsyncSession, *, department_id: str, member_id: str
) -> CurrentAssignment | None:
    """The newest live assignment of the member or of a unit of their station."""
    _, membership = await org_service.get_member(
        session, department_id=department_id, member_id=member_id
    )
    units = (
        await unit_service.list_all_units(
            session, department_id=department_id, station_id=membership.station_id
        )
        if membership.station_id
        else []
    )
    names = {unit.id: unit.name for unit in units}
    query = (
        select(Assignment)
        .where(
            Assignment.department_id == department_id,
            Assignment.status.in_([str(s) for s in LIVE]),
            or_(Assignment.member_id == member_id, Assignment.unit_id.in_(names)),
        )
        .order_by(Assignment.dispatched_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    assignment = await session.scalar(query)
    if assignment is None:
        return None
    incident = await incident_service.get_incident(
        session, department_id=department_id, incident_id=assignment.incident_id
    )
    return CurrentAssignment(assignment, incident, names.get(assignment.unit_id or ""))


async def answer(
    session: AsyncSession, *, ctx: Context, member_id: str, response: ResponderAnswer
) -> CurrentAssignment | None:
    """Record a member's answer; returns their assignment after it.

    "Responding" acknowledges a pending assignment; "not responding" declines
    a personal one. Raises ``AwaitingMutualAid`` while a lender has not agreed.
    """
    current = await current_assignment(
        session, department_id=ctx.department_id, member_id=member_id
    )
    if current is not None:
        await _acknowledge(session, ctx, current, response)
    incident_id = current.incident.id if current is not None else None
    await personnel_service.change_member_status(
        session,
        ctx=ctx,
        member_id=member_id,
        data=MemberStatusChange(
            status=PersonnelStatusValue(response),
            incident_id=None if response is ResponderAnswer.AVAILABLE else incident_id,
        ),
    )
    return await current_assignment(
        session, department_id=ctx.department_id, member_id=member_id
    )


async def _acknowledge(
    session: AsyncSession,
    ctx: Context,
    current: CurrentAssignment,
    response: ResponderAnswer,
) -> None:
    ack = {
        ResponderAnswer.RESPONDING: AckResponse.RESPONDING,
        ResponderAnswer.ON_SCENE: AckResponse.RESPONDING,
        ResponderAnswer.NOT_RESPONDING: AckResponse.DECLINED,
    }.get(response)
    if ack is None or current.assignment.status not in _ANSWERED:
        return
    if ack is AckResponse.DECLINED and not current.is_personal:
        return
    await assignment_service.acknowledge(
        session, ctx=ctx, assignment_id=current.assignment.id, response=ack
    )
