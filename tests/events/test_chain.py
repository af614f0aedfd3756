"""The hash chain: every change is an event, and tampering is detected."""

import dataclasses

from sqlalchemy import delete, select, update

from muster.core.db import transaction
from muster.events import service as event_service
from muster.events.models import Event
from tests.factories.api import make_incident, make_incident_type, post
from tests.factories.org import make_caller


async def _verify(sessions, department_id):
    async with transaction(sessions) as session:
        return await event_service.verify_chain(session, department_id=department_id)


async def _seed(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    await post(client, caller, f"/incidents/{incident['id']}/notes", {"text": "note"})
    return caller


async def test_verify_chain_untouched_is_ok(client, sessions):
    caller = await _seed(client, sessions)

    report = await _verify(sessions, caller.department_id)

    assert report.ok
    assert report.checked == 5  # department, member, type, incident, note


async def test_verify_chain_edited_payload_names_event(client, sessions):
    caller = await _seed(client, sessions)
    async with transaction(sessions) as session:
        target = await session.scalar(
            select(Event).where(
                Event.department_id == caller.department_id, Event.seq == 4
            )
        )
        await session.execute(
            update(Event)
            .where(Event.id == target.id)
            .values(data={**target.data, "description": "nothing happened"})
        )

    report = await _verify(sessions, caller.department_id)

    assert not report.ok
    assert (report.broken_seq, report.broken_event_id) == (4, target.id)
    assert "hash" in report.reason


async def test_verify_chain_deleted_middle_event_is_gap(client, sessions):
    caller = await _seed(client, sessions)
    async with transaction(sessions) as session:
        await session.execute(
            delete(Event).where(
                Event.department_id == caller.department_id, Event.seq == 2
            )
        )

    report = await _verify(sessions, caller.department_id)

    assert not report.ok
    assert report.broken_seq == 3
    assert "gap" in report.reason


async def test_verify_chain_deleted_last_event_is_detected(client, sessions):
    caller = await _seed(client, sessions)
    async with transaction(sessions) as session:
        await session.execute(
            delete(Event).where(
                Event.department_id == caller.department_id, Event.seq == 5
            )
        )

    report = await _verify(sessions, caller.department_id)

    assert not report.ok
    assert report.broken_seq == 5


async def test_verify_chain_rehashed_event_breaks_next_link(client, sessions):
    caller = await _seed(client, sessions)
    async with transaction(sessions) as session:
        event = await session.scalar(
            select(Event).where(
                Event.department_id == caller.department_id, Event.seq == 3
            )
        )
        forged = {**event.data, "name": "Forged"}
        content = event_service.content_of(event)
        digest = event_service.compute_hash(
            dataclasses.replace(content, data=forged), event.prev_hash
        )
        await session.execute(
            update(Event).where(Event.id == event.id).values(data=forged, hash=digest)
        )

    report = await _verify(sessions, caller.department_id)

    assert not report.ok
    assert report.broken_seq == 4
    assert "previous hash" in report.reason


async def test_events_of_departments_form_separate_chains(client, sessions):
    first = await _seed(client, sessions)
    second = await _seed(client, sessions)

    async with transaction(sessions) as session:
        seqs = (
            await session.scalars(
                select(Event.seq)
                .where(Event.department_id == second.department_id)
                .order_by(Event.seq)
            )
        ).all()

    assert list(seqs) == [1, 2, 3, 4, 5]
    assert (await _verify(sessions, first.department_id)).ok
