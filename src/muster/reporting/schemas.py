"""What a response-time report is asked for and what it answers."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from muster.core.schemas import Code, InputModel
from muster.reporting.targets import CLASSES, Interval, Profile, RowClass


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
    profile: str | None = None


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
    profile: str | None = Field(
        default=None,
        max_length=32,
        description="Target profile; without it, the department's default",
    )

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


class TierIn(InputModel):
    """A target: ``share`` of the rows within ``seconds`` (0.9 for NFPA's 90 %)."""

    seconds: Annotated[float, Field(gt=0, le=86_400)]
    share: Annotated[float, Field(gt=0, le=1)]


ClassTiers = dict[str, Annotated[list[TierIn], Field(min_length=1, max_length=3)]]


class ProfileIn(InputModel):
    """A department's target profile. Row classes per interval:
    ``call_processing`` and ``committed`` take ``any``; ``turnout`` and
    ``total_response`` take ``ems`` and ``fire`` (or ``any``); ``travel`` takes
    ``first_on_scene`` and ``later_on_scene`` (or ``any``)."""

    description: Annotated[str, Field(min_length=1, max_length=500)]
    targets: dict[Interval, ClassTiers]
    ems_categories: Annotated[list[Code], Field(max_length=20)] = ["ems", "medical"]
    is_default: bool = False

    @model_validator(mode="after")
    def _check_classes(self) -> Self:
        for interval, by_class in self.targets.items():
            allowed = {"any"} | {c.name.lower() for c in CLASSES[interval]}
            unknown = set(by_class) - allowed
            if unknown:
                raise ValueError(
                    f"{interval.value} takes {', '.join(sorted(allowed))}, "
                    f"not {', '.join(sorted(unknown))}"
                )
            if "any" in by_class and len(by_class) > 1:
                raise ValueError(f"{interval.value}: give 'any' alone")
        return self


class ProfileRead(OutputModel):
    name: str
    description: str
    shipped: bool
    is_default: bool
    ems_categories: list[str]
    targets: dict[str, dict[str, list[list[float]]]]

    @classmethod
    def of(cls, profile: Profile, *, shipped: bool, is_default: bool) -> "ProfileRead":
        targets = {
            interval.value: {
                RowClass(row_class).name.lower(): [[t.seconds, t.share] for t in tiers]
                for row_class, tiers in by_class.items()
            }
            for interval, by_class in profile.targets.items()
        }
        return cls(
            name=profile.name,
            description=profile.description,
            shipped=shipped,
            is_default=is_default,
            ems_categories=sorted(profile.ems_categories),
            targets=targets,
        )


class ProfileList(OutputModel):
    items: list[ProfileRead]
