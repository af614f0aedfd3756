"""Response-time intervals: call processing, turnout, travel, total response and
time committed, against a target profile, grouped and over any period.

Two queries do the work, one over incidents (call processing and total
response, once per incident) and one over unit assignments joined to their
incidents (turnout, travel and time committed, once per assignment). Each
returns histograms per group (see ``queries.bucket_of``), so the rows leaving the
database grow with the spread of the values, not with the number of calls;
``muster.reporting.stats`` turns them into figures. A negative interval (a
clock error in the source) is left out; a zero-length one counts.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from muster.incidents import type_service
from muster.incidents.models import Incident, IncidentType
from muster.org import service as org_service
from muster.reporting import labels as label_service
from muster.reporting import profiles as profile_service
from muster.reporting.errors import BadReportQuery
from muster.reporting.local_time import (
    ShiftRotation,
    local_epoch,
    offsets,
)
from muster.reporting.queries import Scope, assignment_statement, incident_statement
from muster.reporting.schemas import (
    GroupBy,
    IntervalStats,
    ReportGroup,
    ReportQuery,
    ResponseTimeReport,
    TargetTier,
)
from muster.reporting.stats import Histogram, IntervalResult, merged, summarise
from muster.reporting.targets import Interval, Profile, RowClass

I = Interval  # noqa: E741 - short alias for the interval names
INCIDENT_INTERVALS = (I.CALL_PROCESSING, I.TOTAL_RESPONSE)
ASSIGNMENT_INTERVALS = (I.TURNOUT, I.TRAVEL, I.COMMITTED)
Key = str | int | None
Histograms = dict[Interval, dict[Key, Histogram]]


async def _type_id(
    session: AsyncSession, department_id: str, code: str | None
) -> str | None:
    if code is None:
        return None
    found = await type_service.find_incident_type(
        session, department_id=department_id, code=code
    )
    if found is None:
        raise BadReportQuery("type", f"unknown incident type {code!r}")
    return found.id


async def _ems_type_ids(
    session: AsyncSession, department_id: str, profile: Profile
) -> tuple[str, ...]:
    rows = await session.scalars(
        select(IncidentType.id).where(
            IncidentType.department_id == department_id,
            IncidentType.category.in_(sorted(profile.ems_categories)),
        )
    )
    return tuple(rows)


_CLASSES = {int(c): c for c in RowClass}
_INTERVALS = {i.value: i for i in Interval}


# A report reads every row of its period once: a hash join of assignments to
# incidents and a few hash aggregates. PostgreSQL's default 4 MB of work memory
# makes that join spill to disk in batches from about a hundred thousand
# incidents, and compiling the expressions just in time costs more than it
# saves on a single pass; both are set for the report's transaction only.
_PG_REPORT_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


async def _tune_for_reports(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for statement in _PG_REPORT_SETTINGS:
        await session.execute(text(statement))


async def _collect(
    session: AsyncSession, statement: Select[Any], into: Histograms
) -> None:
    for interval, key, row_class, second, count, total in await session.execute(
        statement
    ):
        histograms = into[_INTERVALS[interval]]
        histogram = histograms.get(key)
        if histogram is None:
            histogram = histograms[key] = Histogram()
        histogram.add(_CLASSES[row_class], int(second), int(count), float(total))


async def _local_clock(
    session: AsyncSession, scope_query: ReportQuery, department_id: str, zone: ZoneInfo
) -> ColumnElement[float] | None:
    """Local time of receipt, for hour and shift groups; ``None`` if no incidents."""
    if scope_query.group_by not in (GroupBy.HOUR, GroupBy.SHIFT):
        return None
    low, high = scope_query.start, scope_query.end
    if low is None or high is None:
        first, last = (
            await session.execute(
                select(
                    func.min(Incident.received_at), func.max(Incident.received_at)
                ).where(Incident.department_id == department_id)
            )
        ).one()
        if first is None:
            return None
        low, high = low or first, high or last
    return local_epoch(Incident.received_at, offsets(zone, low, high))


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _stats(result: IntervalResult) -> IntervalStats:
    first = result.tiers[0] if result.tiers else None
    within = first.within if first else None
    return IntervalStats(
        count=result.count,
        mean=_rounded(result.mean),
        median=_rounded(result.median),
        p90=_rounded(result.p90),
        target_s=first.target_s if first else None,
        target_percentile=first.share if first else None,
        within_target=round(within, 4) if within is not None else None,
        meets_target=within >= first.share if first and within is not None else None,
        tiers=[
            TargetTier(
                target_s=t.target_s,
                percentile=t.share,
                within=round(t.within, 4) if t.within is not None else None,
            )
            for t in result.tiers
        ],
    )


def _figures(
    histograms: dict[Interval, Histogram], profile: Profile
) -> dict[str, IntervalStats]:
    return {
        interval.value: _stats(
            summarise(histograms.get(interval, Histogram()), profile, interval)
        )
        for interval in Interval
    }


def _natural(key: Key) -> tuple[int, int, str]:
    """Numbers (``2`` before ``10``, station ``02`` too) first, then text, then
    the unknown group."""
    if key is None:
        return (2, 0, "")
    if isinstance(key, int) or key.isdigit():
        return (0, int(key), str(key))
    return (1, 0, key)


def _groups(
    histograms: Histograms, scope: Scope, labels: dict[Key, Key]
) -> list[ReportGroup]:
    if scope.query.group_by is None:
        return []
    by_key: dict[Key, dict[Interval, Histogram]] = defaultdict(dict)
    for interval, per_key in histograms.items():
        if scope.query.group_by is GroupBy.UNIT and interval in INCIDENT_INTERVALS:
            continue  # a call's own intervals belong to no one unit
        for key, histogram in per_key.items():
            by_key[labels.get(key, key)][interval] = histogram
    ordered = sorted(by_key, key=_natural)
    return [
        ReportGroup(key=key, intervals=_figures(by_key[key], scope.profile))
        for key in ordered
    ]


def _aware(at: datetime | None, zone: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=zone)).astimezone(UTC)


def _localised(query: ReportQuery, zone: ZoneInfo) -> ReportQuery:
    """The period in UTC, naive bounds read as the department's local time."""
    start, end = _aware(query.start, zone), _aware(query.end, zone)
    if start is not None and end is not None and end <= start:
        raise BadReportQuery("to", "to must be later than from")
    return replace(query, start=start, end=end)


async def response_times(
    session: AsyncSession,
    *,
    department_id: str,
    query: ReportQuery,
    rotation: ShiftRotation,
) -> ResponseTimeReport:
    """The intervals report for one department (read only).

    Bounds without an offset are the department's local time. Raises
    ``BadReportQuery`` for an unknown profile or incident type, or an empty period.
    """
    profile = await profile_service.resolve_profile(
        session, department_id=department_id, name=query.profile
    )
    zone_name = await org_service.department_timezone(session, department_id)
    query = _localised(query, ZoneInfo(zone_name))
    scope = Scope(
        department_id=department_id,
        query=query,
        profile=profile,
        type_id=await _type_id(session, department_id, query.type_code),
        ems_type_ids=await _ems_type_ids(session, department_id, profile),
        local=await _local_clock(session, query, department_id, ZoneInfo(zone_name)),
        rotation=rotation,
    )

    # TODO(#5): at a million incidents half the time goes to joining two
    # million assignments to their incidents on text ids. Keeping the
    # incident's type, station, category and first-arrival flag on each
    # assignment as it is written would drop the join; rollups don't help
    # while reports group by unit and hour.
    histograms: Histograms = {interval: {} for interval in Interval}
    await _tune_for_reports(session)
    await _collect(session, incident_statement(scope), histograms)
    await _collect(session, assignment_statement(scope), histograms)
    labels = await label_service.group_labels(
        session, department_id=department_id, group_by=query.group_by, rotation=rotation
    )

    overall = {i: merged(per_key.values()) for i, per_key in histograms.items()}
    return ResponseTimeReport(
        from_=query.start,
        to=query.end,
        timezone=zone_name,
        group_by=query.group_by,
        profile=profile.name,
        intervals=_figures(overall, profile),
        groups=_groups(histograms, scope, labels),
    )
