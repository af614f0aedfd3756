"""The archive's manifest, and a strict Pydantic model per table for its rows.

Row models are built from the tables themselves (column names, Python types,
lengths, nullability), so a column added to a table is exported and checked
without a second list to keep in step; values a column only takes from a
fixed set (statuses, roles) are checked against that set too.
"""

import math
from datetime import datetime
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
)
from sqlalchemy import BigInteger, Column, String, Table

from muster.core.db import Base
from muster.core.schemas import OutputModel
from muster.dispatch.mutual_aid import AidStatus
from muster.dispatch.schemas import AssignmentStatus
from muster.incidents.lifecycle import IncidentStatus
from muster.messaging.schemas import Channel, DeliveryStatus, EndpointKind
from muster.org.roles import Role
from muster.reporting.archive_tables import TableSpec
from muster.units.status import UnitStatus

FORMAT = "muster-department-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

_INT32 = 2**31 - 1
_INT64 = 2**63 - 1
_SHA256 = r"^[0-9a-f]{64}$"


class ArchiveFile(BaseModel):
    """One file of the archive as the manifest lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z_-]{1,64}\.(jsonl|geojson)$")]
    rows: Annotated[int, Field(ge=0)]
    bytes: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=_SHA256)]


class ArchiveDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=36)]
    slug: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Manifest(BaseModel):
    """``manifest.json``: what the archive is and what each file must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["muster-department-archive"]
    format_version: int
    muster_version: Annotated[str, Field(max_length=64)]
    exported_at: AwareDatetime
    department: ArchiveDepartment
    secrets_included: bool
    files: Annotated[list[ArchiveFile], Field(max_length=100)]

    def file(self, name: str) -> ArchiveFile | None:
        return next((f for f in self.files if f.name == name), None)


class ImportSummary(OutputModel):
    """What an import did, for the CLI and the API."""

    department_id: str
    slug: str
    rows: dict[str, int]
    events_verified: int
    members_created: int
    members_matched: int
    members_without_password: list[str]
    new_endpoint_secrets: dict[str, str]
    detached: dict[str, int]
    replaced_department_id: str | None


# Rows ---------------------------------------------------------------------------------


def _one_of(values: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"not one of {', '.join(sorted(values))}")
        return value

    return AfterValidator(check)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


def _finite_json(value: Any) -> Any:
    """JSON columns: no NaN or infinity (JSON has neither; the chain's hash refuses)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers must be finite")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


_CHOICES: dict[tuple[str, str], Any] = {
    ("incidents", "status"): IncidentStatus,
    ("units", "status"): UnitStatus,
    ("assignments", "status"): AssignmentStatus,
    ("deliveries", "status"): DeliveryStatus,
    ("deliveries", "channel"): Channel,
    ("contact_methods", "channel"): Channel,
    ("notification_endpoints", "channel"): Channel,
    ("notification_endpoints", "kind"): EndpointKind,
    ("mutual_aid_requests", "status"): AidStatus,
}
_ROLE_LISTS = {("memberships", "roles")}


def _mapped_hints(table: Table) -> dict[str, Any]:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return get_type_hints(mapper.class_)
    raise LookupError(f"no mapped class for table {table.name}")


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """``Mapped[X | None]`` → ``(X, nullable)``, without ``Annotated`` layers."""
    inner = get_args(hint)[0]
    if get_origin(inner) is Annotated:
        inner = get_args(inner)[0]
    if get_origin(inner) in (Union, UnionType):
        kept = [arg for arg in get_args(inner) if arg is not NoneType]
        return kept[0], True
    return inner, False


def _scalar(column: Column[Any], python: Any) -> Any:
    if python is str:
        length = column.type.length if isinstance(column.type, String) else None
        return Annotated[StrictStr, Field(max_length=length), AfterValidator(_no_nul)]
    if python is bool:
        return StrictBool
    if python is int:
        bound = _INT64 if isinstance(column.type, BigInteger) else _INT32
        return Annotated[StrictInt, Field(ge=-bound - 1, le=bound)]
    if python is float:
        return Annotated[float, Field(allow_inf_nan=False)]
    if python is datetime:
        return AwareDatetime
    return Annotated[python, AfterValidator(_finite_json)]


def _field_type(spec: TableSpec, column: Column[Any], hint: Any) -> tuple[Any, bool]:
    python, nullable = _unwrap(hint)
    key = (spec.table.name, column.name)
    kind = _scalar(column, python)
    if key in _CHOICES:
        kind = Annotated[kind, _one_of(frozenset(_CHOICES[key]))]
    if key in _ROLE_LISTS:
        kind = list[Annotated[StrictStr, _one_of(frozenset(Role))]]
    return kind, nullable


@cache
def row_model(spec: TableSpec) -> type[BaseModel]:
    """The strict model of one row of ``spec``'s file (unknown keys refused).

    Nullable columns may be left out and default to null; omitted columns
    (password hashes) are not part of the format at all.
    """
    hints = _mapped_hints(spec.table)
    fields: dict[str, Any] = {}
    for column in spec.table.columns:
        if column.name in spec.omit:
            continue
        kind, nullable = _field_type(spec, column, hints[column.key])
        fields[column.name] = (kind | None, None) if nullable else (kind, ...)
    return create_model(
        f"{spec.name.title().replace('_', '')}Row",
        __config__=ConfigDict(extra="forbid", strict=True),
        **fields,
    )
