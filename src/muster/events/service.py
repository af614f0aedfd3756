"""Appending events, reading them back and verifying the hash chain.

An event is appended in the same transaction as the change it records. The
department's head row is locked by the append (``UPDATE ... RETURNING``, which
also reads the previous event's hash), so sequence numbers are gap-free and
the chain is linear even under concurrent writers; the lock is released at
commit. The two statements of an append are built once: intake appends an
event per call, so their construction cost would otherwise show.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, cast

from pydantic_core import to_jsonable_python
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.ids import new_id
from muster.events.errors import ChainHeadMissing
from muster.events.models import GENESIS_HASH, Event, EventHead
from muster.events.publisher import capture
from muster.events.schemas import ChainReport, Context, EventContent

_VERIFY_BATCH = 2000
_CONTENT_FIELDS = tuple(field.name for field in fields(EventContent))

_events = cast(Table, Event.__table__)
_heads = cast(Table, EventHead.__table__)
_previous_hash = (
    select(_events.c.hash)
    .where(
        _events.c.department_id == bindparam("dept"),
        _events.c.seq == _heads.c.last_seq - 1,
    )
    .scalar_subquery()
)
_ADVANCE_HEAD = (
    update(_heads)
    .where(_heads.c.department_id == bindparam("dept"))
    .values(last_seq=_heads.c.last_seq + 1)
    .returning(_heads.c.last_seq, _previous_hash)
)
_INSERT_EVENT = insert(_events)


def _canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _fields(content: EventContent) -> dict[str, Any]:
    # Not dataclasses.asdict: that deep-copies the payload, on every append.
    return {name: getattr(content, name) for name in _CONTENT_FIELDS}


def compute_hash(content: EventContent, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the event's canonical JSON."""
    hashed = _fields(content)
    hashed["at"] = _canonical_time(content.at)
    body = json.dumps(
        hashed,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def content_of(event: Event) -> EventContent:
    """The hashed fields of a stored event."""
    return EventContent(
        department_id=event.department_id,
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor=event.actor,
        kind=event.kind,
        incident_id=event.incident_id,
        data=event.data,
    )


async def create_chain(session: AsyncSession, *, department_id: str) -> None:
    """Start an empty chain for a new department."""
    session.add(EventHead(department_id=department_id, last_seq=0))
    await session.flush()


async def append(
    session: AsyncSession,
    *,
    ctx: Context,
    kind: str,
    data: dict[str, Any],
    incident_id: str | None = None,
) -> EventContent:
    """Append one event to the department's chain and return what was hashed.

    Takes the department's head lock until the transaction ends. Raises
    ``ChainHeadMissing`` when the department has no chain. The event is
    published to live streams once the transaction commits.
    """
    connection = await session.connection()
    row = (
        await connection.execute(_ADVANCE_HEAD, {"dept": ctx.department_id})
    ).one_or_none()
    if row is None:
        raise ChainHeadMissing(f"department {ctx.department_id} has no event chain")
    seq, prev_hash = row[0], row[1] or GENESIS_HASH
    content = EventContent(
        department_id=ctx.department_id,
        seq=seq,
        at=clock.now(),
        actor_id=ctx.actor.id,
        actor=ctx.actor.name,
        kind=kind,
        incident_id=incident_id,
        data=to_jsonable_python(data),
    )
    digest = compute_hash(content, prev_hash)
    values = {
        "id": new_id(),
        "prev_hash": prev_hash,
        "hash": digest,
        **_fields(content),
    }
    await connection.execute(_INSERT_EVENT, values)
    capture(session, content)
    return content


async def list_incident_events(
    session: AsyncSession,
    *,
    department_id: str,
    incident_id: str,
    after_seq: int = 0,
    limit: int = 1000,
) -> Sequence[Event]:
    """Events of one incident in sequence order, after ``after_seq``."""
    query = (
        select(Event)
        .where(
            Event.department_id == department_id,
            Event.incident_id == incident_id,
            Event.seq > after_seq,
        )
        .order_by(Event.seq)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def list_events(
    session: AsyncSession, *, department_id: str, after_seq: int = 0, limit: int = 1000
) -> Sequence[Event]:
    """A department's events in sequence order, after ``after_seq``."""
    query = (
        select(Event)
        .where(Event.department_id == department_id, Event.seq > after_seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def last_seq(session: AsyncSession, *, department_id: str) -> int:
    """The department's last committed sequence number (0 for an empty chain).

    Raises ``ChainHeadMissing`` when the department has no chain.
    """
    query = select(EventHead.last_seq).where(EventHead.department_id == department_id)
    found = await session.scalar(query)
    if found is None:
        raise ChainHeadMissing(f"department {department_id} has no event chain")
    return int(found)


def _check_event(event: Event, *, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {event.seq}"
    if event.prev_hash != prev_hash:
        return "previous hash does not match the preceding event"
    recomputed = compute_hash(content_of(event), event.prev_hash)
    if recomputed != event.hash:
        return "content does not match its hash"
    return None


@dataclass(slots=True)
class _Walk:
    """Where a walk along the chain has got to."""

    department_id: str
    expected: int
    prev_hash: str
    checked: int = 0

    def broken(
        self, reason: str, *, event: Event | None = None, seq: int | None = None
    ) -> ChainReport:
        """The report of a break at ``event`` (or at ``seq``, or where the
        walk has got to, for an event that is missing)."""
        return ChainReport(
            self.department_id,
            self.checked,
            ok=False,
            broken_seq=event.seq if event is not None else seq or self.expected,
            broken_event_id=event.id if event is not None else None,
            reason=reason,
        )


async def _walk(
    session: AsyncSession, walk: _Walk, *, until_seq: int | None
) -> ChainReport | None:
    """Check events from ``walk.expected`` on (through ``until_seq``, or to the
    end); the report of the first broken link, or ``None`` if all hold."""
    while until_seq is None or walk.expected <= until_seq:
        batch = await list_events(
            session,
            department_id=walk.department_id,
            after_seq=walk.expected - 1,
            limit=_VERIFY_BATCH,
        )
        for event in batch:
            if until_seq is not None and event.seq > until_seq:
                return None
            reason = _check_event(
                event, expected_seq=walk.expected, prev_hash=walk.prev_hash
            )
            if reason is not None:
                return walk.broken(reason, event=event)
            walk.prev_hash, walk.expected = event.hash, walk.expected + 1
            walk.checked += 1
        if len(batch) < _VERIFY_BATCH:
            break
    return None


async def verify_chain(session: AsyncSession, *, department_id: str) -> ChainReport:
    """Walk the chain in order and report the first broken link, if any.

    Checks gap-free sequence numbers, each link to the previous hash, each
    event's own hash, and that the head matches the last event (so deleting
    the newest events is detected too).
    """
    head = await session.get(EventHead, department_id)
    if head is None:
        raise ChainHeadMissing(f"department {department_id} has no event chain")
    walk = _Walk(department_id, expected=1, prev_hash=GENESIS_HASH)
    failure = await _walk(session, walk, until_seq=None)
    if failure is not None:
        return failure
    if head.last_seq != walk.checked:
        return walk.broken(f"head says {head.last_seq} events; {walk.checked} found")
    return ChainReport(department_id, walk.checked, ok=True)


async def verify_span(
    session: AsyncSession, *, department_id: str, from_seq: int, to_seq: int
) -> ChainReport:
    """Check the chain from ``from_seq`` through ``to_seq`` and its links at both
    ends: the first event's link to the one before it, and the next event's
    link to the last (when there is a next one).

    Each event gets the checks of a full walk; the report counts the events
    checked. Raises ``ChainHeadMissing``.
    """
    head_seq = await last_seq(session, department_id=department_id)
    walk = _Walk(department_id, expected=from_seq, prev_hash=GENESIS_HASH)
    if head_seq < to_seq:
        return walk.broken(
            f"head says {head_seq} events; {to_seq} expected", seq=head_seq + 1
        )
    if from_seq > 1:
        before = await session.scalar(
            select(Event.hash).where(
                Event.department_id == department_id, Event.seq == from_seq - 1
            )
        )
        if before is None:
            return walk.broken(f"event {from_seq - 1} is missing", seq=from_seq - 1)
        walk.prev_hash = before
    until = min(to_seq + 1, head_seq)
    failure = await _walk(session, walk, until_seq=until)
    if failure is not None:
        return failure
    if walk.expected <= until:
        return walk.broken(f"events up to {until} are missing")
    return ChainReport(department_id, walk.checked, ok=True)
