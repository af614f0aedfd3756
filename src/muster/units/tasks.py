"""The recurring job that deletes position history older than the retention period.

It runs every ``PRUNE_EVERY`` as one recurring job for the whole instance (see
``muster.jobs.service``). Each run deletes in bounded batches, each its own
statement, and stops after ``PRUNE_BATCHES`` so one run never holds the
worker long; what is left goes at the next run.
"""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.jobs.models import Job
from muster.jobs.worker import Handler
from muster.units import position_service

PRUNE_JOB = "positions.prune"
PRUNE_EVERY = timedelta(minutes=15)
PRUNE_BATCH = 20_000
PRUNE_BATCHES = 10


def handlers(*, retention_days: int) -> dict[str, Handler]:
    """The pruning handler for a retention of ``retention_days``."""

    async def prune_positions(session: AsyncSession, job: Job) -> None:
        before = clock.now() - timedelta(days=retention_days)
        for _ in range(PRUNE_BATCHES):
            deleted = await position_service.prune_history(
                session, before=before, limit=PRUNE_BATCH
            )
            if deleted < PRUNE_BATCH:
                return

    return {PRUNE_JOB: prune_positions}
