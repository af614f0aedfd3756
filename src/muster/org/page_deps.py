"""What every page needs: the signed-in member (or a trip to the sign-in page)
and the context the layout renders with (who, where, which pages they may open)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from muster.core import sessions
from muster.core.errors import PermissionDenied, Unauthenticated
from muster.core.http import request_session
from muster.core.settings import Settings
from muster.events import service as event_service
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


def page_require(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A page dependency: the signed-in member if they hold ``permission``
    (otherwise the 403 page; without a session, the sign-in page)."""

    async def dependency(request: Request) -> Principal:
        principal = await page_principal(request)
        if not principal.can(permission):
            raise PermissionDenied("this page is not open to your roles")
        return principal

    return dependency


PageDispatcher = Annotated[Principal, Depends(page_require(Permission.INCIDENT_WRITE))]
PageResponder = Annotated[Principal, Depends(page_require(Permission.UNIT_STATUS))]
PageNoteTaker = Annotated[Principal, Depends(page_require(Permission.INCIDENT_NOTE))]


def wants_fragment(request: Request) -> bool:
    """Whether a script (htmx) asked, and takes a part of a page in answer
    rather than a redirect to the whole page."""
    return request.headers.get("hx-request") == "true"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The layout's view of the member: names and the pages offered to them."""

    member_id: str
    name: str
    department: str
    timezone: str
    csrf_token: str
    can_dispatch: bool
    can_respond: bool
    can_note: bool
    can_manage: bool
    can_export: bool


async def viewer_of(request: Request, principal: Principal) -> Viewer:
    settings: Settings = request.app.state.settings
    department = await org_service.get_department(
        request_session(request), principal.department_id
    )
    token = session_token(request) or ""
    return Viewer(
        member_id=principal.member_id,
        name=principal.member_name,
        department=department.name,
        timezone=department.timezone,
        csrf_token=sessions.csrf_token(
            token, secret=settings.secret_key.get_secret_value()
        ),
        can_dispatch=principal.can(Permission.INCIDENT_WRITE),
        can_respond=principal.can(Permission.UNIT_STATUS),
        can_note=principal.can(Permission.INCIDENT_NOTE),
        can_manage=principal.can(Permission.TYPE_MANAGE),
        can_export=principal.can(Permission.MEMBER_MANAGE),
    )


async def page_context(
    request: Request, principal: Principal, **extra: Any
) -> dict[str, Any]:
    """The variables every page template gets, plus ``extra``: ``live_since``
    is the department's last event, where the page's live stream starts."""
    return {
        "viewer": await viewer_of(request, principal),
        "path": request.url.path,
        "live_since": await event_service.last_seq(
            request_session(request), department_id=principal.department_id
        ),
        **extra,
    }
