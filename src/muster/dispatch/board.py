"""What the dispatcher's screens show: the queue of open incidents, the unit
status board and the live map's picture, read through each domain's service."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from muster.incidents import service as incident_service
from muster.incidents.models import Incident
from muster.org import service as org_service
from muster.org.models import Station
from muster.units import service as unit_service
from muster.units.models import Unit

QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A unit on the status board, with the number of the incident it is on."""

    id: str
    name: str
    type_code: str
    station_code: str | None
    status: str
    status_at: datetime
    incident_id: str | None
    incident_number: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Board:
    queue: Sequence[Incident]
    units: list[UnitRow]
    stations: Sequence[Station]


def _unit_row(unit: Unit, numbers: dict[str, str], codes: dict[str, str]) -> UnitRow:
    return UnitRow(
        id=unit.id,
        name=unit.name,
        type_code=unit.unit_type.code,
        station_code=codes.get(unit.station_id or ""),
        status=unit.status,
        status_at=unit.status_at,
        incident_id=unit.incident_id,
        incident_number=numbers.get(unit.incident_id or ""),
        lat=unit.lat,
        lon=unit.lon,
    )


async def board(session: AsyncSession, *, department_id: str) -> Board:
    """Open incidents by priority and age, every unit by name, every station."""
    queue = await incident_service.list_open_incidents(
        session, department_id=department_id, limit=QUEUE_LIMIT
    )
    stations = await org_service.list_all_stations(session, department_id=department_id)
    units = await unit_service.list_all_units(session, department_id=department_id)
    numbers = {incident.id: incident.number for incident in queue}
    codes = {station.id: station.code for station in stations}
    return Board(
        queue=queue,
        units=[_unit_row(unit, numbers, codes) for unit in units],
        stations=stations,
    )


def map_picture(found: Board) -> dict[str, Any]:
    """The board as the live map's JSON: incidents, units and stations placed."""
    return {
        "incidents": [
            {
                "id": i.id,
                "number": i.number,
                "type": i.incident_type.code,
                "priority": i.priority,
                "status": i.status,
                "lat": i.lat,
                "lon": i.lon,
                "address": i.address,
            }
            for i in found.queue
        ],
        "units": [
            {"id": u.id, "name": u.name, "status": u.status, "lat": u.lat, "lon": u.lon}
            for u in found.units
            if u.lat is not None and u.lon is not None
        ],
        "stations": [
            {"id": s.id, "code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon}
            for s in found.stations
            if s.lat is not None and s.lon is not None
        ],
    }
