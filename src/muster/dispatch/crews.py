"""Crews: when called-in members will be at their station, and whether an alarm's
minimum of people is met by the crews assigned and picked."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch.models import Assignment
from muster.dispatch.recommend import Recommendation, Shortfall
from muster.org.models import Membership
from muster.units.models import PersonnelStatus, Unit
from muster.units.tracking_schemas import PersonnelStatusValue

PEOPLE = "people"


async def crew_etas(
    session: AsyncSession, department_id: str
) -> dict[str, tuple[datetime, ...]]:
    """Per station, when its members now responding expect to arrive."""
    rows = await session.execute(
        select(Membership.station_id, PersonnelStatus.eta_at)
        .join(
            Membership,
            (Membership.member_id == PersonnelStatus.member_id)
            & (Membership.department_id == PersonnelStatus.department_id),
        )
        .where(
            PersonnelStatus.department_id == department_id,
            PersonnelStatus.status == PersonnelStatusValue.RESPONDING,
            PersonnelStatus.eta_at.is_not(None),
            Membership.station_id.is_not(None),
            Membership.is_active.is_(True),
        )
    )
    etas: dict[str, list[datetime]] = {}
    for station_id, eta_at in rows:
        if station_id is not None and eta_at is not None:
            etas.setdefault(station_id, []).append(eta_at)
    return {station: tuple(sorted(times)) for station, times in etas.items()}


async def people_on(session: AsyncSession, live: Sequence[Assignment]) -> int:
    """Crew of the live units plus the people assigned in person."""
    unit_ids = [a.unit_id for a in live if a.unit_id is not None]
    members = sum(1 for a in live if a.member_id is not None)
    if not unit_ids:
        return members
    crews = await session.scalars(select(Unit.crew_size).where(Unit.id.in_(unit_ids)))
    return members + sum(crews)


async def check_people(
    session: AsyncSession,
    found: Recommendation,
    live: Sequence[Assignment],
    *,
    alarm: int,
    minimum: int,
) -> Recommendation:
    people = await people_on(session, live) + sum(p.crew_size for p in found.picks)
    if people >= minimum:
        return found
    reason = (
        f"alarm {alarm} needs at least {minimum} people; the units assigned and"
        f" picked carry {people}"
    )
    short = Shortfall(PEOPLE, minimum - people, reason)
    return replace(found, shortfalls=[*found.shortfalls, short])
