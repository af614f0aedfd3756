"""The utilisation report: workload and estimated cost per unit and unit
type, hours per member and per incident, staffing strain per unit type, and
repeated or duplicate updates, all over one period.

The period runs from ``from`` (inclusive) to ``to`` (exclusive) or now,
whichever is earlier: hours not yet lived are not idle hours. Without ``to``
it ends now; without ``from`` it starts 30 days before its end. Work that
began before the period counts from its start; work still open counts to its
end. How each table is reckoned is told in its module: ``workload_fleet``
(units, types, cost), ``workload_status`` (strain), ``workload_people``
(members, incidents) and ``workload_duplicates``.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.org import service as org_service
from muster.reporting import workload_duplicates as duplicate_service
from muster.reporting import workload_fleet as fleet_service
from muster.reporting import workload_people as people_service
from muster.reporting import workload_status as status_service
from muster.reporting.errors import BadReportQuery
from muster.reporting.timeline import Period
from muster.reporting.tracks import TrackRules
from muster.reporting.workload_schemas import (
    Duplicate,
    Totals,
    TypeStrain,
    TypeUse,
    UnitUse,
    UtilizationQuery,
    UtilizationReport,
    WorkloadRules,
)

DEFAULT_DAYS = 30


def _aware(at: datetime | None, zone: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=zone)).astimezone(UTC)


def resolve_period(query: UtilizationQuery, zone: ZoneInfo, now: datetime) -> Period:
    """The period asked for, bounds without an offset read in ``zone``.

    Raises ``BadReportQuery`` when ``to`` is not after ``from``, or when
    ``from`` is not in the past.
    """
    end = _aware(query.end, zone) or now
    start = _aware(query.start, zone) or end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise BadReportQuery("to", "to must be later than from")
    if now <= start:
        raise BadReportQuery("from", "from must be in the past")
    return Period(start, min(end, now))


@dataclass(frozen=True, slots=True)
class _FleetPart:
    units: list[UnitUse]
    types: list[TypeUse]
    strain: list[TypeStrain]
    repeats: list[Duplicate]


async def _fleet_part(
    session: AsyncSession, department_id: str, period: Period, rules: WorkloadRules
) -> _FleetPart:
    fleet = await fleet_service.load_fleet(session, department_id=department_id)
    work = await fleet_service.read_unit_work(
        session, department_id=department_id, period=period
    )
    tracks = await fleet_service.read_tracks(
        session,
        department_id=department_id,
        period=period,
        rules=TrackRules(rules.max_speed_kmh, rules.max_accuracy_m),
    )
    units = fleet_service.unit_uses(fleet, work, tracks, period)
    incidents = await fleet_service.read_type_incidents(
        session, department_id=department_id, period=period
    )
    history = await status_service.read_status_history(
        session, department_id=department_id, period=period, fleet=fleet
    )
    return _FleetPart(
        units=units,
        types=fleet_service.type_uses(fleet, units, incidents, period),
        strain=status_service.type_strain(fleet, history, period),
        repeats=duplicate_service.repeated_rows(history.repeats, tracks, fleet),
    )


def _totals(units: list[UnitUse], personnel_hours: float) -> Totals:
    return Totals(
        committed_hours=round(sum(u.committed_hours for u in units), 2),
        distance_km=round(sum(u.distance_km for u in units), 2),
        cost=round(sum(u.cost for u in units), 2),
        personnel_hours=personnel_hours,
    )


async def utilization(
    session: AsyncSession,
    *,
    department_id: str,
    query: UtilizationQuery,
    rules: WorkloadRules,
) -> UtilizationReport:
    """The whole report for one department (read only).

    ``query.weekly_hours`` overrides ``rules.weekly_hours``. Raises
    ``BadReportQuery`` for a period that is empty or not yet begun.
    """
    zone_name = await org_service.department_timezone(session, department_id)
    zone = ZoneInfo(zone_name)
    period = resolve_period(query, zone, clock.now())
    if query.weekly_hours is not None:
        rules = replace(rules, weekly_hours=query.weekly_hours)

    fleet = await _fleet_part(session, department_id, period, rules)
    people = people_service.PeopleScope(department_id, period, zone, rules.weekly_hours)
    personnel = await people_service.member_uses(session, people)
    efforts, effort_count, people_hours = await people_service.incident_efforts(
        session, people, limit=query.limit
    )
    pairs = await duplicate_service.incident_pairs(
        session, department_id=department_id, period=period, rules=rules
    )
    duplicates = duplicate_service.ordered([*pairs, *fleet.repeats])
    return UtilizationReport(
        from_=period.start,
        to=period.end,
        timezone=zone_name,
        hours=round(period.hours, 2),
        weekly_hours=rules.weekly_hours,
        totals=_totals(fleet.units, people_hours),
        units=fleet.units,
        unit_types=fleet.types,
        personnel=personnel,
        incidents=efforts,
        incidents_total=effort_count,
        strain=fleet.strain,
        duplicates=duplicates[: query.limit] if query.limit else duplicates,
        duplicates_total=len(duplicates),
    )
