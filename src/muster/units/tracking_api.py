"""JSON routes for position reports (AVL), personnel status and staffing.

Reporting needs ``unit_status`` (responders and device tokens narrowed to that
role have it). A member may report their own status and position; reporting
for someone else, or reading their track, needs ``incident_write``
(dispatchers, supervisors, admins).
"""

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from muster.core import clock
from muster.core.errors import PermissionDenied
from muster.core.http import PageDep, SessionDep, SettingsDep
from muster.org.deps import Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission
from muster.units import personnel_service, position_service
from muster.units import service as unit_service
from muster.units.personnel_service import Person
from muster.units.schemas import UnitRead, is_position_stale, unit_read
from muster.units.tracking_schemas import (
    HistoryQuery,
    HistoryWindow,
    MemberStaffingChange,
    MemberStatusChange,
    PersonnelList,
    PersonnelStatusValue,
    PersonRead,
    PositionBatch,
    PositionFix,
    PositionList,
    PositionOutcome,
    PositionRead,
    UnitStaffingChange,
)

router = APIRouter()

Reporter = Annotated[Principal, Depends(require(Permission.UNIT_STATUS))]


def _check_may_act_for(principal: Principal, member_ids: Iterable[str]) -> None:
    others = {m for m in member_ids if m != principal.member_id}
    if others and not principal.can(Permission.INCIDENT_WRITE):
        raise PermissionDenied("you may report and read only your own status")


def person_read(person: Person, *, stale_after_s: float) -> PersonRead:
    row = person.status
    location_at = row.location_at if row is not None else None
    return PersonRead(
        member_id=person.member_id,
        name=person.name,
        status=PersonnelStatusValue(row.status) if row and row.status else None,
        status_at=row.status_at if row else None,
        incident_id=row.incident_id if row else None,
        eta_at=row.eta_at if row else None,
        level=row.level if row else None,
        level_at=row.level_at if row else None,
        lat=row.lat if row else None,
        lon=row.lon if row else None,
        location_at=location_at,
        position_stale=is_position_stale(
            location_at, stale_after_s=stale_after_s, now=clock.now()
        ),
    )


# Positions -------------------------------------------------------------------------


@router.post("/locations", tags=["positions"])
async def report_positions(
    body: PositionBatch, principal: Reporter, session: SessionDep
) -> PositionOutcome:
    """Many reports at once: all stored, or (one bad report) none, 422 naming each."""
    _check_may_act_for(principal, (i.member_id for i in body.items if i.member_id))
    outcome = await position_service.report_positions(
        session, ctx=principal.context, items=body.items
    )
    return PositionOutcome(
        accepted=outcome.accepted,
        moved=outcome.moved,
        kept_in_history_only=outcome.kept_in_history_only,
    )


@router.post("/units/{unit_id}/locations", tags=["positions"])
async def report_unit_position(
    unit_id: str,
    body: PositionFix,
    principal: Reporter,
    session: SessionDep,
    settings: SettingsDep,
) -> UnitRead:
    """One unit's position; an older one than known goes to history only."""
    unit = await position_service.report_unit_position(
        session, ctx=principal.context, unit_id=unit_id, fix=body
    )
    return unit_read(unit, stale_after_s=settings.position_stale_s)


@router.get("/units/{unit_id}/locations", tags=["positions"])
async def unit_history(
    unit_id: str,
    principal: Reader,
    session: SessionDep,
    window: Annotated[HistoryWindow, Query()],
) -> PositionList:
    query = window.query(principal.department_id, unit_id=unit_id)
    return await _history(session, query)


@router.get("/members/{member_id}/locations", tags=["positions"])
async def member_history(
    member_id: str,
    principal: Reader,
    session: SessionDep,
    window: Annotated[HistoryWindow, Query()],
) -> PositionList:
    _check_may_act_for(principal, [member_id])
    query = window.query(principal.department_id, member_id=member_id)
    return await _history(session, query)


async def _history(session: SessionDep, query: HistoryQuery) -> PositionList:
    rows, next_cursor = await position_service.list_history(session, query)
    return PositionList(
        items=[PositionRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


# People and staffing ---------------------------------------------------------------


@router.post("/members/{member_id}/status", tags=["personnel"])
async def change_member_status(
    member_id: str,
    body: MemberStatusChange,
    principal: Reporter,
    session: SessionDep,
    settings: SettingsDep,
) -> PersonRead:
    _check_may_act_for(principal, [member_id])
    person = await personnel_service.change_member_status(
        session, ctx=principal.context, member_id=member_id, data=body
    )
    return person_read(person, stale_after_s=settings.position_stale_s)


@router.post("/members/{member_id}/staffing", tags=["personnel"])
async def change_member_staffing(
    member_id: str,
    body: MemberStaffingChange,
    principal: Reporter,
    session: SessionDep,
    settings: SettingsDep,
) -> PersonRead:
    _check_may_act_for(principal, [member_id])
    person = await personnel_service.change_member_staffing(
        session, ctx=principal.context, member_id=member_id, data=body
    )
    return person_read(person, stale_after_s=settings.position_stale_s)


@router.get("/personnel", tags=["personnel"])
async def list_personnel(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    status: Annotated[list[PersonnelStatusValue] | None, Query()] = None,
) -> PersonnelList:
    """Who is doing what: every active member, their status, ETA and position."""
    people, next_cursor = await personnel_service.list_personnel(
        session, department_id=principal.department_id, status=status, page=page
    )
    stale_s = settings.position_stale_s
    return PersonnelList(
        items=[person_read(p, stale_after_s=stale_s) for p in people],
        next_cursor=next_cursor,
    )


@router.post("/units/{unit_id}/staffing", tags=["units"])
async def change_unit_staffing(
    unit_id: str,
    body: UnitStaffingChange,
    principal: Reporter,
    session: SessionDep,
    settings: SettingsDep,
) -> UnitRead:
    unit = await unit_service.change_unit_staffing(
        session, ctx=principal.context, unit_id=unit_id, data=body
    )
    return unit_read(unit, stale_after_s=settings.position_stale_s)
