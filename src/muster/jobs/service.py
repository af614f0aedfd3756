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

A recurring job (housekeeping such as pruning old rows) is one row per kind
with a fixed id, so any number of instances can ask for it and only one row
exists. It is never marked done: completing it, or giving up on a run, moves
its due time on by its period.
"""

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.jobs.models import Job

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
_ERROR_LIMIT = 4000
_MAX_DOUBLINGS = 20  # keeps the product inside timedelta's range
_RECURRING_IDS = uuid.UUID("6f1c2d6e-4a53-4a8e-9b1e-3d0f5a7c9e21")
EVERY_KEY = "every_s"

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


def recurring_id(kind: str) -> str:
    """The fixed id of the recurring job of ``kind``."""
    return str(uuid.uuid5(_RECURRING_IDS, kind))


async def ensure_recurring(
    session: AsyncSession, *, kind: str, every: timedelta, now: datetime
) -> None:
    """Make sure the recurring job of ``kind`` exists, first due at ``now``.

    Safe to call from every instance at every start: the row has a fixed id
    and an existing one is left as it is (its period included). Flushes.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Job)
        .values(
            id=recurring_id(kind),
            kind=kind,
            payload={EVERY_KEY: every.total_seconds()},
            due_at=now,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    await session.execute(statement)


def _period(job: Job) -> timedelta | None:
    every = job.payload.get(EVERY_KEY) if job.id == recurring_id(job.kind) else None
    return timedelta(seconds=float(every)) if every is not None else None


def _next_period(job: Job, period: timedelta, now: datetime) -> None:
    job.due_at = now + period
    job.attempts = 0
    job.claimed_by = None
    job.claimed_until = None


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
    """Mark a locked job done (a recurring one: due again a period on). Flushes."""
    period = _period(job)
    if period is None:
        job.done_at = now
        job.claimed_until = None
    else:
        _next_period(job, period, now)
        job.last_error = None
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
    period = _period(job)
    if job.attempts >= MAX_ATTEMPTS and period is not None:
        _next_period(job, period, now)
    elif job.attempts >= MAX_ATTEMPTS:
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
    job.last_error = (
        f"gave up: attempt {job.attempts} of {MAX_ATTEMPTS} never finished "
        f"(its worker stopped or lost the lease); last error: {job.last_error}"
    )[:_ERROR_LIMIT]
    logger.warning(
        "job_abandoned",
        extra={"job_id": job.id, "kind": job.kind, "attempts": job.attempts},
    )
    period = _period(job)
    if period is not None:
        _next_period(job, period, now)
    else:
        job.done_at = now
        job.claimed_until = None
    return True
