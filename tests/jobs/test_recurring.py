"""Recurring jobs: one row per kind whoever asks, due again a period after each run."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.db import transaction
from muster.jobs import service as job_service
from muster.jobs.models import Job
from muster.jobs.worker import Worker

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def frozen():
    fake = Clock()
    clock.set_clock(fake)
    yield fake
    clock.set_clock(None)


class Sweep:
    def __init__(self, fail: bool = False) -> None:
        self.runs: Counter[str] = Counter()
        self.fail = fail

    async def __call__(self, session: AsyncSession, job: Job) -> None:
        self.runs[job.kind] += 1
        if self.fail:
            raise RuntimeError("sweep failed")


async def _rows(sessions, kind):
    async with transaction(sessions) as session:
        return (await session.scalars(select(Job).where(Job.kind == kind))).all()


async def test_every_worker_asks_for_it_but_one_row_exists(sessions, frozen):
    sweep = Sweep()
    workers = [
        Worker(sessions, {"sweep": sweep}, name=f"w{n}", recurring={"sweep": HOUR})
        for n in range(3)
    ]

    ran = [await worker.run_once() for worker in workers]

    rows = await _rows(sessions, "sweep")
    assert len(rows) == 1
    assert rows[0].id == job_service.recurring_id("sweep")
    assert sum(ran) == 1
    assert sweep.runs["sweep"] == 1


async def test_runs_once_per_period_and_is_never_done(sessions, frozen):
    sweep = Sweep()
    worker = Worker(sessions, {"sweep": sweep}, name="w1", recurring={"sweep": HOUR})

    assert await worker.run_once() == 1
    frozen.at += timedelta(minutes=59)
    assert await worker.run_once() == 0
    frozen.at += timedelta(minutes=1)
    assert await worker.run_once() == 1

    (row,) = await _rows(sessions, "sweep")
    assert sweep.runs["sweep"] == 2
    assert row.done_at is None
    assert row.due_at == frozen.at + HOUR
    assert row.attempts == 0
    assert row.claimed_by is None


async def test_existing_row_keeps_its_due_time_when_asked_again(sessions, frozen):
    sweep = Sweep()
    first = Worker(sessions, {"sweep": sweep}, name="w1", recurring={"sweep": HOUR})
    await first.run_once()
    frozen.at += timedelta(minutes=10)

    restarted = Worker(sessions, {"sweep": sweep}, name="w2", recurring={"sweep": HOUR})
    assert await restarted.run_once() == 0

    (row,) = await _rows(sessions, "sweep")
    assert row.due_at == START + HOUR


async def test_failing_run_retries_then_waits_for_the_next_period(sessions, frozen):
    sweep = Sweep(fail=True)
    worker = Worker(sessions, {"sweep": sweep}, name="w1", recurring={"sweep": HOUR})

    for _ in range(job_service.MAX_ATTEMPTS):
        await worker.run_once()
        frozen.at += job_service.RETRY_CAP

    assert sweep.runs["sweep"] == job_service.MAX_ATTEMPTS
    (row,) = await _rows(sessions, "sweep")
    assert row.done_at is None
    assert row.attempts == 0
    assert "sweep failed" in (row.last_error or "")
    assert row.due_at > frozen.at - job_service.RETRY_CAP

    sweep.fail = False
    frozen.at = row.due_at
    assert await worker.run_once() == 1
    (row,) = await _rows(sessions, "sweep")
    assert row.last_error is None


async def test_recurring_id_is_fixed_per_kind():
    assert job_service.recurring_id("a") == job_service.recurring_id("a")
    assert job_service.recurring_id("a") != job_service.recurring_id("b")


async def test_ordinary_jobs_are_untouched_by_recurring_ones(sessions, frozen):
    sweep = Sweep()
    worker = Worker(
        sessions,
        {"sweep": sweep, "once": sweep},
        name="w1",
        recurring={"sweep": HOUR},
    )
    async with transaction(sessions) as session:
        await job_service.schedule(session, kind="once", due_at=START, payload={})

    assert await worker.run_once() == 2
    async with transaction(sessions) as session:
        done = await session.scalar(
            select(func.count()).select_from(Job).where(Job.done_at.is_not(None))
        )
    assert done == 1
