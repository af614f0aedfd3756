"""Sending messages: deliveries written with the message, sent by durable jobs.

A message and one delivery per recipient and channel are written in the
caller's transaction, with one job per outbound delivery, so nothing is lost
if the process stops before sending. In-app deliveries are the
``message.sent`` event itself (the live stream carries it) and are sent at
once. The job hands its delivery to a sender and marks it sent; a failure is
raised so the worker retries with back-off, and on the last attempt the
delivery is marked failed instead. Every state change is an event.
"""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, ValidationFailed, field_error
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.incidents import service as incident_service
from muster.jobs import service as job_service
from muster.jobs.models import Job
from muster.messaging import recipients
from muster.messaging.errors import MessageNotFound, SendFailed
from muster.messaging.models import Delivery, Message
from muster.messaging.models import NotificationEndpoint as Endpoint
from muster.messaging.schemas import Channel, DeliveryStatus, MessageCreate
from muster.messaging.senders import Outgoing, Senders

DELIVER_JOB = "messaging.deliver"
_REFERENCE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_REFERENCE_LENGTH = 8
_ERROR_LIMIT = 2000
SYSTEM = Actor.system("messaging")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Draft:
    """A message about to be written, with the members it reaches."""

    body: str
    member_ids: Sequence[str]
    audience: dict[str, Any]
    incident_id: str | None = None
    assignment_id: str | None = None
    station_ids: Sequence[str] = ()
    channels: frozenset[Channel] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def new_reference() -> str:
    """A short token for a delivery that replies quote back."""
    return "".join(
        secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH)
    )


async def send_message(
    session: AsyncSession, *, ctx: Context, data: MessageCreate
) -> Message:
    """Write a message to ``data.to`` and queue its deliveries.

    Raises ``ValidationFailed`` for an unknown incident, member or station,
    and when the audience reaches nobody on the channels asked for.
    """
    if data.incident_id is not None:
        await _check_incident(session, ctx.department_id, data.incident_id)
    member_ids = await recipients.resolve(
        session,
        department_id=ctx.department_id,
        audience=data.to,
        incident_id=data.incident_id,
    )
    draft = Draft(
        body=data.body,
        member_ids=member_ids,
        audience=data.to.model_dump(mode="json"),
        incident_id=data.incident_id,
        station_ids=data.to.stations,
        channels=frozenset(data.channels) if data.channels else None,
    )
    message = await create(session, ctx=ctx, draft=draft)
    if message is None:
        raise ValidationFailed(
            "the message reaches nobody",
            errors=[{"loc": ["body", "to"], "msg": "no recipient on these channels"}],
        )
    return message


async def _check_incident(
    session: AsyncSession, department_id: str, incident_id: str
) -> None:
    try:
        await incident_service.get_incident(
            session, department_id=department_id, incident_id=incident_id
        )
    except NotFound as exc:
        raise field_error("incident_id", f"unknown incident {incident_id}") from exc


async def create(
    session: AsyncSession, *, ctx: Context, draft: Draft
) -> Message | None:
    """Write the message, its deliveries and their jobs; ``None`` if it would
    reach nobody (nothing is written then). Appends ``message.sent``."""
    found = await recipients.routes(
        session,
        department_id=ctx.department_id,
        member_ids=draft.member_ids,
        station_ids=draft.station_ids,
    )
    routes = [r for r in found if draft.channels is None or r.channel in draft.channels]
    if not routes:
        return None
    now = clock.now()
    message = Message(
        department_id=ctx.department_id,
        incident_id=draft.incident_id,
        assignment_id=draft.assignment_id,
        sender_id=ctx.actor.id,
        sender=ctx.actor.name,
        body=draft.body,
        audience=draft.audience,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    deliveries = [_delivery(message, route) for route in routes]
    session.add_all(deliveries)
    await session.flush()
    for delivery in deliveries:
        if delivery.status == DeliveryStatus.QUEUED:
            await job_service.schedule(
                session,
                kind=DELIVER_JOB,
                due_at=now,
                payload={"delivery_id": delivery.id},
                department_id=ctx.department_id,
            )
    await _record_sent(session, ctx, message, deliveries, draft.extra)
    return message


def _delivery(message: Message, route: recipients.Route) -> Delivery:
    in_app = route.channel is Channel.IN_APP
    return Delivery(
        department_id=message.department_id,
        message_id=message.id,
        member_id=route.member_id,
        endpoint_id=route.endpoint_id,
        channel=route.channel,
        address=route.address,
        status=DeliveryStatus.SENT if in_app else DeliveryStatus.QUEUED,
        reference=new_reference(),
        attempts=1 if in_app else 0,
        created_at=message.created_at,
        sent_at=message.created_at if in_app else None,
    )


async def _record_sent(
    session: AsyncSession,
    ctx: Context,
    message: Message,
    deliveries: Sequence[Delivery],
    extra: dict[str, Any],
) -> None:
    in_app = [d.member_id for d in deliveries if d.channel == Channel.IN_APP]
    await event_service.append(
        session,
        ctx=ctx,
        kind="message.sent",
        incident_id=message.incident_id,
        data={
            "message_id": message.id,
            "assignment_id": message.assignment_id,
            "body": message.body,
            "recipients": in_app,
            "deliveries": len(deliveries),
            "channels": sorted({d.channel for d in deliveries}),
            **extra,
        },
    )
    logger.info(
        "message_sent",
        extra={"message_id": message.id, "deliveries": len(deliveries)},
    )


# Reading ------------------------------------------------------------------------------


async def get_message(
    session: AsyncSession, *, department_id: str, message_id: str
) -> tuple[Message, Sequence[Delivery]]:
    """The message and its deliveries. Raises ``MessageNotFound``."""
    message = await session.scalar(
        select(Message).where(
            Message.id == message_id, Message.department_id == department_id
        )
    )
    if message is None:
        raise MessageNotFound(f"no message {message_id}", message_id=message_id)
    deliveries = await session.scalars(
        select(Delivery)
        .where(Delivery.message_id == message.id)
        .order_by(Delivery.created_at, Delivery.id)
    )
    return message, deliveries.all()


async def list_incident_messages(
    session: AsyncSession, *, department_id: str, incident_id: str, limit: int
) -> list[tuple[Message, Sequence[Delivery]]]:
    """The incident's messages, oldest first, each with its deliveries."""
    await incident_service.get_incident(
        session, department_id=department_id, incident_id=incident_id
    )
    messages = (
        await session.scalars(
            select(Message)
            .where(Message.incident_id == incident_id)
            .order_by(Message.created_at, Message.id)
            .limit(limit)
        )
    ).all()
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.message_id.in_([m.id for m in messages]))
        .order_by(Delivery.created_at, Delivery.id)
    )
    by_message: dict[str, list[Delivery]] = {m.id: [] for m in messages}
    for delivery in rows:
        by_message[delivery.message_id].append(delivery)
    return [(m, by_message[m.id]) for m in messages]


async def list_member_messages(
    session: AsyncSession, *, department_id: str, member_id: str, limit: int
) -> Sequence[Message]:
    """The latest messages delivered (or being delivered) to a member, newest
    first, once each whatever the number of channels."""
    delivered_to = select(Delivery.message_id).where(Delivery.member_id == member_id)
    query = (
        select(Message)
        .where(Message.department_id == department_id, Message.id.in_(delivered_to))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


# Delivering ---------------------------------------------------------------------------


async def deliver(
    session: AsyncSession,
    *,
    delivery_id: str,
    senders: Senders,
    attempt: int,
) -> None:
    """Send one queued delivery and mark it sent (``delivery.sent``).

    A ``SendFailed`` propagates so the job is retried after a back-off; on the
    job's last attempt the delivery is marked failed (``delivery.failed``)
    instead. A delivery no longer queued is left alone.
    """
    # A job given up outside this handler (its worker died during the last
    # attempt, or the sender raised something unexpected) leaves the delivery
    # queued; ``sweep_abandoned`` fails it.
    delivery = await session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return
    ctx = Context(delivery.department_id, SYSTEM)
    delivery.attempts = attempt
    try:
        sender = senders.get(Channel(delivery.channel))
        if sender is None:
            raise SendFailed(f"no sender for channel {delivery.channel}")
        await sender.send(await _outgoing(session, delivery))
    except SendFailed as exc:
        if attempt < job_service.MAX_ATTEMPTS:
            raise
        await _mark(session, ctx, delivery, DeliveryStatus.FAILED, error=str(exc))
        return
    await _mark(session, ctx, delivery, DeliveryStatus.SENT)


async def sweep_abandoned(session: AsyncSession, *, limit: int = 500) -> int:
    """Fail queued deliveries whose job is finished; return how many.

    A finished job with its delivery still queued was given up by the worker
    without the handler's say (see ``deliver``). Its last error is kept.
    """
    query = (
        select(Delivery, Job.last_error)
        .join(
            Job,
            (Job.kind == DELIVER_JOB)
            & (Job.payload["delivery_id"].as_string() == Delivery.id),
        )
        .where(Delivery.status == DeliveryStatus.QUEUED, Job.done_at.is_not(None))
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    swept = 0
    for delivery, error in (await session.execute(query)).all():
        ctx = Context(delivery.department_id, SYSTEM)
        reason = f"given up without a result: {error or 'no error recorded'}"
        await _mark(session, ctx, delivery, DeliveryStatus.FAILED, error=reason)
        swept += 1
    return swept


async def _outgoing(session: AsyncSession, delivery: Delivery) -> Outgoing:
    message = await session.get_one(Message, delivery.message_id)
    number = None
    if message.incident_id is not None:
        incident = await incident_service.get_incident(
            session,
            department_id=message.department_id,
            incident_id=message.incident_id,
        )
        number = incident.number
    secret = None
    if delivery.endpoint_id is not None:
        secret = (await session.get_one(Endpoint, delivery.endpoint_id)).secret
    tag = (
        f"Muster {number} #{delivery.reference}"
        if number
        else (f"Muster #{delivery.reference}")
    )
    first_line = message.body.splitlines()[0][:120]
    return Outgoing(
        delivery_id=delivery.id,
        channel=Channel(delivery.channel),
        address=delivery.address,
        subject=f"[{tag}] {first_line}",
        text=message.body,
        payload=_webhook_payload(message, delivery, number),
        secret=secret,
    )


def _webhook_payload(
    message: Message, delivery: Delivery, number: str | None
) -> dict[str, Any]:
    return {
        "type": "message",
        "delivery_id": delivery.id,
        "reference": delivery.reference,
        "message_id": message.id,
        "department_id": message.department_id,
        "incident_id": message.incident_id,
        "incident_number": number,
        "assignment_id": message.assignment_id,
        "sender": message.sender,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


async def _mark(
    session: AsyncSession,
    ctx: Context,
    delivery: Delivery,
    status: DeliveryStatus,
    *,
    error: str | None = None,
) -> None:
    now = clock.now()
    delivery.status = status
    if status is DeliveryStatus.SENT:
        delivery.sent_at = now
    if status is DeliveryStatus.FAILED:
        delivery.failed_at, delivery.last_error = now, (error or "")[:_ERROR_LIMIT]
    if status is DeliveryStatus.ACKNOWLEDGED:
        delivery.acknowledged_at = now
    await session.flush()
    message = await session.get_one(Message, delivery.message_id)
    await event_service.append(
        session,
        ctx=ctx,
        kind=f"delivery.{status}",
        incident_id=message.incident_id,
        data={
            "delivery_id": delivery.id,
            "message_id": delivery.message_id,
            "channel": delivery.channel,
            "member_id": delivery.member_id,
            "endpoint_id": delivery.endpoint_id,
            "attempts": delivery.attempts,
            "error": delivery.last_error,
        },
    )
    level = logging.WARNING if status is DeliveryStatus.FAILED else logging.INFO
    logger.log(
        level,
        "delivery_state_changed",
        extra={"delivery_id": delivery.id, "status": str(status)},
    )


async def mark_acknowledged(
    session: AsyncSession, *, ctx: Context, delivery: Delivery
) -> None:
    """Record that the delivery's recipient answered (``delivery.acknowledged``)."""
    if delivery.status == DeliveryStatus.ACKNOWLEDGED:
        return
    await _mark(session, ctx, delivery, DeliveryStatus.ACKNOWLEDGED)
