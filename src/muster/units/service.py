"""Unit types, units, unit status and staffing changes.

A unit's status change locks its row, so two dispatchers can never commit
one unit to two incidents: the second finds it committed and gets a conflict
naming the incident it went to.

Under mutual aid a unit may be committed to another department's incident
(it is "lent"). Its status changes are then recorded on both records: on its
own department's chain without the incident, and on the incident's timeline.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import NotFound, check_version, field_error
from muster.core.pagination import MAX_LIMIT, PageRequest, keyset_page
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents import lifecycle_service
from muster.incidents.lifecycle_service import UnitProgress
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.units.errors import (
    DuplicateUnitName,
    DuplicateUnitTypeCode,
    IllegalUnitTransition,
    UnitCommitted,
    UnitNotFound,
    UnitTypeNotFound,
)
from muster.units.models import Unit, UnitType
from muster.units.schemas import (
    UnitCreate,
    UnitStatusChange,
    UnitTypeCreate,
    UnitTypeUpdate,
    UnitUpdate,
)
from muster.units.status import COMMITTED, UnitStatus, can_move
from muster.units.tracking_schemas import UnitStaffingChange

S = UnitStatus

# Set on a session once it has changed a unit, so readers of shared caches
# (the dispatch index) know its view includes uncommitted changes.
_CHANGED = "muster.units.changed"


def has_pending_changes(session: AsyncSession) -> bool:
    """Whether this session's transaction has changed any unit."""
    return bool(session.info.get(_CHANGED))


def mark_changed(session: AsyncSession) -> None:
    """Record that this session's transaction changed a unit."""
    session.info[_CHANGED] = True


_PROGRESS: dict[UnitStatus, UnitProgress] = {
    S.DISPATCHED: "dispatched",
    S.EN_ROUTE: "en_route",
    S.ON_SCENE: "on_scene",
}


# Unit types ------------------------------------------------------------------------


async def create_unit_type(
    session: AsyncSession, *, ctx: Context, data: UnitTypeCreate
) -> UnitType:
    """Raises ``DuplicateUnitTypeCode`` when the code is taken."""
    if await find_unit_type(session, department_id=ctx.department_id, code=data.code):
        raise DuplicateUnitTypeCode(f"unit type {data.code!r} exists", code=data.code)
    unit_type = UnitType(
        department_id=ctx.department_id,
        code=data.code,
        name=data.name,
        capabilities=sorted(set(data.capabilities)),
        fuel_cost_per_km=data.fuel_cost_per_km,
        wear_cost_per_km=data.wear_cost_per_km,
        cost_per_hour=data.cost_per_hour,
        min_available=data.min_available,
        created_at=clock.now(),
    )
    session.add(unit_type)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="unit_type.created",
        data={
            "unit_type_id": unit_type.id,
            **data.model_dump(),
            "capabilities": unit_type.capabilities,
        },
    )
    return unit_type


async def get_unit_type(
    session: AsyncSession, *, department_id: str, unit_type_id: str
) -> UnitType:
    found = await session.scalar(
        select(UnitType).where(
            UnitType.id == unit_type_id, UnitType.department_id == department_id
        )
    )
    if found is None:
        raise UnitTypeNotFound(
            f"no unit type {unit_type_id}", unit_type_id=unit_type_id
        )
    return found


async def update_unit_type(
    session: AsyncSession,
    *,
    ctx: Context,
    unit_type_id: str,
    data: UnitTypeUpdate,
    expected_version: int | None,
) -> UnitType:
    """Rename a unit type or set its cost rates and strain threshold.

    Raises ``UnitTypeNotFound`` and ``StaleVersion``; a body that changes
    nothing writes nothing.
    """
    unit_type = await get_unit_type(
        session, department_id=ctx.department_id, unit_type_id=unit_type_id
    )
    check_version(unit_type.version, expected_version)
    changes = {
        field: value
        for field, value in data.model_dump(exclude_unset=True).items()
        if getattr(unit_type, field) != value
    }
    if not changes:
        return unit_type

    for field, value in changes.items():
        setattr(unit_type, field, value)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="unit_type.updated",
        data={"unit_type_id": unit_type.id, "changes": changes},
    )
    return unit_type


async def find_unit_type(
    session: AsyncSession, *, department_id: str, code: str
) -> UnitType | None:
    return await session.scalar(
        select(UnitType).where(
            UnitType.department_id == department_id, UnitType.code == code
        )
    )


async def list_unit_types(
    session: AsyncSession, *, department_id: str, page: PageRequest
) -> tuple[list[UnitType], str | None]:
    query = select(UnitType).where(UnitType.department_id == department_id)
    return await keyset_page(
        session, query, order=(UnitType.code, UnitType.id), page=page
    )


async def _type_for_input(
    session: AsyncSession, department_id: str, code: str
) -> UnitType:
    unit_type = await find_unit_type(session, department_id=department_id, code=code)
    if unit_type is None:
        raise field_error("unit_type", f"unknown unit type {code!r}")
    return unit_type


async def _check_station(
    session: AsyncSession, department_id: str, station_id: str
) -> None:
    try:
        await org_service.get_station(
            session, department_id=department_id, station_id=station_id
        )
    except NotFound as exc:
        raise field_error("station_id", f"unknown station {station_id}") from exc


async def _check_name_free(
    session: AsyncSession, department_id: str, name: str
) -> None:
    taken = await session.scalar(
        select(Unit.id).where(Unit.department_id == department_id, Unit.name == name)
    )
    if taken:
        raise DuplicateUnitName(f"a unit named {name!r} exists", name=name)


# Units -----------------------------------------------------------------------------


async def create_unit(session: AsyncSession, *, ctx: Context, data: UnitCreate) -> Unit:
    """A new unit, available. Raises ``DuplicateUnitName`` or ``ValidationFailed``."""
    unit_type = await _type_for_input(session, ctx.department_id, data.unit_type)
    if data.station_id is not None:
        await _check_station(session, ctx.department_id, data.station_id)
    await _check_name_free(session, ctx.department_id, data.name)
    now = clock.now()
    unit = Unit(
        department_id=ctx.department_id,
        name=data.name,
        unit_type_id=unit_type.id,
        unit_type=unit_type,
        station_id=data.station_id,
        crew_size=data.crew_size,
        status=S.AVAILABLE,
        status_at=now,
        lat=data.lat,
        lon=data.lon,
        location_at=now if data.lat is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(unit)
    mark_changed(session)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="unit.created",
        data={"unit_id": unit.id, **data.model_dump()},
    )
    return unit


async def get_unit(
    session: AsyncSession, *, department_id: str, unit_id: str, for_update: bool = False
) -> Unit:
    query = select(Unit).where(Unit.id == unit_id, Unit.department_id == department_id)
    if for_update:
        # Re-read the row under the lock: an earlier read in this session may
        # hold values another transaction has since changed.
        query = query.with_for_update(of=Unit).execution_options(populate_existing=True)
    unit = await session.scalar(query)
    if unit is None:
        raise UnitNotFound(f"no unit {unit_id}", unit_id=unit_id)
    return unit


async def list_units(
    session: AsyncSession,
    *,
    department_id: str,
    status: Sequence[UnitStatus] | None,
    station_id: str | None,
    page: PageRequest,
) -> tuple[list[Unit], str | None]:
    """Units in name order, optionally of some statuses or one station."""
    query = select(Unit).where(Unit.department_id == department_id)
    if status:
        query = query.where(Unit.status.in_([str(s) for s in status]))
    if station_id:
        query = query.where(Unit.station_id == station_id)
    return await keyset_page(session, query, order=(Unit.name, Unit.id), page=page)


async def update_unit(
    session: AsyncSession,
    *,
    ctx: Context,
    unit_id: str,
    data: UnitUpdate,
    expected_version: int | None,
) -> Unit:
    """Edit a unit's name, type, station, crew or position."""
    unit = await get_unit(
        session, department_id=ctx.department_id, unit_id=unit_id, for_update=True
    )
    check_version(unit.version, expected_version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if data.unit_type is not None:
        unit.unit_type = await _type_for_input(
            session, ctx.department_id, data.unit_type
        )
        unit.unit_type_id = unit.unit_type.id
    if data.station_id is not None:
        await _check_station(session, ctx.department_id, data.station_id)
    if data.name is not None and data.name != unit.name:
        await _check_name_free(session, ctx.department_id, data.name)
    for field in ("name", "station_id", "crew_size"):
        if changes.get(field) is not None:
            setattr(unit, field, changes[field])
    if data.lat is not None and data.lon is not None:
        unit.lat, unit.lon, unit.location_at = data.lat, data.lon, clock.now()
    unit.updated_at = clock.now()
    mark_changed(session)
    await session.flush()
    moved = {"lat", "lon"} <= changes.keys()
    await event_service.append(
        session,
        ctx=ctx,
        kind="unit.moved" if moved and len(changes) == 2 else "unit.updated",
        incident_id=unit.incident_id,
        data={"unit_id": unit.id, "changes": changes},
    )
    return unit


async def _refuse_if_committed_elsewhere(
    session: AsyncSession, unit: Unit, incident_id: str | None
) -> None:
    if unit.incident_id is None or incident_id in (None, unit.incident_id):
        return
    # The unit's own incident id, so no department scope: a lent unit's
    # incident belongs to the department it was lent to.
    current = await session.get(Incident, unit.incident_id)
    number = current.number if current is not None else unit.incident_id
    raise UnitCommitted(
        f"unit {unit.name} is committed to incident {number}",
        incident_id=unit.incident_id,
        incident_number=number,
    )


async def _incident_department(
    session: AsyncSession, unit: Unit, incident_id: str | None, lend_to: str | None
) -> str:
    """The department whose incident ``incident_id`` is, as far as the unit may go.

    The unit's current incident is trusted wherever it is; another incident
    must be the unit's own department's or, when lending, ``lend_to``'s.
    """
    if incident_id is not None and incident_id == unit.incident_id:
        found = await session.scalar(
            select(Incident.department_id).where(Incident.id == incident_id)
        )
        if found is not None:
            return found
    return lend_to or unit.department_id


async def _committing_incident(
    session: AsyncSession, unit: Unit, data: UnitStatusChange, lend_to: str | None
) -> Incident:
    incident_id = data.incident_id or unit.incident_id
    if incident_id is None:
        raise field_error("incident_id", f"status {data.status} needs an incident")
    department_id = await _incident_department(session, unit, incident_id, lend_to)
    return await lifecycle_service.get_open_incident(
        session, department_id=department_id, incident_id=incident_id
    )


async def change_unit_status(
    session: AsyncSession,
    *,
    ctx: Context,
    unit_id: str,
    data: UnitStatusChange,
    expected_version: int | None = None,
) -> Unit:
    """Move a unit through its status machine, committing it to an incident or not.

    Repeating the current status for the same incident changes nothing (field
    devices retry). Raises ``IllegalUnitTransition``, ``UnitCommitted`` (where it
    is committed), ``IncidentClosed``, ``IncidentNotFound``, ``StaleVersion``.
    """
    unit = await get_unit(
        session, department_id=ctx.department_id, unit_id=unit_id, for_update=True
    )
    check_version(unit.version, expected_version)
    return await _change(session, ctx, unit, data, None)


async def lend_unit(
    session: AsyncSession, *, ctx: Context, unit: Unit, incident_id: str
) -> Unit:
    """Commit another department's unit to an incident of ``ctx``'s (mutual aid).

    The caller has checked that the unit's department lends to ``ctx``'s.
    Raises as ``change_unit_status`` does.
    """
    locked = await get_unit(
        session, department_id=unit.department_id, unit_id=unit.id, for_update=True
    )
    data = UnitStatusChange(status=S.DISPATCHED, incident_id=incident_id)
    own = Context(unit.department_id, ctx.actor)
    return await _change(session, own, locked, data, ctx.department_id)


async def _change(
    session: AsyncSession,
    ctx: Context,
    unit: Unit,
    data: UnitStatusChange,
    lend_to: str | None,
) -> Unit:
    current, target = UnitStatus(unit.status), data.status
    if current == target and data.incident_id in (None, unit.incident_id):
        return unit
    if target in COMMITTED:
        await _refuse_if_committed_elsewhere(session, unit, data.incident_id)
    if current != target and not can_move(current, target):
        raise IllegalUnitTransition(
            f"unit {unit.name} cannot go from {current} to {target}",
            current_status=current,
        )
    incident = (
        await _committing_incident(session, unit, data, lend_to)
        if target in COMMITTED
        else None
    )
    at = data.at or clock.now()
    previous_incident = unit.incident_id
    unit.status, unit.status_at = target, at
    unit.incident_id = incident.id if incident is not None else None
    # A position older than the one known goes nowhere (a late report).
    newer = unit.location_at is None or at > unit.location_at
    if data.lat is not None and data.lon is not None and newer:
        unit.lat, unit.lon, unit.location_at = data.lat, data.lon, at
    unit.updated_at = clock.now()
    mark_changed(session)
    await session.flush()
    change = {
        "unit_id": unit.id,
        "unit": unit.name,
        "from": current,
        "to": target,
        "at": at,
        "lat": data.lat,
        "lon": data.lon,
    }
    if incident is not None:
        owner: str | None = incident.department_id
    elif previous_incident is not None:
        owner = await session.scalar(
            select(Incident.department_id).where(Incident.id == previous_incident)
        )
    else:
        owner = None
    await _record_status(
        session, ctx, unit, (unit.incident_id or previous_incident, owner), change
    )
    if incident is not None and target in _PROGRESS:
        await lifecycle_service.record_unit_progress(
            session,
            incident=incident,
            progress=_PROGRESS[target],
            at=at,
            actor=ctx.actor,
        )
    return unit


async def change_unit_staffing(
    session: AsyncSession, *, ctx: Context, unit_id: str, data: UnitStaffingChange
) -> Unit:
    """Set whether the unit's crew is in quarters or on call, and its size.

    Repeating the current staffing changes nothing. Raises ``UnitNotFound``.
    """
    unit = await get_unit(
        session, department_id=ctx.department_id, unit_id=unit_id, for_update=True
    )
    staffing = str(data.staffing)
    crew_size = unit.crew_size if data.crew_size is None else data.crew_size
    before = {"staffing": unit.staffing, "crew_size": unit.crew_size}
    after = {"staffing": staffing, "crew_size": crew_size}
    if after == before:
        return unit

    unit.staffing, unit.crew_size = staffing, crew_size
    unit.updated_at = clock.now()
    mark_changed(session)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="unit.staffing_changed",
        incident_id=unit.incident_id,
        data={"unit_id": unit.id, "unit": unit.name, "from": before, "to": after},
    )
    return unit


async def _record_status(
    session: AsyncSession,
    ctx: Context,
    unit: Unit,
    incident: tuple[str | None, str | None],
    change: dict[str, Any],
) -> None:
    """Append the status change; a lent unit's goes on both departments' records.

    ``incident`` is the incident's id and its department's.
    """
    incident_id, owner = incident
    if incident_id is None or owner is None or owner == unit.department_id:
        await event_service.append(
            session,
            ctx=ctx,
            kind="unit.status_changed",
            incident_id=incident_id,
            data=change,
        )
        return
    lent = {**change, "lent_to": owner, "lent_incident_id": incident_id}
    await event_service.append(session, ctx=ctx, kind="unit.status_changed", data=lent)
    await event_service.append(
        session,
        ctx=Context(owner, ctx.actor),
        kind="unit.status_changed",
        incident_id=incident_id,
        data={**change, "mutual_aid_from": unit.department_id},
    )


async def list_all_units(
    session: AsyncSession, *, department_id: str, station_id: str | None = None
) -> list[Unit]:
    """Every unit of the department (or of one station) in name order."""
    units: list[Unit] = []
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        found, cursor = await list_units(
            session,
            department_id=department_id,
            status=None,
            station_id=station_id,
            page=page,
        )
        units.extend(found)
        if cursor is None:
            return units
        page = PageRequest(cursor=cursor, limit=MAX_LIMIT)
