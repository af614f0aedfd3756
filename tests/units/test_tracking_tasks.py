"""Pruning position history past its retention period, as a periodic job."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.core.settings import Settings
from muster.jobs.models import Job
from muster.jobs.worker import Worker
from muster.units import tasks as unit_tasks
from muster.units.models import PositionReport
from muster.web.app import JOB_HANDLERS
from tests.factories.api import make_unit, post
from tests.factories.org import make_caller

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[dict[str, datetime]]:
    moment = {"now": NOW}
    clock.set_clock(lambda: moment["now"])
    yield moment
    clock.set_clock(None)


async def _pending(sessions) -> list[Job]:
    async with transaction(sessions) as session:
        query = select(Job).where(
            Job.kind == unit_tasks.PRUNE_JOB, Job.done_at.is_(None)
        )
        return list((await session.scalars(query)).all())


async def _kept_days_ago(sessions) -> list[int]:
    async with transaction(sessions) as session:
        times = await session.scalars(select(PositionReport.at))
        return sorted((NOW - at).days for at in times)


async def test_prune_job_deletes_only_reports_past_retention_and_reschedules(
    client, sessions, frozen
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    items = [
        {"unit_id": unit["id"], "lat": 1, "lon": 1, "at": (NOW - age).isoformat()}
        for age in (timedelta(days=40), timedelta(days=31), timedelta(days=2))
    ]
    response = await post(client, caller, "/locations", {"items": items})
    assert response.status_code == 200, response.text
    async with transaction(sessions) as session:
        await unit_tasks.ensure_pruning(session, retention_days=30)

    ran = await Worker(sessions, JOB_HANDLERS, name="prune").run_once()

    assert ran == 1
    assert await _kept_days_ago(sessions) == [2]
    [following] = await _pending(sessions)
    assert following.due_at == NOW + unit_tasks.PRUNE_EVERY
    assert following.payload == {"retention_days": 30}


async def test_ensure_pruning_keeps_one_chain_with_current_retention(sessions, frozen):
    for days in (30, 30, 7):
        await unit_tasks.start_pruning(sessions, retention_days=days)

    [job] = await _pending(sessions)
    assert job.payload == {"retention_days": 7}


async def test_second_chain_stops_instead_of_rescheduling(sessions, frozen):
    async with transaction(sessions) as session:
        for _ in range(2):
            await unit_tasks.job_service.schedule(
                session,
                kind=unit_tasks.PRUNE_JOB,
                due_at=NOW,
                payload={"retention_days": 30},
            )

    await Worker(sessions, JOB_HANDLERS, name="prune").run_once()

    assert len(await _pending(sessions)) == 1


async def test_start_pruning_on_unmigrated_database_logs_and_returns(tmp_path, caplog):
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path}/empty.db"))
    try:
        await unit_tasks.start_pruning(create_sessionmaker(engine), retention_days=30)
    finally:
        await engine.dispose()

    assert "position_pruning_not_scheduled" in caplog.text
