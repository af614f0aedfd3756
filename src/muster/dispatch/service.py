"""Dispatch settings, response plans, and recommendations for an incident.

The recommender itself is pure (``recommend``) and fed from a per-process
spatial index that syncs from the database (``index``); this module picks the
plan for an incident and turns its alarm level into needs.
"""

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, check_version, field_error
from muster.core.geo import contains
from muster.core.pagination import PageRequest, keyset_page
from muster.dispatch import crews, mutual_aid
from muster.dispatch.errors import NoResponsePlan, ResponsePlanNotFound
from muster.dispatch.index import UnitIndex
from muster.dispatch.merged import MergedSource
from muster.dispatch.models import Assignment, DispatchSettings, ResponsePlan
from muster.dispatch.recommend import (
    Need,
    Pick,
    Point,
    Recommendation,
    Rules,
    Shortfall,
    recommend_with,
)
from muster.dispatch.registry import REGISTRY
from muster.dispatch.schemas import LIVE, ResponsePlanCreate, SettingsUpdate
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents import service as incident_service
from muster.incidents import type_service
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.units import service as unit_service

# Settings ----------------------------------------------------------------------------


async def get_settings(
    session: AsyncSession, *, department_id: str
) -> DispatchSettings:
    """The department's dispatch settings, created with defaults on first use."""
    found = await session.get(DispatchSettings, department_id)
    if found is not None:
        return found
    defaults = DispatchSettings(
        department_id=department_id,
        ack_repage_s=60,
        ack_escalate_s=120,
        allow_returning=False,
        position_max_age_s=300,
        detour_factor=1.3,
        turnout_s=60,
        crew_callback_s=420,
        default_speed_kmh=50.0,
        max_radius_m=None,
        auto_assign_on_escalation=False,
    )
    session.add(defaults)
    await session.flush()
    return defaults


async def update_settings(
    session: AsyncSession,
    *,
    ctx: Context,
    data: SettingsUpdate,
    expected_version: int | None,
) -> DispatchSettings:
    settings = await get_settings(session, department_id=ctx.department_id)
    check_version(settings.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(settings, field, value)
    if settings.ack_escalate_s <= settings.ack_repage_s:
        raise field_error("ack_escalate_s", "escalation must come after the re-page")
    await session.flush()
    await event_service.append(
        session, ctx=ctx, kind="dispatch.settings_updated", data={"changes": changes}
    )
    return settings


# Response plans ----------------------------------------------------------------------


async def create_plan(
    session: AsyncSession, *, ctx: Context, data: ResponsePlanCreate
) -> ResponsePlan:
    """Raises ``ValidationFailed`` for an unknown type or a station without an area."""
    incident_type = await type_service.find_incident_type(
        session, department_id=ctx.department_id, code=data.incident_type
    )
    if incident_type is None:
        raise field_error(
            "incident_type", f"unknown incident type {data.incident_type!r}"
        )
    if data.station_id is not None:
        await _check_station_area(session, ctx.department_id, data.station_id)
    alarms = [alarm.model_dump(exclude_none=True) for alarm in data.alarms]
    plan = ResponsePlan(
        department_id=ctx.department_id,
        incident_type_id=incident_type.id,
        name=data.name or f"{incident_type.name} plan",
        zone=data.zone,
        station_id=data.station_id,
        alarms=sorted(alarms, key=lambda a: a["level"]),
        created_at=clock.now(),
    )
    session.add(plan)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="response_plan.created",
        data={
            "plan_id": plan.id,
            "incident_type": incident_type.code,
            "alarms": plan.alarms,
            "zone": plan.zone,
            "station_id": plan.station_id,
        },
    )
    return plan


async def _check_station_area(
    session: AsyncSession, department_id: str, station_id: str
) -> None:
    try:
        station = await org_service.get_station(
            session, department_id=department_id, station_id=station_id
        )
    except NotFound as exc:
        raise field_error("station_id", f"unknown station {station_id}") from exc
    if not station.response_area:
        raise field_error("station_id", f"station {station.code} has no response area")


async def get_plan(
    session: AsyncSession, *, department_id: str, plan_id: str
) -> ResponsePlan:
    plan = await session.get(ResponsePlan, plan_id)
    if plan is None or plan.department_id != department_id:
        raise ResponsePlanNotFound(f"no response plan {plan_id}")
    return plan


async def list_plans(
    session: AsyncSession, *, department_id: str, page: PageRequest
) -> tuple[list[ResponsePlan], str | None]:
    query = select(ResponsePlan).where(ResponsePlan.department_id == department_id)
    order = (ResponsePlan.created_at, ResponsePlan.id)
    return await keyset_page(session, query, order=order, page=page)


async def type_codes(
    session: AsyncSession, *, plans: Sequence[ResponsePlan]
) -> dict[str, str]:
    """Incident type codes of the plans, by type id."""
    ids = {plan.incident_type_id for plan in plans}
    return await type_service.type_codes(session, type_ids=ids)


async def plan_for(session: AsyncSession, *, incident: Incident) -> ResponsePlan | None:
    """The plan for the incident's type whose zone holds it; zoned plans win."""
    plans = (
        await session.scalars(
            select(ResponsePlan)
            .where(
                ResponsePlan.department_id == incident.department_id,
                ResponsePlan.incident_type_id == incident.type_id,
            )
            .order_by(ResponsePlan.created_at)
        )
    ).all()
    general = None
    for plan in plans:
        area = await _area_of(session, plan)
        if area is None:
            general = general or plan
        elif contains(area, incident.lat, incident.lon):
            return plan
    return general


async def _area_of(
    session: AsyncSession, plan: ResponsePlan
) -> list[list[float]] | None:
    if plan.zone is not None:
        return plan.zone
    if plan.station_id is None:
        return None
    station = await org_service.get_station(
        session, department_id=plan.department_id, station_id=plan.station_id
    )
    return station.response_area


# Recommendation ----------------------------------------------------------------------


def alarm_of(plan: ResponsePlan, alarm: int) -> dict[str, Any]:
    """One alarm level of the plan. Raises ``NoResponsePlan`` if it has none."""
    for level in plan.alarms:
        if level["level"] == alarm:
            return dict(level)
    raise NoResponsePlan(f"response plan {plan.name} has no alarm level {alarm}")


def needs_of(plan: ResponsePlan, alarm: int) -> list[Need]:
    """The needs of one alarm level. Raises ``NoResponsePlan`` if it has none."""
    level = alarm_of(plan, alarm)
    return [Need(n["capability"], n["count"]) for n in level["needs"]]


def outstanding(needs: Sequence[Need], live: Sequence[Assignment]) -> list[Need]:
    """Needs less what live assignments of the same alarm already cover."""
    covered = Counter(a.capability for a in live if a.capability is not None)
    remaining = []
    for need in needs:
        taken = min(covered[need.capability], need.count)
        covered[need.capability] -= taken
        if need.count > taken:
            remaining.append(Need(need.capability, need.count - taken))
    return remaining


async def live_assignments(
    session: AsyncSession, *, incident_id: str, alarm: int | None = None
) -> Sequence[Assignment]:
    query = select(Assignment).where(
        Assignment.incident_id == incident_id,
        Assignment.status.in_([str(s) for s in LIVE]),
    )
    if alarm is not None:
        query = query.where(Assignment.alarm_level == alarm)
    return (await session.scalars(query.order_by(Assignment.dispatched_at))).all()


async def _index(session: AsyncSession, department_id: str) -> UnitIndex:
    if unit_service.has_pending_changes(session):
        return await REGISTRY.snapshot(session, department_id)
    return await REGISTRY.index_for(session, department_id)


async def recommend_needs(
    session: AsyncSession,
    *,
    incident: Incident,
    needs: Sequence[Need],
    exclude: Collection[str] = (),
) -> Recommendation:
    """Rank the department's units for ``needs`` at the incident's location.

    What the department's own units can't fill is looked for among the units
    of departments that lend to it (mutual aid). Units in ``exclude`` are
    never picked.
    """
    settings = await get_settings(session, department_id=incident.department_id)
    index = await _index(session, incident.department_id)
    etas = await crews.crew_etas(session, incident.department_id)
    rules = Rules.from_settings(settings, clock.now(), etas)
    target = (incident.lat, incident.lon)
    found = index.recommend(list(needs), target, rules, exclude)
    if not found.shortfalls:
        return found
    return await _with_mutual_aid(session, incident, found, rules, exclude)


async def _with_mutual_aid(
    session: AsyncSession,
    incident: Incident,
    own: Recommendation,
    rules: Rules,
    exclude: Collection[str],
) -> Recommendation:
    partners = await mutual_aid.partners_of(session, incident.department_id)
    if not partners:
        return own
    parts = []
    for partner in partners:
        settings = await get_settings(session, department_id=partner)
        etas = await crews.crew_etas(session, partner)
        lender = Rules.from_settings(settings, rules.now, etas)
        parts.append(
            (
                await _index(session, partner),
                replace(lender, max_radius_m=rules.max_radius_m),
            )
        )
    needs = [Need(s.capability, s.missing) for s in own.shortfalls]
    aid = recommend_with(
        MergedSource(parts),
        needs,
        Point(incident.lat, incident.lon),
        rules,
        exclude={p.unit_id for p in own.picks} | set(exclude),
    )
    names = await mutual_aid.departments(session, set(partners))
    picks = [_aid_pick(p, names[p.department_id].name) for p in aid.picks]
    return Recommendation(
        picks=own.picks + picks,
        shortfalls=_still_short(own.shortfalls, aid.shortfalls),
        cover=own.cover,
    )


def _aid_pick(pick: Pick, lender: str) -> Pick:
    return replace(
        pick, mutual_aid=True, reason=f"mutual aid from {lender}: {pick.reason}"
    )


def _still_short(own: Sequence[Shortfall], aid: Sequence[Shortfall]) -> list[Shortfall]:
    """Own shortfalls that mutual aid could not fill either, with both reasons."""
    left = list(aid)
    result = []
    for shortfall in own:
        match = next((a for a in left if a.capability == shortfall.capability), None)
        if match is None:
            continue
        left.remove(match)
        reason = f"{shortfall.reason}; linked departments: {match.reason}"
        result.append(Shortfall(shortfall.capability, match.missing, reason))
    return result


async def recommend_alarm(
    session: AsyncSession, *, department_id: str, incident_id: str, alarm: int
) -> tuple[ResponsePlan, Recommendation]:
    """Fill what alarm ``alarm`` of the incident's plan still needs.

    Besides the units, the alarm's minimum of people (if it has one) is
    checked against the crews assigned and picked; a gap is a shortfall of
    ``people``. Raises ``IncidentNotFound`` or ``NoResponsePlan``.
    """
    incident = await incident_service.get_incident(
        session, department_id=department_id, incident_id=incident_id
    )
    plan = await plan_for(session, incident=incident)
    if plan is None:
        raise NoResponsePlan(
            f"incident type {incident.incident_type.code} has no response plan here"
        )
    level = alarm_of(plan, alarm)
    live = await live_assignments(session, incident_id=incident.id, alarm=alarm)
    needs = outstanding(needs_of(plan, alarm), live)
    found = await recommend_needs(session, incident=incident, needs=needs)
    minimum = level.get("min_people")
    if minimum:
        found = await crews.check_people(
            session, found, live, alarm=alarm, minimum=int(minimum)
        )
    return plan, found
