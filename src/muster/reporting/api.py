"""JSON and CSV routes for reports."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from muster.core.http import SessionDep, SettingsDep
from muster.core.settings import Settings
from muster.org.deps import Reader
from muster.reporting import service as report_service
from muster.reporting.csv_export import report_csv
from muster.reporting.local_time import ShiftRotation
from muster.reporting.schemas import ReportParams, ReportQuery, ResponseTimeReport

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
