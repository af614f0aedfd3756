"""An incident's lifecycle: status moves, closure, reopening, and the times
units stamp on it as they are dispatched, travel and arrive."""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.events import service as event_service
from muster.events.schemas import Actor, Context
from muster.incidents import service as incident_service
from muster.incidents.errors import IllegalIncidentTransition
from muster.incidents.lifecycle import OPEN, TRANSITIONS, IncidentStatus
from muster.incidents.models import Incident
from muster.incidents.schemas import StatusChange

S = IncidentStatus
UnitProgress = Literal["dispatched", "en_route", "on_scene"]


def _stamp(incident: Incident, status: IncidentStatus, at: datetime) -> None:
    if status is S.DISPATCHED and incident.dispatched_at is None:
        incident.dispatched_at = at
    if status is S.UNDER_CONTROL and incident.under_control_at is None:
        incident.under_control_at = at


async def _move(
    session: AsyncSession,
    incident: Incident,
    target: IncidentStatus,
    actor: Actor,
    extra: dict[str, Any],
) -> None:
    previous = incident.status
    incident.status = target
    incident.updated_at = clock.now()
    await session.flush()
    await event_service.append(
        session,
        ctx=Context(incident.department_id, actor),
        kind="incident.status_changed",
        incident_id=incident.id,
        data={"from": previous, "to": str(target), **extra},
    )


async def change_status(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    change: StatusChange,
    expected_version: int | None,
) -> Incident:
    """Move an incident along its lifecycle (not to closed: see ``close``).

    Raises ``IllegalIncidentTransition`` for a move the lifecycle forbids.
    """
    incident = await incident_service.load_for_change(
        session, ctx.department_id, incident_id, expected_version
    )
    current = IncidentStatus(incident.status)
    if change.status is S.CLOSED:
        raise IllegalIncidentTransition("close an incident with POST .../close")
    if change.status not in TRANSITIONS[current]:
        raise IllegalIncidentTransition(
            f"incident {incident.number} cannot go from {current} to {change.status}",
            current_status=str(current),
        )
    now = clock.now()
    _stamp(incident, change.status, now)
    if change.status is S.CANCELLED:
        incident.closed_at = now
    extra = {"reason": change.reason} if change.reason else {}
    await _move(session, incident, change.status, ctx.actor, extra)
    return incident


async def close_incident(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    disposition: str,
    expected_version: int | None,
) -> Incident:
    """Close an open incident with a disposition. Raises ``IncidentClosed``."""
    incident = await incident_service.load_for_change(
        session, ctx.department_id, incident_id, expected_version
    )
    incident_service.require_open(incident)
    now = clock.now()
    incident.closed_at, incident.disposition = now, disposition
    previous = incident.status
    incident.status, incident.updated_at = S.CLOSED, now
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.closed",
        incident_id=incident.id,
        data={"from": previous, "disposition": disposition},
    )
    return incident


async def reopen_incident(
    session: AsyncSession,
    *,
    ctx: Context,
    incident_id: str,
    expected_version: int | None,
) -> Incident:
    """Reopen a closed or cancelled incident where its work had got to.

    Lifecycle times already reached are kept; ``closed_at`` is cleared and set
    again by the next close. Raises ``IllegalIncidentTransition`` if open.
    """
    incident = await incident_service.load_for_change(
        session, ctx.department_id, incident_id, expected_version
    )
    if incident.status in OPEN:
        raise IllegalIncidentTransition(f"incident {incident.number} is already open")
    if incident.first_on_scene_at is not None:
        target = S.ACTIVE
    elif incident.dispatched_at is not None:
        target = S.DISPATCHED
    else:
        target = S.NEW
    previous = incident.status
    incident.status, incident.closed_at, incident.disposition = target, None, None
    incident.updated_at = clock.now()
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident.reopened",
        incident_id=incident.id,
        data={"from": previous, "to": str(target)},
    )
    return incident


async def get_open_incident(
    session: AsyncSession, *, department_id: str, incident_id: str
) -> Incident:
    """The incident, row-locked, if open (``IncidentNotFound``, ``IncidentClosed``)."""
    incident = await incident_service.get_incident(
        session, department_id=department_id, incident_id=incident_id, for_update=True
    )
    incident_service.require_open(incident)
    return incident


def _earliest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


async def record_unit_progress(
    session: AsyncSession,
    *,
    incident: Incident,
    progress: UnitProgress,
    at: datetime,
    actor: Actor,
) -> None:
    """Stamp the lifecycle times a unit's move reaches first, and advance the status.

    The first unit dispatched (or moving without dispatch) marks the incident
    dispatched; the first unit on scene makes it active. Reports can arrive
    late from the field, so each time keeps the earliest moment reported.
    """
    incident.dispatched_at = _earliest(incident.dispatched_at, at)
    if progress == "en_route":
        incident.first_en_route_at = _earliest(incident.first_en_route_at, at)
    if progress == "on_scene":
        incident.first_on_scene_at = _earliest(incident.first_on_scene_at, at)
    target = {
        "dispatched": S.DISPATCHED,
        "en_route": S.DISPATCHED,
        "on_scene": S.ACTIVE,
    }[progress]
    order = [S.NEW, S.DISPATCHED, S.ACTIVE]
    current = IncidentStatus(incident.status)
    if current in order and order.index(target) > order.index(current):
        await _move(session, incident, target, actor, {"cause": f"unit {progress}"})
    else:
        incident.updated_at = clock.now()
        await session.flush()
