"""What the utilisation (workload and cost) report is asked for and answers."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from muster.reporting.schemas import OutputModel

DEFAULT_LIMIT = 100


class UtilizationTable(StrEnum):
    UNITS = "units"
    TYPES = "types"
    PERSONNEL = "personnel"
    INCIDENTS = "incidents"
    STRAIN = "strain"
    DUPLICATES = "duplicates"


@dataclass(frozen=True, slots=True)
class WorkloadRules:
    """Thresholds of the report: overtime, plausible tracks, duplicate calls."""

    weekly_hours: float
    max_speed_kmh: float
    max_accuracy_m: float
    duplicate_radius_m: float
    duplicate_window: timedelta


@dataclass(frozen=True, slots=True)
class UtilizationQuery:
    """The period asked for (``None``: see ``workload.resolve_period``), and how
    many rows the long tables (incidents, duplicates) keep (``None``: all)."""

    start: datetime | None = None
    end: datetime | None = None
    weekly_hours: float | None = None
    limit: int | None = DEFAULT_LIMIT


class _PeriodParams(BaseModel):
    from_: datetime | None = Field(
        default=None,
        alias="from",
        description="Period start (ISO 8601; without an offset, the department's "
        "local time); default 30 days before the end",
    )
    to: datetime | None = Field(
        default=None, description="Period end, exclusive; default now"
    )
    weekly_hours: float | None = Field(
        default=None,
        gt=0,
        le=168,
        description="Hours on incidents a week past which a member's time is "
        "overtime; default MUSTER_REPORT_WEEKLY_HOURS",
    )


class UtilizationParams(_PeriodParams):
    """The query string of the JSON report."""

    limit: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=5000,
        description="Rows kept of the incidents and duplicates tables",
    )

    def to_query(self) -> UtilizationQuery:
        return UtilizationQuery(self.from_, self.to, self.weekly_hours, self.limit)


class UtilizationCsvParams(_PeriodParams):
    """The query string of a CSV table: one whole table, every row."""

    table: UtilizationTable

    def to_query(self) -> UtilizationQuery:
        return UtilizationQuery(self.from_, self.to, self.weekly_hours, None)


class UnitUse(OutputModel):
    unit_id: str
    unit: str
    type: str
    station: str | None
    incidents: int
    committed_hours: float
    utilisation: float
    distance_km: float
    fuel_cost: float
    wear_cost: float
    time_cost: float
    cost: float


class TypeUse(OutputModel):
    type: str
    name: str
    units: int
    incidents: int
    committed_hours: float
    utilisation: float
    distance_km: float
    fuel_cost: float
    wear_cost: float
    time_cost: float
    cost: float


class MemberUse(OutputModel):
    member_id: str
    member: str
    incidents: int
    hours: float
    busiest_week_hours: float
    weeks_over: int
    overtime_hours: float


class IncidentEffort(OutputModel):
    incident_id: str
    number: str
    type: str
    received_at: datetime
    units: int
    unit_hours: float
    members: int
    member_hours: float
    crew_hours: float
    personnel_hours: float


class TypeStrain(OutputModel):
    type: str
    min_available: int
    units: int
    strain_hours: float
    strain_share: float
    episodes: int
    lowest_available: int


class DuplicateKind(StrEnum):
    REPEATED_STATUS = "repeated_status"
    REPEATED_POSITION = "repeated_position"
    POSSIBLE_DUPLICATE_INCIDENT = "possible_duplicate_incident"


class Duplicate(OutputModel):
    """A repeated update: ``count`` repeats of one unit's or member's status or
    position between ``first_at`` and ``last_at``, or an incident (``subject``)
    received ``last_at`` near an earlier one of its type (``other``, received
    ``first_at``), ``distance_m`` apart."""

    kind: DuplicateKind
    subject_type: str
    subject_id: str
    subject: str
    other: str | None
    count: int
    first_at: datetime
    last_at: datetime
    distance_m: float | None


class Totals(OutputModel):
    committed_hours: float
    distance_km: float
    cost: float
    personnel_hours: float


class UtilizationReport(OutputModel):
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    timezone: str
    hours: float
    weekly_hours: float
    totals: Totals
    units: list[UnitUse]
    unit_types: list[TypeUse]
    personnel: list[MemberUse]
    incidents: list[IncidentEffort]
    incidents_total: int
    strain: list[TypeStrain]
    duplicates: list[Duplicate]
    duplicates_total: int
