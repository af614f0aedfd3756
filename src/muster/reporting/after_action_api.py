"""``GET /incidents/{id}/after-action``: the review as JSON, HTML or PDF."""

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from muster.core.errors import NotAcceptable
from muster.core.http import SessionDep, SettingsDep, negotiate
from muster.org.deps import Reader
from muster.reporting import after_action
from muster.reporting.after_action_html import render_html
from muster.reporting.after_action_pdf import render_pdf
from muster.reporting.after_action_schemas import AfterActionReview, ReviewFormat

router = APIRouter(tags=["reports"])

JSON, HTML, PDF = "application/json", "text/html", "application/pdf"
OFFERS = (JSON, HTML, PDF)
# The HTML document needs nothing but its own inline styles and SVG.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


_BY_FORMAT = {
    ReviewFormat.JSON: JSON,
    ReviewFormat.HTML: HTML,
    ReviewFormat.PDF: PDF,
}


class AfterActionParams(BaseModel):
    """The query string of an after-action request."""

    format: ReviewFormat | None = Field(
        default=None, description="json, html or pdf; overrides Accept (for links)"
    )
    profile: str | None = Field(default=None, max_length=32)


@dataclass(frozen=True, slots=True)
class Wanted:
    media_type: str
    profile: str | None


async def _wanted(
    params: Annotated[AfterActionParams, Query()],
    accept: Annotated[str | None, Header()] = None,
) -> Wanted:
    """The representation asked for; ``NotAcceptable`` (406) if none fits."""
    if params.format is not None:
        return Wanted(_BY_FORMAT[params.format], params.profile)
    chosen = negotiate(accept, OFFERS)
    if chosen is None:
        raise NotAcceptable(
            f"the after-action review is available as {', '.join(OFFERS)}",
            available=list(OFFERS),
        )
    return Wanted(chosen, params.profile)


WantedDep = Annotated[Wanted, Depends(_wanted)]


def _filename(review: AfterActionReview) -> str:
    number = _UNSAFE_IN_NAME.sub("_", review.incident.number).strip("_") or "incident"
    return f"after-action-{number}.pdf"


@router.get(
    "/incidents/{incident_id}/after-action",
    response_model=AfterActionReview,
    responses={
        200: {"content": {HTML: {}, PDF: {}}},
        406: {"description": "None of JSON, HTML or PDF is acceptable"},
    },
)
async def read_after_action(
    incident_id: str,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    wanted: WantedDep,
) -> Response:
    """The incident's after-action review, by ``Accept`` or ``?format=``."""
    review = await after_action.after_action_review(
        session,
        department_id=principal.department_id,
        incident_id=incident_id,
        profile=wanted.profile,
    )
    media_type = wanted.media_type
    headers = {"Vary": "Accept"}
    if media_type == HTML:
        headers["Content-Security-Policy"] = _HTML_POLICY
        body = await run_in_threadpool(render_html, review)
        return Response(body, media_type=HTML, headers=headers)
    if media_type == PDF:
        headers["Content-Disposition"] = f'inline; filename="{_filename(review)}"'
        pdf = await run_in_threadpool(render_pdf, review, font=settings.pdf_font)
        return Response(pdf, media_type=PDF, headers=headers)
    return Response(review.model_dump_json(), media_type=JSON, headers=headers)
