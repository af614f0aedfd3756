"""Several instances sharing the database and Redis see each other's events."""

import asyncio
import uuid

import httpx
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from muster.core.settings import Settings
from muster.events.bus import InProcessBus, LiveEvent, RedisBus, create_bus
from muster.web.app import create_app
from tests.factories.api import make_incident, make_incident_type
from tests.factories.org import make_caller
from tests.live.conftest import REDIS_URL, WAIT_S, receive_until, serving

pytestmark = pytest.mark.redis


async def test_incident_created_on_one_instance_reaches_client_on_other(
    redis_settings, sessions
):
    first, second = create_app(redis_settings), create_app(redis_settings)
    caller = await make_caller(sessions)
    try:
        async with serving(first) as one, serving(second) as two:
            url = f"ws://{two}/api/v1/stream?since=0&access_token={caller.token}"
            http = httpx.AsyncClient(base_url=f"http://{one}", timeout=WAIT_S)
            async with connect(url) as ws, http:
                await make_incident_type(http, caller)
                incident = await make_incident(http, caller)
                seen = await receive_until(ws, "incident.created", incident["id"])
    finally:
        for app in (first, second):
            await app.state.engine.dispose()

    assert seen[-1]["data"]["number"] == incident["number"]
    assert [event["seq"] for event in seen] == list(range(1, len(seen) + 1))


def _event(seq: int) -> LiveEvent:
    return LiveEvent(department_id="d1", seq=seq, incident_id=None, wire="{}")


async def test_redis_bus_delivers_to_every_instance_and_skips_garbage():
    prefix = f"muster-test-{uuid.uuid4().hex}"
    sender = RedisBus(REDIS_URL, prefix=prefix)
    receiver = RedisBus(REDIS_URL, prefix=prefix)
    raw = Redis.from_url(REDIS_URL)
    got: list[LiveEvent] = []
    arrived = asyncio.Event()

    def deliver(event: LiveEvent) -> None:
        got.append(event)
        if event.seq == 2:
            arrived.set()

    await sender.start(lambda _event: None)
    await receiver.start(deliver)
    try:
        await raw.publish(sender.channel, "not json")
        await raw.publish(sender.channel, '[{"seq": 1}]')
        await sender.publish([_event(1), _event(2)])
        async with asyncio.timeout(WAIT_S):
            await arrived.wait()
    finally:
        await sender.close()
        await receiver.close()
        await raw.aclose()

    assert got == [_event(1), _event(2)]


async def test_bus_is_in_process_by_default_and_redis_with_a_url(settings):
    default = create_bus(settings)
    shared = create_bus(settings.model_copy(update={"bus_url": REDIS_URL}))
    await shared.close()

    assert isinstance(default, InProcessBus)
    assert isinstance(shared, RedisBus)


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379"])
def test_settings_refuse_a_bus_url_that_is_not_redis(url):
    with pytest.raises(ValidationError):
        Settings(bus_url=url)


async def test_redis_bus_publish_to_unreachable_redis_does_not_raise(caplog):
    bus = RedisBus("redis://127.0.0.1:1/0", prefix=f"muster-test-{uuid.uuid4().hex}")

    await bus.publish([_event(1)])
    await bus.close()

    assert "bus_publish_failed" in caplog.messages


async def test_redis_bus_starts_without_redis_and_stops_cleanly(caplog):
    bus = RedisBus("redis://127.0.0.1:1/0", prefix=f"muster-test-{uuid.uuid4().hex}")

    await bus.start(lambda _event: None)
    await bus.close()

    assert "bus_subscribe_failed" in caplog.messages
