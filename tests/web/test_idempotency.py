"""Idempotency-Key: a retried POST returns the first answer and creates nothing."""

from datetime import timedelta

from sqlalchemy import func, select, update

from muster.core import clock
from muster.core.db import transaction
from muster.incidents.models import Incident
from muster.jobs.worker import Worker
from muster.web.app import RECURRING_JOBS, job_handlers
from muster.web.idempotency import KEY_RETENTION, IdempotencyRecord
from tests.factories.api import incident_body, make_incident_type, post
from tests.factories.org import make_caller


async def _incident_count(sessions, department_id):
    async with transaction(sessions) as session:
        return await session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(Incident.department_id == department_id)
        )


async def test_retry_with_same_key_replays_first_response(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    first = await post(
        client, caller, "/incidents", incident_body(), **{"Idempotency-Key": "k1"}
    )
    retry = await post(
        client, caller, "/incidents", incident_body(), **{"Idempotency-Key": "k1"}
    )

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await _incident_count(sessions, caller.department_id) == 1


async def test_same_key_with_different_body_is_422(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    await post(
        client, caller, "/incidents", incident_body(), **{"Idempotency-Key": "k2"}
    )

    other = await post(
        client,
        caller,
        "/incidents",
        incident_body(description="other"),
        **{"Idempotency-Key": "k2"},
    )

    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert await _incident_count(sessions, caller.department_id) == 1


async def test_failed_request_does_not_consume_key(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    bad = incident_body(type="NOPE")

    failed = await post(client, caller, "/incidents", bad, **{"Idempotency-Key": "k3"})
    await make_incident_type(client, caller, code="NOPE")
    retried = await post(client, caller, "/incidents", bad, **{"Idempotency-Key": "k3"})

    assert (failed.status_code, retried.status_code) == (422, 201)


async def test_keys_are_scoped_to_the_member(client, sessions):
    first = await make_caller(sessions)
    second = await make_caller(
        sessions, department=(first.department_id, first.department_slug)
    )
    await make_incident_type(client, first)

    a = await post(
        client, first, "/incidents", incident_body(), **{"Idempotency-Key": "same"}
    )
    b = await post(
        client, second, "/incidents", incident_body(), **{"Idempotency-Key": "same"}
    )

    assert a.json()["id"] != b.json()["id"]
    assert await _incident_count(sessions, first.department_id) == 2


async def test_overlong_key_is_400(client, sessions):
    caller = await make_caller(sessions)

    response = await post(
        client, caller, "/incidents", incident_body(), **{"Idempotency-Key": "k" * 201}
    )

    assert response.status_code == 400


async def test_worker_prunes_keys_older_than_the_retention(client, sessions, settings):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    for key in ("old", "recent"):
        await post(
            client, caller, "/incidents", incident_body(), **{"Idempotency-Key": key}
        )
    async with transaction(sessions) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(created_at=clock.now() - KEY_RETENTION - timedelta(minutes=1))
        )
    worker = Worker(
        sessions, job_handlers(settings), name="w", recurring=RECURRING_JOBS
    )

    assert await worker.run_once() == len(RECURRING_JOBS)

    async with transaction(sessions) as session:
        keys = (await session.scalars(select(IdempotencyRecord.key))).all()
    assert keys == ["recent"]
    again = await post(
        client, caller, "/incidents", incident_body(), **{"Idempotency-Key": "recent"}
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert await _incident_count(sessions, caller.department_id) == 2
