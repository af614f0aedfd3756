"""Request and response shapes of unit types and units."""

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, model_validator

from muster.core import clock
from muster.core.schemas import (
    Code,
    InputModel,
    Latitude,
    Longitude,
    OutputModel,
    ReportedTime,
    ShortText,
    UpdateModel,
)
from muster.units.models import Unit
from muster.units.status import UnitStatus

# What ``unit_read`` assumes when the caller passes no threshold; the app passes
# ``Settings.position_stale_s``, whose default this is.
# TODO(#6): one threshold per department shared with dispatch's
# ``position_max_age_s``, set on the department settings page; units cannot
# read dispatch settings (dispatch sits above units), so until that setting
# moves down here a unit shown fresh may rank from its home station.
DEFAULT_POSITION_STALE_S = 300.0

Capability = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
UnitName = Annotated[str, Field(min_length=1, max_length=64)]


class _Position(UpdateModel):
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> "_Position":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        return self


# Rates are in the department's own currency; the ceilings only catch typos
# (a misplaced decimal point), not any real fleet.
CostPerKm = Annotated[float, Field(ge=0, le=1_000, allow_inf_nan=False)]
CostPerHour = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
MinAvailable = Annotated[int, Field(ge=0, le=10_000)]


class UnitTypeCreate(InputModel):
    code: Code
    name: ShortText
    capabilities: Annotated[list[Capability], Field(max_length=32)] = []
    fuel_cost_per_km: CostPerKm = 0.0
    wear_cost_per_km: CostPerKm = 0.0
    cost_per_hour: CostPerHour = 0.0
    min_available: MinAvailable = 0


class UnitTypeUpdate(UpdateModel):
    """The name, the cost rates and the strain threshold; the code and the
    capabilities stay as created (dispatch ranks by them)."""

    name: ShortText | None = None
    fuel_cost_per_km: CostPerKm | None = None
    wear_cost_per_km: CostPerKm | None = None
    cost_per_hour: CostPerHour | None = None
    min_available: MinAvailable | None = None


class UnitTypeRead(OutputModel):
    id: str
    code: str
    name: str
    capabilities: list[str]
    fuel_cost_per_km: float
    wear_cost_per_km: float
    cost_per_hour: float
    min_available: int
    version: int


class UnitTypeList(OutputModel):
    items: list[UnitTypeRead]
    next_cursor: str | None


class UnitCreate(_Position):
    NULLABLE = frozenset({"lat", "lon", "station_id"})

    name: UnitName
    unit_type: Code
    station_id: str | None = None
    crew_size: Annotated[int, Field(ge=0, le=100)] = 0


class UnitUpdate(_Position):
    NULLABLE = frozenset({"station_id"})

    name: UnitName | None = None
    unit_type: Code | None = None
    station_id: str | None = None
    crew_size: Annotated[int, Field(ge=0, le=100)] | None = None


class UnitStatusChange(_Position):
    NULLABLE = frozenset({"lat", "lon", "incident_id", "at"})

    status: UnitStatus
    incident_id: str | None = None
    at: ReportedTime | None = None


class UnitRead(OutputModel):
    id: str
    name: str
    unit_type: str
    capabilities: list[str]
    station_id: str | None
    crew_size: int
    staffing: str
    status: UnitStatus
    status_at: datetime
    incident_id: str | None
    lat: float | None
    lon: float | None
    location_at: datetime | None
    position_stale: bool
    version: int


class UnitList(OutputModel):
    items: list[UnitRead]
    next_cursor: str | None


def is_position_stale(
    location_at: datetime | None, *, stale_after_s: float, now: datetime
) -> bool:
    """Whether a last known position is missing or older than ``stale_after_s``."""
    return location_at is None or now - location_at > timedelta(seconds=stale_after_s)


def unit_read(
    unit: Unit, *, stale_after_s: float = DEFAULT_POSITION_STALE_S
) -> UnitRead:
    return UnitRead(
        id=unit.id,
        name=unit.name,
        unit_type=unit.unit_type.code,
        capabilities=unit.unit_type.capabilities,
        station_id=unit.station_id,
        crew_size=unit.crew_size,
        staffing=unit.staffing,
        status=UnitStatus(unit.status),
        status_at=unit.status_at,
        incident_id=unit.incident_id,
        lat=unit.lat,
        lon=unit.lon,
        location_at=unit.location_at,
        position_stale=is_position_stale(
            unit.location_at, stale_after_s=stale_after_s, now=clock.now()
        ),
        version=unit.version,
    )
