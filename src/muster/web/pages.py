"""The start page; each domain's own pages live in its ``pages`` module."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from muster.core.templating import render
from muster.org.page_deps import PageUser, page_context

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: PageUser) -> HTMLResponse:
    return HTMLResponse(render("home.html", **await page_context(request, principal)))
