"""Sign-in and sign-out pages: the browser's session lives in a signed cookie."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from muster.core import sessions
from muster.core.errors import Unauthenticated, ValidationFailed
from muster.core.http import SessionDep, SettingsDep
from muster.core.settings import Settings
from muster.core.templating import render
from muster.org import service as org_service
from muster.org.page_deps import PageUser
from muster.org.ratelimit import throttled_login
from muster.org.schemas import TokenRequest

router = APIRouter(include_in_schema=False)

HOME = "/"


def safe_next(target: str | None) -> str:
    """A redirect target on this site only: a path, never another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return HOME
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return HOME
    return target


def _login_page(
    next_url: str, *, error: str | None, email: str, status: int
) -> Response:
    body = render("login.html", next=next_url, error=error, email=email)
    return HTMLResponse(body, status_code=status)


@router.get("/login")
async def login_form(next: str | None = None) -> Response:
    return _login_page(safe_next(next), error=None, email="", status=200)


def _set_cookie(
    response: Response, token: str, settings: Settings, request: Request
) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        sessions.seal(token, secret=settings.secret_key.get_secret_value()),
        max_age=settings.token_ttl_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


class LoginForm(BaseModel):
    """The sign-in form as posted; checked again as a ``TokenRequest``."""

    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=256)
    department: str = Field(default="", max_length=64)
    next: str = Field(default=HOME, max_length=2000)


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[LoginForm, Form()],
) -> Response:
    target = safe_next(form.next)
    try:
        body = TokenRequest(
            email=form.email, password=form.password, department=form.department or None
        )
    except ValidationError:
        return _login_page(
            target,
            error="Enter your email address and password.",
            email=form.email,
            status=422,
        )
    try:
        issued = await throttled_login(request, session, settings, body)
    except (Unauthenticated, ValidationFailed) as exc:
        return _login_page(target, error=exc.detail, email=form.email, status=401)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(response, issued.token, settings, request)
    return response


@router.post("/logout")
async def logout(principal: PageUser, session: SessionDep) -> Response:
    await org_service.revoke_token(
        session, principal=principal, token_id=principal.token_id
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response
