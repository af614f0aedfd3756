"""Timers of assignments: re-page when unanswered, then escalate."""

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import NotFound
from muster.dispatch import assignments as assignment_service
from muster.dispatch.models import Assignment
from muster.dispatch.schemas import AssignmentStatus
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.jobs.models import Job

SYSTEM = Actor.system("escalation timer")


async def _pending(
    session: AsyncSession, job: Job
) -> tuple[Context, Assignment] | None:
    if job.department_id is None:
        return None
    ctx = Context(job.department_id, SYSTEM)
    try:
        assignment = await assignment_service.get_assignment(
            session,
            department_id=job.department_id,
            assignment_id=str(job.payload.get("assignment_id")),
            for_update=True,
        )
    except NotFound:
        return None
    if assignment.status != AssignmentStatus.PENDING:
        return None
    return ctx, assignment


async def repage(session: AsyncSession, job: Job) -> None:
    """Page an unanswered assignment again (no-op once it was answered)."""
    found = await _pending(session, job)
    if found is None:
        return
    ctx, assignment = found
    assignment.pages += 1
    await session.flush()
    await assignment_service.page(session, ctx=ctx, assignment=assignment)
    await event_service.append(
        session,
        ctx=ctx,
        kind="assignment.repaged",
        incident_id=assignment.incident_id,
        data={
            "assignment_id": assignment.id,
            "unit_id": assignment.unit_id,
            "member_id": assignment.member_id,
            "page": assignment.pages,
        },
    )


async def escalate(session: AsyncSession, job: Job) -> None:
    """Mark a still-unanswered assignment and escalate it (no-op once answered)."""
    found = await _pending(session, job)
    if found is None:
        return
    ctx, assignment = found
    assignment.status = AssignmentStatus.UNANSWERED
    await session.flush()
    await assignment_service.escalate(
        session, ctx=ctx, assignment=assignment, cause="unanswered"
    )


HANDLERS = {
    assignment_service.REPAGE_JOB: repage,
    assignment_service.ESCALATE_JOB: escalate,
}
