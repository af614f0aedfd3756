"""The event bus: committed events from any instance to every instance.

The bus is a fast path, not the record. It carries each committed event with
its department and sequence number; receivers check the sequence against the
event log and read whatever the bus lost or reordered from there. The
in-process bus serves one instance; the Redis bus (``MUSTER_BUS_URL``) lets
several instances share events through one pub/sub channel.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic_core import to_json
from redis import RedisError
from redis.asyncio import Redis

from muster.core.settings import Settings
from muster.events.models import Event
from muster.events.schemas import EventContent

logger = logging.getLogger(__name__)

RECONNECT_PAUSE_S = 1.0


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """A committed event as the bus carries it; ``wire`` is what clients receive.

    ``wire`` is the JSON object ``{"seq", "at", "kind", "incident_id", "actor",
    "data"}``, encoded once so fan-out to many clients costs no re-encoding.
    """

    department_id: str
    seq: int
    incident_id: str | None
    wire: str


Deliver = Callable[[LiveEvent], None]

VOLATILE_SEQ = 0
"""The ``seq`` of a live-only message: not in the log, never resumed or repeated."""


def volatile_event(
    department_id: str, *, kind: str, at: datetime, data: dict[str, Any]
) -> LiveEvent:
    """A live-only message (a unit's new position, say): sent once to whoever
    listens now, with ``"seq": null``; a client that reconnects reloads state."""
    body = {
        "seq": None,
        "at": at,
        "kind": kind,
        "incident_id": None,
        "actor": None,
        "data": data,
    }
    return LiveEvent(
        department_id=department_id,
        seq=VOLATILE_SEQ,
        incident_id=None,
        wire=to_json(body).decode(),
    )


def live_event(content: EventContent) -> LiveEvent:
    """The bus form of an appended (or stored) event."""
    body = {
        "seq": content.seq,
        "at": content.at,
        "kind": content.kind,
        "incident_id": content.incident_id,
        "actor": {"id": content.actor_id, "name": content.actor},
        "data": content.data,
    }
    return LiveEvent(
        department_id=content.department_id,
        seq=content.seq,
        incident_id=content.incident_id,
        wire=to_json(body).decode(),
    )


def live_event_of_row(event: Event) -> LiveEvent:
    """The bus form of an event read back from the log."""
    return live_event(
        EventContent(
            department_id=event.department_id,
            seq=event.seq,
            at=event.at,
            actor_id=event.actor_id,
            actor=event.actor,
            kind=event.kind,
            incident_id=event.incident_id,
            data=event.data,
        )
    )


class Bus(Protocol):
    """Carries committed events to every instance's ``deliver`` callback."""

    async def start(self, deliver: Deliver) -> None: ...

    async def publish(self, events: Sequence[LiveEvent]) -> None: ...

    async def close(self) -> None: ...


class InProcessBus:
    """One instance: published events go straight to this process's receiver."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        if self._deliver is None:
            return
        for event in events:
            self._deliver(event)

    async def close(self) -> None:
        self._deliver = None


def encode_message(events: Sequence[LiveEvent]) -> str:
    return json.dumps(
        [
            {
                "department_id": e.department_id,
                "seq": e.seq,
                "incident_id": e.incident_id,
                "event": e.wire,
            }
            for e in events
        ],
        separators=(",", ":"),
    )


def decode_message(raw: bytes | str) -> list[LiveEvent]:
    """Events from a bus message; raises ``ValueError`` on a malformed one."""
    items: Any = json.loads(raw)
    if not isinstance(items, list):
        raise ValueError("a bus message is a list of events")
    try:
        return [
            LiveEvent(
                department_id=str(item["department_id"]),
                seq=int(item["seq"]),
                incident_id=item["incident_id"],
                wire=str(item["event"]),
            )
            for item in items
        ]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed bus event: {exc}") from exc


class RedisBus:
    """Several instances: one Redis pub/sub channel, one message per commit batch.

    Redis pub/sub delivers at most once; receivers fill gaps from the event log.
    Channels are global to a Redis server (database numbers do not separate
    them), so ``prefix`` is what keeps two deployments on one server apart.
    """

    def __init__(self, url: str, *, prefix: str) -> None:
        self.channel = f"{prefix}:events"
        self._redis: Redis = Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    async def start(self, deliver: Deliver) -> None:
        """Subscribe, or go on without Redis and keep trying in the background.

        Without the bus, live streams still get every event, from the log,
        within ``MUSTER_LIVE_POLL_S``.
        """
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
        except (RedisError, OSError) as exc:
            logger.warning("bus_subscribe_failed", extra={"error": str(exc)})
        self._listener = asyncio.create_task(self._listen(pubsub, deliver))
        logger.info("bus_started", extra={"bus": "redis", "channel": self.channel})

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        if not events:
            return
        try:
            await self._redis.publish(self.channel, encode_message(events))
        except (RedisError, OSError) as exc:
            # Subscribers find the missing sequence numbers and read the log.
            logger.warning(
                "bus_publish_failed", extra={"events": len(events), "error": str(exc)}
            )

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def _listen(self, pubsub: Any, deliver: Deliver) -> None:
        try:
            while True:
                try:
                    await self._receive(pubsub, deliver)
                except (RedisError, OSError) as exc:
                    logger.warning("bus_receive_failed", extra={"error": str(exc)})
                    await asyncio.sleep(RECONNECT_PAUSE_S)
        finally:
            await pubsub.aclose()

    async def _receive(self, pubsub: Any, deliver: Deliver) -> None:
        if not pubsub.subscribed:
            await pubsub.subscribe(self.channel)
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                events = decode_message(message["data"])
            except ValueError as exc:
                logger.warning("bus_message_malformed", extra={"error": str(exc)})
                continue
            for event in events:
                deliver(event)


def create_bus(settings: Settings) -> Bus:
    """The Redis bus when ``MUSTER_BUS_URL`` is set, else the in-process one."""
    if settings.bus_url:
        return RedisBus(settings.bus_url, prefix=settings.bus_prefix)
    return InProcessBus()
