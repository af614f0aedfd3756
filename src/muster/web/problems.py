"""RFC 9457 problem details for every error the API returns.

One handler per error family; subclasses need no wiring of their own.
"""

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from muster.core import errors
from muster.core.logging import request_id_var
from muster.core.templating import render

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

_FAMILIES: list[tuple[type[errors.MusterError], int, str]] = [
    (errors.StaleVersion, 409, "stale-version"),
    (errors.InvalidTransition, 409, "invalid-transition"),
    (errors.Conflict, 409, "conflict"),
    (errors.NotFound, 404, "not-found"),
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.Unauthenticated, 401, "unauthorized"),
    (errors.RateLimited, 429, "rate-limited"),
    (errors.NotAcceptable, 406, "not-acceptable"),
    (errors.ValidationFailed, 422, "validation-error"),
]

_HTTP_SLUGS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


_NOT_PAGES = ("/api/", "/healthz", "/readyz", "/openapi.json", "/docs", "/static/")


def is_page(request: Request) -> bool:
    """Whether the request is for a page, whose errors are pages too."""
    return not request.url.path.startswith(_NOT_PAGES)


def error_page(status: int, title: str, detail: str) -> HTMLResponse:
    body = render(
        "errors/error.html",
        title=title,
        detail=detail,
        request_id=request_id_var.get(),
    )
    return HTMLResponse(body, status_code=status)


def _to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


def problem(
    status: int,
    slug: str,
    detail: str,
    *,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response; ``title`` defaults to the slug in words."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    request_id = request_id_var.get()
    if request_id is not None:
        body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(
        body, status_code=status, headers=headers, media_type=PROBLEM_TYPE
    )


def _family(exc: errors.MusterError) -> tuple[int, str]:
    for family, status, slug in _FAMILIES:
        if isinstance(exc, family):
            return status, slug
    return 400, "bad-request"


async def _on_muster_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.MusterError)  # noqa: S101 - registered for this type only
    status, slug = _family(exc)
    if is_page(request):
        if isinstance(exc, errors.Unauthenticated) and request.method == "GET":
            return _to_sign_in(request)
        return error_page(status, exc.title, exc.detail)
    headers = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    extra = dict(exc.extra)
    if isinstance(exc, errors.ValidationFailed):
        extra["errors"] = exc.errors
    return problem(
        status,
        slug,
        exc.detail,
        request=request,
        headers=headers,
        title=exc.title,
        **extra,
    )


def _clean_error(error: Any) -> dict[str, Any]:
    return {
        "loc": list(error.get("loc", ())),
        "msg": error.get("msg", ""),
        "type": error.get("type", ""),
    }


async def _on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this type only
    found = [_clean_error(e) for e in exc.errors()]
    if is_page(request):
        fields = ", ".join(str(e["loc"][-1]) for e in found if e["loc"])
        return error_page(422, "Not understood", f"check these fields: {fields}")
    if any(e["type"] == "json_invalid" for e in found):
        return problem(
            400,
            "malformed-json",
            "the request body is not valid JSON",
            title="Malformed JSON",
            request=request,
            errors=found,
        )
    return problem(
        422,
        "validation-error",
        "the request does not match the expected shape",
        request=request,
        errors=found,
    )


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type only
    slug = _HTTP_SLUGS.get(exc.status_code, "http-error")
    if is_page(request):
        title = slug.replace("-", " ").capitalize()
        return error_page(exc.status_code, title, str(exc.detail))
    return problem(
        exc.status_code,
        slug,
        str(exc.detail),
        request=request,
        headers=dict(exc.headers or {}),
    )


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    logger.warning(
        "integrity_conflict", extra={"path": request.url.path, "error": str(exc)[:500]}
    )
    return problem(
        409,
        "conflict",
        "the change collides with a concurrent change; reload and retry",
        request=request,
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled_error", exc_info=exc, extra={"path": request.url.path})
    if is_page(request):
        return error_page(
            500, "Something went wrong", "quote the request id when reporting it"
        )
    return problem(
        500,
        "internal-error",
        "something went wrong on our side; quote the request id when reporting it",
        request=request,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.MusterError, _on_muster_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(StaleDataError, _on_integrity_error)
    app.add_exception_handler(Exception, _on_unexpected)
