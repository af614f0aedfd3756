"""Answers to pages: a reply saying responding or declined acknowledges the
assignment its page asked about.

Messaging, below dispatch, parses a reply, matches it and records it;
acknowledging is dispatch's, so the reply routes live here and finish the job.
A crew member's "no" to a unit's page is that person's answer: it is on the
timeline, but the unit stays assigned (one person being unable to come does
not take the engine off the call); a paged member's "no" declines their own
assignment.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch import assignments as assignment_service
from muster.dispatch.errors import AssignmentClosed, AwaitingMutualAid
from muster.dispatch.schemas import AckResponse
from muster.messaging import service as message_service
from muster.messaging.inbound import Received
from muster.messaging.schemas import ReplyIntent, ReplyOutcome


def _outcome(
    received: Received, *, acknowledged: bool, note: str | None = None
) -> ReplyOutcome:
    message, delivery = received.message, received.delivery
    return ReplyOutcome(
        delivery_id=delivery.id if delivery else None,
        message_id=message.id if message else None,
        incident_id=message.incident_id if message else None,
        intent=received.intent,
        acknowledged=acknowledged,
        note=note,
    )


async def answer(session: AsyncSession, *, received: Received) -> ReplyOutcome:
    """Acknowledge the assignment a recorded reply answers, when it answers one.

    Only a reply matched to a delivery acts. An assignment already closed,
    or waiting for a lender, is not an error here: the reply stays recorded
    and the outcome says why nothing changed.
    """
    message, delivery = received.message, received.delivery
    # Only a recipient of the page answers it: a reply matched to no delivery
    # of theirs (a bystander replying in-app) is recorded and changes nothing.
    if received.intent is None or message is None or delivery is None:
        return _outcome(received, acknowledged=False)
    if message.assignment_id is None:
        return _outcome(received, acknowledged=False)
    assignment = await assignment_service.get_assignment(
        session,
        department_id=message.department_id,
        assignment_id=message.assignment_id,
    )
    crew_declines = (
        received.intent is ReplyIntent.DECLINED and assignment.unit_id is not None
    )
    if not crew_declines:
        try:
            await assignment_service.acknowledge(
                session,
                ctx=received.ctx,
                assignment_id=assignment.id,
                response=AckResponse(received.intent),
            )
        except (AssignmentClosed, AwaitingMutualAid) as exc:
            return _outcome(received, acknowledged=False, note=exc.detail)
    await message_service.mark_acknowledged(
        session, ctx=received.ctx, delivery=delivery
    )
    note = (
        "the unit stays assigned; this crew member is not coming"
        if crew_declines
        else None
    )
    return _outcome(received, acknowledged=not crew_declines, note=note)
