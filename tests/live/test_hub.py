"""Publishing after commit, and the hub's promise: every event once, in order."""

import asyncio
import contextlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.db import create_sessionmaker, transaction
from muster.events import service as event_service
from muster.events.bus import InProcessBus, LiveEvent, live_event_of_row
from muster.events.publisher import Publisher, PublishingSession
from muster.events.schemas import Actor, Context
from muster.live.hub import Hubs
from muster.live.stream import Stream
from tests.factories.org import make_department
from tests.live.conftest import WAIT_S

ACTOR = Actor(name="hub test")


class DeliberateError(Exception):
    pass


async def append_ticks(
    sessions: async_sessionmaker[AsyncSession], department_id: str, count: int
) -> None:
    async with transaction(sessions) as session:
        for number in range(count):
            await event_service.append(
                session,
                ctx=Context(department_id, ACTOR),
                kind="test.tick",
                data={"n": number},
            )


async def logged(
    sessions: async_sessionmaker[AsyncSession], department_id: str, after: int
) -> list[LiveEvent]:
    async with sessions() as session:
        rows = await event_service.list_events(
            session, department_id=department_id, after_seq=after
        )
    return [live_event_of_row(row) for row in rows]


async def head(sessions: async_sessionmaker[AsyncSession], department_id: str) -> int:
    async with sessions() as session:
        return await event_service.last_seq(session, department_id=department_id)


async def test_publisher_sends_committed_events_only(app):
    bus, got = InProcessBus(), []
    await bus.start(got.append)
    publisher = Publisher(bus)
    sessions = create_sessionmaker(
        app.state.engine,
        sync_session_class=PublishingSession,
        info=publisher.session_info(),
    )
    publisher.start()
    department_id, _ = await make_department(sessions)
    start = await head(sessions, department_id)

    with contextlib.suppress(DeliberateError):  # the transaction rolls back
        await _append_then_fail(sessions, department_id)
    async with transaction(sessions) as session:
        savepoint = await session.begin_nested()
        await event_service.append(
            session, ctx=Context(department_id, ACTOR), kind="test.dropped", data={}
        )
        await savepoint.rollback()
    await append_ticks(sessions, department_id, 2)
    await publisher.stop()

    published = [
        event
        for event in got
        if event.department_id == department_id and event.seq > start
    ]
    assert [event.seq for event in published] == [start + 1, start + 2]
    assert all('"test.tick"' in event.wire for event in published)


async def _append_then_fail(sessions, department_id: str) -> None:
    async with transaction(sessions) as session:
        await event_service.append(
            session, ctx=Context(department_id, ACTOR), kind="test.lost", data={}
        )
        raise DeliberateError


async def test_hub_fills_gap_from_log_and_drops_repeats(sessions):
    hubs = Hubs(sessions, poll_s=3600, queue_size=100)
    department_id, _ = await make_department(sessions)
    start = await head(sessions, department_id)
    hub, subscriber = await hubs.subscribe(department_id, incident_id=None)
    await append_ticks(sessions, department_id, 3)
    events = await logged(sessions, department_id, start)

    hubs.deliver(events[2])
    hubs.deliver(events[1])
    hubs.deliver(events[2])
    async with asyncio.timeout(WAIT_S):
        taken = await subscriber.take()
    await hubs.close()

    assert [event.seq for event in taken] == [start + 1, start + 2, start + 3]
    assert hub.last_seq == start + 3


async def test_stream_that_overflowed_reads_the_log(sessions):
    hubs = Hubs(sessions, poll_s=3600, queue_size=2)
    department_id, _ = await make_department(sessions)
    start = await head(sessions, department_id)
    async with Stream(
        hubs, sessions, department_id=department_id, incident_id=None, since=None
    ) as stream:
        await append_ticks(sessions, department_id, 5)
        for event in await logged(sessions, department_id, start):
            hubs.deliver(event)
        batch = await stream.next_batch(timeout=WAIT_S)
    await hubs.close()

    assert batch is not None
    assert [event.seq for event in batch] == list(range(start + 1, start + 6))


async def test_hub_finds_events_the_bus_never_brought(sessions):
    hubs = Hubs(sessions, poll_s=0.05, queue_size=100)
    department_id, _ = await make_department(sessions)
    start = await head(sessions, department_id)
    async with Stream(
        hubs, sessions, department_id=department_id, incident_id=None, since=None
    ) as stream:
        await append_ticks(sessions, department_id, 1)
        batch: list[LiveEvent] = []
        while not batch:
            batch = await stream.next_batch(timeout=WAIT_S) or []
    await hubs.close()

    assert [event.seq for event in batch] == [start + 1]


async def test_stream_ends_when_hubs_close(sessions):
    hubs = Hubs(sessions, poll_s=3600, queue_size=10)
    department_id, _ = await make_department(sessions)
    async with Stream(
        hubs, sessions, department_id=department_id, incident_id=None, since=None
    ) as stream:
        await hubs.close()
        assert await stream.next_batch(timeout=WAIT_S) is None


async def test_subscribe_to_department_without_chain_can_be_abandoned(sessions, caplog):
    hubs = Hubs(sessions, poll_s=3600, queue_size=10)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):  # the hub keeps retrying; the caller leaves
            await hubs.subscribe("no-such-department", incident_id=None)
    await hubs.close()

    assert "live_hub_step_failed" in caplog.messages
