"""Personnel status (what a member is doing) and staffing level (their readiness).

Both live on one ``personnel_status`` row per member and department, created on
the member's first report; each change appends an event, on the incident's
timeline when the member names one. It sits with units rather than in ``org``
because a status may name an incident, and ``org`` sits below incidents.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, field_error
from muster.core.pagination import PageRequest, decode_cursor, encode_cursor
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents import service as incident_service
from muster.org import service as org_service
from muster.org.models import Membership
from muster.units import position_service
from muster.units.models import PersonnelStatus
from muster.units.tracking_schemas import (
    MemberStaffingChange,
    MemberStatusChange,
    PersonnelStatusValue,
    PositionItem,
)


@dataclass(frozen=True, slots=True)
class Person:
    """A member's name beside their status row (``None`` before any report)."""

    member_id: str
    name: str
    status: PersonnelStatus | None


async def _locked_row(
    session: AsyncSession, ctx: Context, member_id: str
) -> PersonnelStatus:
    await position_service.ensure_personnel_rows(
        session, department_id=ctx.department_id, member_ids={member_id}
    )
    row = await session.scalar(
        select(PersonnelStatus)
        .where(
            PersonnelStatus.department_id == ctx.department_id,
            PersonnelStatus.member_id == member_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # noqa: S101 - ensured just above, in this transaction
    return row


async def _member_name(session: AsyncSession, ctx: Context, member_id: str) -> str:
    _, membership = await org_service.get_member(
        session, department_id=ctx.department_id, member_id=member_id
    )
    return membership.name


async def _check_incident(
    session: AsyncSession, department_id: str, incident_id: str | None
) -> None:
    if incident_id is None:
        return
    try:
        incident = await incident_service.get_incident(
            session, department_id=department_id, incident_id=incident_id
        )
    except NotFound as exc:
        raise field_error("incident_id", f"unknown incident {incident_id}") from exc
    incident_service.require_open(incident)


def _status_unchanged(
    row: PersonnelStatus, data: MemberStatusChange, eta_at: datetime | None
) -> bool:
    return (
        row.status == data.status
        and row.incident_id == data.incident_id
        and row.eta_at == eta_at
        and data.lat is None
    )


async def change_member_status(
    session: AsyncSession, *, ctx: Context, member_id: str, data: MemberStatusChange
) -> Person:
    """Record what a member is doing; a position given goes to their history too.

    Repeating the current status (same incident and ETA, no position) changes
    nothing, so devices may retry. Raises ``MemberNotFound``, ``ValidationFailed``
    for an unknown incident and ``IncidentClosed`` for a closed one.
    """
    name = await _member_name(session, ctx, member_id)
    await _check_incident(session, ctx.department_id, data.incident_id)
    row = await _locked_row(session, ctx, member_id)
    at = data.at or clock.now()
    eta_at = at + timedelta(seconds=data.eta_s) if data.eta_s is not None else None
    if _status_unchanged(row, data, eta_at):
        return Person(member_id, name, row)

    previous, previous_incident = row.status, row.incident_id
    row.status, row.status_at = data.status, at
    row.incident_id, row.eta_at = data.incident_id, eta_at
    row.updated_at = clock.now()
    await session.flush()
    if data.lat is not None and data.lon is not None:
        item = PositionItem.model_construct(
            unit_id=None, member_id=member_id, lat=data.lat, lon=data.lon, at=at
        )
        await position_service.report_positions(session, ctx=ctx, items=[item])
        await session.refresh(row)
    await _append(
        session,
        ctx,
        kind="member.status_changed",
        incident_id=data.incident_id or previous_incident,
        data={
            "member_id": member_id,
            "member": name,
            "from": previous,
            "to": data.status,
            "at": at,
            "eta_at": eta_at,
            "lat": data.lat,
            "lon": data.lon,
        },
    )
    return Person(member_id, name, row)


async def change_member_staffing(
    session: AsyncSession, *, ctx: Context, member_id: str, data: MemberStaffingChange
) -> Person:
    """Record a member's readiness; repeating the current level changes nothing.

    Raises ``MemberNotFound``.
    """
    name = await _member_name(session, ctx, member_id)
    row = await _locked_row(session, ctx, member_id)
    if row.level == data.level:
        return Person(member_id, name, row)

    previous, at = row.level, data.at or clock.now()
    row.level, row.level_at = data.level, at
    row.updated_at = clock.now()
    await session.flush()
    await _append(
        session,
        ctx,
        kind="member.staffing_changed",
        incident_id=None,
        data={
            "member_id": member_id,
            "member": name,
            "from": previous,
            "to": data.level,
            "at": at,
        },
    )
    return Person(member_id, name, row)


async def _append(
    session: AsyncSession,
    ctx: Context,
    *,
    kind: str,
    incident_id: str | None,
    data: dict[str, Any],
) -> None:
    await event_service.append(
        session, ctx=ctx, kind=kind, incident_id=incident_id, data=data
    )


async def list_personnel(
    session: AsyncSession,
    *,
    department_id: str,
    status: Sequence[PersonnelStatusValue] | None,
    page: PageRequest,
) -> tuple[list[Person], str | None]:
    """Active members in name order with their status, optionally of some statuses."""
    query = (
        select(Membership.member_id, Membership.name, PersonnelStatus)
        .outerjoin(
            PersonnelStatus,
            and_(
                PersonnelStatus.department_id == Membership.department_id,
                PersonnelStatus.member_id == Membership.member_id,
            ),
        )
        .where(
            Membership.department_id == department_id,
            Membership.is_active.is_(True),
        )
    )
    if status:
        query = query.where(PersonnelStatus.status.in_([str(s) for s in status]))
    if page.cursor:
        name, member_id = decode_cursor(page.cursor, size=2)
        query = query.where(
            (Membership.name > name)
            | ((Membership.name == name) & (Membership.member_id > member_id))
        )
    query = query.order_by(Membership.name, Membership.member_id)
    rows = (await session.execute(query.limit(page.limit + 1))).all()
    people = [Person(row[0], row[1], row[2]) for row in rows[: page.limit]]
    if len(rows) <= page.limit:
        return people, None
    return people, encode_cursor(people[-1].name, people[-1].member_id)


async def find_status(
    session: AsyncSession, *, department_id: str, member_id: str
) -> PersonnelStatus | None:
    """The member's status row, or ``None`` before they first report anything."""
    return await session.scalar(
        select(PersonnelStatus).where(
            PersonnelStatus.department_id == department_id,
            PersonnelStatus.member_id == member_id,
        )
    )
