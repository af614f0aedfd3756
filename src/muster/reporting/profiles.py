"""Target profiles: the shipped ones (NFPA, none) and those a department
defines for itself, one of which may be its default.

A profile as stored names its row classes in words; ``any`` stands for every
class the interval sorts its rows into (EMS and fire for turnout, say), so a
department that holds all turnouts to one time need not repeat it."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import Conflict, NotFound
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.reporting.errors import BadReportQuery
from muster.reporting.models import ReportProfile
from muster.reporting.schemas import ProfileIn, ProfileRead, TierIn
from muster.reporting.targets import (
    CLASSES,
    DEFAULT_PROFILE,
    PROFILES,
    Interval,
    Profile,
    RowClass,
    Target,
    Tiers,
)


class ProfileNotFound(NotFound):
    pass


class ShippedProfile(Conflict):
    """The shipped profiles are read only; a department saves its own names."""


def _tiers(given: Sequence[TierIn]) -> Tiers:
    return tuple(
        Target(t.seconds, t.share) for t in sorted(given, key=lambda t: t.share)
    )


def to_profile(row: ReportProfile) -> Profile:
    targets: dict[Interval, dict[RowClass, Tiers]] = {}
    for interval_name, by_class in row.targets.items():
        interval = Interval(interval_name)
        for class_name, tiers in by_class.items():
            classes = (
                CLASSES[interval]
                if class_name == "any"
                else (RowClass[class_name.upper()],)
            )
            parsed = _tiers([TierIn(seconds=s, share=p) for s, p in tiers])
            for row_class in classes:
                targets.setdefault(interval, {})[row_class] = parsed
    return Profile(
        name=row.name,
        description=row.description,
        targets=targets,
        ems_categories=frozenset(row.ems_categories),
    )


def _stored(data: ProfileIn) -> dict[str, Any]:
    return {
        interval.value: {
            class_name: [[t.seconds, t.share] for t in tiers]
            for class_name, tiers in by_class.items()
        }
        for interval, by_class in data.targets.items()
    }


async def _rows(session: AsyncSession, department_id: str) -> list[ReportProfile]:
    query = (
        select(ReportProfile)
        .where(ReportProfile.department_id == department_id)
        .order_by(ReportProfile.name)
    )
    return list((await session.scalars(query)).all())


async def resolve_profile(
    session: AsyncSession, *, department_id: str, name: str | None
) -> Profile:
    """The profile a report uses: ``name`` (the department's own first, then
    the shipped ones), or the department's default, or NFPA.

    Raises ``BadReportQuery`` for an unknown name.
    """
    rows = await _rows(session, department_id)
    if name is None:
        chosen = next((r for r in rows if r.is_default), None)
        return to_profile(chosen) if chosen else PROFILES[DEFAULT_PROFILE]
    own = next((r for r in rows if r.name == name), None)
    if own is not None:
        return to_profile(own)
    if name in PROFILES:
        return PROFILES[name]
    known = ", ".join(sorted({*PROFILES, *(r.name for r in rows)}))
    raise BadReportQuery("profile", f"unknown profile {name!r}; known: {known}")


def _read_shipped(profile: Profile, *, is_default: bool) -> ProfileRead:
    return ProfileRead.of(profile, shipped=True, is_default=is_default)


async def list_profiles(
    session: AsyncSession, *, department_id: str
) -> list[ProfileRead]:
    rows = await _rows(session, department_id)
    own_default = any(r.is_default for r in rows)
    shipped = [
        _read_shipped(p, is_default=not own_default and p.name == DEFAULT_PROFILE)
        for p in PROFILES.values()
    ]
    own = [
        ProfileRead.of(to_profile(r), shipped=False, is_default=r.is_default)
        for r in rows
    ]
    return shipped + own


async def save_profile(
    session: AsyncSession, *, ctx: Context, name: str, data: ProfileIn
) -> ProfileRead:
    """Create or replace the department's profile ``name``; making it the
    default takes that from any other. Raises ``ShippedProfile`` for the
    name of a shipped profile."""
    if name in PROFILES:
        raise ShippedProfile(f"{name!r} is a shipped profile; choose another name")
    if data.is_default:
        await session.execute(
            update(ReportProfile)
            .where(ReportProfile.department_id == ctx.department_id)
            .values(is_default=False)
        )
    row = await session.get(ReportProfile, (ctx.department_id, name))
    if row is None:
        row = ReportProfile(department_id=ctx.department_id, name=name)
        session.add(row)
    row.description = data.description
    row.targets = _stored(data)
    row.ems_categories = sorted(data.ems_categories)
    row.is_default = data.is_default
    row.updated_at = clock.now()
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="report_profile.saved",
        data={"name": name, **data.model_dump(mode="json")},
    )
    return ProfileRead.of(to_profile(row), shipped=False, is_default=row.is_default)


async def delete_profile(session: AsyncSession, *, ctx: Context, name: str) -> None:
    """Raises ``ShippedProfile`` or ``ProfileNotFound``."""
    if name in PROFILES:
        raise ShippedProfile(f"{name!r} is a shipped profile and stays")
    row = await session.get(ReportProfile, (ctx.department_id, name))
    if row is None:
        raise ProfileNotFound(f"no profile {name!r}", name=name)
    await session.delete(row)
    await session.flush()
    await event_service.append(
        session, ctx=ctx, kind="report_profile.deleted", data={"name": name}
    )
