"""GeoJSON layers of a department archive, for GIS tools (derived; import ignores them).

Coordinates are ``[lon, lat]`` in WGS 84 as RFC 7946 wants. Each layer yields
its features in batches of encoded JSON, read from the database in batches.
"""

import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from muster.dispatch.models import ResponsePlan
from muster.incidents.models import Incident, IncidentType
from muster.org.models import Station
from muster.units.models import PositionReport, Unit, UnitType

BATCH = 1000

Features = AsyncIterator[list[str]]
Query = Select[*tuple[Any, ...]]


def encode(value: Any) -> str:
    """Compact JSON with times as ISO 8601 (UTC offset kept)."""
    return json.dumps(
        value,
        default=_default,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> str:
    return encode({"type": "Feature", "geometry": geometry, "properties": properties})


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _area(
    ring: Sequence[Sequence[float]] | None, properties: dict[str, Any]
) -> str | None:
    """A polygon from ``[lon, lat]`` points, closed as GeoJSON requires.

    ``None`` without points: a JSON column may hold a JSON null, which SQL's
    ``IS NOT NULL`` does not see.
    """
    if not ring:
        return None
    points = [list(point) for point in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return _feature({"type": "Polygon", "coordinates": [points]}, properties)


async def _rows(session: AsyncSession, query: Query) -> AsyncIterator[RowMapping]:
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for row in result.mappings():
        yield row


async def _batched(
    session: AsyncSession,
    query: Query,
    build: Callable[[RowMapping], str | None],
) -> Features:
    batch: list[str] = []
    async for row in _rows(session, query):
        feature = build(row)
        if feature is not None:
            batch.append(feature)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# Layers -------------------------------------------------------------------------------


def stations(session: AsyncSession, department_id: str) -> Features:
    query = (
        select(
            Station.id,
            Station.code,
            Station.name,
            Station.address,
            Station.lat,
            Station.lon,
        )
        .where(Station.department_id == department_id, Station.lat.is_not(None))
        .order_by(Station.code)
    )
    return _batched(
        session,
        query,
        lambda row: _feature(
            _point(row["lat"], row["lon"]),
            {k: row[k] for k in ("id", "code", "name", "address")},
        ),
    )


async def response_areas(session: AsyncSession, department_id: str) -> Features:
    """Stations' response areas and response plans' zones as polygons."""
    areas = select(Station.id, Station.code, Station.response_area).where(
        Station.department_id == department_id
    )
    async for batch in _batched(
        session,
        areas.order_by(Station.code),
        lambda row: _area(
            row["response_area"],
            {"kind": "station", "id": row["id"], "code": row["code"]},
        ),
    ):
        yield batch
    zones = select(ResponsePlan.id, ResponsePlan.name, ResponsePlan.zone).where(
        ResponsePlan.department_id == department_id
    )
    async for batch in _batched(
        session,
        zones.order_by(ResponsePlan.id),
        lambda row: _area(
            row["zone"],
            {"kind": "response_plan", "id": row["id"], "name": row["name"]},
        ),
    ):
        yield batch


_INCIDENT_PROPERTIES = (
    "id",
    "number",
    "type",
    "priority",
    "status",
    "address",
    "description",
    "received_at",
    "dispatched_at",
    "first_on_scene_at",
    "closed_at",
    "disposition",
)


def incidents(session: AsyncSession, department_id: str) -> Features:
    query = (
        select(
            Incident.id,
            Incident.number,
            IncidentType.code.label("type"),
            Incident.priority,
            Incident.status,
            Incident.address,
            Incident.description,
            Incident.received_at,
            Incident.dispatched_at,
            Incident.first_on_scene_at,
            Incident.closed_at,
            Incident.disposition,
            Incident.lat,
            Incident.lon,
        )
        .join(IncidentType, IncidentType.id == Incident.type_id)
        .where(Incident.department_id == department_id)
        .order_by(Incident.received_at, Incident.id)
    )
    return _batched(
        session,
        query,
        lambda row: _feature(
            _point(row["lat"], row["lon"]),
            {k: row[k] for k in _INCIDENT_PROPERTIES},
        ),
    )


def units(session: AsyncSession, department_id: str) -> Features:
    """Each unit at its last known position (units never located are left out)."""
    query = (
        select(
            Unit.id,
            Unit.name,
            UnitType.code.label("type"),
            Unit.status,
            Unit.station_id,
            Unit.incident_id,
            Unit.location_at,
            Unit.lat,
            Unit.lon,
        )
        .join(UnitType, UnitType.id == Unit.unit_type_id)
        .where(Unit.department_id == department_id, Unit.lat.is_not(None))
        .order_by(Unit.name)
    )
    keys = ("id", "name", "type", "status", "station_id", "incident_id", "location_at")
    return _batched(
        session,
        query,
        lambda row: _feature(_point(row["lat"], row["lon"]), {k: row[k] for k in keys}),
    )


@dataclass
class _Track:
    unit_id: str
    day: date
    points: list[list[float]]
    first: datetime
    last: datetime

    def feature(self) -> str | None:
        if len(self.points) < 2:
            return None
        return _feature(
            {"type": "LineString", "coordinates": self.points},
            {
                "unit_id": self.unit_id,
                "day": self.day,
                "from": self.first,
                "to": self.last,
                "points": len(self.points),
            },
        )


class _Tracks:
    """Cuts time-ordered reports into one track per unit and UTC day."""

    def __init__(self) -> None:
        self.current: _Track | None = None

    def add(self, unit_id: str, at: datetime, point: list[float]) -> str | None:
        """Add a report; return the feature of the track it closes, if any."""
        track, finished = self.current, None
        if track is None or (track.unit_id, track.day) != (unit_id, at.date()):
            finished = self.finish()
            track = self.current = _Track(unit_id, at.date(), [], at, at)
        track.points.append(point)
        track.last = at
        return finished

    def finish(self) -> str | None:
        return self.current.feature() if self.current is not None else None


async def unit_tracks(session: AsyncSession, department_id: str) -> Features:
    """One line per unit and UTC day through its reported positions, in time order.

    A day is the unit of memory here: one unit's reports of one day at a time.
    A day with a single report draws no line.
    """
    query = (
        select(
            PositionReport.unit_id,
            PositionReport.at,
            PositionReport.lat,
            PositionReport.lon,
        )
        .where(
            PositionReport.department_id == department_id,
            PositionReport.unit_id.is_not(None),
        )
        .order_by(PositionReport.unit_id, PositionReport.at, PositionReport.id)
    )
    tracks, batch = _Tracks(), []
    async for row in _rows(session, query):
        finished = tracks.add(row["unit_id"], row["at"], [row["lon"], row["lat"]])
        if finished is not None:
            batch.append(finished)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    last = tracks.finish()
    if last is not None:
        batch.append(last)
    if batch:
        yield batch


Layer = Callable[[AsyncSession, str], Features]

LAYERS: tuple[tuple[str, Layer], ...] = (
    ("stations.geojson", stations),
    ("response-areas.geojson", response_areas),
    ("incidents.geojson", incidents),
    ("units.geojson", units),
    ("unit-tracks.geojson", unit_tracks),
)
