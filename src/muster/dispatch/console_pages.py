"""The dispatcher's console: take a call, see what to send, send it; beside it
the queue of open incidents, the unit status board and the live map.

The forms post without scripts. With them, the map fills in the place, the
possible duplicates show while the call is typed, and the parts refresh as
the stream brings events."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from muster.core.errors import ValidationFailed
from muster.core.http import SessionDep, SettingsDep, request_session
from muster.core.pagination import PageRequest
from muster.core.settings import Settings
from muster.core.templating import render
from muster.dispatch import assignments as assignment_service
from muster.dispatch import board as board_service
from muster.dispatch import intake
from muster.dispatch import service as dispatch_service
from muster.dispatch.errors import NoResponsePlan
from muster.dispatch.recommend import Recommendation
from muster.incidents import service as incident_service
from muster.incidents import type_service
from muster.incidents.schemas import IncidentCreate
from muster.org.page_deps import PageDispatcher, page_context, wants_fragment
from muster.org.principal import Principal

router = APIRouter(include_in_schema=False)


def _text(limit: int) -> Any:
    return Field(default="", max_length=limit)


class CallForm(BaseModel):
    """The call-entry form as posted: every field a string, checked as an
    ``IncidentCreate``; ``duplicates_seen`` says the dispatcher saw the list."""

    type: str = _text(32)
    lat: str = _text(40)
    lon: str = _text(40)
    address: str = _text(500)
    caller_name: str = _text(200)
    caller_phone: str = _text(40)
    description: str = _text(10_000)
    priority: str = _text(2)
    duplicates_seen: str = _text(8)

    def to_create(self) -> IncidentCreate:
        """The call as the API takes it; ``ValidationError`` names bad fields."""
        caller = {"name": self.caller_name or None, "phone": self.caller_phone or None}
        body: dict[str, Any] = {
            "type": self.type,
            "description": self.description,
            "location": {
                "lat": self.lat or None,
                "lon": self.lon or None,
                "address": self.address or None,
            },
            "caller": caller if any(caller.values()) else None,
        }
        if self.priority:
            body["priority"] = self.priority
        return IncidentCreate.model_validate(body)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Each bad field's form name with a message a dispatcher can act on."""
    found: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        name = loc[-1] if loc else "form"
        if name == "location":
            name = "lat"
        found.setdefault(name, error["msg"])
    return found


async def _recommendation(
    session: AsyncSession, principal: Principal, incident_id: str
) -> tuple[Recommendation | None, str | None]:
    try:
        _, found = await dispatch_service.recommend_alarm(
            session,
            department_id=principal.department_id,
            incident_id=incident_id,
            alarm=1,
        )
    except NoResponsePlan as exc:
        return None, exc.detail
    return found, None


async def _console(
    request: Request, principal: Principal, settings: Settings, **extra: Any
) -> dict[str, Any]:
    session = request_session(request)
    found = await board_service.board(session, department_id=principal.department_id)
    types, _ = await type_service.list_incident_types(
        session, department_id=principal.department_id, page=PageRequest(limit=200)
    )
    picture = board_service.map_picture(found)
    return await page_context(
        request,
        principal,
        board=found,
        types=types,
        map_json=json.dumps(picture),
        tiles_url=settings.map_tiles_url,
        attribution=settings.map_attribution,
        **extra,
    )


@router.get("/console", response_class=HTMLResponse)
async def console(
    request: Request,
    principal: PageDispatcher,
    session: SessionDep,
    settings: SettingsDep,
    incident: str | None = None,
) -> HTMLResponse:
    taken = recommendation = note = None
    if incident:
        taken = await incident_service.get_incident(
            session, department_id=principal.department_id, incident_id=incident
        )
        recommendation, note = await _recommendation(session, principal, taken.id)
    context = await _console(
        request,
        principal,
        settings,
        form=CallForm(),
        errors={},
        duplicates=[],
        taken=taken,
        recommendation=recommendation,
        plan_note=note,
    )
    return HTMLResponse(render("dispatch/console.html", **context))


async def _refused(
    request: Request,
    principal: Principal,
    settings: Settings,
    form: CallForm,
    **found: Any,
) -> HTMLResponse:
    """The console again with the call as typed, and what stopped it."""
    errors = found.get("errors", {})
    duplicates = found.get("duplicates", [])
    context = await _console(
        request,
        principal,
        settings,
        form=form,
        errors=errors,
        duplicates=duplicates,
        taken=None,
        recommendation=None,
        plan_note=None,
    )
    status = 422 if errors else 200
    return HTMLResponse(render("dispatch/console.html", **context), status)


async def _unseen_duplicates(
    session: AsyncSession,
    principal: Principal,
    form: CallForm,
    data: IncidentCreate,
    rule: incident_service.DuplicateRule,
) -> list[incident_service.DuplicateCandidate]:
    """Possible duplicates the dispatcher has not been shown yet."""
    if form.duplicates_seen:
        return []
    return await incident_service.preview_duplicates(
        session,
        department_id=principal.department_id,
        type_code=data.type,
        point=(data.location.lat, data.location.lon),
        rule=rule,
    )


def _service_errors(exc: ValidationFailed) -> dict[str, str]:
    found = {str(e["loc"][-1]): str(e["msg"]) for e in exc.errors if e.get("loc")}
    return found or {"form": exc.detail}


@router.post("/console/calls")
async def take_call(
    request: Request,
    principal: PageDispatcher,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[CallForm, Form()],
) -> Response:
    """Take the call. Possible duplicates not yet shown to the dispatcher are
    shown first, with the call kept; saving again takes it."""
    rule = incident_service.duplicate_rule(settings)
    try:
        data = form.to_create()
        duplicates = await _unseen_duplicates(session, principal, form, data, rule)
        if duplicates:
            form.duplicates_seen = "1"
            return await _refused(
                request, principal, settings, form, duplicates=duplicates
            )
        taken = await intake.take_call(
            session, ctx=principal.context, data=data, rule=rule
        )
    except ValidationError as exc:
        errors = field_errors(exc)
        return await _refused(request, principal, settings, form, errors=errors)
    except ValidationFailed as exc:
        errors = _service_errors(exc)
        return await _refused(request, principal, settings, form, errors=errors)
    return RedirectResponse(f"/console?incident={taken.incident.id}", 303)


class DispatchForm(BaseModel):
    alarm: int = Field(default=1, ge=1, le=10)


@router.post("/console/incidents/{incident_id}/dispatch")
async def dispatch(
    request: Request,
    incident_id: str,
    principal: PageDispatcher,
    session: SessionDep,
    form: Annotated[DispatchForm, Form()],
) -> Response:
    """Send the recommendation in one action, then follow the incident."""
    await assignment_service.dispatch_alarm(
        session, ctx=principal.context, incident_id=incident_id, alarm=form.alarm
    )
    target = f"/incidents/{incident_id}"
    if wants_fragment(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, 303)


@router.get("/console/parts/queue", response_class=HTMLResponse)
async def queue_part(
    request: Request, principal: PageDispatcher, session: SessionDep
) -> HTMLResponse:
    """The queue of open incidents alone, for a live refresh."""
    found = await board_service.board(session, department_id=principal.department_id)
    context = await page_context(request, principal, board=found)
    return HTMLResponse(render("dispatch/_queue.html", **context))


@router.get("/console/parts/units", response_class=HTMLResponse)
async def units_part(
    request: Request, principal: PageDispatcher, session: SessionDep
) -> HTMLResponse:
    """The unit status board alone, for a live refresh."""
    found = await board_service.board(session, department_id=principal.department_id)
    context = await page_context(request, principal, board=found)
    return HTMLResponse(render("dispatch/_units.html", **context))
