"""ASGI middleware: request ids, body size limits, and the request transaction.

The transaction middleware owns each request's session. For a request that
may write, the response is held back until the transaction has committed,
so a 2xx always means the change is durable; any error status rolls back.
"""

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster.core import clock
from muster.core.errors import MusterError
from muster.core.ids import new_id
from muster.core.logging import request_id_var
from muster.org.deps import resolve_principal
from muster.web.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyRecord,
    find_record,
    request_fingerprint,
)
from muster.web.problems import problem

logger = logging.getLogger(__name__)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestIdMiddleware:
    """Adopts a sane ``X-Request-ID`` or makes one, and binds it for logging."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Request(scope).headers.get("x-request-id", "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else new_id()
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (b"x-request-id", request_id.encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class _BodyTooLarge(Exception):  # noqa: N818 - internal signal, never leaves this module
    pass


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed.

    ``overrides`` give single paths (uploads) a limit of their own.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = self.overrides.get(request.url.path, self.max_bytes)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int
    ) -> None:
        response = problem(
            413,
            "payload-too-large",
            f"request bodies are limited to {limit} bytes",
            request=Request(scope),
        )
        await response(scope, receive, send)


class _Buffer:
    """Collects a response so it can be sent after the commit, or replaced."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        for message in self.messages:
            if message["type"] == "http.response.start":
                return int(message["status"])
        return 500

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"")
            for m in self.messages
            if m["type"] == "http.response.body"
        )

    def header(self, name: bytes) -> str | None:
        for message in self.messages:
            if message["type"] == "http.response.start":
                for key, value in message.get("headers", []):
                    if key.lower() == name:
                        return bytes(value).decode("latin-1")
        return None

    async def flush(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


Runner = Callable[[Scope, Receive, Send], Awaitable[None]]


class TransactionMiddleware:
    """Opens the request's session; commits writes before the response leaves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sessions: async_sessionmaker[AsyncSession] = scope["app"].state.sessions
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        async with sessions() as session:
            state["session"] = session
            if scope["method"] in _READ_METHODS:
                await self.app(scope, receive, send)
                return
            await self._write(scope, receive, send, session)

    async def _write(
        self, scope: Scope, receive: Receive, send: Send, session: AsyncSession
    ) -> None:
        body = await _read_body(receive)
        receive = _replaying(body, receive)
        request = Request(scope)
        key = request.headers.get("idempotency-key")
        record = None
        if key is not None and scope["method"] == "POST":
            outcome = await _claim_key(request, session, key, body)
            if isinstance(outcome, _Buffer):
                await outcome.flush(send)
                return
            record = outcome
        buffer = _Buffer()
        try:
            await self.app(scope, receive, buffer)
        except BaseException:
            await session.rollback()
            raise
        if buffer.status >= 400:
            await session.rollback()
        else:
            if record is not None:
                await _store_response(session, record, buffer)
            await session.commit()
        await buffer.flush(send)


async def _replay(
    record: IdempotencyRecord, fingerprint: str, request: Request
) -> _Buffer:
    buffer = _Buffer()
    response: Response
    if record.request_hash != fingerprint:
        response = problem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was sent before with a different request",
            request=request,
        )
    elif record.status_code is None:
        response = problem(
            409,
            "request-in-progress",
            "a request with this Idempotency-Key is still running",
            request=request,
        )
    else:
        headers = {"Idempotent-Replayed": "true"}
        if record.location:
            headers["Location"] = record.location
        response = Response(
            record.body,
            status_code=record.status_code,
            media_type=record.content_type,
            headers=headers,
        )
    await response(request.scope, _never_receive, buffer)
    return buffer


async def _never_receive() -> Message:
    return {"type": "http.disconnect"}


async def _claim_key(
    request: Request, session: AsyncSession, key: str, body: bytes
) -> IdempotencyRecord | _Buffer | None:
    """Insert the key row, or return the stored (or refusing) response to replay.

    ``None`` means the request proceeds without idempotency (no valid token:
    the route itself will refuse it).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        buffer = _Buffer()
        response = problem(
            400,
            "bad-idempotency-key",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
            request=request,
        )
        await response(request.scope, _never_receive, buffer)
        return buffer
    try:
        principal = await resolve_principal(request)
    except MusterError:
        return None
    scope = f"{principal.department_id}:{principal.member_id}"
    fingerprint = request_fingerprint(request.method, request.url.path, body)
    existing = await find_record(session, scope=scope, key=key)
    if existing is not None:
        return await _replay(existing, fingerprint, request)
    record = IdempotencyRecord(
        scope=scope, key=key, request_hash=fingerprint, created_at=clock.now()
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent request with this key committed first: replay its answer.
        await session.rollback()
        existing = await find_record(session, scope=scope, key=key)
        if existing is None:
            raise
        return await _replay(existing, fingerprint, request)
    return record


async def _store_response(
    session: AsyncSession, record: IdempotencyRecord, buffer: _Buffer
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record.id)
        .values(
            status_code=buffer.status,
            body=buffer.body,
            content_type=buffer.header(b"content-type"),
            location=buffer.header(b"location"),
        )
    )
