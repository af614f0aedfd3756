"""Who a message reaches, and on which channels.

Recipients come from org's and units' tables, read here directly and only
read: members named, members whose home station is named, members holding a
role, and an incident's responders (the crews of units committed to it and
the members paged to it). Only active memberships of the department count.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import ValidationFailed
from muster.messaging.models import ContactMethod, Delivery, Message
from muster.messaging.models import NotificationEndpoint as Endpoint
from muster.messaging.schemas import Audience, Channel, EndpointKind
from muster.org.models import Membership, Station
from muster.units.models import Unit


@dataclass(frozen=True, slots=True)
class Route:
    """One delivery to make: a channel, an address, and whom it reaches."""

    channel: Channel
    address: str
    member_id: str | None = None
    endpoint_id: str | None = None


def _missing(
    kind: str, wanted: Sequence[str], found: set[str]
) -> list[dict[str, object]]:
    return [
        {"loc": ["body", "to", kind, index], "msg": f"unknown {kind[:-1]} {value}"}
        for index, value in enumerate(wanted)
        if value not in found
    ]


async def _known(
    session: AsyncSession, department_id: str, audience: Audience
) -> list[dict[str, object]]:
    members = set(
        (
            await session.scalars(
                select(Membership.member_id).where(
                    Membership.department_id == department_id,
                    Membership.member_id.in_(audience.members),
                )
            )
        ).all()
    )
    stations = set(
        (
            await session.scalars(
                select(Station.id).where(
                    Station.department_id == department_id,
                    Station.id.in_(audience.stations),
                )
            )
        ).all()
    )
    return _missing("members", audience.members, members) + _missing(
        "stations", audience.stations, stations
    )


async def resolve(
    session: AsyncSession,
    *,
    department_id: str,
    audience: Audience,
    incident_id: str | None,
) -> list[str]:
    """The member ids ``audience`` names, each once, in a stable order.

    Raises ``ValidationFailed`` naming unknown members and stations.
    """
    errors = await _known(session, department_id, audience)
    if errors:
        raise ValidationFailed("some recipients are unknown", errors=errors)
    rows = (
        await session.execute(
            select(Membership.member_id, Membership.station_id, Membership.roles).where(
                Membership.department_id == department_id, Membership.is_active
            )
        )
    ).all()
    named, stations, roles = (
        set(audience.members),
        set(audience.stations),
        set(audience.roles),
    )
    chosen = {
        member_id
        for member_id, station_id, member_roles in rows
        if member_id in named or station_id in stations or roles & set(member_roles)
    }
    if audience.incident_responders and incident_id is not None:
        chosen |= set(await responders(session, incident_id=incident_id))
    return sorted(chosen)


async def crew(
    session: AsyncSession, *, department_id: str, station_id: str | None
) -> list[str]:
    """Active members whose home station is ``station_id``."""
    if station_id is None:
        return []
    query = select(Membership.member_id).where(
        Membership.department_id == department_id,
        Membership.station_id == station_id,
        Membership.is_active,
    )
    return sorted((await session.scalars(query)).all())


async def responders(session: AsyncSession, *, incident_id: str) -> list[str]:
    """Crews of the units committed to the incident, and members paged to it."""
    units = (
        await session.execute(
            select(Unit.department_id, Unit.station_id).where(
                Unit.incident_id == incident_id
            )
        )
    ).all()
    found: set[str] = set()
    for department_id, station_id in units:
        found |= set(
            await crew(session, department_id=department_id, station_id=station_id)
        )
    paged = (
        select(Delivery.member_id)
        .join(Message, Message.id == Delivery.message_id)
        .where(
            Message.incident_id == incident_id,
            Message.assignment_id.is_not(None),
            Delivery.member_id.is_not(None),
        )
    )
    found |= {m for m in (await session.scalars(paged)).all() if m is not None}
    return sorted(found)


async def routes(
    session: AsyncSession,
    *,
    department_id: str,
    member_ids: Sequence[str],
    station_ids: Iterable[str],
) -> list[Route]:
    """In-app for every member, their enabled contact methods, and the
    department's outbound endpoints (all-department, or of a named station)."""
    found = [Route(Channel.IN_APP, "in-app", member_id=m) for m in member_ids]
    contacts = await session.scalars(
        select(ContactMethod)
        .where(
            ContactMethod.department_id == department_id,
            ContactMethod.member_id.in_(member_ids),
            ContactMethod.is_enabled,
        )
        .order_by(ContactMethod.member_id, ContactMethod.created_at)
    )
    found += [
        Route(Channel(c.channel), c.address, member_id=c.member_id) for c in contacts
    ]
    endpoints = await session.scalars(
        select(Endpoint)
        .where(
            Endpoint.department_id == department_id,
            Endpoint.kind != EndpointKind.GATEWAY,
            Endpoint.is_enabled,
            Endpoint.station_id.is_(None) | Endpoint.station_id.in_(list(station_ids)),
        )
        .order_by(Endpoint.created_at)
    )
    found += [
        Route(Channel(e.channel), e.target or "", endpoint_id=e.id) for e in endpoints
    ]
    return found
