"""A department's notification endpoints and its members' contact methods."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, PermissionDenied, field_error
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.messaging.errors import ContactMethodNotFound, EndpointNotFound
from muster.messaging.models import ContactMethod
from muster.messaging.models import NotificationEndpoint as Endpoint
from muster.messaging.schemas import (
    ContactMethodCreate,
    EndpointCreate,
    EndpointKind,
    EndpointUpdate,
)
from muster.messaging.signing import new_secret
from muster.org import service as org_service

_SIGNED = frozenset({EndpointKind.WEBHOOK, EndpointKind.GATEWAY})


async def create_endpoint(
    session: AsyncSession, *, ctx: Context, data: EndpointCreate
) -> Endpoint:
    """Add an endpoint; webhooks and gateways get a fresh signing secret.

    Raises ``ValidationFailed`` for a station of another department.
    """
    if data.station_id is not None:
        try:
            await org_service.get_station(
                session, department_id=ctx.department_id, station_id=data.station_id
            )
        except NotFound as exc:
            raise field_error(
                "station_id", f"unknown station {data.station_id}"
            ) from exc
    endpoint = Endpoint(
        department_id=ctx.department_id,
        kind=data.kind,
        channel=data.channel,
        name=data.name,
        target=data.target,
        secret=new_secret() if data.kind in _SIGNED else None,
        station_id=data.station_id,
        is_enabled=True,
        created_at=clock.now(),
    )
    session.add(endpoint)
    await session.flush()
    await _record(session, ctx, "endpoint.created", endpoint)
    return endpoint


async def _record(
    session: AsyncSession, ctx: Context, kind: str, endpoint: Endpoint
) -> None:
    await event_service.append(
        session,
        ctx=ctx,
        kind=kind,
        data={
            "endpoint_id": endpoint.id,
            "kind": endpoint.kind,
            "channel": endpoint.channel,
            "name": endpoint.name,
            "is_enabled": endpoint.is_enabled,
        },
    )


async def get_endpoint(
    session: AsyncSession, *, department_id: str, endpoint_id: str
) -> Endpoint:
    endpoint = await session.scalar(
        select(Endpoint).where(
            Endpoint.id == endpoint_id, Endpoint.department_id == department_id
        )
    )
    if endpoint is None:
        raise EndpointNotFound(f"no endpoint {endpoint_id}", endpoint_id=endpoint_id)
    return endpoint


async def list_endpoints(
    session: AsyncSession, *, department_id: str
) -> Sequence[Endpoint]:
    query = (
        select(Endpoint)
        .where(Endpoint.department_id == department_id)
        .order_by(Endpoint.created_at, Endpoint.id)
    )
    return (await session.scalars(query)).all()


async def update_endpoint(
    session: AsyncSession, *, ctx: Context, endpoint_id: str, data: EndpointUpdate
) -> Endpoint:
    endpoint = await get_endpoint(
        session, department_id=ctx.department_id, endpoint_id=endpoint_id
    )
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(endpoint, name, value)
    await session.flush()
    await _record(session, ctx, "endpoint.updated", endpoint)
    return endpoint


async def delete_endpoint(
    session: AsyncSession, *, ctx: Context, endpoint_id: str
) -> None:
    """Disable an endpoint for good: its deliveries keep pointing at it."""
    endpoint = await get_endpoint(
        session, department_id=ctx.department_id, endpoint_id=endpoint_id
    )
    endpoint.is_enabled = False
    endpoint.secret = None
    await session.flush()
    await _record(session, ctx, "endpoint.removed", endpoint)


# Contact methods ----------------------------------------------------------------------


async def _check_member(
    session: AsyncSession, ctx: Context, member_id: str, *, may_manage: bool
) -> None:
    if member_id != ctx.actor.id and not may_manage:
        raise PermissionDenied("only the member or an administrator may do this")
    await org_service.get_member(
        session, department_id=ctx.department_id, member_id=member_id
    )


async def add_contact_method(
    session: AsyncSession,
    *,
    ctx: Context,
    member_id: str,
    data: ContactMethodCreate,
    may_manage: bool,
) -> ContactMethod:
    """Add a channel a member wants messages on (their own, or as an admin)."""
    await _check_member(session, ctx, member_id, may_manage=may_manage)
    method = ContactMethod(
        department_id=ctx.department_id,
        member_id=member_id,
        channel=data.channel,
        address=data.address,
        is_enabled=True,
        created_at=clock.now(),
    )
    session.add(method)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="member.contact_added",
        data={"member_id": member_id, "contact_id": method.id, "channel": data.channel},
    )
    return method


async def list_contact_methods(
    session: AsyncSession, *, ctx: Context, member_id: str, may_manage: bool
) -> Sequence[ContactMethod]:
    await _check_member(session, ctx, member_id, may_manage=may_manage)
    query = (
        select(ContactMethod)
        .where(
            ContactMethod.department_id == ctx.department_id,
            ContactMethod.member_id == member_id,
        )
        .order_by(ContactMethod.created_at, ContactMethod.id)
    )
    return (await session.scalars(query)).all()


async def remove_contact_method(
    session: AsyncSession, *, ctx: Context, contact_id: str, may_manage: bool
) -> None:
    """Stop using a contact method (kept, disabled, so old deliveries read well)."""
    method = await session.scalar(
        select(ContactMethod).where(
            ContactMethod.id == contact_id,
            ContactMethod.department_id == ctx.department_id,
        )
    )
    if method is None:
        raise ContactMethodNotFound(f"no contact method {contact_id}")
    await _check_member(session, ctx, method.member_id, may_manage=may_manage)
    method.is_enabled = False
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="member.contact_removed",
        data={"member_id": method.member_id, "contact_id": method.id},
    )
