"""What a response-time report is asked for and what it answers."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from muster.reporting.targets import DEFAULT_PROFILE


class GroupBy(StrEnum):
    TYPE = "type"
    PRIORITY = "priority"
    STATION = "station"
    UNIT = "unit"
    SHIFT = "shift"
    HOUR = "hour"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """A period on received time (``start`` inclusive, ``end`` exclusive), filters
    and a grouping; ``None`` means all time, every type or priority, no groups."""

    start: datetime | None = None
    end: datetime | None = None
    group_by: GroupBy | None = None
    type_code: str | None = None
    priority: int | None = None
    profile: str = DEFAULT_PROFILE


class ReportParams(BaseModel):
    """The query string of a report request."""

    from_: datetime | None = Field(
        default=None,
        alias="from",
        description="Received at or after (ISO 8601; without an offset, "
        "the department's local time)",
    )
    to: datetime | None = Field(default=None, description="Received before")
    group_by: GroupBy | None = None
    type: str | None = Field(default=None, max_length=32, description="Type code")
    priority: int | None = Field(default=None, ge=1, le=5)
    profile: str = Field(default=DEFAULT_PROFILE, max_length=32)

    def to_query(self) -> ReportQuery:
        return ReportQuery(
            start=self.from_,
            end=self.to,
            group_by=self.group_by,
            type_code=self.type,
            priority=self.priority,
            profile=self.profile,
        )


class OutputModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class TargetTier(OutputModel):
    target_s: float | None
    percentile: float
    within: float | None


class IntervalStats(OutputModel):
    """One interval's figures; ``target_s`` is null when the rows counted were
    held to different targets (EMS and fire turnout together, say), while
    ``within_target`` always judges each row by its own."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    target_s: float | None
    target_percentile: float | None
    within_target: float | None
    meets_target: bool | None
    tiers: list[TargetTier]


class ReportGroup(OutputModel):
    key: str | int | None
    intervals: dict[str, IntervalStats]


class ResponseTimeReport(OutputModel):
    from_: datetime | None = Field(serialization_alias="from")
    to: datetime | None
    timezone: str
    group_by: GroupBy | None
    profile: str
    intervals: dict[str, IntervalStats]
    groups: list[ReportGroup]
