"""Incident types: codes, default priorities, and the extra fields each defines.

A type's ``fields_schema`` is a JSON Schema the department writes; incidents of
the type are validated against it when they are created or edited.
"""

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core import clock
from muster.core.errors import ValidationFailed, field_error
from muster.core.pagination import PageRequest, keyset_page
from muster.events import service as event_service
from muster.events.schemas import Context
from muster.incidents.errors import DuplicateIncidentTypeCode, IncidentTypeNotFound
from muster.incidents.models import IncidentType
from muster.incidents.schemas import IncidentTypeCreate


async def create_incident_type(
    session: AsyncSession, *, ctx: Context, data: IncidentTypeCreate
) -> IncidentType:
    """Raises ``DuplicateIncidentTypeCode``, or ``ValidationFailed`` (bad schema)."""
    if data.fields_schema is not None:
        _check_fields_schema(data.fields_schema)
    if await find_incident_type(
        session, department_id=ctx.department_id, code=data.code
    ):
        raise DuplicateIncidentTypeCode(
            f"incident type {data.code!r} exists", code=data.code
        )
    incident_type = IncidentType(
        department_id=ctx.department_id, created_at=clock.now(), **data.model_dump()
    )
    session.add(incident_type)
    await session.flush()
    await event_service.append(
        session,
        ctx=ctx,
        kind="incident_type.created",
        data={"incident_type_id": incident_type.id, **data.model_dump()},
    )
    return incident_type


def _check_fields_schema(schema: dict[str, Any]) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise field_error(
            "fields_schema", f"not a valid JSON Schema: {exc.message}"
        ) from exc
    if schema.get("type", "object") != "object":
        raise field_error("fields_schema", "the schema must describe an object")


_TYPE_BY_CODE = select(IncidentType).where(
    IncidentType.department_id == bindparam("dept"),
    IncidentType.code == bindparam("code"),
)


async def find_incident_type(
    session: AsyncSession, *, department_id: str, code: str
) -> IncidentType | None:
    return await session.scalar(_TYPE_BY_CODE, {"dept": department_id, "code": code})


async def get_incident_type(
    session: AsyncSession, *, department_id: str, type_id: str
) -> IncidentType:
    incident_type = await session.get(IncidentType, type_id)
    if incident_type is None or incident_type.department_id != department_id:
        raise IncidentTypeNotFound(f"no incident type {type_id}")
    return incident_type


async def list_incident_types(
    session: AsyncSession, *, department_id: str, page: PageRequest
) -> tuple[list[IncidentType], str | None]:
    query = select(IncidentType).where(IncidentType.department_id == department_id)
    return await keyset_page(
        session, query, order=(IncidentType.code, IncidentType.id), page=page
    )


async def type_codes(session: AsyncSession, *, type_ids: set[str]) -> dict[str, str]:
    """Codes of the given incident types, by id."""
    if not type_ids:
        return {}
    rows = await session.execute(
        select(IncidentType.id, IncidentType.code).where(IncidentType.id.in_(type_ids))
    )
    return {row.id: row.code for row in rows}


async def type_for_input(
    session: AsyncSession, department_id: str, code: str
) -> IncidentType:
    incident_type = await find_incident_type(
        session, department_id=department_id, code=code
    )
    if incident_type is None:
        raise field_error("type", f"unknown incident type {code!r}")
    return incident_type


def validate_fields(incident_type: IncidentType, fields: dict[str, Any]) -> None:
    if incident_type.fields_schema is None:
        return
    validator = Draft202012Validator(incident_type.fields_schema)
    errors = [
        {"loc": ["body", "fields", *error.absolute_path], "msg": error.message}
        for error in validator.iter_errors(fields)
    ]
    if errors:
        raise ValidationFailed(
            f"fields do not match the {incident_type.code} form", errors=errors
        )
