"""Pages for dispatch: a unit's crew or a paged member, and the supervisor.

Dispatch calls these in its own transaction when it assigns, re-pages or
escalates. A page carries the incident summary and how to answer; replies
quoting it acknowledge the assignment (see ``muster.messaging.inbound``).
"""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from muster.events.schemas import Context
from muster.incidents import service as incident_service
from muster.incidents.models import Incident
from muster.messaging import recipients
from muster.messaging import service as message_service
from muster.messaging.models import Message
from muster.messaging.schemas import Audience, Page
from muster.org.roles import Role
from muster.units import service as unit_service

REPLY_HELP = "Reply 1 responding, 2 declined."

logger = logging.getLogger(__name__)


def _summary(incident: Incident) -> str:
    where = incident.address or f"{incident.lat:.5f}, {incident.lon:.5f}"
    kind = incident.incident_type.name
    return f"{kind} {incident.number} at {where}: {incident.description}"


async def _unit_crew(session: AsyncSession, page: Page) -> tuple[str, list[str], str]:
    if page.unit_id is None:
        return "", [], ""
    unit = await unit_service.get_unit(
        session,
        department_id=page.unit_department_id or "",
        unit_id=page.unit_id,
    )
    crew = await recipients.crew(
        session, department_id=unit.department_id, station_id=unit.station_id
    )
    return unit.name, crew, unit.station_id or ""


async def page_assignment(
    session: AsyncSession, *, ctx: Context, page: Page
) -> Message | None:
    """Page an assignment: the unit's crew (active members whose home station
    is the unit's) or the assigned member. Returns ``None``, writing nothing,
    when nobody can be reached."""
    incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=page.incident_id
    )
    unit_name, member_ids, station_id = await _unit_crew(session, page)
    if page.member_id is not None:
        member_ids = sorted({*member_ids, page.member_id})
    again = "" if page.attempt <= 1 else f"Page {page.attempt}: "
    sent_to = f" {unit_name} is dispatched." if unit_name else ""
    draft = message_service.Draft(
        body=f"{again}{_summary(incident)}.{sent_to} {REPLY_HELP}",
        member_ids=member_ids,
        audience={"assignment_id": page.assignment_id, "members": member_ids},
        incident_id=incident.id,
        assignment_id=page.assignment_id,
        station_ids=[station_id] if station_id else [],
        extra={"page": page.attempt, "unit_id": page.unit_id},
    )
    message = await message_service.create(session, ctx=ctx, draft=draft)
    if message is None:
        logger.info("page_reached_nobody", extra={"assignment_id": page.assignment_id})
    return message


async def alert_supervisor(
    session: AsyncSession, *, ctx: Context, incident_id: str, text: str
) -> Message | None:
    """Tell the incident's owner, or without one every supervisor, ``text``."""
    incident = await incident_service.get_incident(
        session, department_id=ctx.department_id, incident_id=incident_id
    )
    audience = (
        Audience(members=[incident.owner_id])
        if incident.owner_id is not None
        else Audience(roles=[Role.SUPERVISOR])
    )
    member_ids = await recipients.resolve(
        session, department_id=ctx.department_id, audience=audience, incident_id=None
    )
    draft = message_service.Draft(
        body=f"{_summary(incident)}. {text}",
        member_ids=member_ids,
        audience=audience.model_dump(mode="json"),
        incident_id=incident.id,
    )
    return await message_service.create(session, ctx=ctx, draft=draft)
