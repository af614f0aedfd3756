"""Request-scoped dependencies and HTTP helpers shared by every domain's routes."""

from collections.abc import Sequence
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


def _media_range(part: str) -> tuple[str, float] | None:
    """``type/subtype`` and its quality from one element of an ``Accept``."""
    media, *params = (piece.strip() for piece in part.split(";"))
    if "/" not in media:
        return None
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return None
    if not 0 <= quality <= 1:
        return None
    return media.lower(), quality


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of the most specific range matching ``offer`` (0 if none)."""
    kind = offer.split("/", maxsplit=1)[0]
    best, specificity = 0.0, -1
    for media, quality in ranges:
        if media == offer:
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > specificity:
            best, specificity = quality, rank
    return best


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer (a media type) an ``Accept`` header prefers, ``offers[0]``
    without a header, or ``None`` when it accepts none of them. Ties go to
    the earlier offer."""
    if accept is None or not accept.strip():
        return offers[0]
    ranges = [r for r in map(_media_range, accept.split(",")) if r is not None]
    scored = [(_quality(offer, ranges), -i, offer) for i, offer in enumerate(offers)]
    quality, _, offer = max(scored)
    return offer if quality > 0 else None
