"""JSON routes for unit types and units."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from muster.core.http import IfMatchDep, PageDep, SessionDep, SettingsDep
from muster.org.deps import Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission
from muster.units import service as unit_service
from muster.units.schemas import (
    UnitCreate,
    UnitList,
    UnitRead,
    UnitTypeCreate,
    UnitTypeList,
    UnitTypeRead,
    UnitTypeUpdate,
    UnitUpdate,
    unit_read,
)
from muster.units.status import UnitStatus

router = APIRouter(tags=["units"])

UnitAdmin = Annotated[Principal, Depends(require(Permission.UNIT_MANAGE))]
StatusReporter = Annotated[Principal, Depends(require(Permission.UNIT_STATUS))]


@router.get("/unit-types")
async def list_unit_types(
    principal: Reader, session: SessionDep, page: PageDep
) -> UnitTypeList:
    types, next_cursor = await unit_service.list_unit_types(
        session, department_id=principal.department_id, page=page
    )
    return UnitTypeList(
        items=[UnitTypeRead.model_validate(t) for t in types], next_cursor=next_cursor
    )


@router.post("/unit-types", status_code=status.HTTP_201_CREATED)
async def create_unit_type(
    body: UnitTypeCreate, principal: UnitAdmin, session: SessionDep
) -> UnitTypeRead:
    unit_type = await unit_service.create_unit_type(
        session, ctx=principal.context, data=body
    )
    return UnitTypeRead.model_validate(unit_type)


@router.get("/unit-types/{unit_type_id}")
async def read_unit_type(
    unit_type_id: str, principal: Reader, session: SessionDep
) -> UnitTypeRead:
    unit_type = await unit_service.get_unit_type(
        session, department_id=principal.department_id, unit_type_id=unit_type_id
    )
    return UnitTypeRead.model_validate(unit_type)


@router.patch("/unit-types/{unit_type_id}")
async def update_unit_type(
    unit_type_id: str,
    body: UnitTypeUpdate,
    principal: UnitAdmin,
    session: SessionDep,
    version: IfMatchDep,
) -> UnitTypeRead:
    unit_type = await unit_service.update_unit_type(
        session,
        ctx=principal.context,
        unit_type_id=unit_type_id,
        data=body,
        expected_version=version,
    )
    return UnitTypeRead.model_validate(unit_type)


@dataclass(frozen=True)
class UnitFilters:
    status: Annotated[list[UnitStatus] | None, Query()] = None
    station_id: str | None = None


@router.get("/units")
async def list_units(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    filters: Annotated[UnitFilters, Depends()],
) -> UnitList:
    units, next_cursor = await unit_service.list_units(
        session,
        department_id=principal.department_id,
        status=filters.status,
        station_id=filters.station_id,
        page=page,
    )
    stale_s = settings.position_stale_s
    return UnitList(
        items=[unit_read(u, stale_after_s=stale_s) for u in units],
        next_cursor=next_cursor,
    )


@router.post("/units", status_code=status.HTTP_201_CREATED)
async def create_unit(
    body: UnitCreate, principal: UnitAdmin, session: SessionDep, settings: SettingsDep
) -> UnitRead:
    unit = await unit_service.create_unit(session, ctx=principal.context, data=body)
    return unit_read(unit, stale_after_s=settings.position_stale_s)


@router.get("/units/{unit_id}")
async def read_unit(
    unit_id: str, principal: Reader, session: SessionDep, settings: SettingsDep
) -> UnitRead:
    unit = await unit_service.get_unit(
        session, department_id=principal.department_id, unit_id=unit_id
    )
    return unit_read(unit, stale_after_s=settings.position_stale_s)


@router.patch("/units/{unit_id}")
async def update_unit(  # noqa: PLR0913, PLR0917 - FastAPI injects each input as a parameter
    unit_id: str,
    body: UnitUpdate,
    principal: UnitAdmin,
    session: SessionDep,
    settings: SettingsDep,
    version: IfMatchDep,
) -> UnitRead:
    unit = await unit_service.update_unit(
        session,
        ctx=principal.context,
        unit_id=unit_id,
        data=body,
        expected_version=version,
    )
    return unit_read(unit, stale_after_s=settings.position_stale_s)
