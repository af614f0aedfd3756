"""Reply routes: signed posts from email, SMS and chat gateways, and in-app
replies to a message. Both may acknowledge the assignment a page asked about."""

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from muster.core import clock
from muster.core.http import SessionDep, SettingsDep
from muster.dispatch import replies
from muster.messaging import inbound
from muster.messaging import service as message_service
from muster.messaging.schemas import (
    Channel,
    InboundChannel,
    InboundMessage,
    ReplyCreate,
    ReplyOutcome,
)
from muster.messaging.signing import (
    ENDPOINT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from muster.org.deps import Reader

router = APIRouter(tags=["messaging"])


def _parse(body: bytes) -> InboundMessage:
    try:
        return InboundMessage.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


@router.post("/inbound/{channel}")
async def receive_inbound(
    channel: InboundChannel,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> ReplyOutcome:
    """A reply relayed by a gateway, signed like outbound webhooks."""
    body = await request.body()
    if len(body) > settings.inbound_max_bytes:
        raise HTTPException(
            413, f"inbound messages are limited to {settings.inbound_max_bytes} bytes"
        )
    post = inbound.SignedPost(
        endpoint_id=request.headers.get(ENDPOINT_HEADER, ""),
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        body=body,
    )
    gateway = await inbound.authenticate_gateway(
        session, channel=Channel(channel), post=post, now=clock.now()
    )
    data = _parse(body)
    reply = inbound.Reply(
        channel=Channel(channel),
        text=data.text,
        sender=data.sender,
        reference=data.reference,
        subject=data.subject,
    )
    received = await inbound.receive(
        session, department_id=gateway.department_id, reply=reply
    )
    return await replies.answer(session, received=received)


@router.post("/messages/{message_id}/replies")
async def reply_to_message(
    message_id: str,
    body: ReplyCreate,
    principal: Reader,
    session: SessionDep,
) -> ReplyOutcome:
    """An in-app reply by the caller to a message they can see."""
    await message_service.get_message(
        session, department_id=principal.department_id, message_id=message_id
    )
    reply = inbound.Reply(
        channel=Channel.IN_APP,
        text=body.text,
        member_id=principal.member_id,
        message_id=message_id,
    )
    received = await inbound.receive(
        session, department_id=principal.department_id, reply=reply
    )
    return await replies.answer(session, received=received)
