"""The delivery job (one per outbound delivery, retried by the worker) and the
recurring sweep that fails deliveries whose job was given up."""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from muster.jobs.models import Job
from muster.jobs.worker import Handler
from muster.messaging import service as message_service
from muster.messaging.senders import Senders

SWEEP_JOB = "messaging.sweep"
SWEEP_EVERY = timedelta(minutes=5)

logger = logging.getLogger(__name__)


async def sweep(session: AsyncSession, job: Job) -> None:
    """Fail deliveries left queued by abandoned delivery jobs."""
    swept = await message_service.sweep_abandoned(session)
    if swept:
        logger.warning("deliveries_swept", extra={"failed": swept, "job": job.id})


HANDLERS: dict[str, Handler] = {SWEEP_JOB: sweep}


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
