"""Pruning position history past its retention period, as a recurring job."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from muster.core import clock
from muster.core.db import transaction
from muster.jobs.models import Job
from muster.jobs.service import recurring_id
from muster.jobs.worker import Worker
from muster.units import tasks as unit_tasks
from muster.units.models import PositionReport
from muster.web.app import RECURRING_JOBS, job_handlers
from tests.factories.api import make_unit, post
from tests.factories.org import make_caller

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[dict[str, datetime]]:
    moment = {"now": NOW}
    clock.set_clock(lambda: moment["now"])
    yield moment
    clock.set_clock(None)


async def _kept_days_ago(sessions) -> list[int]:
    async with transaction(sessions) as session:
        times = await session.scalars(select(PositionReport.at))
        return sorted((NOW - at).days for at in times)


async def _report(client, caller, unit, ages):
    items = [
        {"unit_id": unit["id"], "lat": 1, "lon": 1, "at": (NOW - age).isoformat()}
        for age in ages
    ]
    response = await post(client, caller, "/locations", {"items": items})
    assert response.status_code == 200, response.text


def _worker(sessions, settings, days):
    configured = settings.model_copy(update={"position_retention_days": days})
    return Worker(
        sessions, job_handlers(configured), name="prune", recurring=RECURRING_JOBS
    )


async def test_prune_deletes_only_reports_past_retention_every_period(
    client, sessions, settings, frozen
):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    await _report(client, caller, unit, [timedelta(days=d) for d in (40, 31, 2)])
    worker = _worker(sessions, settings, 30)

    await worker.run_once()

    assert await _kept_days_ago(sessions) == [2]
    async with transaction(sessions) as session:
        job = await session.get(Job, recurring_id(unit_tasks.PRUNE_JOB))
        assert job is not None
        assert job.done_at is None
        assert job.due_at == NOW + unit_tasks.PRUNE_EVERY


async def test_retention_follows_the_settings(client, sessions, settings, frozen):
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    await _report(client, caller, unit, [timedelta(days=d) for d in (10, 8, 2)])

    await _worker(sessions, settings, 7).run_once()

    assert await _kept_days_ago(sessions) == [2]


async def test_a_large_backlog_goes_in_bounded_batches(
    client, sessions, settings, frozen, monkeypatch
):
    monkeypatch.setattr(unit_tasks, "PRUNE_BATCH", 2)
    monkeypatch.setattr(unit_tasks, "PRUNE_BATCHES", 2)
    caller = await make_caller(sessions)
    unit = await make_unit(client, caller)
    old = [timedelta(days=40, minutes=n) for n in range(6)]
    await _report(client, caller, unit, [*old, timedelta(days=1)])
    worker = _worker(sessions, settings, 30)

    await worker.run_once()
    first = await _kept_days_ago(sessions)
    frozen["now"] = NOW + unit_tasks.PRUNE_EVERY
    await worker.run_once()

    assert len(first) == 3
    assert await _kept_days_ago(sessions) == [1]
