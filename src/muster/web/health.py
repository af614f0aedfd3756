"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from muster.core.http import SessionDep
from muster.migrations.runner import head_revision
from muster.web.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(
    request: Request, session: SessionDep
) -> JSONResponse | dict[str, str]:
    """The database answers and its schema is at this release's migration head."""
    try:
        current = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        return problem(
            503,
            "not-ready",
            "the database cannot be reached",
            request=request,
        )
    expected = head_revision()
    if current != expected:
        return problem(
            503,
            "not-ready",
            f"schema is at {current}, expected {expected}; run muster db upgrade",
            request=request,
        )
    return {"status": "ready", "schema": expected}
