"""The periodic job that deletes position history older than the retention period.

One chain of ``positions.prune`` jobs runs for the whole instance: each run
deletes a bounded batch of old reports and schedules the next run, sooner when
it left some behind. ``ensure_pruning`` starts the chain at start-up and keeps
its retention in step with the settings.
"""

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import transaction
from muster.jobs import service as job_service
from muster.jobs.models import Job
from muster.units import position_service

PRUNE_JOB = "positions.prune"
PRUNE_EVERY = timedelta(hours=1)
PRUNE_AGAIN = timedelta(seconds=10)
PRUNE_BATCH = 20_000

logger = logging.getLogger(__name__)


async def _pending(session: AsyncSession, *, but: str | None = None) -> list[Job]:
    query = select(Job).where(Job.kind == PRUNE_JOB, Job.done_at.is_(None))
    if but is not None:
        query = query.where(Job.id != but)
    return list((await session.scalars(query)).all())


async def prune_positions(session: AsyncSession, job: Job) -> None:
    """Delete a batch of reports older than the job's ``retention_days``, then
    schedule the next run unless another chain already has one pending."""
    retention_days = int(job.payload["retention_days"])
    before = clock.now() - timedelta(days=retention_days)
    deleted = await position_service.prune_history(
        session, before=before, limit=PRUNE_BATCH
    )

    if await _pending(session, but=job.id):
        return
    delay = PRUNE_AGAIN if deleted >= PRUNE_BATCH else PRUNE_EVERY
    await job_service.schedule(
        session,
        kind=PRUNE_JOB,
        due_at=clock.now() + delay,
        payload={"retention_days": retention_days},
    )


async def ensure_pruning(session: AsyncSession, *, retention_days: int) -> None:
    """Start the pruning chain if none is pending; give pending runs the
    current retention. Flushes, never commits."""
    pending = await _pending(session)
    if not pending:
        await job_service.schedule(
            session,
            kind=PRUNE_JOB,
            due_at=clock.now(),
            payload={"retention_days": retention_days},
        )
        return
    for job in pending:
        if job.payload.get("retention_days") != retention_days:
            job.payload = {"retention_days": retention_days}
    await session.flush()


async def start_pruning(
    sessions: async_sessionmaker[AsyncSession], *, retention_days: int
) -> None:
    """``ensure_pruning`` in its own transaction, for start-up.

    A database that cannot take it yet (not migrated, unreachable) is logged
    and left: serving must not depend on housekeeping.
    """
    try:
        async with transaction(sessions) as session:
            await ensure_pruning(session, retention_days=retention_days)
    except SQLAlchemyError:
        logger.warning("position_pruning_not_scheduled", exc_info=True)


HANDLERS = {PRUNE_JOB: prune_positions}
