"""Request and response shapes of dispatch: settings, plans, recommendations,
assignments."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from muster.core.schemas import (
    Code,
    InputModel,
    OutputModel,
    ShortText,
    Slug,
    UpdateModel,
)
from muster.incidents.schemas import IncidentCreated

Capability = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]


class AssignmentStatus(StrEnum):
    REQUESTED = "requested"  # mutual aid: waits for the lending department
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    DECLINED = "declined"
    UNANSWERED = "unanswered"
    CLEARED = "cleared"


LIVE = frozenset(
    {
        AssignmentStatus.REQUESTED,
        AssignmentStatus.PENDING,
        AssignmentStatus.ACKNOWLEDGED,
        AssignmentStatus.UNANSWERED,
    }
)


class AckResponse(StrEnum):
    RESPONDING = "responding"
    DECLINED = "declined"


class SettingsUpdate(UpdateModel):
    NULLABLE = frozenset({"max_radius_m"})

    ack_repage_s: Annotated[int, Field(ge=10, le=3600)] | None = None
    ack_escalate_s: Annotated[int, Field(ge=20, le=7200)] | None = None
    allow_returning: bool | None = None
    position_max_age_s: Annotated[int, Field(ge=10, le=86400)] | None = None
    detour_factor: Annotated[float, Field(ge=1.0, le=3.0)] | None = None
    turnout_s: Annotated[int, Field(ge=0, le=3600)] | None = None
    crew_callback_s: Annotated[int, Field(ge=0, le=7200)] | None = None
    default_speed_kmh: Annotated[float, Field(gt=0, le=300)] | None = None
    max_radius_m: Annotated[float, Field(gt=0)] | None = None
    auto_assign_on_escalation: bool | None = None


class SettingsRead(OutputModel):
    ack_repage_s: int
    ack_escalate_s: int
    allow_returning: bool
    position_max_age_s: int
    detour_factor: float
    turnout_s: int
    crew_callback_s: int
    default_speed_kmh: float
    max_radius_m: float | None
    auto_assign_on_escalation: bool
    version: int


class NeedIn(InputModel):
    capability: Capability
    count: Annotated[int, Field(ge=1, le=50)]


class AlarmIn(InputModel):
    level: Annotated[int, Field(ge=1, le=10)]
    needs: Annotated[list[NeedIn], Field(min_length=1, max_length=30)]
    min_people: Annotated[int, Field(ge=0, le=1000)] | None = None


class ResponsePlanCreate(InputModel):
    incident_type: Code
    name: ShortText | None = None
    zone: Annotated[list[Point], Field(min_length=3, max_length=1000)] | None = None
    station_id: str | None = None
    alarms: Annotated[list[AlarmIn], Field(min_length=1, max_length=10)]

    @model_validator(mode="after")
    def _check(self) -> "ResponsePlanCreate":
        if self.zone is not None and self.station_id is not None:
            raise ValueError("give a zone or a station, not both")
        levels = [alarm.level for alarm in self.alarms]
        if len(set(levels)) != len(levels):
            raise ValueError("alarm levels must be unique")
        for lon, lat in self.zone or []:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError("zone points are [lon, lat] on the globe")
        return self


class ResponsePlanRead(OutputModel):
    id: str
    incident_type: str
    name: str
    zone: list[list[float]] | None
    station_id: str | None
    alarms: list[dict[str, Any]]
    version: int


class ResponsePlanList(OutputModel):
    items: list[ResponsePlanRead]
    next_cursor: str | None


class PickRead(OutputModel):
    unit_id: str
    name: str
    capability: str
    eta_s: float
    distance_m: float
    reason: str
    crew_size: int
    department_id: str
    mutual_aid: bool


class ShortfallRead(OutputModel):
    capability: str
    missing: int
    reason: str


class MoveUpRead(OutputModel):
    unit_id: str
    name: str
    from_station_id: str | None
    eta_s: float
    distance_m: float


class CoverGapRead(OutputModel):
    """A station the picks leave without cover, and who could stand in."""

    station_id: str
    station_code: str | None
    capability: str
    move_up: MoveUpRead | None
    reason: str


class RecommendationRead(OutputModel):
    incident_id: str
    alarm: int
    plan_id: str | None
    picks: list[PickRead]
    shortfalls: list[ShortfallRead]
    cover: list[CoverGapRead]


class AssignmentCreate(InputModel):
    unit_id: str | None = None
    member_id: str | None = None
    alarm: Annotated[int, Field(ge=1, le=10)] = 1

    @model_validator(mode="after")
    def _one_target(self) -> "AssignmentCreate":
        if (self.unit_id is None) == (self.member_id is None):
            raise ValueError("give exactly one of unit_id and member_id")
        return self


class AssignmentRead(OutputModel):
    id: str
    incident_id: str
    unit_id: str | None
    member_id: str | None
    provider_department_id: str | None
    alarm_level: int
    capability: str | None
    status: AssignmentStatus
    reason: str | None
    pages: int
    dispatched_at: datetime
    acknowledged_at: datetime | None
    declined_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    version: int


class AssignmentList(OutputModel):
    items: list[AssignmentRead]
    next_cursor: str | None


class Ack(InputModel):
    response: AckResponse


class DispatchRequest(InputModel):
    alarm: Annotated[int, Field(ge=1, le=10)] = 1


class DispatchResult(OutputModel):
    incident_id: str
    alarm: int
    assignments: list[AssignmentRead]
    shortfalls: list[ShortfallRead]


class IncidentIntake(IncidentCreated):
    """A created incident; under automatic dispatch, with what was assigned."""

    assignments: list[AssignmentRead] = []
    shortfalls: list[ShortfallRead] = []


# Mutual aid ---------------------------------------------------------------------------


class LinkCreate(InputModel):
    """Let ``department`` (a slug) ask the caller's department for units."""

    department: Slug


class DepartmentRef(OutputModel):
    id: str
    slug: str
    name: str


class LinkRead(OutputModel):
    id: str
    department: DepartmentRef
    partner: DepartmentRef
    created_at: datetime


class LinkList(OutputModel):
    items: list[LinkRead]


class AidDecline(InputModel):
    reason: ShortText | None = None


class AidRequestRead(OutputModel):
    id: str
    status: str
    department: DepartmentRef
    provider: DepartmentRef
    incident_id: str
    incident_number: str
    unit_id: str
    unit_name: str
    assignment_id: str
    created_at: datetime
    answered_at: datetime | None


class AidRequestList(OutputModel):
    items: list[AidRequestRead]
    next_cursor: str | None
