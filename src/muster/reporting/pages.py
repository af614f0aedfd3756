"""Report pages: response times against targets as tiles, charts and tables,
with the same figures one click away as CSV."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from muster.core.http import SessionDep, SettingsDep
from muster.core.pagination import PageRequest
from muster.core.templating import render
from muster.incidents import type_service
from muster.org.page_deps import PageUser, page_context
from muster.reporting import profiles as profile_service
from muster.reporting import service as report_service
from muster.reporting.api import rotation_of
from muster.reporting.charts import Bar, Chart, columns, duration, horizontal_bars
from muster.reporting.errors import BadReportQuery
from muster.reporting.page_forms import checked_form
from muster.reporting.schemas import (
    GroupBy,
    IntervalStats,
    ReportParams,
    ResponseTimeReport,
)
from muster.reporting.targets import Interval

router = APIRouter(include_in_schema=False)

INTERVAL_NAMES = {
    Interval.CALL_PROCESSING: "Call processing",
    Interval.TURNOUT: "Turnout",
    Interval.TRAVEL: "Travel",
    Interval.TOTAL_RESPONSE: "Total response",
    Interval.COMMITTED: "Time committed",
}
MAX_BARS = 30


class ReportForm(BaseModel):
    """The filter form as the browser sends it: empty fields mean "any"."""

    from_: str = Field(default="", alias="from", max_length=40)
    to: str = Field(default="", max_length=40)
    group_by: GroupBy = GroupBy.STATION
    interval: Interval = Interval.TOTAL_RESPONSE
    type: str = Field(default="", max_length=32)
    priority: str = Field(default="", max_length=2)
    profile: str = Field(default="", max_length=32)

    def params(self, group_by: GroupBy) -> ReportParams:
        given = {
            "from": self.from_,
            "to": self.to,
            "type": self.type,
            "priority": self.priority,
            "profile": self.profile,
        }
        return ReportParams.model_validate(
            {"group_by": group_by} | {k: v for k, v in given.items() if v}
        )

    def query_string(self, group_by: GroupBy) -> str:
        given = self.model_dump(by_alias=True, exclude={"interval", "group_by"})
        given["group_by"] = group_by.value
        return urlencode({k: v for k, v in given.items() if v})


def tile_hint(stats: IntervalStats) -> str:
    """The small print under an interval's tile: target, share within, count."""
    parts = []
    if stats.target_s is not None and stats.target_percentile is not None:
        share = round(stats.target_percentile * 100)
        parts.append(f"target {duration(stats.target_s)} at {share} %")
    elif stats.tiers:
        parts.append("targets by kind of call")
    if stats.within_target is not None:
        parts.append(f"{stats.within_target * 100:.1f} % within")
    parts.append(f"{stats.count} counted")
    parts.append(f"median {duration(stats.median)}")
    return " \u00b7 ".join(parts)


def _bar(key: object, stats: IntervalStats | None) -> Bar:
    if stats is None or stats.count == 0:
        return Bar(label=str(key), value=None, note="no calls")
    share = "" if stats.within_target is None else f"{stats.within_target:.0%} within"
    return Bar(
        label=str(key),
        value=stats.p90,
        note=f"n={stats.count} {share}".strip(),
        met=stats.meets_target,
    )


def _charts(
    form: ReportForm, grouped: ResponseTimeReport, hourly: ResponseTimeReport
) -> list[Any]:
    name = INTERVAL_NAMES[form.interval]
    target = grouped.intervals[form.interval].target_s
    busiest = sorted(
        grouped.groups,
        key=lambda g: -g.intervals[form.interval].count,
    )[:MAX_BARS]
    shown = [g for g in grouped.groups if g in busiest]
    by_group = Chart(
        title=f"{name}, 90th percentile by {form.group_by.value}",
        bars=[_bar(g.key, g.intervals.get(form.interval)) for g in shown],
        target=target,
    )
    hours = {g.key: g.intervals.get(form.interval) for g in hourly.groups}
    by_hour = Chart(
        title=f"{name}, 90th percentile by hour of day",
        bars=[_bar(f"{h:02d}", hours.get(h)) for h in range(24)],
        target=target,
    )
    return [horizontal_bars(by_group), columns(by_hour)]


async def _reports(
    session: SessionDep, principal: PageUser, form: ReportForm, settings: SettingsDep
) -> tuple[ResponseTimeReport, ResponseTimeReport]:
    grouped, hourly = [
        await report_service.response_times(
            session,
            department_id=principal.department_id,
            query=form.params(group_by).to_query(),
            rotation=rotation_of(settings),
        )
        for group_by in (form.group_by, GroupBy.HOUR)
    ]
    return grouped, hourly


@router.get("/reports", response_class=HTMLResponse)
async def response_times_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    form, error = checked_form(
        ReportForm, request.query_params, lambda f: f.params(f.group_by)
    )
    try:
        grouped, hourly = await _reports(session, principal, form, settings)
    except BadReportQuery as exc:
        # Show what the filters meant to ask for, with the reason they can't.
        form, error = ReportForm(), exc.detail
        grouped, hourly = await _reports(session, principal, form, settings)
    types, _ = await type_service.list_incident_types(
        session, department_id=principal.department_id, page=PageRequest(limit=200)
    )
    context = await page_context(
        request,
        principal,
        form=form,
        error=error,
        report=grouped,
        charts=_charts(form, grouped, hourly),
        names=INTERVAL_NAMES,
        duration=duration,
        hint=tile_hint,
        types=types,
        profiles=await profile_service.list_profiles(
            session, department_id=principal.department_id
        ),
        group_choices=list(GroupBy),
        csv_url="/api/v1/reports/response-times.csv?"
        + form.query_string(form.group_by),
        hourly_csv_url="/api/v1/reports/response-times.csv?"
        + form.query_string(GroupBy.HOUR),
    )
    status = 200 if error is None else 422
    return HTMLResponse(render("reports/response_times.html", **context), status)
