"""Request-scoped dependencies shared by every domain's routes."""

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import ValidationFailed
from muster.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from muster.core.settings import Settings


def request_session(request: Request) -> AsyncSession:
    """The request's session, opened and committed by the transaction middleware."""
    session: AsyncSession = request.state.session
    return session


# Dependencies are coroutines: FastAPI runs plain functions in a thread pool.
async def get_session(request: Request) -> AsyncSession:
    return request_session(request)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header names (``3``, ``"3"`` or ``W/"3"``)."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed(
            "If-Match must carry a version number",
            errors=[{"loc": ["header", "If-Match"], "msg": "not a version number"}],
        )
    return int(text)


async def _if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    return parse_if_match(if_match)


IfMatchDep = Annotated[int | None, Depends(_if_match)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


async def _page(cursor: str | None = None, limit: Limit = DEFAULT_LIMIT) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


PageDep = Annotated[PageRequest, Depends(_page)]
