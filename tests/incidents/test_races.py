"""Concurrent writers: numbers stay consecutive, the chain stays linear, retries
create nothing twice. Runs on both databases; PostgreSQL is the one that matters."""

import asyncio

from sqlalchemy import func, select

from muster.core.db import transaction
from muster.events import service as event_service
from muster.events.models import Event
from muster.incidents.models import Incident
from tests.factories.api import (
    incident_body,
    make_incident,
    make_incident_type,
    make_unit,
    post,
)
from tests.factories.org import make_caller


async def test_concurrent_creations_get_consecutive_numbers_and_valid_chain(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    async with transaction(sessions) as session:
        events_before = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.department_id == caller.department_id)
        )

    responses = await asyncio.gather(
        *(
            post(
                client,
                caller,
                "/incidents",
                incident_body(
                    description=f"call {i}", location={"lat": 37 + i / 100, "lon": -122}
                ),
            )
            for i in range(50)
        )
    )

    assert [r.status_code for r in responses] == [201] * 50
    numbers = sorted(int(r.json()["number"].split("-")[1]) for r in responses)
    assert numbers == list(range(1, 51))
    async with transaction(sessions) as session:
        created = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.department_id == caller.department_id,
                Event.kind == "incident.created",
            )
        )
        total = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.department_id == caller.department_id)
        )
        report = await event_service.verify_chain(
            session, department_id=caller.department_id
        )
    assert created == 50
    assert total == events_before + 50
    assert report.ok, report
    assert report.checked == total


async def test_same_idempotency_key_sent_concurrently_creates_one_incident(
    client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    body = incident_body()

    responses = await asyncio.gather(
        *(
            post(client, caller, "/incidents", body, **{"Idempotency-Key": "call-42"})
            for _ in range(2)
        )
    )

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    async with transaction(sessions) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(Incident.department_id == caller.department_id)
        )
    assert count == 1


async def test_concurrent_commitments_of_one_unit_only_one_wins(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    unit = await make_unit(client, caller)
    incidents = [
        await make_incident(client, caller, location={"lat": 30 + i, "lon": -100})
        for i in range(20)
    ]

    responses = await asyncio.gather(
        *(
            post(
                client,
                caller,
                f"/units/{unit['id']}/status",
                {"status": "dispatched", "incident_id": incident["id"]},
            )
            for incident in incidents
        )
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19
    winner = next(r for r in responses if r.status_code == 200).json()["incident_id"]
    losers = [r.json() for r in responses if r.status_code == 409]
    assert all(body["incident_id"] == winner for body in losers)
    current = await client.get(f"/api/v1/units/{unit['id']}", headers=caller.headers)
    assert current.json()["incident_id"] == winner
