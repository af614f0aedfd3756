"""Replies: checking a gateway's signature, matching a reply to the delivery it
answers, and recording it on the incident's timeline.

A reply is matched by the reference it quotes (``#abcd2345`` in an email
subject, or a gateway's ``reference`` field), else to the most recent
delivery of the member it comes from (by email address, phone number or a
contact method's address). "1", "yes", "responding" mean responding; "2",
"no", "declined" mean declined; anything else is a free-text reply.
Acknowledging the assignment a page asks about is dispatch's part.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.messaging import signing
from muster.messaging.errors import SignatureInvalid
from muster.messaging.models import ContactMethod, Delivery, Message
from muster.messaging.models import NotificationEndpoint as Endpoint
from muster.messaging.schemas import (
    Channel,
    DeliveryStatus,
    EndpointKind,
    ReplyIntent,
)
from muster.org.models import Member, Membership

_REFERENCE = re.compile(r"#([a-z0-9]{6,16})\b")
_WORD = re.compile(r"[a-z0-9]+")
_INTENTS = {
    "1": ReplyIntent.RESPONDING,
    "yes": ReplyIntent.RESPONDING,
    "y": ReplyIntent.RESPONDING,
    "responding": ReplyIntent.RESPONDING,
    "2": ReplyIntent.DECLINED,
    "no": ReplyIntent.DECLINED,
    "n": ReplyIntent.DECLINED,
    "declined": ReplyIntent.DECLINED,
    "decline": ReplyIntent.DECLINED,
}


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply as it arrived: on which channel, from whom, what it says."""

    channel: Channel
    text: str
    sender: str | None = None
    member_id: str | None = None
    reference: str | None = None
    subject: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """A recorded reply and what it answers, if anything could be matched."""

    ctx: Context
    intent: ReplyIntent | None
    delivery: Delivery | None
    message: Message | None


def parse_intent(text: str) -> ReplyIntent | None:
    """The answer a reply's first word gives, if it gives one."""
    first = _WORD.search(text.lower())
    return _INTENTS.get(first.group(0)) if first else None


def _quoted_reference(reply: Reply) -> str | None:
    if reply.reference:
        found = _REFERENCE.search(reply.reference.lower())
        return found.group(1) if found else reply.reference.strip().lower()
    for text in (reply.subject, reply.text):
        found = _REFERENCE.search((text or "").lower())
        if found:
            return found.group(1)
    return None


@dataclass(frozen=True, slots=True)
class SignedPost:
    """What a gateway sent: the raw body and the headers that sign it."""

    endpoint_id: str
    timestamp: str
    signature: str
    body: bytes


async def authenticate_gateway(
    session: AsyncSession, *, channel: Channel, post: SignedPost, now: datetime
) -> Endpoint:
    """The enabled inbound gateway for ``channel`` that signed ``post``.

    Raises ``SignatureInvalid`` (one message for every cause, so a prober
    learns nothing) for an unknown or disabled gateway, a stale timestamp or
    a signature that does not match.
    """
    endpoint = await session.scalar(
        select(Endpoint).where(
            Endpoint.id == post.endpoint_id,
            Endpoint.kind == EndpointKind.GATEWAY,
            Endpoint.channel == channel,
            Endpoint.is_enabled,
        )
    )
    valid = endpoint is not None and signing.is_valid(
        endpoint.secret or "",
        timestamp=post.timestamp,
        given=post.signature,
        body=post.body,
        now=now,
    )
    if endpoint is None or not valid:
        raise SignatureInvalid("the inbound signature does not check out")
    return endpoint


async def _member_by_address(
    session: AsyncSession, department_id: str, address: str
) -> str | None:
    address = address.strip().lower()
    if "@" in address:
        found = await session.scalar(
            select(Member.id)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.department_id == department_id, Member.email == address)
        )
        if found is not None:
            return found
    digits = re.sub(r"\D", "", address)
    if len(digits) >= 6:
        phones = await session.execute(
            select(Membership.member_id, Membership.phone).where(
                Membership.department_id == department_id,
                Membership.phone.is_not(None),
            )
        )
        for member_id, phone in phones:
            if re.sub(r"\D", "", phone or "").endswith(digits[-10:]):
                return str(member_id)
    return await session.scalar(
        select(ContactMethod.member_id).where(
            ContactMethod.department_id == department_id,
            ContactMethod.address == address,
        )
    )


async def _match(
    session: AsyncSession, department_id: str, reply: Reply, member_id: str | None
) -> Delivery | None:
    reference = _quoted_reference(reply)
    query = select(Delivery).where(Delivery.department_id == department_id)
    if reply.message_id is not None:
        # An in-app reply to a message: the member's own delivery of it.
        return await session.scalar(
            query.where(
                Delivery.message_id == reply.message_id,
                Delivery.member_id == member_id,
            )
            .order_by(Delivery.channel != Channel.IN_APP, Delivery.id)
            .limit(1)
        )
    if reference is not None:
        found = await session.scalar(query.where(Delivery.reference == reference))
        if found is not None:
            return found
    if member_id is None:
        return None
    open_statuses: Sequence[str] = (DeliveryStatus.SENT, DeliveryStatus.QUEUED)
    return await session.scalar(
        query.where(Delivery.member_id == member_id, Delivery.status.in_(open_statuses))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(1)
    )


async def _actor(
    session: AsyncSession, department_id: str, member_id: str | None, fallback: str
) -> Actor:
    if member_id is None:
        return Actor(name=fallback)
    name = await session.scalar(
        select(Membership.name).where(
            Membership.department_id == department_id,
            Membership.member_id == member_id,
        )
    )
    return Actor(id=member_id, name=name or fallback)


async def receive(
    session: AsyncSession, *, department_id: str, reply: Reply
) -> Received:
    """Match ``reply`` and record it (``message.received``, on the incident of
    the message it answers, if one was matched)."""
    member_id = reply.member_id
    if member_id is None and reply.sender:
        member_id = await _member_by_address(session, department_id, reply.sender)
    delivery = await _match(session, department_id, reply, member_id)
    if member_id is None and delivery is not None:
        member_id = delivery.member_id
    message_id = delivery.message_id if delivery is not None else reply.message_id
    message = await session.get(Message, message_id) if message_id else None
    actor = await _actor(session, department_id, member_id, reply.sender or "unknown")
    ctx = Context(department_id, actor)
    intent = parse_intent(reply.text)
    await event_service.append(
        session,
        ctx=ctx,
        kind="message.received",
        incident_id=message.incident_id if message else None,
        data={
            "channel": reply.channel,
            "member_id": member_id,
            "delivery_id": delivery.id if delivery else None,
            "message_id": message.id if message else None,
            "text": reply.text,
            "intent": intent,
        },
    )
    return Received(ctx=ctx, intent=intent, delivery=delivery, message=message)
