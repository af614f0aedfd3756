"""Mutual aid inside one instance: links between departments and requests for units.

A link is granted by the department that lends: "``department_id`` may ask
``partner_id`` for units" is created by ``partner_id``'s administrator, since
only a department can promise its own units. Either side may end it.

When the asking department falls short, the recommender also ranks its
partners' available units. Assigning one commits the unit at once (so neither
department can promise it twice) and records a request that the lending
department accepts or declines; until then the assignment is ``requested``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, field_error
from muster.core.pagination import PageRequest, keyset_page
from muster.dispatch.errors import (
    AidRequestAnswered,
    AidRequestNotFound,
    AlreadyLinked,
    LinkNotFound,
)
from muster.dispatch.models import Assignment, DepartmentLink, MutualAidRequest
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.org.models import Department
from muster.units.models import Unit

EXPIRE_JOB = "mutual_aid.expire"


class AidStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


# Links --------------------------------------------------------------------------------


async def _link_event(
    session: AsyncSession, ctx: Context, link: DepartmentLink, kind: str
) -> None:
    data = {
        "link_id": link.id,
        "department_id": link.department_id,
        "partner_id": link.partner_id,
    }
    for department_id in (link.partner_id, link.department_id):
        await event_service.append(
            session, ctx=Context(department_id, ctx.actor), kind=kind, data=data
        )


async def grant(session: AsyncSession, *, ctx: Context, slug: str) -> DepartmentLink:
    """Let the department ``slug`` ask the caller's department for units."""
    try:
        asker = await org_service.get_department_by_slug(session, slug)
    except NotFound as exc:
        raise field_error("department", f"unknown department {slug}") from exc
    if asker.id == ctx.department_id:
        raise field_error("department", "a department cannot lend to itself")
    existing = await session.scalar(
        select(DepartmentLink).where(
            DepartmentLink.department_id == asker.id,
            DepartmentLink.partner_id == ctx.department_id,
        )
    )
    if existing is not None:
        raise AlreadyLinked(f"{slug} may already ask for units", link_id=existing.id)
    link = DepartmentLink(
        department_id=asker.id, partner_id=ctx.department_id, created_at=clock.now()
    )
    session.add(link)
    await session.flush()
    await _link_event(session, ctx, link, "mutual_aid.linked")
    return link


async def _visible_link(
    session: AsyncSession, department_id: str, link_id: str
) -> DepartmentLink:
    link = await session.scalar(
        select(DepartmentLink).where(
            DepartmentLink.id == link_id,
            or_(
                DepartmentLink.department_id == department_id,
                DepartmentLink.partner_id == department_id,
            ),
        )
    )
    if link is None:
        raise LinkNotFound(f"no mutual-aid link {link_id}")
    return link


async def revoke(session: AsyncSession, *, ctx: Context, link_id: str) -> None:
    """End a link (either side may); requests already made stay answerable."""
    link = await _visible_link(session, ctx.department_id, link_id)
    await _link_event(session, ctx, link, "mutual_aid.unlinked")
    await session.delete(link)
    await session.flush()


async def list_links(
    session: AsyncSession, *, department_id: str
) -> Sequence[DepartmentLink]:
    query = (
        select(DepartmentLink)
        .where(
            or_(
                DepartmentLink.department_id == department_id,
                DepartmentLink.partner_id == department_id,
            )
        )
        .order_by(DepartmentLink.created_at, DepartmentLink.id)
    )
    return (await session.scalars(query)).all()


async def departments(session: AsyncSession, ids: set[str]) -> dict[str, Department]:
    if not ids:
        return {}
    rows = await session.scalars(select(Department).where(Department.id.in_(ids)))
    return {department.id: department for department in rows}


async def partners_of(session: AsyncSession, department_id: str) -> list[str]:
    """The departments that let ``department_id`` ask them for units."""
    query = (
        select(DepartmentLink.partner_id)
        .where(DepartmentLink.department_id == department_id)
        .order_by(DepartmentLink.partner_id)
    )
    return list((await session.scalars(query)).all())


async def partner_unit(
    session: AsyncSession, *, department_id: str, unit_id: str
) -> Unit | None:
    """A unit of a department that lends to ``department_id``, if ``unit_id`` is one."""
    return await session.scalar(
        select(Unit)
        .join(DepartmentLink, DepartmentLink.partner_id == Unit.department_id)
        .where(Unit.id == unit_id, DepartmentLink.department_id == department_id)
    )


# Requests -----------------------------------------------------------------------------


async def open_request(
    session: AsyncSession, *, ctx: Context, assignment: Assignment, unit: Unit
) -> MutualAidRequest:
    """Record the request behind a ``requested`` assignment, on both records."""
    request = MutualAidRequest(
        department_id=assignment.department_id,
        provider_department_id=unit.department_id,
        incident_id=assignment.incident_id,
        unit_id=unit.id,
        assignment_id=assignment.id,
        status=AidStatus.PENDING,
        created_at=clock.now(),
    )
    session.add(request)
    await session.flush()
    data = request_data(request, unit_name=unit.name)
    await event_service.append(
        session,
        ctx=ctx,
        kind="mutual_aid.requested",
        incident_id=assignment.incident_id,
        data=data,
    )
    await event_service.append(
        session,
        ctx=Context(unit.department_id, ctx.actor),
        kind="mutual_aid.request_received",
        data=data,
    )
    return request


def request_data(request: MutualAidRequest, **extra: object) -> dict[str, object]:
    return {
        "request_id": request.id,
        "assignment_id": request.assignment_id,
        "incident_id": request.incident_id,
        "unit_id": request.unit_id,
        "department_id": request.department_id,
        "provider_department_id": request.provider_department_id,
        "status": request.status,
        **extra,
    }


async def get_request(
    session: AsyncSession, *, department_id: str, request_id: str, for_update: bool
) -> MutualAidRequest:
    """A request either side can see; the caller checks which side may act."""
    query = select(MutualAidRequest).where(
        MutualAidRequest.id == request_id,
        or_(
            MutualAidRequest.department_id == department_id,
            MutualAidRequest.provider_department_id == department_id,
        ),
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = await session.scalar(query)
    if request is None:
        raise AidRequestNotFound(f"no mutual-aid request {request_id}")
    return request


async def request_for(
    session: AsyncSession, assignment: Assignment
) -> MutualAidRequest | None:
    return await session.scalar(
        select(MutualAidRequest)
        .where(MutualAidRequest.assignment_id == assignment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def settle(
    request: MutualAidRequest, status: AidStatus, *, by: str | None, at: datetime
) -> None:
    """Record the answer; raises ``AidRequestAnswered`` if there already is one."""
    if request.status != AidStatus.PENDING:
        raise AidRequestAnswered(f"the request is already {request.status}")
    request.status, request.answered_at, request.answered_by = status, at, by


async def list_requests(
    session: AsyncSession,
    *,
    department_id: str,
    direction: Direction | None,
    status: AidStatus | None,
    page: PageRequest,
) -> tuple[list[MutualAidRequest], str | None]:
    """Requests made or received, oldest first, cursor-paged."""
    incoming = MutualAidRequest.provider_department_id == department_id
    outgoing = MutualAidRequest.department_id == department_id
    side = {Direction.INCOMING: incoming, Direction.OUTGOING: outgoing}
    query = select(MutualAidRequest).where(
        side[direction] if direction is not None else or_(incoming, outgoing)
    )
    if status is not None:
        query = query.where(MutualAidRequest.status == status)
    order = (MutualAidRequest.created_at, MutualAidRequest.id)
    return await keyset_page(session, query, order=order, page=page)


async def record_answer(
    session: AsyncSession,
    ctx: Context,
    request: MutualAidRequest,
    kind: str,
    **extra: object,
) -> None:
    """Put what became of a request on both departments' records."""
    data = request_data(request, **extra)
    await event_service.append(
        session,
        ctx=Context(request.department_id, ctx.actor),
        kind=kind,
        incident_id=request.incident_id,
        data=data,
    )
    await event_service.append(
        session,
        ctx=Context(request.provider_department_id, ctx.actor),
        kind=kind,
        data=data,
    )


@dataclass(frozen=True, slots=True)
class Labels:
    """What the people on either side call a request's incident and unit."""

    incidents: dict[str, str]
    units: dict[str, str]


async def labels(session: AsyncSession, requests: Sequence[MutualAidRequest]) -> Labels:
    incident_ids = {r.incident_id for r in requests}
    unit_ids = {r.unit_id for r in requests}
    incidents = await session.execute(
        select(Incident.id, Incident.number).where(Incident.id.in_(incident_ids))
    )
    units = await session.execute(
        select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))
    )
    return Labels(
        incidents={row.id: row.number for row in incidents},
        units={row.id: row.name for row in units},
    )
