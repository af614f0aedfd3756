"""After-action pages: a list of incidents to review, and one incident's review
inside the site's layout, with the printable document and PDF a click away."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from muster.core.http import SessionDep
from muster.core.templating import render
from muster.incidents import service as incident_service
from muster.incidents.schemas import IncidentFilters
from muster.org.page_deps import PageUser, page_context
from muster.reporting import after_action
from muster.reporting.after_action_html import body_context

router = APIRouter(include_in_schema=False)

RECENT = 50


@router.get("/reports/reviews", response_class=HTMLResponse)
async def reviews_page(
    request: Request, principal: PageUser, session: SessionDep
) -> HTMLResponse:
    incidents, _ = await incident_service.list_incidents(
        session,
        department_id=principal.department_id,
        filters=IncidentFilters(),
        cursor=None,
        limit=RECENT,
    )
    context = await page_context(request, principal, incidents=incidents)
    return HTMLResponse(render("reports/reviews.html", **context))


@router.get("/incidents/{incident_id}/review", response_class=HTMLResponse)
async def review_page(
    incident_id: str, request: Request, principal: PageUser, session: SessionDep
) -> HTMLResponse:
    review = await after_action.after_action_review(
        session, department_id=principal.department_id, incident_id=incident_id
    )
    body = await run_in_threadpool(body_context, review)
    context = await page_context(request, principal, **body)
    return HTMLResponse(render("reports/review_page.html", **context))
