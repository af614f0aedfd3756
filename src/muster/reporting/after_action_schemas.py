"""What an after-action review of one incident contains, as the API returns it.

Times are UTC; the HTML and PDF documents show them in the department's zone.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class ReviewFormat(StrEnum):
    """The representations of a review."""

    JSON = "json"
    HTML = "html"
    PDF = "pdf"


class ReviewModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class Named(ReviewModel):
    id: str
    name: str


class IncidentTypeBrief(ReviewModel):
    code: str
    name: str
    category: str


class StationBrief(ReviewModel):
    id: str
    code: str
    name: str
    lat: float | None
    lon: float | None


class CallerReport(ReviewModel):
    name: str | None
    phone: str | None
    text: str | None
    received_at: datetime


class Lifecycle(ReviewModel):
    received_at: datetime
    dispatched_at: datetime | None
    first_en_route_at: datetime | None
    first_on_scene_at: datetime | None
    under_control_at: datetime | None
    closed_at: datetime | None


class IncidentSummary(ReviewModel):
    id: str
    number: str
    type: IncidentTypeBrief
    priority: int
    status: str
    lat: float
    lon: float
    address: str | None
    description: str
    owner: Named | None
    disposition: str | None
    station: StationBrief | None
    external_ref: str | None
    reports: list[CallerReport]


class IntervalResult(ReviewModel):
    """One interval of this incident or assignment against its target.

    ``seconds`` is null when either end is missing. ``target_s`` is the
    profile's first tier for the row (NFPA states it at ``target_percentile``
    of responses); it is null where the profile sets none or the row is not
    one reports count (a person's or a declined assignment). ``met`` is null
    without a target or for a negative interval (a clock error in the source).
    """

    interval: str
    label: str
    start: datetime | None
    end: datetime | None
    seconds: float | None
    target_s: float | None
    target_percentile: float | None
    met: bool | None


class Escalation(ReviewModel):
    at: datetime
    seq: int
    cause: str
    next_candidate: str | None
    shortfall: str | None


class AssignmentReview(ReviewModel):
    id: str
    kind: Literal["unit", "member"]
    unit_id: str | None
    member_id: str | None
    name: str
    unit_type: str | None
    station: str | None
    mutual_aid_from: str | None
    alarm_level: int
    capability: str | None
    status: str
    reason: str | None
    pages: int
    first_on_scene: bool
    dispatched_at: datetime
    acknowledged_at: datetime | None
    declined_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    escalations: list[Escalation]
    intervals: list[IntervalResult]


class TimelineEntry(ReviewModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    summary: str
    data: dict[str, Any]


class DeliveryReview(ReviewModel):
    """One delivery; the address is left out (Apprise URLs carry credentials)."""

    id: str
    recipient: str
    channel: str
    status: str
    attempts: int
    sent_at: datetime | None
    failed_at: datetime | None
    acknowledged_at: datetime | None
    error: str | None


class Reply(ReviewModel):
    seq: int
    at: datetime
    sender: str
    channel: str | None
    text: str
    intent: str | None


class MessageReview(ReviewModel):
    id: str
    at: datetime
    sender: str
    body: str
    assignment_id: str | None
    deliveries: list[DeliveryReview]
    replies: list[Reply]


class TrackProperties(ReviewModel):
    assignment_id: str
    unit_id: str
    name: str
    colour: str
    start: datetime
    end: datetime
    points: int
    distance_m: float


class TrackGeometry(ReviewModel):
    """A GeoJSON ``LineString`` (a ``Point`` when there is one report)."""

    type: Literal["LineString", "Point"]
    coordinates: list[list[float]] | list[float]


class TrackFeature(ReviewModel):
    type: Literal["Feature"] = "Feature"
    geometry: TrackGeometry
    properties: TrackProperties


class Tracks(ReviewModel):
    """A GeoJSON ``FeatureCollection``, one feature per unit assignment with
    position reports between its dispatch and its clearing."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[TrackFeature]


class Integrity(ReviewModel):
    """Whether the department's hash chain holds across the incident's events.

    ``verified`` is null when the incident has no events. ``events_checked``
    counts every department event from the incident's first through the one
    after its last (those link the incident's events together).
    """

    verified: bool | None
    events_checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None
    broken_seq: int | None
    reason: str | None


class DepartmentBrief(ReviewModel):
    id: str
    name: str
    timezone: str


class AfterActionReview(ReviewModel):
    generated_at: datetime
    department: DepartmentBrief
    profile: str
    incident: IncidentSummary
    lifecycle: Lifecycle
    intervals: list[IntervalResult]
    assignments: list[AssignmentReview]
    timeline: list[TimelineEntry]
    messages: list[MessageReview]
    stations: list[StationBrief]
    tracks: Tracks
    integrity: Integrity
