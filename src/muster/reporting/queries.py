"""The two report queries: histograms of each interval per group, built as
SQL that runs unchanged on both databases (see ``muster.reporting.sql``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from muster.dispatch.models import Assignment
from muster.incidents.models import Incident
from muster.reporting.local_time import ShiftRotation, hour_of_day, shift_index
from muster.reporting.schemas import GroupBy, ReportQuery
from muster.reporting.sql import ceil_int, seconds_between
from muster.reporting.targets import Interval, Profile, RowClass

I = Interval  # noqa: E741 - short alias for the interval names
FINE_UNTIL_S = 600
MEDIUM_UNTIL_S = 3600


@dataclass(frozen=True, slots=True)
class Scope:
    department_id: str
    query: ReportQuery
    profile: Profile
    type_id: str | None
    ems_type_ids: tuple[str, ...]
    local: ColumnElement[float] | None
    rotation: ShiftRotation


def _filters(scope: Scope) -> list[ColumnElement[bool]]:
    query = scope.query
    where = [Incident.department_id == scope.department_id]
    if query.start is not None:
        where.append(Incident.received_at >= query.start)
    if query.end is not None:
        where.append(Incident.received_at < query.end)
    if scope.type_id is not None:
        where.append(Incident.type_id == scope.type_id)
    if query.priority is not None:
        where.append(Incident.priority == query.priority)
    return where


def _incident_key(scope: Scope) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
    group_by = scope.query.group_by
    if group_by is GroupBy.TYPE:
        return Incident.type_id
    if group_by is GroupBy.PRIORITY:
        return Incident.priority
    if group_by is GroupBy.STATION:
        # The first-due station, set at intake (see org_service.station_area_of)
        # or taken from an imported call.
        return Incident.station_id
    if group_by in (GroupBy.HOUR, GroupBy.SHIFT) and scope.local is not None:
        if group_by is GroupBy.HOUR:
            return hour_of_day(scope.local)
        return shift_index(scope.local, scope.rotation)
    return cast(null(), String)


def _category_class(scope: Scope) -> ColumnElement[int]:
    # By type id rather than by joining the types: the join costs more than
    # the whole aggregate at a million rows.
    if not scope.ems_type_ids:
        return _number(RowClass.FIRE)
    return case(
        (Incident.type_id.in_(scope.ems_type_ids), _number(RowClass.EMS)),
        else_=_number(RowClass.FIRE),
    )


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(int(value)))


def bucket_of(value: ColumnElement[float]) -> ColumnElement[int]:
    """The whole second a value is counted at, rounded up: every second up to
    ten minutes (where all targets lie), then every ten seconds up to an hour,
    then every minute, so long intervals don't make a row per value."""
    return case(
        (value <= FINE_UNTIL_S, ceil_int(value)),
        (value <= MEDIUM_UNTIL_S, ceil_int(value / 10) * 10),
        else_=ceil_int(value / 60) * 60,
    )


def _histogram_union(
    rows: Any, parts: Sequence[tuple[Interval, str, ColumnElement[int] | None]]
) -> Select[Any]:
    """One histogram per interval over the CTE ``rows``: (interval, key, class,
    whole second rounded up, count, exact sum). A part without a class
    column holds every row to the same targets."""
    selects = []
    for interval, column, row_class in parts:
        value = rows.c[column]
        bucket = bucket_of(value)
        grouping = (
            [rows.c.k, bucket] if row_class is None else [rows.c.k, row_class, bucket]
        )
        selects.append(
            select(
                literal_column(f"'{interval.value}'").label("interval"),
                rows.c.k,
                (_number(RowClass.ANY) if row_class is None else row_class).label("c"),
                bucket.label("s"),
                func.count().label("n"),
                func.sum(value).label("total"),
            )
            .where(value >= 0)
            .group_by(*grouping)
        )
    return union_all(*selects)  # type: ignore[return-value]  # a compound select runs like one


def incident_statement(scope: Scope) -> Select[Any]:
    rows = (
        select(
            _incident_key(scope).label("k"),
            _category_class(scope).label("cat"),
            seconds_between(Incident.received_at, Incident.dispatched_at).label("cp"),
            seconds_between(Incident.received_at, Incident.first_on_scene_at).label(
                "total"
            ),
        )
        .where(*_filters(scope))
        # A subquery, not a CTE: scanning incidents twice is cheaper than
        # writing them out once.
        .subquery("incident_rows")
    )
    return _histogram_union(
        rows,
        [
            (I.CALL_PROCESSING, "cp", None),
            (I.TOTAL_RESPONSE, "total", rows.c.cat),
        ],
    )


def assignment_statement(scope: Scope) -> Select[Any]:
    key = (
        Assignment.unit_id
        if scope.query.group_by is GroupBy.UNIT
        else _incident_key(scope)
    )
    arrival = case(
        (
            Assignment.on_scene_at <= Incident.first_on_scene_at,
            _number(RowClass.FIRST_ON_SCENE),
        ),
        else_=_number(RowClass.LATER_ON_SCENE),
    )
    rows = (
        select(
            key.label("k"),
            _category_class(scope).label("cat"),
            arrival.label("arrival"),
            seconds_between(Assignment.dispatched_at, Assignment.en_route_at).label(
                "t"
            ),
            seconds_between(Assignment.en_route_at, Assignment.on_scene_at).label("tr"),
            seconds_between(Assignment.dispatched_at, Assignment.cleared_at).label("c"),
        )
        .join(Incident, Incident.id == Assignment.incident_id)
        .where(
            *_filters(scope),
            Assignment.unit_id.is_not(None),
            Assignment.declined_at.is_(None),
        )
        .cte("assignment_rows")
    )
    return _histogram_union(
        rows,
        [
            (I.TURNOUT, "t", rows.c.cat),
            (I.TRAVEL, "tr", rows.c.arrival),
            (I.COMMITTED, "c", None),
        ],
    )
