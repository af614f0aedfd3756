"""Route dependencies that authenticate the caller and check their permission."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from muster.core import sessions
from muster.core.errors import PermissionDenied, Unauthenticated
from muster.core.http import request_session
from muster.core.settings import Settings
from muster.org import service as org_service
from muster.org.principal import Principal
from muster.org.roles import Permission


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _secret(connection: HTTPConnection) -> str:
    settings: Settings = connection.app.state.settings
    return settings.secret_key.get_secret_value()


def session_token(connection: HTTPConnection) -> str | None:
    """The session token in the signed browser cookie, if there is a valid one."""
    cookie = connection.cookies.get(sessions.COOKIE_NAME)
    if not cookie:
        return None
    return sessions.unseal(cookie, secret=_secret(connection))


async def _check_csrf(request: Request, token: str) -> None:
    """A cookie rides along on any request the browser makes, so a change
    carried by one must also show the page's CSRF token (header or form)."""
    if request.method in _SAFE_METHODS:
        return
    given = request.headers.get(sessions.CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(_FORM_TYPES):
        value = (await request.form()).get(sessions.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not sessions.csrf_matches(given, token, secret=_secret(request)):
        raise PermissionDenied("the form is stale or did not come from Muster; reload")


async def resolve_principal(request: Request) -> Principal:
    """Authenticate once per request, by bearer token or by session cookie;
    later calls reuse the result."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        token = session_token(request)
        if token is None:
            raise Unauthenticated("send Authorization: Bearer <token>")
        await _check_csrf(request, token)
    principal = await org_service.authenticate(request_session(request), token)
    request.state.principal = principal
    return principal


def require(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that yields the principal if they hold ``permission``."""

    async def dependency(request: Request) -> Principal:
        principal = await resolve_principal(request)
        if not principal.can(permission):
            raise PermissionDenied(f"your roles do not allow {permission}")
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require(Permission.READ))]
Caller = Annotated[Principal, Depends(resolve_principal)]
