"""Reusable Pydantic field types and base models for API input and output."""

from datetime import datetime
from typing import Annotated, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from muster.core import clock

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$"
    ),
]
Slug = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+$",
    ),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]

FUTURE_TOLERANCE_S = 60


def _not_in_future(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a UTC offset")
    if (value - clock.now()).total_seconds() > FUTURE_TOLERANCE_S:
        raise ValueError("time is more than a minute in the future")
    return value


ReportedTime = Annotated[datetime, AfterValidator(_not_in_future)]


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, so typos don't pass silently."""

    model_config = ConfigDict(extra="forbid")


class UpdateModel(InputModel):
    """PATCH bodies: a field left out stays as it is; ``null`` clears a field only
    where clearing makes sense (``NULLABLE``), and is refused elsewhere."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None and name not in self.NULLABLE:
                raise ValueError(f"{name} cannot be null")
        return self


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Location(InputModel):
    lat: Latitude
    lon: Longitude
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None
    ) = None
