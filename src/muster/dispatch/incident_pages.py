"""The incident page: details, assignments with their acknowledgement, the
timeline growing live, status changes, closure, notes and messages.

Each form posts without scripts and comes back to the page; sent by htmx it
gets the changed part instead (the timeline grows from the stream)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from muster.core.errors import ValidationFailed
from muster.core.http import SessionDep
from muster.core.templating import render
from muster.dispatch import assignments as assignment_service
from muster.dispatch import incident_view
from muster.incidents import lifecycle_service
from muster.incidents import service as incident_service
from muster.incidents.lifecycle import IncidentStatus
from muster.incidents.schemas import Closure, NoteCreate, StatusChange
from muster.messaging import service as message_service
from muster.messaging.schemas import MessageCreate
from muster.org.page_deps import (
    PageDispatcher,
    PageNoteTaker,
    PageUser,
    page_context,
    wants_fragment,
)

router = APIRouter(include_in_schema=False)


def _back(request: Request, incident_id: str, part: str = "") -> Response:
    """After a change: the whole page again, or for htmx nothing (the stream
    brings the change) or the named part's template."""
    if wants_fragment(request):
        return Response(status_code=204)
    return RedirectResponse(f"/incidents/{incident_id}{part}", 303)


def _form_error(exc: ValidationError) -> ValidationFailed:
    fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e["loc"])
    return ValidationFailed(f"check these fields: {fields}")


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(
    request: Request, incident_id: str, principal: PageUser, session: SessionDep
) -> HTMLResponse:
    view = await incident_view.incident_view(
        session, department_id=principal.department_id, incident_id=incident_id
    )
    context = await page_context(request, principal, view=view)
    return HTMLResponse(render("dispatch/incident.html", **context))


@router.get("/incidents/{incident_id}/assignments", response_class=HTMLResponse)
async def assignments_part(
    request: Request, incident_id: str, principal: PageUser, session: SessionDep
) -> HTMLResponse:
    """The assignments table alone, for a live refresh."""
    rows = await incident_view.assignment_rows(
        session, department_id=principal.department_id, incident_id=incident_id
    )
    context = await page_context(request, principal, rows=rows)
    return HTMLResponse(render("dispatch/_assignments.html", **context))


@router.get("/incidents/{incident_id}/timeline", response_class=HTMLResponse)
async def timeline_part(
    request: Request,
    incident_id: str,
    principal: PageUser,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Timeline entries after ``after``, for the page to append."""
    lines = await incident_view.timeline_lines(
        session,
        department_id=principal.department_id,
        incident_id=incident_id,
        after_seq=after,
    )
    context = await page_context(request, principal, lines=lines)
    return HTMLResponse(render("dispatch/_timeline.html", **context))


class StatusForm(BaseModel):
    status: IncidentStatus
    reason: str = Field(default="", max_length=2000)


@router.post("/incidents/{incident_id}/status")
async def change_status(
    request: Request,
    incident_id: str,
    principal: PageDispatcher,
    session: SessionDep,
    form: Annotated[StatusForm, Form()],
) -> Response:
    change = StatusChange(status=form.status, reason=form.reason or None)
    await lifecycle_service.change_status(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        change=change,
        expected_version=None,
    )
    return _back(request, incident_id)


class CloseForm(BaseModel):
    disposition: str = Field(default="", max_length=2000)


@router.post("/incidents/{incident_id}/close")
async def close(
    request: Request,
    incident_id: str,
    principal: PageDispatcher,
    session: SessionDep,
    form: Annotated[CloseForm, Form()],
) -> Response:
    """Close with a disposition; live assignments are cleared first."""
    try:
        closure = Closure(disposition=form.disposition)
    except ValidationError as exc:
        raise _form_error(exc) from exc
    await assignment_service.close_incident(
        session,
        ctx=principal.context,
        incident_id=incident_id,
        disposition=closure.disposition,
        expected_version=None,
    )
    return _back(request, incident_id)


class TextForm(BaseModel):
    text: str = Field(default="", max_length=10_000)


@router.post("/incidents/{incident_id}/notes")
async def add_note(
    request: Request,
    incident_id: str,
    principal: PageNoteTaker,
    session: SessionDep,
    form: Annotated[TextForm, Form()],
) -> Response:
    try:
        note = NoteCreate(text=form.text)
    except ValidationError as exc:
        raise _form_error(exc) from exc
    await incident_service.add_note(
        session, ctx=principal.context, incident_id=incident_id, text=note.text
    )
    return _back(request, incident_id)


AUDIENCES: dict[str, dict[str, Any]] = {
    "responders": {"incident_responders": True},
    "supervisors": {"roles": ["supervisor"]},
    "all": {"roles": ["admin", "supervisor", "dispatcher", "responder"]},
}


class MessageForm(BaseModel):
    body: str = Field(default="", max_length=10_000)
    to: str = Field(default="responders", pattern="^(responders|supervisors|all)$")

    def audience(self) -> dict[str, Any]:
        return AUDIENCES[self.to]


@router.post("/incidents/{incident_id}/messages")
async def send_message(
    request: Request,
    incident_id: str,
    principal: PageDispatcher,
    session: SessionDep,
    form: Annotated[MessageForm, Form()],
) -> Response:
    """Send a message about the incident through the messaging service."""
    try:
        data = MessageCreate.model_validate(
            {"body": form.body, "incident_id": incident_id, "to": form.audience()}
        )
    except ValidationError as exc:
        raise _form_error(exc) from exc
    await message_service.send_message(session, ctx=principal.context, data=data)
    return _back(request, incident_id)
