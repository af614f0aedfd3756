"""A client's department stream: what it missed from the log, then live events.

Every event after the client's starting point is delivered once, in sequence
order. The subscription is taken before the log is read, so an event committed
while the backlog is being read is either in the read or in the queue; a
repeat is recognised by its sequence number. A client that fell behind (its
queue overflowed) reads the log again from its last event.
"""

import asyncio
import logging
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core.errors import PermissionDenied, Unauthenticated, ValidationFailed
from muster.events import service as event_service
from muster.events.bus import VOLATILE_SEQ, LiveEvent, live_event_of_row
from muster.incidents import service as incident_service
from muster.live.hub import LOG_BATCH, Hub, Hubs, Subscriber
from muster.org import service as org_service
from muster.org.principal import Principal
from muster.org.roles import Permission

logger = logging.getLogger(__name__)


async def authorize_stream(
    sessions: async_sessionmaker[AsyncSession],
    *,
    token: str | None,
    since: int | None,
    incident_id: str | None,
) -> Principal:
    """The caller, if they may read the stream they asked for.

    Uses a session of its own that is closed before streaming starts, so a
    long-lived stream holds no database connection. Raises ``Unauthenticated``,
    ``PermissionDenied``, ``IncidentNotFound`` (another department's incident
    too) and ``ValidationFailed`` (``since`` past the department's last event).

    A token revoked or expiring later ends the stream at the next check (see
    ``keep_authenticated``).
    """
    if token is None:
        raise Unauthenticated(
            "send Authorization: Bearer <token> or the access_token query parameter"
        )
    async with sessions() as session:
        principal = await org_service.authenticate(session, token)
        if not principal.can(Permission.READ):
            raise PermissionDenied(f"your roles do not allow {Permission.READ}")
        if incident_id is not None:
            await incident_service.get_incident(
                session, department_id=principal.department_id, incident_id=incident_id
            )
        if since is not None:
            await _check_since(session, principal.department_id, since)
    return principal


async def _check_since(session: AsyncSession, department_id: str, since: int) -> None:
    last = await event_service.last_seq(session, department_id=department_id)
    if since > last:
        message = f"the department's last event is {last}; since cannot be later"
        raise ValidationFailed(
            message, errors=[{"loc": ["query", "since"], "msg": message}]
        )


class Stream:
    """Use as ``async with``; then call ``next_batch`` until it returns ``None``."""

    def __init__(
        self,
        hubs: Hubs,
        sessions: async_sessionmaker[AsyncSession],
        *,
        department_id: str,
        incident_id: str | None,
        since: int | None,
    ) -> None:
        self._hubs = hubs
        self._sessions = sessions
        self._department_id = department_id
        self._incident_id = incident_id
        self._since = since
        self._last = 0
        self._reading_log = False
        self._subscription: tuple[Hub, Subscriber] | None = None
        self.revoked = False

    async def __aenter__(self) -> Self:
        hub, subscriber = await self._hubs.subscribe(
            self._department_id, incident_id=self._incident_id
        )
        self._subscription = hub, subscriber
        # Everything after hub.last_seq reaches the queue; the log has the rest.
        start = hub.last_seq
        self._last = start if self._since is None else self._since
        self._reading_log = self._last < start
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._subscription is not None:
            await self._hubs.unsubscribe(*self._subscription)
            self._subscription = None

    def close(self) -> None:
        """End the stream: the pending or next ``next_batch`` returns ``None``."""
        if self._subscription is not None:
            self._subscription[1].close()

    async def next_batch(self, timeout: float | None = None) -> list[LiveEvent] | None:
        """The next events in order; ``[]`` when idle ``timeout`` s; ``None`` at end."""
        subscriber = self._subscriber()
        while True:
            if self._reading_log:
                batch = await self._read_log()
                if batch:
                    return batch
                continue
            items = await self._take(subscriber, timeout)
            if items is None:
                return None
            if subscriber.take_overflow():
                # Events were dropped; those taken may follow a gap. The log has all.
                self._reading_log = True
                continue
            fresh = [
                event
                for event in items
                if event.seq == VOLATILE_SEQ or event.seq > self._last
            ]
            if fresh or not items:
                self._last = max([self._last, *(e.seq for e in fresh)])
                return fresh

    def _subscriber(self) -> Subscriber:
        if self._subscription is None:
            raise RuntimeError("use the stream inside `async with`")
        return self._subscription[1]

    async def _take(
        self, subscriber: Subscriber, timeout: float | None
    ) -> list[LiveEvent] | None:
        if timeout is None:
            items = await subscriber.take()
        else:
            try:
                async with asyncio.timeout(timeout):
                    items = await subscriber.take()
            except TimeoutError:
                return []
        if not items and subscriber.closed:
            return None
        return items

    async def _read_log(self) -> list[LiveEvent]:
        async with self._sessions() as session:
            if self._incident_id is None:
                rows = await event_service.list_events(
                    session,
                    department_id=self._department_id,
                    after_seq=self._last,
                    limit=LOG_BATCH,
                )
            else:
                rows = await event_service.list_incident_events(
                    session,
                    department_id=self._department_id,
                    incident_id=self._incident_id,
                    after_seq=self._last,
                    limit=LOG_BATCH,
                )
        if len(rows) < LOG_BATCH:
            self._reading_log = False
        batch = [live_event_of_row(row) for row in rows]
        if batch:
            self._last = batch[-1].seq
        return batch


async def keep_authenticated(
    sessions: async_sessionmaker[AsyncSession],
    stream: "Stream",
    *,
    token: str,
    every_s: float,
) -> None:
    """Check the stream's token every ``every_s`` seconds; end the stream (and
    set ``stream.revoked``) once it no longer authenticates: revoked, expired,
    or its member removed. A failed check for any other reason is retried."""
    while True:
        await asyncio.sleep(every_s)
        try:
            async with sessions() as session:
                await org_service.authenticate(session, token)
        except Unauthenticated:
            stream.revoked = True
            stream.close()
            return
        except Exception:
            logger.warning("live_reauth_failed", exc_info=True)
