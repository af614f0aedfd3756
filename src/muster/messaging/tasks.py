"""The delivery job: one per outbound delivery, retried by the worker."""

from sqlalchemy.ext.asyncio import AsyncSession

from muster.jobs.models import Job
from muster.jobs.worker import Handler
from muster.messaging import service as message_service
from muster.messaging.senders import Senders


def handlers(senders: Senders) -> dict[str, Handler]:
    """Job handlers that send through ``senders`` (built from the settings)."""

    async def deliver(session: AsyncSession, job: Job) -> None:
        await message_service.deliver(
            session,
            delivery_id=str(job.payload.get("delivery_id")),
            senders=senders,
            attempt=job.attempts,
        )

    return {message_service.DELIVER_JOB: deliver}
