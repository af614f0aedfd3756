"""Request and response shapes of departments, members, tokens and stations."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from muster.core.schemas import (
    Code,
    Email,
    InputModel,
    Latitude,
    Longitude,
    OutputModel,
    Password,
    ShortText,
    Slug,
    UpdateModel,
)
from muster.org.roles import Role


def _on_the_globe(points: list[list[float]]) -> list[list[float]]:
    for lon, lat in points:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("area points are [lon, lat] on the globe")
    return points


Polygon = Annotated[
    list[Annotated[list[float], Field(min_length=2, max_length=2)]],
    Field(min_length=3, max_length=1000),
    AfterValidator(_on_the_globe),
]
# A closed area as [lon, lat] points (GeoJSON order), the last joining the first.

Roles = Annotated[list[Role], Field(min_length=1, max_length=5)]
Qualifications = Annotated[list[Code], Field(max_length=50)]


class DepartmentCreate(InputModel):
    name: ShortText
    slug: Slug
    timezone: str = "UTC"


class DepartmentRead(OutputModel):
    id: str
    name: str
    slug: str
    timezone: str


class TokenRequest(InputModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]
    department: Slug | None = None


class TokenResponse(OutputModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime | None
    department: DepartmentRead


class ApiTokenCreate(InputModel):
    name: ShortText
    member_id: str | None = None
    roles: list[Role] | None = None
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ApiTokenRead(OutputModel):
    id: str
    name: str
    kind: str
    member_id: str
    roles: list[Role] | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str


class MemberCreate(InputModel):
    email: Email
    name: ShortText
    password: Password | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    roles: Roles
    qualifications: Qualifications = []
    station_id: str | None = None


class MemberUpdate(UpdateModel):
    NULLABLE = frozenset({"phone", "station_id"})

    name: ShortText | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    roles: Roles | None = None
    qualifications: Qualifications | None = None
    station_id: str | None = None
    is_active: bool | None = None


class MemberRead(OutputModel):
    id: str
    email: str
    name: str
    phone: str | None
    roles: list[Role]
    qualifications: list[str]
    station_id: str | None
    is_active: bool
    version: int


class MemberList(OutputModel):
    items: list[MemberRead]
    next_cursor: str | None


class MeRead(OutputModel):
    member: MemberRead
    department: DepartmentRead
    roles: list[Role]
    departments: list[DepartmentRead]


class StationCreate(InputModel):
    code: Code
    name: ShortText
    address: Annotated[str, Field(max_length=500)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    response_area: Polygon | None = None


class StationUpdate(UpdateModel):
    NULLABLE = frozenset({"address", "response_area"})

    name: ShortText | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    response_area: Polygon | None = None


class StationRead(OutputModel):
    id: str
    code: str
    name: str
    address: str | None
    lat: float | None
    lon: float | None
    response_area: list[list[float]] | None = None
    version: int


class StationList(OutputModel):
    items: list[StationRead]
    next_cursor: str | None


class MemberPasswordSet(InputModel):
    password: Password


class OwnPasswordChange(InputModel):
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password
