"""Request and response shapes of incidents and incident types."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator

from muster.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from muster.core.schemas import (
    Code,
    InputModel,
    Location,
    NonBlank,
    OutputModel,
    ReportedTime,
    ShortText,
    UpdateModel,
)
from muster.incidents.lifecycle import IncidentStatus, Level
from muster.incidents.models import Incident, IncidentReport

Priority = Annotated[int, Field(ge=1, le=5)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
Category = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class IncidentTypeCreate(InputModel):
    code: Code
    name: ShortText
    category: Category = "other"
    default_priority: Priority = 3
    fields_schema: dict[str, Any] | None = None
    auto_dispatch: bool = False


class IncidentTypeRead(OutputModel):
    id: str
    code: str
    name: str
    category: str
    default_priority: int
    fields_schema: dict[str, Any] | None
    auto_dispatch: bool


class IncidentTypeList(OutputModel):
    items: list[IncidentTypeRead]
    next_cursor: str | None


class Caller(InputModel):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
    ) = None
    phone: Phone | None = None
    report: LongText | None = None


class IncidentCreate(InputModel):
    type: Code
    description: Description
    location: Location
    priority: Priority | None = None
    impact: Level | None = None
    urgency: Level | None = None
    caller: Caller | None = None
    fields: dict[str, Any] = {}
    owner_id: str | None = None
    received_at: ReportedTime | None = None


class IncidentUpdate(UpdateModel):
    NULLABLE = frozenset({"owner_id", "impact", "urgency"})

    type: Code | None = None
    description: Description | None = None
    location: Location | None = None
    priority: Priority | None = None
    impact: Level | None = None
    urgency: Level | None = None
    fields: dict[str, Any] | None = None
    owner_id: str | None = None


class ReportCreate(Caller):
    received_at: ReportedTime | None = None


class NoteCreate(InputModel):
    text: LongText


class StatusChange(InputModel):
    status: IncidentStatus
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None


class Closure(InputModel):
    disposition: NonBlank


class LocationRead(OutputModel):
    lat: float
    lon: float
    address: str | None


class ReportRead(OutputModel):
    id: str
    caller_name: str | None
    caller_phone: str | None
    text: str | None
    received_at: datetime


class NoteRead(OutputModel):
    id: str
    author: str
    text: str
    created_at: datetime


class IncidentSummary(OutputModel):
    id: str
    number: str
    type: str
    priority: int
    status: IncidentStatus
    location: LocationRead
    description: str
    owner_id: str | None
    station_id: str | None = Field(
        default=None, description="The first-due station whose area holds the place"
    )
    received_at: datetime
    dispatched_at: datetime | None
    first_en_route_at: datetime | None
    first_on_scene_at: datetime | None
    under_control_at: datetime | None
    closed_at: datetime | None
    version: int


class IncidentRead(IncidentSummary):
    type_name: str
    impact: Level | None
    urgency: Level | None
    fields: dict[str, Any]
    disposition: str | None
    created_at: datetime
    updated_at: datetime
    reports: list[ReportRead]


class PossibleDuplicate(OutputModel):
    id: str
    number: str
    distance_m: float
    received_at: datetime


class DuplicateCheck(InputModel):
    """A call about to be taken: its type and place."""

    type: Code
    location: Location


class DuplicateList(OutputModel):
    items: list[PossibleDuplicate]


class IncidentCreated(IncidentRead):
    possible_duplicates: list[PossibleDuplicate]


class IncidentList(OutputModel):
    items: list[IncidentSummary]
    next_cursor: str | None


class IncidentFilters(BaseModel):
    """Query filters; ``status`` takes repeated parameters or a comma list."""

    status: list[IncidentStatus] | None = None
    type: str | None = None
    priority: Priority | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
    since: datetime | None = None
    owner_id: str | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [part for item in value for part in str(item).split(",") if part]
        return value


class IncidentQuery(IncidentFilters):
    cursor: str | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT


# Builders from stored records ------------------------------------------------


def summary_fields(incident: Incident) -> dict[str, object]:
    return {
        "id": incident.id,
        "number": incident.number,
        "type": incident.incident_type.code,
        "priority": incident.priority,
        "status": incident.status,
        "location": LocationRead(
            lat=incident.lat, lon=incident.lon, address=incident.address
        ),
        "description": incident.description,
        "owner_id": incident.owner_id,
        "station_id": incident.station_id,
        "received_at": incident.received_at,
        "dispatched_at": incident.dispatched_at,
        "first_en_route_at": incident.first_en_route_at,
        "first_on_scene_at": incident.first_on_scene_at,
        "under_control_at": incident.under_control_at,
        "closed_at": incident.closed_at,
        "version": incident.version,
    }


def read_fields(
    incident: Incident, reports: Sequence[IncidentReport]
) -> dict[str, object]:
    return {
        **summary_fields(incident),
        "type_name": incident.incident_type.name,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "fields": incident.fields,
        "disposition": incident.disposition,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "reports": [ReportRead.model_validate(r) for r in reports],
    }


def incident_read(
    incident: Incident, reports: Sequence[IncidentReport]
) -> IncidentRead:
    return IncidentRead(**read_fields(incident, reports))
