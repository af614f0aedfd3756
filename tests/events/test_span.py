"""Verifying a span of the chain (one incident's events) and its links at both
ends, without walking the whole department."""

import dataclasses

import pytest
from sqlalchemy import delete, select, update

from muster.core.db import transaction
from muster.events import service as event_service
from muster.events.errors import ChainHeadMissing
from muster.events.models import Event
from tests.factories.api import make_incident, make_incident_type, post
from tests.factories.org import make_caller


async def _span(sessions, department_id, from_seq, to_seq):
    async with transaction(sessions) as session:
        return await event_service.verify_span(
            session, department_id=department_id, from_seq=from_seq, to_seq=to_seq
        )


async def _seed(client, sessions):
    """Seven events: department, member, type, incident, two notes, a third."""
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    for text in ("one", "two", "three"):
        await post(client, caller, f"/incidents/{incident['id']}/notes", {"text": text})
    return caller


async def _edit(sessions, department_id, seq, *, rehash=False):
    async with transaction(sessions) as session:
        event = await session.scalar(
            select(Event).where(Event.department_id == department_id, Event.seq == seq)
        )
        forged = {**event.data, "forged": True}
        values = {"data": forged}
        if rehash:
            content = dataclasses.replace(event_service.content_of(event), data=forged)
            values["hash"] = event_service.compute_hash(content, event.prev_hash)
        await session.execute(
            update(Event).where(Event.id == event.id).values(**values)
        )


async def test_verify_span_untouched_checks_span_and_next_event(client, sessions):
    caller = await _seed(client, sessions)

    report = await _span(sessions, caller.department_id, 4, 5)

    assert report.ok
    assert report.checked == 3  # 4, 5 and 6, whose link names 5


async def test_verify_span_to_the_head_checks_only_the_span(client, sessions):
    caller = await _seed(client, sessions)

    report = await _span(sessions, caller.department_id, 1, 7)

    assert (report.ok, report.checked) == (True, 7)


async def test_verify_span_edit_inside_is_found(client, sessions):
    caller = await _seed(client, sessions)
    await _edit(sessions, caller.department_id, 5)

    report = await _span(sessions, caller.department_id, 4, 6)

    assert (report.ok, report.broken_seq) == (False, 5)
    assert report.checked == 1


async def test_verify_span_rehashed_last_event_breaks_next_link(client, sessions):
    caller = await _seed(client, sessions)
    await _edit(sessions, caller.department_id, 5, rehash=True)

    report = await _span(sessions, caller.department_id, 4, 5)

    assert (report.ok, report.broken_seq) == (False, 6)
    assert "previous hash" in report.reason


async def test_verify_span_rehashed_event_before_breaks_first_link(client, sessions):
    caller = await _seed(client, sessions)
    await _edit(sessions, caller.department_id, 3, rehash=True)

    report = await _span(sessions, caller.department_id, 4, 5)

    assert (report.ok, report.broken_seq) == (False, 4)


async def test_verify_span_edit_outside_is_not_its_business(client, sessions):
    caller = await _seed(client, sessions)
    await _edit(sessions, caller.department_id, 2)

    report = await _span(sessions, caller.department_id, 4, 5)

    assert report.ok


@pytest.mark.parametrize(("deleted", "broken"), [(3, 3), (5, 6), (7, 7)])
async def test_verify_span_missing_event_is_found(client, sessions, deleted, broken):
    caller = await _seed(client, sessions)
    async with transaction(sessions) as session:
        await session.execute(
            delete(Event).where(
                Event.department_id == caller.department_id, Event.seq == deleted
            )
        )

    report = await _span(sessions, caller.department_id, 4, 6)

    assert (report.ok, report.broken_seq) == (False, broken)


async def test_verify_span_beyond_head_is_broken(client, sessions):
    caller = await _seed(client, sessions)

    report = await _span(sessions, caller.department_id, 6, 9)

    assert (report.ok, report.broken_seq) == (False, 8)
    assert "head says 7" in report.reason


async def test_verify_span_without_chain_raises(sessions):
    with pytest.raises(ChainHeadMissing):
        await _span(sessions, "nowhere", 1, 2)
