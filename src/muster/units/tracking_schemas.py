"""Request and response shapes of position reports, personnel status and staffing."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from muster.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from muster.core.schemas import (
    InputModel,
    Latitude,
    Longitude,
    OutputModel,
    ReportedTime,
)

MAX_BATCH = 2000
"""Position reports per batch; 2,000 compact reports stay well under 1 MiB."""

Speed = Annotated[float, Field(ge=0, le=1500, allow_inf_nan=False)]
Heading = Annotated[float, Field(ge=0, lt=360, allow_inf_nan=False)]
Accuracy = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
SubjectId = Annotated[str, Field(min_length=1, max_length=36)]


class PersonnelStatusValue(StrEnum):
    """What a person is doing."""

    AVAILABLE = "available"
    RESPONDING = "responding"
    ON_SCENE = "on_scene"
    NOT_RESPONDING = "not_responding"
    UNAVAILABLE = "unavailable"


class StaffingLevel(StrEnum):
    """A person's readiness, independent of what they are doing right now."""

    AVAILABLE = "available"
    DELAYED = "delayed"
    UNAVAILABLE = "unavailable"
    COMMITTED = "committed"
    ON_SHIFT = "on_shift"


class UnitStaffing(StrEnum):
    """Whether a unit's crew is in quarters (staffed) or must be called in."""

    STAFFED = "staffed"
    ON_CALL = "on_call"


# Positions -------------------------------------------------------------------------


class PositionFix(InputModel):
    """One position of a known subject; ``speed`` in km/h, ``heading`` in degrees
    clockwise from north, ``accuracy_m`` the radius of uncertainty in metres."""

    lat: Latitude
    lon: Longitude
    at: ReportedTime | None = None
    speed: Speed | None = None
    heading: Heading | None = None
    accuracy_m: Accuracy | None = None


class PositionItem(PositionFix):
    """One report in a batch: a unit's or a member's position at a time."""

    unit_id: SubjectId | None = None
    member_id: SubjectId | None = None
    at: ReportedTime

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.unit_id is None) == (self.member_id is None):
            raise ValueError("give exactly one of unit_id and member_id")
        return self


class PositionBatch(InputModel):
    items: Annotated[list[PositionItem], Field(min_length=1, max_length=MAX_BATCH)]


class PositionOutcome(OutputModel):
    """``moved`` counts units and members whose latest position changed; the
    other reports were older than what was known and went to history only."""

    accepted: int
    moved: int
    kept_in_history_only: int


class PositionRead(OutputModel):
    id: str
    at: datetime
    lat: float
    lon: float
    speed: float | None = Field(validation_alias="speed_kmh")
    heading: float | None
    accuracy_m: float | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Whose history (a unit's or a member's), between which times, which page."""

    department_id: str
    page: PageRequest
    unit_id: str | None = None
    member_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class HistoryWindow(BaseModel):
    """Query of a position history: ``from`` inclusive, ``to`` exclusive."""

    model_config = ConfigDict(populate_by_name=True)

    since: datetime | None = Field(default=None, alias="from")
    until: datetime | None = Field(default=None, alias="to")
    cursor: str | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT

    def query(self, department_id: str, **subject: str) -> HistoryQuery:
        return HistoryQuery(
            department_id=department_id,
            page=PageRequest(cursor=self.cursor, limit=self.limit),
            since=self.since,
            until=self.until,
            **subject,
        )


class PositionList(OutputModel):
    items: list[PositionRead]
    next_cursor: str | None


# People ----------------------------------------------------------------------------


class MemberStatusChange(InputModel):
    """``eta_s`` (seconds from ``at``) goes only with ``responding``."""

    status: PersonnelStatusValue
    incident_id: SubjectId | None = None
    eta_s: Annotated[int, Field(ge=0, le=86_400)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    at: ReportedTime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.eta_s is not None and self.status != PersonnelStatusValue.RESPONDING:
            raise ValueError("eta_s goes only with status responding")
        return self


class MemberStaffingChange(InputModel):
    level: StaffingLevel
    at: ReportedTime | None = None


class PersonRead(OutputModel):
    """A member's live picture; ``null`` for what they never reported."""

    member_id: str
    name: str
    status: PersonnelStatusValue | None
    status_at: datetime | None
    incident_id: str | None
    eta_at: datetime | None
    level: StaffingLevel | None
    level_at: datetime | None
    lat: float | None
    lon: float | None
    location_at: datetime | None
    position_stale: bool


class PersonnelList(OutputModel):
    items: list[PersonRead]
    next_cursor: str | None


class UnitStaffingChange(InputModel):
    staffing: UnitStaffing
    crew_size: Annotated[int, Field(ge=0, le=100)] | None = None
