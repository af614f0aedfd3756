"""Assigning units and people to incidents, acknowledgement, clearing, escalation.

A unit is committed by moving it to ``dispatched`` through the unit service,
which locks the unit's row: of two dispatchers racing for one unit, the second
finds it committed and gets a conflict naming the incident it went to. A
partial unique index (one live assignment per unit) stands behind that.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, field_error
from muster.dispatch import mutual_aid
from muster.dispatch import service as dispatch_service
from muster.dispatch.errors import (
    AlreadyAssigned,
    AssignmentClosed,
    AssignmentNotFound,
    AwaitingMutualAid,
    UnitUnavailable,
)
from muster.dispatch.models import Assignment
from muster.dispatch.recommend import Need, Pick, Recommendation
from muster.dispatch.schemas import LIVE, AckResponse, AssignmentStatus
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.incidents import lifecycle_service
from muster.incidents import service as incident_service
from muster.incidents.models import Incident
from muster.jobs import service as job_service
from muster.messaging import paging
from muster.messaging.schemas import Page
from muster.org import service as org_service
from muster.units import service as unit_service
from muster.units.models import Unit
from muster.units.schemas import UnitStatusChange
from muster.units.status import COMMITTED, UnitStatus

A = AssignmentStatus
REPAGE_JOB = "assignment.repage"
ESCALATE_JOB = "assignment.escalate"


async def get_assignment(
    session: AsyncSession,
    *,
    department_id: str,
    assignment_id: str,
    for_update: bool = False,
) -> Assignment:
    query = select(Assignment).where(
        Assignment.id == assignment_id, Assignment.department_id == department_id
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    assignment = await session.scalar(query)
    if assignment is None:
        raise AssignmentNotFound(f"no assignment {assignment_id}")
    return assignment


async def list_assignments(
    session: AsyncSession, *, department_id: str, incident_id: str
) -> Sequence[Assignment]:
    await incident_service.get_incident(
        session, department_id=department_id, incident_id=incident_id
    )
    query = (
        select(Assignment)
        .where(Assignment.incident_id == incident_id)
        .order_by(Assignment.dispatched_at, Assignment.id)
    )
    return (await session.scalars(query)).all()


async def _unit_for_input(
    session: AsyncSession, department_id: str, unit_id: str
) -> Unit:
    """The department's own unit, or one a linked department lends it."""
    try:
        return await unit_service.get_unit(
            session, department_id=department_id, unit_id=unit_id
        )
    except NotFound as exc:
        lent = await mutual_aid.partner_unit(
            session, department_id=department_id, unit_id=unit_id
        )
        if lent is None:
            raise field_error("unit_id", f"unknown unit {unit_id}") from exc
        return lent


def on_record(ctx: Context, assignment: Assignment) -> Context:
    """The context for events about the assignment: its incident's department."""
    if ctx.department_id == assignment.department_id:
        return ctx
    return Context(assignment.department_id, ctx.actor)


async def _schedule_timers(
    session: AsyncSession, assignment: Assignment, at: datetime
) -> None:
    settings = await dispatch_service.get_settings(
        session, department_id=assignment.department_id
    )
    payload = {"assignment_id": assignment.id}
    for kind, delay in (
        (REPAGE_JOB, settings.ack_repage_s),
        (ESCALATE_JOB, settings.ack_escalate_s),
    ):
        await job_service.schedule(
            session,
            kind=kind,
            due_at=at + timedelta(seconds=delay),
            payload=payload,
            department_id=assignment.department_id,
        )


async def _record(
    session: AsyncSession, *, ctx: Context, assignment: Assignment, label: str
) -> Assignment:
    session.add(assignment)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="assignment.created",
        incident_id=assignment.incident_id,
        data={
            "assignment_id": assignment.id,
            "unit_id": assignment.unit_id,
            "member_id": assignment.member_id,
            "name": label,
            "alarm": assignment.alarm_level,
            "capability": assignment.capability,
            "reason": assignment.reason,
            "status": assignment.status,
        },
    )
    if assignment.status == A.PENDING:
        await _schedule_timers(session, assignment, assignment.dispatched_at)
        await page(session, ctx=ctx, assignment=assignment)
    return assignment


async def schedule_timers(session: AsyncSession, assignment: Assignment) -> None:
    """Start the acknowledgement timers from now (an accepted mutual-aid unit)."""
    await _schedule_timers(session, assignment, clock.now())
    ctx = Context(assignment.department_id, Actor.system("dispatch"))
    await page(session, ctx=ctx, assignment=assignment)


async def page(session: AsyncSession, *, ctx: Context, assignment: Assignment) -> None:
    """Page the assignment's unit crew or member through messaging."""
    await paging.page_assignment(
        session,
        ctx=on_record(ctx, assignment),
        page=Page(
            assignment_id=assignment.id,
            incident_id=assignment.incident_id,
            unit_id=assignment.unit_id,
            unit_department_id=assignment.provider_department_id
            or assignment.department_id,
            member_id=assignment.member_id,
            attempt=assignment.pages,
        ),
    )


def _new_assignment(incident: Incident, **fields: object) -> Assignment:
    return Assignment(
        department_id=incident.department_id,
        incident_id=incident.id,
        pages=1,
        dispatched_at=clock.now(),
        **fields,
    )


@dataclass(frozen=True, slots=True)
class UnitOrder:
    """Which unit to send, for which alarm and need, and why."""

    unit_id: str
    alarm: int = 1
    capability: str | None = None
    reason: str | None = None

    @classmethod
    def from_pick(cls, pick: Pick, alarm: int) -> "UnitOrder":
        return cls(pick.unit_id, alarm, pick.capability, pick.reason)


async def assign_unit(
    session: AsyncSession, *, ctx: Context, incident_id: str, order: UnitOrder
) -> Assignment:
    """Commit a unit to an open incident and wait for its acknowledgement.

    Raises ``ValidationFailed`` (unknown unit), ``IncidentClosed``,
    ``UnitUnavailable`` (out of service), ``UnitCommitted`` (naming where).
    """
    unit = await _unit_for_input(session, ctx.department_id, order.unit_id)
    await lifecycle_service.get_open_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    if unit.status == UnitStatus.OUT_OF_SERVICE:
        raise UnitUnavailable(f"unit {unit.name} is out of service", unit_id=unit.id)
    if unit.incident_id == incident_id:
        raise AlreadyAssigned(f"unit {unit.name} is already on this incident")
    lent = unit.department_id != ctx.department_id
    if lent:
        unit = await unit_service.lend_unit(
            session, ctx=ctx, unit=unit, incident_id=incident_id
        )
    else:
        change = UnitStatusChange(status=UnitStatus.DISPATCHED, incident_id=incident_id)
        unit = await unit_service.change_unit_status(
            session, ctx=ctx, unit_id=unit.id, data=change
        )
    incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    assignment = _new_assignment(
        incident,
        unit_id=unit.id,
        provider_department_id=unit.department_id if lent else None,
        alarm_level=order.alarm,
        capability=order.capability or _main_capability(unit),
        status=A.REQUESTED if lent else A.PENDING,
        reason=order.reason,
        created_by=ctx.actor.id,
    )
    await _record(session, ctx=ctx, assignment=assignment, label=unit.name)
    if lent:
        await _ask_lender(session, ctx, assignment, unit)
    return assignment


async def _ask_lender(
    session: AsyncSession, ctx: Context, assignment: Assignment, unit: Unit
) -> None:
    """Record the mutual-aid request; unanswered, it lapses like a page does."""
    await mutual_aid.open_request(session, ctx=ctx, assignment=assignment, unit=unit)
    settings = await dispatch_service.get_settings(
        session, department_id=assignment.department_id
    )
    await job_service.schedule(
        session,
        kind=mutual_aid.EXPIRE_JOB,
        due_at=assignment.dispatched_at + timedelta(seconds=settings.ack_escalate_s),
        payload={"assignment_id": assignment.id},
        department_id=assignment.department_id,
    )


def _main_capability(unit: Unit) -> str | None:
    capabilities = unit.unit_type.capabilities
    return capabilities[0] if capabilities else None


async def assign_member(
    session: AsyncSession, *, ctx: Context, incident_id: str, member_id: str
) -> Assignment:
    """Page a person to an open incident. Raises ``AlreadyAssigned`` if they are."""
    try:
        _, membership = await org_service.get_member(
            session, department_id=ctx.department_id, member_id=member_id
        )
    except NotFound as exc:
        raise field_error("member_id", f"unknown member {member_id}") from exc
    incident = await lifecycle_service.get_open_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    live = await dispatch_service.live_assignments(session, incident_id=incident.id)
    if any(a.member_id == member_id for a in live):
        raise AlreadyAssigned(f"{membership.name} is already on this incident")
    assignment = _new_assignment(
        incident,
        member_id=member_id,
        alarm_level=1,
        status=A.PENDING,
        created_by=ctx.actor.id,
    )
    return await _record(session, ctx=ctx, assignment=assignment, label=membership.name)


# Acknowledgement, clearing ------------------------------------------------------------


async def _free_unit(
    session: AsyncSession, ctx: Context, assignment: Assignment
) -> None:
    """Return the assignment's unit to available if it is still on that incident."""
    if assignment.unit_id is None:
        return
    owner = assignment.provider_department_id or assignment.department_id
    unit = await unit_service.get_unit(
        session, department_id=owner, unit_id=assignment.unit_id
    )
    if unit.incident_id == assignment.incident_id and unit.status in COMMITTED:
        await unit_service.change_unit_status(
            session,
            ctx=Context(owner, ctx.actor),
            unit_id=unit.id,
            data=UnitStatusChange(status=UnitStatus.AVAILABLE),
        )


async def _close(
    session: AsyncSession, ctx: Context, assignment: Assignment, kind: str
) -> None:
    now = clock.now()
    assignment.cleared_at = now
    if kind == "assignment.declined":
        assignment.status, assignment.declined_at = A.DECLINED, now
    else:
        assignment.status = A.CLEARED
    await session.flush()
    await event_service.append(
        session,
        ctx=on_record(ctx, assignment),
        kind=kind,
        incident_id=assignment.incident_id,
        data={
            "assignment_id": assignment.id,
            "unit_id": assignment.unit_id,
            "member_id": assignment.member_id,
        },
    )


async def acknowledge(
    session: AsyncSession, *, ctx: Context, assignment_id: str, response: AckResponse
) -> Assignment:
    """Record a responder's answer; a decline frees the unit and escalates at once.

    Answering "responding" twice changes nothing. Raises ``AssignmentClosed``
    once the assignment is cleared or declined.
    """
    assignment = await get_assignment(
        session,
        department_id=ctx.department_id,
        assignment_id=assignment_id,
        for_update=True,
    )
    if assignment.status == A.ACKNOWLEDGED and response is AckResponse.RESPONDING:
        return assignment
    if assignment.status not in LIVE:
        raise AssignmentClosed(f"assignment is {assignment.status}")
    if assignment.status == A.REQUESTED:
        raise AwaitingMutualAid(
            "the lending department has not answered the mutual-aid request yet"
        )
    if response is AckResponse.DECLINED:
        await release_declined(session, ctx=ctx, assignment=assignment)
        await escalate(session, ctx=ctx, assignment=assignment, cause="declined")
        return assignment
    await _mark_acknowledged(session, ctx, assignment, implicit=False)
    return assignment


async def release_declined(
    session: AsyncSession, *, ctx: Context, assignment: Assignment
) -> None:
    """Close a declined assignment and free its unit (the caller escalates)."""
    await _free_unit(session, ctx, assignment)
    await _close(session, ctx, assignment, "assignment.declined")


async def _mark_acknowledged(
    session: AsyncSession, ctx: Context, assignment: Assignment, *, implicit: bool
) -> None:
    assignment.status, assignment.acknowledged_at = A.ACKNOWLEDGED, clock.now()
    await session.flush()
    await event_service.append(
        session,
        ctx=on_record(ctx, assignment),
        kind="assignment.acknowledged",
        incident_id=assignment.incident_id,
        data={
            "assignment_id": assignment.id,
            "unit_id": assignment.unit_id,
            "member_id": assignment.member_id,
            "response": "responding",
            "implicit": implicit,
        },
    )


async def clear(
    session: AsyncSession, *, ctx: Context, assignment_id: str
) -> Assignment:
    """Release an assignment; its unit goes back to available."""
    assignment = await get_assignment(
        session,
        department_id=ctx.department_id,
        assignment_id=assignment_id,
        for_update=True,
    )
    if assignment.status not in LIVE:
        raise AssignmentClosed(f"assignment is {assignment.status}")
    await _withdraw_request(session, ctx, assignment)
    await _free_unit(session, ctx, assignment)
    await _close(session, ctx, assignment, "assignment.cleared")
    return assignment


async def _withdraw_request(
    session: AsyncSession, ctx: Context, assignment: Assignment
) -> None:
    """Clearing a mutual-aid assignment before its answer withdraws the request."""
    if assignment.status != A.REQUESTED:
        return
    request = await mutual_aid.request_for(session, assignment)
    if request is None or request.status != mutual_aid.AidStatus.PENDING:
        return
    mutual_aid.settle(
        request, mutual_aid.AidStatus.WITHDRAWN, by=ctx.actor.id, at=clock.now()
    )
    await session.flush()
    await mutual_aid.record_answer(session, ctx, request, "mutual_aid.withdrawn")


async def clear_incident(
    session: AsyncSession, *, ctx: Context, incident_id: str
) -> None:
    """Release every live assignment of an incident (before it closes)."""
    live = await dispatch_service.live_assignments(session, incident_id=incident_id)
    for assignment in live:
        await _withdraw_request(session, ctx, assignment)
        await _free_unit(session, ctx, assignment)
        await _close(session, ctx, assignment, "assignment.cleared")


async def close_incident(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    disposition: str,
    expected_version: int | None,
) -> Incident:
    """Close an incident with its disposition, clearing its live assignments
    (and freeing their units) first. Raises what the lifecycle's close raises;
    the caller's transaction then undoes the clearing too."""
    await clear_incident(session, ctx=ctx, incident_id=incident_id)
    return await lifecycle_service.close_incident(
        session,
        ctx=ctx,
        incident_id=incident_id,
        disposition=disposition,
        expected_version=expected_version,
    )


# Unit status reports ------------------------------------------------------------------


async def report_unit_status(
    session: AsyncSession,
    *,
    ctx: Context,
    unit_id: str,
    data: UnitStatusChange,
    expected_version: int | None,
) -> Unit:
    """Change a unit's status and keep its assignment in step.

    Moving en route or on scene acknowledges a pending assignment and stamps
    its times; freeing the unit clears it; committing a unit without an
    assignment (a crew that self-dispatched) records one.
    """
    unit = await unit_service.change_unit_status(
        session, ctx=ctx, unit_id=unit_id, data=data, expected_version=expected_version
    )
    live = await _live_for_unit(session, unit.id)
    if live is not None and live.incident_id != unit.incident_id:
        await _close(session, ctx, live, "assignment.cleared")
        live = None
    if unit.incident_id is None:
        return unit
    if live is None:
        live = await _record_self_dispatch(session, ctx, unit)
    await _stamp(session, ctx, live, unit)
    return unit


async def _live_for_unit(session: AsyncSession, unit_id: str) -> Assignment | None:
    return await session.scalar(
        select(Assignment).where(
            Assignment.unit_id == unit_id, Assignment.cleared_at.is_(None)
        )
    )


async def _record_self_dispatch(
    session: AsyncSession, ctx: Context, unit: Unit
) -> Assignment:
    incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=unit.incident_id or ""
    )
    assignment = _new_assignment(
        incident,
        unit_id=unit.id,
        alarm_level=1,
        capability=_main_capability(unit),
        status=A.ACKNOWLEDGED,
        acknowledged_at=clock.now(),
        reason="committed by a status report",
        created_by=ctx.actor.id,
    )
    return await _record(session, ctx=ctx, assignment=assignment, label=unit.name)


async def _stamp(
    session: AsyncSession, ctx: Context, assignment: Assignment, unit: Unit
) -> None:
    status = UnitStatus(unit.status)
    moving = status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)
    if moving and assignment.status in (A.PENDING, A.UNANSWERED):
        await _mark_acknowledged(session, ctx, assignment, implicit=True)
    if status is UnitStatus.EN_ROUTE and assignment.en_route_at is None:
        assignment.en_route_at = unit.status_at
    if status is UnitStatus.ON_SCENE and assignment.on_scene_at is None:
        assignment.on_scene_at = unit.status_at
    await session.flush()


# Dispatch and escalation --------------------------------------------------------------


async def dispatch_alarm(
    session: AsyncSession, *, ctx: Context, incident_id: str, alarm: int
) -> tuple[list[Assignment], Recommendation]:
    """Assign what the recommendation picks for an alarm level, in one go."""
    _, recommendation = await dispatch_service.recommend_alarm(
        session, department_id=ctx.department_id, incident_id=incident_id, alarm=alarm
    )
    made = []
    for pick in recommendation.picks:
        order = UnitOrder.from_pick(pick, alarm)
        made.append(
            await assign_unit(session, ctx=ctx, incident_id=incident_id, order=order)
        )
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.dispatched",
        incident_id=incident_id,
        data={
            "alarm": alarm,
            "units": [p.name for p in recommendation.picks],
            "shortfalls": [
                {"capability": s.capability, "missing": s.missing, "reason": s.reason}
                for s in recommendation.shortfalls
            ],
        },
    )
    return made, recommendation


async def _replacement(
    session: AsyncSession, assignment: Assignment, incident: Incident
) -> Recommendation:
    """The best other unit for the need the assignment was filling."""
    capability = assignment.capability
    if capability is None:
        return Recommendation(picks=[], shortfalls=[])
    live = await dispatch_service.live_assignments(session, incident_id=incident.id)
    excluded = {a.unit_id for a in live if a.unit_id is not None}
    if assignment.unit_id is not None:
        excluded.add(assignment.unit_id)
    return await dispatch_service.recommend_needs(
        session, incident=incident, needs=[Need(capability, 1)], exclude=excluded
    )


async def escalate(
    session: AsyncSession, *, ctx: Context, assignment: Assignment, cause: str
) -> Assignment | None:
    """Find the next candidate for an unanswered or declined assignment.

    The supervisor (the incident's owner) is alerted on the timeline; under
    automatic dispatch the candidate is assigned at once and returned.
    """
    incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=assignment.incident_id
    )
    found = await _replacement(session, assignment, incident)
    pick = found.picks[0] if found.picks else None
    await event_service.append(
        session,
        ctx=ctx,
        kind="assignment.escalated",
        incident_id=incident.id,
        data={
            "assignment_id": assignment.id,
            "cause": cause,
            "next": None
            if pick is None
            else {
                "unit_id": pick.unit_id,
                "name": pick.name,
                "eta_s": pick.eta_s,
                "reason": pick.reason,
            },
            "shortfall": found.shortfalls[0].reason if found.shortfalls else None,
        },
    )
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.supervisor_alerted",
        incident_id=incident.id,
        data={
            "supervisor_id": incident.owner_id,
            "assignment_id": assignment.id,
            "cause": cause,
        },
    )
    await paging.alert_supervisor(
        session,
        ctx=ctx,
        incident_id=incident.id,
        text=f"An assignment was {cause}; it needs a decision.",
    )
    if pick is None or not await _auto_assigns(session, incident):
        return None
    order = UnitOrder(
        pick.unit_id,
        assignment.alarm_level,
        pick.capability,
        f"replaces an assignment that was {cause}: {pick.reason}",
    )
    return await assign_unit(session, ctx=ctx, incident_id=incident.id, order=order)


async def _auto_assigns(session: AsyncSession, incident: Incident) -> bool:
    if incident.incident_type.auto_dispatch:
        return True
    settings = await dispatch_service.get_settings(
        session, department_id=incident.department_id
    )
    return settings.auto_assign_on_escalation
