"""Scheduling, claiming and settling durable jobs (timers kept in the database).

A job runs in two steps, so that it runs exactly once in effect:

1. ``claim_due`` leases a batch of due jobs to one worker in a short
   transaction. On PostgreSQL the rows are locked with ``FOR UPDATE SKIP
   LOCKED``, so concurrent workers take disjoint batches without waiting; on
   SQLite every transaction starts with ``BEGIN IMMEDIATE``, so claims are
   serialised. The claim counts an attempt and commits on its own, which is
   what bounds a job that kills its worker every time.
2. Each job then runs in its own transaction: ``lock_claimed`` locks the row
   again and checks it is still this worker's and not done, the handler does
   its work, and ``complete`` marks it done. The handler's writes and the done
   mark commit together or not at all, and while the row is locked no other
   worker can claim or run it. A crash rolls the run back; once the lease has
   expired another worker claims the job again.

A failure (``record_failure``) schedules a retry with exponential back-off;
after ``MAX_ATTEMPTS`` the job is marked done with the last error kept.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.jobs.models import Job

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
_ERROR_LIMIT = 4000
_MAX_DOUBLINGS = 20  # keeps the product inside timedelta's range

logger = logging.getLogger(__name__)


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    department_id: str | None = None,
) -> Job:
    """Add a job due at ``due_at`` in the caller's transaction.

    Flushes, never commits: the job exists only if the caller's change does.
    ``due_at`` must be timezone-aware; the flush refuses a naive datetime.
    """
    job = Job(
        kind=kind,
        due_at=due_at,
        payload=payload,
        department_id=department_id,
        attempts=0,
        created_at=clock.now(),
    )
    session.add(job)
    await session.flush()
    return job


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, limit: int
) -> list[Job]:
    """Lease up to ``limit`` due, unfinished, unclaimed jobs to ``worker``.

    Jobs come oldest due first. Each one returned has one more attempt and is
    leased to ``worker`` until ``now + LEASE``; the lease is visible to other
    workers once the caller commits. A job whose last allowed attempt never
    finished (its worker died or lost the lease) is marked done with an error
    instead of being returned. Flushes, never commits.
    """
    query = (
        select(Job)
        .where(
            Job.done_at.is_(None),
            Job.due_at <= now,
            or_(Job.claimed_until.is_(None), Job.claimed_until <= now),
        )
        .order_by(Job.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )

    jobs = (await session.scalars(query)).all()
    runnable = [job for job in jobs if not _abandon_if_exhausted(job, now=now)]
    for job in runnable:
        job.attempts += 1
        job.claimed_by = worker
        job.claimed_until = now + LEASE
    await session.flush()
    return runnable


async def lock_claimed(
    session: AsyncSession, *, job_id: str, worker: str
) -> Job | None:
    """The job, row-locked until the transaction ends, if ``worker`` holds it.

    Returns ``None`` when the job is done or claimed by another worker. Waits
    for a transaction that holds the row (a concurrent claim, which on
    PostgreSQL may lock rows it then leaves out, or a worker that took over
    an expired lease) and then checks the row as that one committed it.
    Skipping instead would strand a job we hold until its lease ran out.
    """
    query = (
        select(Job)
        .where(Job.id == job_id, Job.claimed_by == worker, Job.done_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def complete(session: AsyncSession, *, job: Job, now: datetime) -> None:
    """Mark a locked job done in the caller's transaction. Flushes."""
    job.done_at = now
    job.claimed_until = None
    await session.flush()


async def record_failure(
    session: AsyncSession, *, job_id: str, worker: str, error: str, now: datetime
) -> Job | None:
    """Keep ``error`` on the job and retry it later, or give up on it.

    The retry is due after ``retry_delay`` and the lease is released; once
    the job has had ``MAX_ATTEMPTS`` attempts it is marked done instead.
    Returns ``None`` (and changes nothing) when ``worker`` no longer holds the
    job. Flushes, never commits.
    """
    job = await lock_claimed(session, job_id=job_id, worker=worker)
    if job is None:
        return None

    job.last_error = error[:_ERROR_LIMIT]
    job.claimed_until = None
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = now
    else:
        job.claimed_by = None
        job.due_at = now + retry_delay(job.attempts)
    await session.flush()
    return job


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: doubling, capped."""
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    return min(RETRY_BASE * (1 << doublings), RETRY_CAP)


def _abandon_if_exhausted(job: Job, *, now: datetime) -> bool:
    if job.attempts < MAX_ATTEMPTS:
        return False
    job.done_at = now
    job.claimed_until = None
    job.last_error = (
        f"gave up: attempt {job.attempts} of {MAX_ATTEMPTS} never finished "
        f"(its worker stopped or lost the lease); last error: {job.last_error}"
    )[:_ERROR_LIMIT]
    logger.warning(
        "job_abandoned",
        extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts},
    )
    return True
