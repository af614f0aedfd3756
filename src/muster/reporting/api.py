"""JSON and CSV routes for reports."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import Response

from muster.core.http import SessionDep, SettingsDep
from muster.core.settings import Settings
from muster.org.deps import Reader, require
from muster.org.principal import Principal
from muster.org.roles import Permission
from muster.reporting import profiles as profile_service
from muster.reporting import service as report_service
from muster.reporting import workload as workload_service
from muster.reporting.csv_export import report_csv
from muster.reporting.local_time import ShiftRotation
from muster.reporting.schemas import (
    ProfileIn,
    ProfileList,
    ProfileRead,
    ReportParams,
    ReportQuery,
    ResponseTimeReport,
)
from muster.reporting.workload_csv import table_csv
from muster.reporting.workload_schemas import (
    UtilizationCsvParams,
    UtilizationParams,
    UtilizationReport,
    WorkloadRules,
)

router = APIRouter(tags=["reports"])


async def _query(params: Annotated[ReportParams, Query()]) -> ReportQuery:
    return params.to_query()


QueryDep = Annotated[ReportQuery, Depends(_query)]


def rotation_of(settings: Settings) -> ShiftRotation:
    return ShiftRotation(
        names=tuple(n.strip() for n in settings.report_shift_names.split(",")),
        length_h=settings.report_shift_hours,
        anchor=settings.report_shift_anchor,
        change_hour=settings.report_shift_change_hour,
    )


@router.get("/reports/response-times")
async def response_times(
    principal: Reader, session: SessionDep, settings: SettingsDep, query: QueryDep
) -> ResponseTimeReport:
    return await report_service.response_times(
        session,
        department_id=principal.department_id,
        query=query,
        rotation=rotation_of(settings),
    )


@router.get(
    "/reports/response-times.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def response_times_csv(
    principal: Reader, session: SessionDep, settings: SettingsDep, query: QueryDep
) -> Response:
    report = await report_service.response_times(
        session,
        department_id=principal.department_id,
        query=query,
        rotation=rotation_of(settings),
    )
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="response-times.csv"'},
    )


ProfileAdmin = Annotated[Principal, Depends(require(Permission.TYPE_MANAGE))]


@router.get("/reports/profiles")
async def list_profiles(principal: Reader, session: SessionDep) -> ProfileList:
    """The shipped target profiles and the department's own; one is the default."""
    items = await profile_service.list_profiles(
        session, department_id=principal.department_id
    )
    return ProfileList(items=items)


@router.put("/reports/profiles/{name}")
async def save_profile(
    name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")],
    body: ProfileIn,
    principal: ProfileAdmin,
    session: SessionDep,
) -> ProfileRead:
    """Create or replace one of the department's target profiles."""
    return await profile_service.save_profile(
        session, ctx=principal.context, name=name, data=body
    )


@router.delete("/reports/profiles/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_profile(
    name: str, principal: ProfileAdmin, session: SessionDep
) -> None:
    await profile_service.delete_profile(session, ctx=principal.context, name=name)


def rules_of(settings: Settings) -> WorkloadRules:
    return WorkloadRules(
        weekly_hours=settings.report_weekly_hours,
        max_speed_kmh=settings.report_max_speed_kmh,
        max_accuracy_m=settings.report_max_accuracy_m,
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_window=timedelta(minutes=settings.duplicate_window_min),
    )


@router.get("/reports/utilization")
async def utilization(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[UtilizationParams, Query()],
) -> UtilizationReport:
    return await workload_service.utilization(
        session,
        department_id=principal.department_id,
        query=params.to_query(),
        rules=rules_of(settings),
    )


@router.get(
    "/reports/utilization.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def utilization_csv(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[UtilizationCsvParams, Query()],
) -> Response:
    report = await workload_service.utilization(
        session,
        department_id=principal.department_id,
        query=params.to_query(),
        rules=rules_of(settings),
    )
    name = f"utilization-{params.table}.csv"
    return Response(
        table_csv(report, params.table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
