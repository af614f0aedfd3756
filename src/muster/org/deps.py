"""Route dependencies that authenticate the caller and check their permission."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from muster.core.errors import PermissionDenied, Unauthenticated
from muster.core.http import request_session
from muster.org import service as org_service
from muster.org.principal import Principal
from muster.org.roles import Permission


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def resolve_principal(request: Request) -> Principal:
    """Authenticate once per request; later calls reuse the result."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated("send Authorization: Bearer <token>")
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
