"""Department streams over WebSocket and Server-Sent Events.

Both carry the caller's department events as JSON objects ``{"seq", "at",
"kind", "incident_id", "actor", "data"}``. ``?since=<seq>`` (or the
``Last-Event-ID`` header, which wins, as browsers resend it on reconnecting)
resumes after that event; ``?incident_id=`` keeps one incident's events. The
token comes as ``Authorization: Bearer`` or, for browsers, which cannot set
headers on these requests, as ``?access_token=``, or rides in the pages' session
cookie. A WebSocket opened with the cookie must come from this site's own pages
(its ``Origin`` names the host it connects to): browsers send cookies on
WebSockets any site opens, and a WebSocket is not bound by the same-origin rule.

A WebSocket is accepted first and then refused, when it must be, with one
problem-details message and the close code 4000 + HTTP status (4401, 4403,
4404, 4422): browsers show scripts the close code, never a refused
handshake's status.
"""

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, Query, Request, WebSocket
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnect, WebSocketState

from muster.core import errors
from muster.core.settings import Settings
from muster.events.bus import VOLATILE_SEQ, LiveEvent
from muster.live.stream import Stream, authorize_stream, keep_authenticated
from muster.org.deps import session_token

logger = logging.getLogger(__name__)

router = APIRouter(tags=["live"])

_SEQ = re.compile(r"^[0-9]{1,18}$")
_REFUSALS: list[tuple[type[errors.MusterError], int, str]] = [
    (errors.Unauthenticated, 401, "unauthorized"),
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.NotFound, 404, "not-found"),
    (errors.ValidationFailed, 422, "validation-error"),
]
CLOSE_GOING_AWAY = 1001
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Since = Annotated[
    int | None, Query(ge=0, description="resume after this sequence number")
]
LastEventId = Annotated[
    int | None,
    Header(alias="Last-Event-ID", ge=0, description="resume after this event"),
]
IncidentFilter = Annotated[
    str | None, Query(max_length=64, description="only this incident's events")
]
AccessToken = Annotated[str | None, Query(description="the bearer token, for browsers")]


def _given_token(connection: HTTPConnection) -> str | None:
    """The bearer token from the header or the ``access_token`` parameter."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    given = connection.query_params.get("access_token", "").strip()
    return given or None


def _token(connection: HTTPConnection) -> str | None:
    """The token given, else the session cookie's (an SSE stream is a plain
    GET: another site's page can neither send our Lax cookie with it nor read
    what comes back)."""
    return _given_token(connection) or session_token(connection)


def _same_origin(connection: HTTPConnection) -> bool:
    """Whether a browser opened this connection from one of our pages; a client
    that sends no ``Origin`` is no browser, and no other site can drive it."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    host = connection.headers.get("host", "").lower()
    return urlsplit(origin).netloc.lower() == host


def _websocket_token(websocket: WebSocket) -> str | None:
    """The WebSocket's token; ``PermissionDenied`` for a session cookie sent
    along by a page of another site."""
    given = _given_token(websocket)
    if given is not None:
        return given
    cookie = session_token(websocket)
    if cookie is not None and not _same_origin(websocket):
        raise errors.PermissionDenied(
            "a stream opened with the session cookie must come from this site"
        )
    return cookie


@router.get(
    "/stream/sse",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_sse(
    request: Request,
    since: Since = None,
    incident_id: IncidentFilter = None,
    last_event_id: LastEventId = None,
    access_token: AccessToken = None,  # read by _token; declared for the docs
) -> StreamingResponse:
    """The department stream as Server-Sent Events, with a comment as heartbeat."""
    state = request.app.state
    resume = last_event_id if last_event_id is not None else since
    token = _token(request)
    principal = await authorize_stream(
        state.sessions, token=token, since=resume, incident_id=incident_id
    )
    stream = Stream(
        state.hubs,
        state.sessions,
        department_id=principal.department_id,
        incident_id=incident_id,
        since=resume,
    )
    settings: Settings = state.settings
    guard = _guard(state.sessions, stream, token, settings)
    return StreamingResponse(
        _sse_body(stream, settings.live_heartbeat_s, guard),
        media_type="text/event-stream",
        headers=_SSE_HEADERS,
    )


def _guard(
    sessions: async_sessionmaker[AsyncSession],
    stream: Stream,
    token: str | None,
    settings: Settings,
) -> Callable[[], Coroutine[Any, Any, None]]:
    """What re-checks the stream's token while it is open."""

    async def guard() -> None:
        if token is not None:
            await keep_authenticated(
                sessions, stream, token=token, every_s=settings.live_reauth_s
            )

    return guard


@contextlib.asynccontextmanager
async def _guarded(
    guard: Callable[[], Coroutine[Any, Any, None]],
) -> AsyncIterator[None]:
    task = asyncio.create_task(guard())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _sse_body(
    stream: Stream, heartbeat_s: float, guard: Callable[[], Coroutine[Any, Any, None]]
) -> AsyncIterator[str]:
    # The subscription is taken here, inside the body: a body that never
    # starts (the client left first) then leaves nothing behind.
    yield "retry: 2000\n\n"
    async with stream, _guarded(guard):
        while (batch := await stream.next_batch(timeout=heartbeat_s)) is not None:
            if not batch:
                yield ": heartbeat\n\n"
                continue
            yield "".join(_sse_message(event) for event in batch)
    if stream.revoked:
        yield "event: revoked\ndata: {}\n\n"


@router.websocket("/stream")
async def stream_websocket(websocket: WebSocket) -> None:
    """The department stream over WebSocket, one event per text message."""
    await websocket.accept()
    state = websocket.app.state
    try:
        since, incident_id = _websocket_query(websocket)
        token = _websocket_token(websocket)
        principal = await authorize_stream(
            state.sessions,
            token=token,
            since=since,
            incident_id=incident_id,
        )
    except errors.MusterError as exc:
        await _refuse(websocket, exc)
        return
    stream = Stream(
        state.hubs,
        state.sessions,
        department_id=principal.department_id,
        incident_id=incident_id,
        since=since,
    )
    guard = _guard(state.sessions, stream, token, state.settings)
    async with stream, _guarded(guard):
        await _pump(websocket, stream)


def _websocket_query(websocket: WebSocket) -> tuple[int | None, str | None]:
    """``since`` (or ``Last-Event-ID``) and ``incident_id``; ``ValidationFailed``."""
    header = websocket.headers.get("last-event-id")
    raw = header if header is not None else websocket.query_params.get("since")
    since = None
    if raw is not None:
        if not _SEQ.match(raw.strip()):
            where = "Last-Event-ID" if header is not None else "since"
            message = "must be a sequence number: an integer of 0 or more"
            raise errors.ValidationFailed(
                f"{where} {message}",
                errors=[{"loc": ["query", where], "msg": message}],
            )
        since = int(raw)
    incident_id = websocket.query_params.get("incident_id") or None
    if incident_id is not None and len(incident_id) > 64:
        raise errors.ValidationFailed(
            "incident_id is too long",
            errors=[{"loc": ["query", "incident_id"], "msg": "at most 64 characters"}],
        )
    return since, incident_id


async def _pump(websocket: WebSocket, stream: Stream) -> None:
    watcher = asyncio.create_task(_watch(websocket, stream))
    try:
        while (batch := await stream.next_batch()) is not None:
            for event in batch:
                await websocket.send_text(event.wire)
    except WebSocketDisconnect:
        return
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    if stream.revoked:
        expired = errors.Unauthenticated("the token was revoked or has expired")
        await _refuse(websocket, expired)
        return
    # The stream ended on our side (the server is stopping): say so.
    if websocket.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(CLOSE_GOING_AWAY, "server shutting down")


async def _watch(websocket: WebSocket, stream: Stream) -> None:
    """Ends the stream when the client goes; what clients send is ignored."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        stream.close()


def _problem(exc: errors.MusterError) -> dict[str, Any]:
    status, slug = next(
        ((code, slug) for family, code, slug in _REFUSALS if isinstance(exc, family)),
        (400, "bad-request"),
    )
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": exc.title,
        "status": status,
        "detail": exc.detail,
    }
    if isinstance(exc, errors.ValidationFailed):
        body["errors"] = exc.errors
    return body


async def _refuse(websocket: WebSocket, exc: errors.MusterError) -> None:
    body = _problem(exc)
    logger.info(
        "live_stream_refused",
        extra={"status": body["status"], "path": websocket.url.path},
    )
    # The client may be gone already; then there is nobody to tell.
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.send_json(body)
        # A close reason is limited to 123 bytes; the message above has the detail.
        await websocket.close(4000 + int(body["status"]), str(body["title"])[:100])


def _sse_message(event: LiveEvent) -> str:
    """One SSE message; live-only ones carry no id, so a resume never counts them."""
    if event.seq == VOLATILE_SEQ:
        return f"data: {event.wire}\n\n"
    return f"id: {event.seq}\ndata: {event.wire}\n\n"
