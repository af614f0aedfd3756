"""The responder's phone view: my assignment and the way there, one-tap
answers, location sharing while responding, recent messages."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from muster.core.http import SessionDep, request_session
from muster.core.templating import render
from muster.dispatch import responder as responder_service
from muster.dispatch.responder import ResponderAnswer
from muster.messaging import service as message_service
from muster.org.page_deps import PageResponder, page_context, wants_fragment
from muster.org.principal import Principal
from muster.units import personnel_service

router = APIRouter(include_in_schema=False)

RECENT_MESSAGES = 10


async def _card(request: Request, principal: Principal) -> dict[str, Any]:
    session = request_session(request)
    current = await responder_service.current_assignment(
        session, department_id=principal.department_id, member_id=principal.member_id
    )
    status = await personnel_service.find_status(
        session, department_id=principal.department_id, member_id=principal.member_id
    )
    return await page_context(
        request,
        principal,
        current=current,
        my_status=status.status if status is not None else None,
    )


@router.get("/responder", response_class=HTMLResponse)
async def responder_page(
    request: Request, principal: PageResponder, session: SessionDep
) -> HTMLResponse:
    messages = await message_service.list_member_messages(
        session,
        department_id=principal.department_id,
        member_id=principal.member_id,
        limit=RECENT_MESSAGES,
    )
    context = await _card(request, principal)
    return HTMLResponse(render("dispatch/responder.html", messages=messages, **context))


@router.get("/responder/parts/assignment", response_class=HTMLResponse)
async def assignment_part(request: Request, principal: PageResponder) -> HTMLResponse:
    """The assignment card alone, for a live refresh."""
    context = await _card(request, principal)
    return HTMLResponse(render("dispatch/_responder_card.html", **context))


@router.get("/responder/parts/messages", response_class=HTMLResponse)
async def messages_part(
    request: Request, principal: PageResponder, session: SessionDep
) -> HTMLResponse:
    messages = await message_service.list_member_messages(
        session,
        department_id=principal.department_id,
        member_id=principal.member_id,
        limit=RECENT_MESSAGES,
    )
    context = await page_context(request, principal, messages=messages)
    return HTMLResponse(render("dispatch/_responder_messages.html", **context))


class AnswerForm(BaseModel):
    answer: ResponderAnswer


@router.post("/responder/answer")
async def answer(
    request: Request,
    principal: PageResponder,
    session: SessionDep,
    form: Annotated[AnswerForm, Form()],
) -> Response:
    """Record the tap; htmx gets the card back, a plain form the page."""
    await responder_service.answer(
        session,
        ctx=principal.context,
        member_id=principal.member_id,
        response=form.answer,
    )
    if not wants_fragment(request):
        return RedirectResponse("/responder", 303)
    context = await _card(request, principal)
    return HTMLResponse(render("dispatch/_responder_card.html", **context))
