"""JSON routes for messages, notification endpoints and contact methods."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from muster.core.http import SessionDep
from muster.messaging import endpoints as endpoint_service
from muster.messaging import service as message_service
from muster.messaging.models import ContactMethod, Delivery, Message
from muster.messaging.models import NotificationEndpoint as Endpoint
from muster.messaging.schemas import (
    Channel,
    ContactMethodCreate,
    ContactMethodList,
    ContactMethodRead,
    DeliveryRead,
    EndpointCreate,
    EndpointCreated,
    EndpointKind,
    EndpointList,
    EndpointRead,
    EndpointUpdate,
    MessageCreate,
    MessageList,
    MessageRead,
)
from muster.org.deps import Caller, Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission

router = APIRouter(tags=["messaging"])

Writer = Annotated[Principal, Depends(require(Permission.INCIDENT_WRITE))]
ChannelAdmin = Annotated[Principal, Depends(require(Permission.CHANNEL_MANAGE))]


def message_read(message: Message, deliveries: Sequence[Delivery]) -> MessageRead:
    return MessageRead(
        id=message.id,
        incident_id=message.incident_id,
        assignment_id=message.assignment_id,
        sender=message.sender,
        body=message.body,
        audience=message.audience,
        created_at=message.created_at,
        deliveries=[DeliveryRead.model_validate(d) for d in deliveries],
    )


def endpoint_read(endpoint: Endpoint) -> EndpointRead:
    return EndpointRead(
        id=endpoint.id,
        kind=EndpointKind(endpoint.kind),
        channel=Channel(endpoint.channel),
        name=endpoint.name,
        target=endpoint.target,
        station_id=endpoint.station_id,
        is_enabled=endpoint.is_enabled,
        has_secret=endpoint.secret is not None,
    )


@router.post("/messages", status_code=status.HTTP_201_CREATED)
async def send_message(
    body: MessageCreate, principal: Writer, session: SessionDep
) -> MessageRead:
    message = await message_service.send_message(
        session, ctx=principal.context, data=body
    )
    found = await message_service.get_message(
        session, department_id=principal.department_id, message_id=message.id
    )
    return message_read(*found)


@router.get("/messages/{message_id}")
async def read_message(
    message_id: str, principal: Reader, session: SessionDep
) -> MessageRead:
    found = await message_service.get_message(
        session, department_id=principal.department_id, message_id=message_id
    )
    return message_read(*found)


@router.get("/incidents/{incident_id}/messages")
async def list_incident_messages(
    incident_id: str,
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 200,
) -> MessageList:
    rows = await message_service.list_incident_messages(
        session,
        department_id=principal.department_id,
        incident_id=incident_id,
        limit=limit,
    )
    return MessageList(items=[message_read(m, d) for m, d in rows])


@router.post("/notification-endpoints", status_code=status.HTTP_201_CREATED)
async def create_endpoint(
    body: EndpointCreate, principal: ChannelAdmin, session: SessionDep
) -> EndpointCreated:
    endpoint = await endpoint_service.create_endpoint(
        session, ctx=principal.context, data=body
    )
    shown = endpoint_read(endpoint).model_dump()
    return EndpointCreated(**shown, secret=endpoint.secret)


@router.get("/notification-endpoints")
async def list_endpoints(principal: ChannelAdmin, session: SessionDep) -> EndpointList:
    found = await endpoint_service.list_endpoints(
        session, department_id=principal.department_id
    )
    return EndpointList(items=[endpoint_read(e) for e in found])


@router.get("/notification-endpoints/{endpoint_id}")
async def read_endpoint(
    endpoint_id: str, principal: ChannelAdmin, session: SessionDep
) -> EndpointRead:
    endpoint = await endpoint_service.get_endpoint(
        session, department_id=principal.department_id, endpoint_id=endpoint_id
    )
    return endpoint_read(endpoint)


@router.patch("/notification-endpoints/{endpoint_id}")
async def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, principal: ChannelAdmin, session: SessionDep
) -> EndpointRead:
    endpoint = await endpoint_service.update_endpoint(
        session, ctx=principal.context, endpoint_id=endpoint_id, data=body
    )
    return endpoint_read(endpoint)


@router.delete(
    "/notification-endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_endpoint(
    endpoint_id: str, principal: ChannelAdmin, session: SessionDep
) -> None:
    await endpoint_service.delete_endpoint(
        session, ctx=principal.context, endpoint_id=endpoint_id
    )


def _contact_read(method: ContactMethod) -> ContactMethodRead:
    return ContactMethodRead.model_validate(method)


@router.post("/members/{member_id}/contact-methods", status_code=201)
async def add_contact_method(
    member_id: str, body: ContactMethodCreate, principal: Caller, session: SessionDep
) -> ContactMethodRead:
    method = await endpoint_service.add_contact_method(
        session,
        ctx=principal.context,
        member_id=member_id,
        data=body,
        may_manage=principal.can(Permission.MEMBER_MANAGE),
    )
    return _contact_read(method)


@router.get("/members/{member_id}/contact-methods")
async def list_contact_methods(
    member_id: str, principal: Caller, session: SessionDep
) -> ContactMethodList:
    found = await endpoint_service.list_contact_methods(
        session,
        ctx=principal.context,
        member_id=member_id,
        may_manage=principal.can(Permission.MEMBER_MANAGE),
    )
    return ContactMethodList(items=[_contact_read(m) for m in found])


@router.delete("/contact-methods/{contact_id}", status_code=204)
async def remove_contact_method(
    contact_id: str, principal: Caller, session: SessionDep
) -> None:
    await endpoint_service.remove_contact_method(
        session,
        ctx=principal.context,
        contact_id=contact_id,
        may_manage=principal.can(Permission.MEMBER_MANAGE),
    )
