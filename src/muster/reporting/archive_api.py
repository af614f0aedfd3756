"""Routes that export the caller's whole department and import one into it."""

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.core.db import snapshot
from muster.core.http import SessionDep, SettingsDep
from muster.org import service as org_service
from muster.org.deps import require
from muster.org.principal import Principal
from muster.org.roles import Permission
from muster.reporting import archive_export, archive_import
from muster.reporting.archive_export import ExportRequest
from muster.reporting.archive_import import ImportRequest
from muster.reporting.archive_read import Limits, open_archive
from muster.reporting.archive_schemas import ImportSummary
from muster.reporting.archive_target import Target

router = APIRouter(tags=["export"])

IMPORT_PATH = "/import"
ZIP = "application/zip"

DataAdmin = Annotated[Principal, Depends(require(Permission.DEPARTMENT_DATA))]


async def _archive_body(
    sessions: async_sessionmaker[AsyncSession], export: ExportRequest
) -> AsyncIterator[bytes]:
    async with snapshot(sessions) as session:
        async for chunk in archive_export.stream_archive(session, request=export):
            yield chunk


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {ZIP: {}}}},
)
async def export_department(
    principal: DataAdmin,
    request: Request,
    session: SessionDep,
    include_secrets: bool = False,
) -> StreamingResponse:
    """The whole department as a zip of JSON Lines and GeoJSON (docs/export-format.md).

    Endpoint signing secrets are left out unless ``include_secrets`` is true.
    """
    department = await org_service.get_department(session, principal.department_id)
    filename = f"{department.slug}-{clock.now():%Y%m%dT%H%M%SZ}.zip"
    # The archive reads its own snapshot; ending this read-only transaction
    # now keeps a slow download from holding anything up.
    await session.rollback()
    export = ExportRequest(
        department_id=principal.department_id, include_secrets=include_secrets
    )
    return StreamingResponse(
        _archive_body(request.app.state.sessions, export),
        media_type=ZIP,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    IMPORT_PATH,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_department(
    principal: DataAdmin, request: Request, session: SessionDep, settings: SettingsDep
) -> ImportSummary:
    """Load an archive into the caller's department, which must be empty.

    The department takes the archive's id (its event chain is hashed with
    it), name and data; its members and tokens stay. 409 when it is not
    empty or the archive's rows already exist here; 422 for an archive that
    is malformed, truncated, tampered with or inconsistent.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != ZIP:
        raise HTTPException(415, f"send the archive as {ZIP}")
    limits = Limits(max_unpacked_bytes=settings.import_max_unpacked_bytes)
    archive = open_archive(io.BytesIO(await request.body()), limits=limits)
    try:
        await asyncio.to_thread(archive.verify)
        return await archive_import.import_archive(
            session,
            archive=archive,
            request=ImportRequest(
                target=Target(department_id=principal.department_id),
                actor=principal.actor,
            ),
        )
    finally:
        archive.close()
