"""The lending department's answer to a mutual-aid request, and its lapse.

Accepting turns the ``requested`` assignment into an ordinary pending one:
the crew is paged and the acknowledgement timers start. Declining (or no
answer within the asking department's escalation time) frees the unit and
escalates on the asking side, where the next candidate is recommended.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, PermissionDenied
from muster.dispatch import assignments as assignment_service
from muster.dispatch import mutual_aid
from muster.dispatch.models import MutualAidRequest
from muster.dispatch.mutual_aid import AidStatus
from muster.dispatch.schemas import AssignmentStatus
from muster.events.schemas import Actor, Context
from muster.jobs.models import Job

SYSTEM = Actor.system("mutual aid timer")


async def _incoming(
    session: AsyncSession, ctx: Context, request_id: str
) -> MutualAidRequest:
    request = await mutual_aid.get_request(
        session,
        department_id=ctx.department_id,
        request_id=request_id,
        for_update=True,
    )
    if request.provider_department_id != ctx.department_id:
        raise PermissionDenied("only the lending department answers a request")
    return request


async def accept(
    session: AsyncSession, *, ctx: Context, request_id: str
) -> MutualAidRequest:
    """Lend the unit. Raises ``AidRequestAnswered`` if already answered."""
    request = await _incoming(session, ctx, request_id)
    mutual_aid.settle(request, AidStatus.ACCEPTED, by=ctx.actor.id, at=clock.now())
    assignment = await assignment_service.get_assignment(
        session,
        department_id=request.department_id,
        assignment_id=request.assignment_id,
        for_update=True,
    )
    assignment.status = AssignmentStatus.PENDING
    await session.flush()
    await mutual_aid.record_answer(session, ctx, request, "mutual_aid.accepted")
    await assignment_service.schedule_timers(session, assignment)
    return request


async def decline(
    session: AsyncSession, *, ctx: Context, request_id: str, reason: str | None
) -> MutualAidRequest:
    """Refuse the unit. Raises ``AidRequestAnswered`` if already answered."""
    request = await _incoming(session, ctx, request_id)
    mutual_aid.settle(request, AidStatus.DECLINED, by=ctx.actor.id, at=clock.now())
    await _refused(session, ctx, request, reason, cause="mutual aid declined")
    return request


async def _refused(
    session: AsyncSession,
    ctx: Context,
    request: MutualAidRequest,
    reason: str | None,
    *,
    cause: str,
) -> None:
    await session.flush()
    await mutual_aid.record_answer(
        session, ctx, request, "mutual_aid.declined", reason=reason
    )
    assignment = await assignment_service.get_assignment(
        session,
        department_id=request.department_id,
        assignment_id=request.assignment_id,
        for_update=True,
    )
    asking = Context(request.department_id, ctx.actor)
    await assignment_service.release_declined(
        session, ctx=asking, assignment=assignment
    )
    await assignment_service.escalate(
        session, ctx=asking, assignment=assignment, cause=cause
    )


async def expire(session: AsyncSession, job: Job) -> None:
    """A request nobody answered in time counts as declined (no-op once answered)."""
    if job.department_id is None:
        return
    try:
        assignment = await assignment_service.get_assignment(
            session,
            department_id=job.department_id,
            assignment_id=str(job.payload.get("assignment_id")),
            for_update=True,
        )
    except NotFound:
        return
    if assignment.status != AssignmentStatus.REQUESTED:
        return
    request = await mutual_aid.request_for(session, assignment)
    if request is None or request.status != AidStatus.PENDING:
        return
    mutual_aid.settle(request, AidStatus.DECLINED, by=None, at=clock.now())
    ctx = Context(job.department_id, SYSTEM)
    await _refused(
        session, ctx, request, "no answer in time", cause="mutual aid unanswered"
    )


HANDLERS = {mutual_aid.EXPIRE_JOB: expire}
