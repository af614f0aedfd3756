"""The per-process registry of unit indexes, kept in step with the database.

Each app instance keeps one ``UnitIndex`` per department and syncs it
incrementally from ``units.updated_at`` before every recommendation; the
database stays the truth, so several instances each keep their own.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.dispatch.index import UnitIndex
from muster.dispatch.recommend import Candidate
from muster.incidents.models import Incident
from muster.org.models import Station
from muster.units.models import Unit, UnitType

# Ids per IN list when re-reading changed units (SQLite caps bound parameters).
_IDS_PER_QUERY = 500


# Core tables, not ORM entities: plain rows skip the ORM's loading machinery.
_UNITS = Unit.__table__
_TYPES = UnitType.__table__
_STATIONS = Station.__table__
_INCIDENTS = Incident.__table__


def _units_query(department_id: str) -> Select[*tuple[Any, ...]]:
    units, types, stations = _UNITS.c, _TYPES.c, _STATIONS.c
    return (
        select(
            units.id,
            units.name,
            units.department_id,
            types.capabilities,
            units.status,
            units.incident_id,
            _INCIDENTS.c.number,
            units.lat,
            units.lon,
            units.location_at,
            stations.lat.label("home_lat"),
            stations.lon.label("home_lon"),
            units.station_id,
            stations.code,
            units.staffing,
            units.crew_size,
            types.speed_kmh,
            units.version,
        )
        .select_from(_UNITS)
        .join(_TYPES, types.id == units.unit_type_id)
        .outerjoin(_STATIONS, stations.id == units.station_id)
        .outerjoin(_INCIDENTS, _INCIDENTS.c.id == units.incident_id)
        .where(units.department_id == department_id)
    )


@lru_cache(maxsize=1024)
def _capabilities(names: tuple[str, ...]) -> frozenset[str]:
    """One shared set per unit type's capabilities rather than one per unit."""
    return frozenset(names)


def _candidate(row: Row[*tuple[Any, ...]]) -> Candidate:
    (unit_id, name, department_id, capabilities, status, incident_id, number) = row[:7]
    (lat, lon, position_at, home_lat, home_lon, station_id, station_code) = row[7:14]
    staffing, crew_size, speed, _version = row[14:]
    return Candidate(
        unit_id=unit_id,
        name=name,
        department_id=department_id,
        capabilities=_capabilities(tuple(capabilities)),
        status=status,
        incident_id=incident_id,
        incident_number=number,
        lat=lat,
        lon=lon,
        position_at=position_at,
        home_lat=home_lat,
        home_lon=home_lon,
        station_id=station_id,
        station_code=station_code,
        staffing=staffing,
        crew_size=crew_size,
        speed_kmh=speed,
    )


@dataclass(slots=True)
class _Synced:
    """A department's index, the version of each unit in it, and when it was read."""

    index: UnitIndex
    versions: dict[str, int]
    since: datetime
    loaded_at: datetime

    def apply(self, rows: Iterable[Row[*tuple[Any, ...]]]) -> None:
        for row in rows:
            self.index.upsert(_candidate(row))
            self.versions[row[0]] = row[-1]


class IndexRegistry:
    """One ``UnitIndex`` per department in this process, synced from the database.

    The first ``index_for`` loads every unit of the department (into cells sized
    to them unless ``cell_m`` is given). Later calls list the ids and versions
    of units whose ``updated_at`` is at least the previous sync's start less
    ``overlap_s``, then read in full only those whose version changed. The
    overlap must cover the longest transaction that changes a unit
    (``updated_at`` is stamped before the commit makes the row visible) and the
    clock skew between app instances. Every ``reload_s`` the index is rebuilt
    from scratch, which also picks up what doesn't touch the unit row (a
    station moved, a unit type's speed or capabilities changed); call
    ``invalidate`` after such a change to see it at once.
    """

    def __init__(
        self,
        *,
        cell_m: float | None = None,
        overlap_s: float = 5.0,
        reload_s: float | None = 600.0,
    ) -> None:
        self._cell_m = cell_m
        self._overlap = timedelta(seconds=overlap_s)
        self._reload = timedelta(seconds=reload_s) if reload_s is not None else None
        self._synced: dict[str, _Synced] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def index_for(self, session: AsyncSession, department_id: str) -> UnitIndex:
        """The department's index, synced through ``session`` first.

        The sync reads through the caller's session, so call this before the
        transaction changes any unit: an uncommitted change would otherwise
        enter the shared index and stay there if the transaction rolled back.
        Use the index before the next ``await``; later syncs change it in place.
        """
        lock = self._locks.setdefault(department_id, asyncio.Lock())
        async with lock:
            started = clock.now()
            synced = self._synced.get(department_id)
            if synced is None or self._is_due_reload(synced, started):
                synced = await self._load(session, department_id, started)
                self._synced[department_id] = synced
            else:
                await self._refresh(session, department_id, synced, started)
            return synced.index

    async def snapshot(self, session: AsyncSession, department_id: str) -> UnitIndex:
        """A private index of the department as ``session`` sees it, not shared.

        For a transaction that has already changed units: what it sees is not
        committed yet, so it must not enter the shared index.
        """
        rows = (await session.execute(_units_query(department_id))).all()
        return UnitIndex.build(map(_candidate, rows), self._cell_m)

    def invalidate(self, department_id: str | None = None) -> None:
        """Drop one department's index (or all), to be loaded afresh on next use."""
        if department_id is None:
            self._synced.clear()
        else:
            self._synced.pop(department_id, None)

    def _is_due_reload(self, synced: _Synced, now: datetime) -> bool:
        return self._reload is not None and now - synced.loaded_at >= self._reload

    async def _load(
        self, session: AsyncSession, department_id: str, started: datetime
    ) -> _Synced:
        rows = (await session.execute(_units_query(department_id))).all()
        index = UnitIndex.build(map(_candidate, rows), self._cell_m)
        synced = _Synced(index, {}, started, started)
        synced.versions.update((row[0], row[-1]) for row in rows)
        return synced

    async def _refresh(
        self,
        session: AsyncSession,
        department_id: str,
        synced: _Synced,
        started: datetime,
    ) -> None:
        units = _UNITS.c
        recent = await session.execute(
            select(units.id, units.version).where(
                units.department_id == department_id,
                units.updated_at >= synced.since - self._overlap,
            )
        )
        known = synced.versions
        changed = [
            unit_id for unit_id, version in recent if known.get(unit_id) != version
        ]
        for start in range(0, len(changed), _IDS_PER_QUERY):
            ids = changed[start : start + _IDS_PER_QUERY]
            query = _units_query(department_id).where(units.id.in_(ids))
            synced.apply(await session.execute(query))
        synced.since = started


# The process's registry: every request and job of this app instance shares it.
REGISTRY = IndexRegistry()
