"""The workload page: where the hours, kilometres and money went, the costliest
units first, with staffing strain, overtime and repeated updates."""

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from pydantic import BaseModel, Field

from muster.core.http import SessionDep, SettingsDep
from muster.core.templating import render
from muster.org.page_deps import PageUser, page_context
from muster.reporting import workload as workload_service
from muster.reporting.api import rules_of
from muster.reporting.charts import Bar, Chart, horizontal_bars
from muster.reporting.errors import BadReportQuery
from muster.reporting.page_forms import checked_form
from muster.reporting.workload_schemas import (
    UtilizationParams,
    UtilizationReport,
    UtilizationTable,
)

router = APIRouter(include_in_schema=False)

COSTLIEST = 15


class WorkloadForm(BaseModel):
    """The filter form as sent: empty fields take the report's defaults."""

    from_: str = Field(default="", alias="from", max_length=40)
    to: str = Field(default="", max_length=40)
    weekly_hours: str = Field(default="", max_length=8)

    def given(self) -> dict[str, str]:
        values = {"from": self.from_, "to": self.to, "weekly_hours": self.weekly_hours}
        return {k: v for k, v in values.items() if v}

    def params(self) -> UtilizationParams:
        return UtilizationParams.model_validate(self.given())


def _cost_chart(report: UtilizationReport) -> Chart:
    costliest = sorted(report.units, key=lambda u: -u.cost)[:COSTLIEST]
    return Chart(
        title=f"Costliest units, estimated cost over the period (top {COSTLIEST})",
        bars=[
            Bar(
                u.unit,
                u.cost,
                note=f"{u.committed_hours:.1f} h, {u.distance_km:.0f} km",
            )
            for u in costliest
        ],
        unit="",
    )


def _hours_chart(report: UtilizationReport) -> Chart:
    busiest = sorted(report.units, key=lambda u: -u.utilisation)[:COSTLIEST]
    return Chart(
        title=f"Unit hour utilisation, share of the period committed (top {COSTLIEST})",
        bars=[Bar(u.unit, u.utilisation * 100, note=u.type) for u in busiest],
        unit="%",
    )


def _charts(report: UtilizationReport) -> list[Markup]:
    """Bars of cost only when some unit type has rates; of hours always."""
    hours = horizontal_bars(_hours_chart(report))
    if report.totals.cost <= 0:
        return [hours]
    return [horizontal_bars(_cost_chart(report)), hours]


async def _utilization(
    session: SessionDep, principal: PageUser, form: WorkloadForm, settings: SettingsDep
) -> UtilizationReport:
    return await workload_service.utilization(
        session,
        department_id=principal.department_id,
        query=form.params().to_query(),
        rules=rules_of(settings),
    )


@router.get("/reports/workload", response_class=HTMLResponse)
async def workload_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    form, error = checked_form(WorkloadForm, request.query_params, WorkloadForm.params)
    try:
        report = await _utilization(session, principal, form, settings)
    except BadReportQuery as exc:
        # Show the default period, with the reason the asked one can't be.
        form, error = WorkloadForm(), exc.detail
        report = await _utilization(session, principal, form, settings)
    query = urlencode(form.given())
    context = await page_context(
        request,
        principal,
        form=form,
        error=error,
        report=report,
        charts=_charts(report),
        csv_urls={
            t.value: f"/api/v1/reports/utilization.csv?{query}&table={t.value}"
            for t in UtilizationTable
        },
    )
    status = 200 if error is None else 422
    return HTMLResponse(render("reports/workload.html", **context), status)
