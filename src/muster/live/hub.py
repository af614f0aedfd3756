"""Fan-out on one instance: bus events in, each department's gap-free sequence out.

Each department with at least one local subscriber has a hub. The hub passes
events on in sequence order, each once: late or repeated ones are dropped, and
when a sequence number is missing (the bus lost or reordered it) the hub reads
the missing events from the log before passing on later ones. When idle it
checks the log every ``poll_s`` seconds, so an event whose bus message was lost
arrives even if nothing follows it. A subscriber that cannot keep up is never
waited for: its queue stops growing and it catches up from the log itself.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.events import service as event_service
from muster.events.bus import VOLATILE_SEQ, LiveEvent, live_event_of_row

logger = logging.getLogger(__name__)

LOG_BATCH = 500
INBOX_LIMIT = 10_000
RETRY_PAUSE_S = 1.0


class Subscriber:
    """One client's queue; optionally only the events of one incident."""

    def __init__(self, *, incident_id: str | None, limit: int) -> None:
        self.incident_id = incident_id
        self._limit = limit
        self._items: deque[LiveEvent] = deque()
        self._wakeup = asyncio.Event()
        self._overflowed = False
        self.closed = False

    def offer(self, event: LiveEvent) -> None:
        if self.incident_id is not None and event.incident_id != self.incident_id:
            return
        if len(self._items) >= self._limit:
            self._overflowed = True
        else:
            self._items.append(event)
        self._wakeup.set()

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def take(self) -> list[LiveEvent]:
        """Wait for events and return them all (none when closed)."""
        while not self._items and not self._overflowed and not self.closed:
            await self._wakeup.wait()
            self._wakeup.clear()
        items = list(self._items)
        self._items.clear()
        return items

    def take_overflow(self) -> bool:
        """Whether events were dropped since the last call (and forget it)."""
        overflowed, self._overflowed = self._overflowed, False
        return overflowed


class Hub:
    """A department's events on this instance, in order, each once."""

    def __init__(
        self,
        department_id: str,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll_s: float,
    ) -> None:
        self.department_id = department_id
        self.last_seq = 0
        self.ready = asyncio.Event()
        self.subscribers: set[Subscriber] = set()
        self._sessions = sessions
        self._poll_s = poll_s
        self._inbox: deque[LiveEvent] = deque()
        self._wakeup = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    def receive(self, event: LiveEvent) -> None:
        if len(self._inbox) < INBOX_LIMIT:
            self._inbox.append(event)  # past the limit, the log fills the gap
        self._wakeup.set()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        for subscriber in self.subscribers:
            subscriber.close()

    async def _run(self) -> None:
        while not self.ready.is_set():
            await self._guarded(self._start())
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_s):
                    await self._wakeup.wait()
            self._wakeup.clear()
            if self._inbox:
                await self._guarded(self._pass_on())
            else:
                await self._guarded(self._catch_up(until=None))

    async def _guarded(self, step: Coroutine[Any, Any, None]) -> None:
        try:
            await step
        except Exception:
            # The hub's task is a boundary: a failed read (the database is
            # restarting, say) is logged and retried; subscribers just wait.
            logger.exception("live_hub_step_failed", extra=self._log_fields())
            await asyncio.sleep(RETRY_PAUSE_S)

    async def _start(self) -> None:
        async with self._sessions() as session:
            self.last_seq = await event_service.last_seq(
                session, department_id=self.department_id
            )
        self.ready.set()

    async def _pass_on(self) -> None:
        while self._inbox:
            event = self._inbox.popleft()
            if event.seq == VOLATILE_SEQ:
                self._offer(event)
                continue
            if event.seq <= self.last_seq:
                continue
            if event.seq > self.last_seq + 1:
                await self._catch_up(until=event.seq)
            if event.seq == self.last_seq + 1:
                self._emit(event)

    async def _catch_up(self, *, until: int | None) -> None:
        """Pass on logged events after ``last_seq`` (up to ``until``, if given)."""
        while until is None or self.last_seq < until:
            wanted = (
                LOG_BATCH if until is None else min(LOG_BATCH, until - self.last_seq)
            )
            async with self._sessions() as session:
                rows = await event_service.list_events(
                    session,
                    department_id=self.department_id,
                    after_seq=self.last_seq,
                    limit=wanted,
                )
            for row in rows:
                self._emit(live_event_of_row(row))
            if len(rows) < wanted:
                return

    def _emit(self, event: LiveEvent) -> None:
        self.last_seq = event.seq
        self._offer(event)

    def _offer(self, event: LiveEvent) -> None:
        for subscriber in self.subscribers:
            subscriber.offer(event)

    def _log_fields(self) -> dict[str, object]:
        return {"department_id": self.department_id, "last_seq": self.last_seq}


class Hubs:
    """This instance's hubs, one per department with local subscribers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll_s: float,
        queue_size: int,
    ) -> None:
        self._sessions = sessions
        self._poll_s = poll_s
        self._queue_size = queue_size
        self._hubs: dict[str, Hub] = {}

    def deliver(self, event: LiveEvent) -> None:
        """The bus's receiver: hand the event to its department's hub, if any."""
        hub = self._hubs.get(event.department_id)
        if hub is not None:
            hub.receive(event)

    async def subscribe(
        self, department_id: str, *, incident_id: str | None
    ) -> tuple[Hub, Subscriber]:
        """Join the department's hub once it knows where the sequence stands."""
        hub = self._hubs.get(department_id)
        if hub is None:
            hub = Hub(department_id, self._sessions, poll_s=self._poll_s)
            self._hubs[department_id] = hub
        subscriber = Subscriber(incident_id=incident_id, limit=self._queue_size)
        hub.subscribers.add(subscriber)
        try:
            await hub.ready.wait()
        except BaseException:
            await self.unsubscribe(hub, subscriber)
            raise
        return hub, subscriber

    async def unsubscribe(self, hub: Hub, subscriber: Subscriber) -> None:
        hub.subscribers.discard(subscriber)
        if not hub.subscribers and self._hubs.get(hub.department_id) is hub:
            del self._hubs[hub.department_id]
            await hub.close()

    async def close(self) -> None:
        """Stop every hub; their subscribers see the end of their stream."""
        hubs, self._hubs = list(self._hubs.values()), {}
        for hub in hubs:
            await hub.close()
