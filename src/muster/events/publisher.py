"""Publishing committed events: captured at append, handed to the bus after commit.

``append`` records each event on its session; when that session's transaction
commits, the events go to the instance's ``Publisher``, whose single task
passes them to the bus in commit order. A rollback, of the transaction or of
any savepoint in it, discards everything the session captured: nothing that
might not be committed is ever published. Events dropped that way by a
savepoint rollback are committed all the same when the outer transaction
commits; live streams then find them in the log by their sequence numbers.
"""

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from muster.events.bus import Bus, LiveEvent, live_event
from muster.events.schemas import EventContent

logger = logging.getLogger(__name__)

PUBLISHER_KEY = "muster.events.publisher"
_PENDING_KEY = "muster.events.pending"


class Publisher:
    """Passes committed events to the bus from one task, in commit order."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._outbox: deque[EventContent | LiveEvent] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def session_info(self) -> dict[str, Any]:
        """``info`` for a sessionmaker whose sessions publish through this."""
        return {PUBLISHER_KEY: self}

    def enqueue(self, contents: list[EventContent | LiveEvent]) -> None:
        """Called after a commit; never blocks and never raises into the caller."""
        if self._task is None:
            return  # not serving: nobody in this process listens
        self._outbox.extend(contents)
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Publish what is queued, then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self._flush()

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            await self._flush()

    async def _flush(self) -> None:
        if not self._outbox:
            return
        batch = [
            live_event(item) if isinstance(item, EventContent) else item
            for item in self._outbox
        ]
        self._outbox.clear()
        try:
            await self._bus.publish(batch)
        except Exception:
            # The publishing task is a boundary: it must outlive any one failure,
            # and live streams recover the events from the log.
            logger.exception("publish_failed", extra={"events": len(batch)})


class PublishingSession(Session):
    """A session that hands the events it appended to its publisher on commit."""


def capture(session: AsyncSession, content: EventContent) -> None:
    """Remember an appended event until its transaction ends."""
    info = session.info
    if PUBLISHER_KEY in info:
        info.setdefault(_PENDING_KEY, []).append(content)


def capture_live_only(session: AsyncSession, message: LiveEvent) -> None:
    """Remember a live-only message (see ``bus.volatile_event``) until commit."""
    info = session.info
    if PUBLISHER_KEY in info:
        info.setdefault(_PENDING_KEY, []).append(message)


@event.listens_for(PublishingSession, "after_commit")
def _publish_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still fail
    pending: list[EventContent | LiveEvent] = session.info.pop(_PENDING_KEY, [])
    publisher: Publisher | None = session.info.get(PUBLISHER_KEY)
    if pending and publisher is not None:
        publisher.enqueue(pending)


@event.listens_for(PublishingSession, "after_soft_rollback")
def _discard_rolled_back(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_PENDING_KEY, None)
