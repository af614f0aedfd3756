"""What every page needs: the signed-in member (or a trip to the sign-in page)
and the context the layout renders with (who, where, which pages they may open)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from muster.core import sessions
from muster.core.errors import Unauthenticated
from muster.core.http import request_session
from muster.core.settings import Settings
from muster.org import service as org_service
from muster.org.deps import resolve_principal, session_token
from muster.org.principal import Principal
from muster.org.roles import Permission


class LoginRequired(Unauthenticated):
    """A page was asked for without a session; the web layer redirects to sign-in."""


async def page_principal(request: Request) -> Principal:
    try:
        return await resolve_principal(request)
    except Unauthenticated as exc:
        raise LoginRequired("sign in to continue") from exc


PageUser = Annotated[Principal, Depends(page_principal)]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The layout's view of the member: names and the pages offered to them."""

    name: str
    department: str
    csrf_token: str
    can_dispatch: bool
    can_manage: bool
    can_export: bool


async def viewer_of(request: Request, principal: Principal) -> Viewer:
    settings: Settings = request.app.state.settings
    department = await org_service.get_department(
        request_session(request), principal.department_id
    )
    token = session_token(request) or ""
    return Viewer(
        name=principal.member_name,
        department=department.name,
        csrf_token=sessions.csrf_token(
            token, secret=settings.secret_key.get_secret_value()
        ),
        can_dispatch=principal.can(Permission.INCIDENT_WRITE),
        can_manage=principal.can(Permission.TYPE_MANAGE),
        can_export=principal.can(Permission.MEMBER_MANAGE),
    )


async def page_context(
    request: Request, principal: Principal, **extra: Any
) -> dict[str, Any]:
    """The variables every page template gets, plus ``extra``."""
    return {
        "viewer": await viewer_of(request, principal),
        "path": request.url.path,
        **extra,
    }
