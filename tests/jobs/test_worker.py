"""Durable jobs: due times, restarts, concurrent workers, failures and the loop.

Handlers append a ``job.ran`` event in the job's transaction, so the event log
shows which runs committed, and count their calls, so a test also sees runs
that were rolled back. Time is frozen and moved by hand; nothing sleeps.
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.jobs import service as job_service
from muster.jobs.models import Job
from muster.jobs.worker import Worker
from tests.factories.org import make_department

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class FrozenClock:
    at: datetime

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    frozen_clock = FrozenClock(START)
    clock.set_clock(lambda: frozen_clock.at)
    yield frozen_clock
    clock.set_clock(None)


class WorkerDied(BaseException):
    """Stands in for the process dying in the middle of a handler."""


class Recorder:
    """A handler that logs a committed ``job.ran`` event and counts its calls."""

    def __init__(
        self, *, fail_times: int = 0, error: type[BaseException] | None = None
    ):
        self.calls: Counter[str] = Counter()
        self.fail_times = fail_times
        self.error = error or RuntimeError
        self.ran = asyncio.Event()

    async def __call__(self, session: AsyncSession, job: Job) -> None:
        assert job.department_id is not None
        self.calls[job.id] += 1
        await event_service.append(
            session,
            ctx=Context(job.department_id, Actor.system("jobs")),
            kind="job.ran",
            data={"job_id": job.id},
        )
        if self.calls[job.id] <= self.fail_times:
            raise self.error("boom")
        self.ran.set()


async def _schedule(
    sessions: Sessions, department_id: str, *, due_at: datetime, kind: str = "ping"
) -> str:
    async with transaction(sessions) as session:
        job = await job_service.schedule(
            session,
            kind=kind,
            due_at=due_at,
            payload={"n": 1},
            department_id=department_id,
        )
        return job.id


async def _job(sessions: Sessions, job_id: str) -> Job:
    async with transaction(sessions) as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def _committed_runs(sessions: Sessions, department_id: str) -> Counter[str]:
    async with transaction(sessions) as session:
        events = await event_service.list_events(session, department_id=department_id)
    return Counter(e.data["job_id"] for e in events if e.kind == "job.ran")


async def test_schedule_rolled_back_with_caller_leaves_no_job(sessions, frozen):
    department_id, _ = await make_department(sessions)

    async def schedule_then_fail() -> None:
        async with transaction(sessions) as session:
            await job_service.schedule(
                session,
                kind="ping",
                due_at=START,
                payload={},
                department_id=department_id,
            )
            raise RuntimeError("caller failed")

    with pytest.raises(RuntimeError):
        await schedule_then_fail()

    async with transaction(sessions) as session:
        assert (await session.scalars(select(Job))).all() == []


async def test_job_due_later_waits_then_runs_once_and_is_done(sessions, frozen):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(
        sessions, department_id, due_at=START + timedelta(minutes=10)
    )
    handler = Recorder()
    worker = Worker(sessions, {"ping": handler}, name="w1")

    assert await worker.run_once() == 0
    assert handler.calls[job_id] == 0

    frozen.advance(timedelta(minutes=10))
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0

    job = await _job(sessions, job_id)
    assert handler.calls[job_id] == 1
    assert await _committed_runs(sessions, department_id) == {job_id: 1}
    assert job.done_at == frozen.at
    assert job.attempts == 1
    assert job.claimed_by == "w1"
    assert job.last_error is None


async def test_timer_due_while_server_down_fires_once_after_restart(
    app, sessions, settings, frozen
):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(
        sessions, department_id, due_at=START + timedelta(minutes=5)
    )
    await app.state.engine.dispose()

    frozen.advance(timedelta(hours=1))
    engine = create_engine(settings)
    try:
        handler = Recorder()
        worker = Worker(create_sessionmaker(engine), {"ping": handler}, name="w2")
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
    finally:
        await engine.dispose()

    assert handler.calls == {job_id: 1}
    assert await _committed_runs(sessions, department_id) == {job_id: 1}
    assert (await _job(sessions, job_id)).done_at == frozen.at


async def test_two_workers_on_two_engines_run_each_job_exactly_once(
    sessions, settings, frozen
):
    department_id, _ = await make_department(sessions)
    job_ids = [
        await _schedule(sessions, department_id, due_at=START - timedelta(seconds=i))
        for i in range(30)
    ]
    handler = Recorder()
    engines = [create_engine(settings), create_engine(settings)]
    try:
        workers = [
            Worker(create_sessionmaker(engine), {"ping": handler}, name=f"w{i}")
            for i, engine in enumerate(engines)
        ]
        for worker in workers:
            worker.batch = 4
        counts = await asyncio.gather(*(w.run_once() for w in workers))
    finally:
        for engine in engines:
            await engine.dispose()

    assert sum(counts) == 30
    assert handler.calls == dict.fromkeys(job_ids, 1)
    assert await _committed_runs(sessions, department_id) == dict.fromkeys(job_ids, 1)
    async with transaction(sessions) as session:
        jobs = (await session.scalars(select(Job))).all()
    assert all(job.done_at is not None and job.attempts == 1 for job in jobs)


@pytest.mark.postgres_only
async def test_open_claims_skip_each_others_locked_rows(
    sessions, settings, database, frozen
):
    department_id, _ = await make_department(sessions)
    for _ in range(6):
        await _schedule(sessions, department_id, due_at=START)
    other = create_engine(settings)
    try:
        async with (
            transaction(sessions) as first,
            transaction(create_sessionmaker(other)) as second,
        ):
            mine = await job_service.claim_due(first, worker="a", now=START, limit=4)
            theirs = await job_service.claim_due(second, worker="b", now=START, limit=4)
    finally:
        await other.dispose()

    assert len(mine) == 4
    assert len(theirs) == 2
    assert not {j.id for j in mine} & {j.id for j in theirs}


@pytest.mark.postgres_only
async def test_claimed_job_locked_elsewhere_is_waited_for_not_skipped(
    sessions, settings, database, frozen
):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    async with transaction(sessions) as session:
        await job_service.claim_due(session, worker="a", now=START, limit=1)

    async def lock_with_timeout() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            await job_service.lock_claimed(session, job_id=job_id, worker="a")

    other = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(other)) as holder:
            # A concurrent claim may lock a row it then leaves out.
            await holder.execute(
                select(Job.id).where(Job.id == job_id).with_for_update()
            )
            with pytest.raises(DBAPIError, match="lock timeout"):
                await lock_with_timeout()
    finally:
        await other.dispose()

    async with transaction(sessions) as session:
        job = await job_service.lock_claimed(session, job_id=job_id, worker="a")
    assert job is not None
    assert job.id == job_id


async def test_failing_handler_rolls_back_and_is_retried_after_backoff(
    sessions, frozen
):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    handler = Recorder(fail_times=1)
    worker = Worker(sessions, {"ping": handler}, name="w1")

    assert await worker.run_once() == 1

    job = await _job(sessions, job_id)
    assert await _committed_runs(sessions, department_id) == {}
    assert job.attempts == 1
    assert job.last_error == "RuntimeError: boom"
    assert job.done_at is None
    assert job.claimed_by is None
    assert job.due_at == START + job_service.retry_delay(1)
    assert await worker.run_once() == 0

    frozen.advance(job_service.retry_delay(1))
    assert await worker.run_once() == 1

    job = await _job(sessions, job_id)
    assert handler.calls[job_id] == 2
    assert await _committed_runs(sessions, department_id) == {job_id: 1}
    assert job.attempts == 2
    assert job.done_at == frozen.at


async def test_failing_handler_gives_up_after_max_attempts(sessions, frozen):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    handler = Recorder(fail_times=1000)
    worker = Worker(sessions, {"ping": handler}, name="w1")

    for _ in range(job_service.MAX_ATTEMPTS):
        assert await worker.run_once() == 1
        frozen.advance(job_service.RETRY_CAP)
    frozen.advance(timedelta(days=30))

    assert await worker.run_once() == 0
    job = await _job(sessions, job_id)
    assert handler.calls[job_id] == job_service.MAX_ATTEMPTS
    assert await _committed_runs(sessions, department_id) == {}
    assert job.attempts == job_service.MAX_ATTEMPTS
    assert job.done_at is not None
    assert job.last_error == "RuntimeError: boom"


def test_retry_delay_doubles_up_to_the_cap():
    delays = [job_service.retry_delay(n) for n in range(1, 12)]

    assert delays[:3] == [job_service.RETRY_BASE * f for f in (1, 2, 4)]
    assert delays[-1] == job_service.RETRY_CAP
    assert delays == sorted(delays)


async def test_failing_handler_is_logged_with_traceback(sessions, frozen, caplog):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    worker = Worker(sessions, {"ping": Recorder(fail_times=1)}, name="w1")

    await worker.run_once()

    [record] = [r for r in caplog.records if r.message == "job_failed"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert (record.job_id, record.kind) == (job_id, "ping")


async def test_worker_dying_mid_handler_rolls_back_and_job_runs_after_lease(
    sessions, frozen
):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    dying = Worker(
        sessions, {"ping": Recorder(fail_times=1, error=WorkerDied)}, name="dying"
    )
    handler = Recorder()
    survivor = Worker(sessions, {"ping": handler}, name="survivor")

    with pytest.raises(WorkerDied):
        await dying.run_once()

    job = await _job(sessions, job_id)
    assert await _committed_runs(sessions, department_id) == {}
    assert (job.claimed_by, job.done_at, job.attempts) == ("dying", None, 1)
    assert await survivor.run_once() == 0

    frozen.advance(job_service.LEASE)
    assert await survivor.run_once() == 1

    job = await _job(sessions, job_id)
    assert handler.calls == {job_id: 1}
    assert await _committed_runs(sessions, department_id) == {job_id: 1}
    assert (job.claimed_by, job.done_at, job.attempts) == ("survivor", frozen.at, 2)


async def test_job_whose_every_attempt_died_is_given_up_at_claim(sessions, frozen):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    for _ in range(job_service.MAX_ATTEMPTS):
        async with transaction(sessions) as session:
            claimed = await job_service.claim_due(
                session, worker="dead", now=clock.now(), limit=10
            )
        assert [j.id for j in claimed] == [job_id]
        frozen.advance(job_service.LEASE)
    handler = Recorder()

    assert await Worker(sessions, {"ping": handler}, name="w1").run_once() == 0

    job = await _job(sessions, job_id)
    assert handler.calls == {}
    assert job.done_at == frozen.at
    assert job.attempts == job_service.MAX_ATTEMPTS
    assert job.last_error is not None
    assert job.last_error.startswith("gave up: attempt 5 of 5 never finished")


async def test_failure_reported_by_worker_that_lost_the_job_changes_nothing(
    sessions, frozen
):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    async with transaction(sessions) as session:
        await job_service.claim_due(session, worker="a", now=START, limit=1)

    async with transaction(sessions) as session:
        outcome = await job_service.record_failure(
            session, job_id=job_id, worker="b", error="not mine", now=START
        )

    job = await _job(sessions, job_id)
    assert outcome is None
    assert (job.claimed_by, job.last_error, job.attempts) == ("a", None, 1)


async def test_unknown_kind_is_recorded_as_failed_and_others_still_run(
    sessions, frozen
):
    department_id, _ = await make_department(sessions)
    mystery_id = await _schedule(sessions, department_id, due_at=START, kind="nope")
    known_id = await _schedule(sessions, department_id, due_at=START)
    handler = Recorder()
    worker = Worker(sessions, {"ping": handler}, name="w1")

    assert await worker.run_once() == 2

    mystery = await _job(sessions, mystery_id)
    assert mystery.last_error == "no handler for job kind 'nope'"
    assert (mystery.attempts, mystery.done_at) == (1, None)
    assert mystery.due_at == START + job_service.retry_delay(1)
    assert (await _job(sessions, known_id)).done_at == START
    assert handler.calls == {known_id: 1}


async def test_run_stops_when_stop_is_set(sessions, frozen):
    department_id, _ = await make_department(sessions)
    job_id = await _schedule(sessions, department_id, due_at=START)
    handler = Recorder()
    worker = Worker(sessions, {"ping": handler}, name="w1", poll_s=60)
    stop = asyncio.Event()

    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(handler.ran.wait(), timeout=10)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    assert task.exception() is None
    assert (await _job(sessions, job_id)).done_at == START
    assert handler.calls == {job_id: 1}


async def test_run_survives_a_failing_round(caplog):
    calls = 0
    second_round = asyncio.Event()

    def broken_sessions():
        nonlocal calls
        calls += 1
        if calls == 2:
            second_round.set()
        raise RuntimeError("database down")

    # A sessionmaker that fails like an unreachable database does.
    worker = Worker(broken_sessions, {}, name="w1", poll_s=0.001)  # type: ignore[arg-type]
    stop = asyncio.Event()

    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(second_round.wait(), timeout=10)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    failures = [r for r in caplog.records if r.message == "worker_round_failed"]
    assert len(failures) >= 2
    assert failures[0].exc_info is not None
