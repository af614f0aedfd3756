"""The start page and what makes the pages an installable web app: the
manifest, the service worker (served from the root so it may control every
page) and the icons."""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from muster.core.templating import STATIC_DIR, render
from muster.org.page_deps import PageUser, page_context
from muster.web import icons

router = APIRouter(include_in_schema=False)

MANIFEST = {
    "name": "Muster",
    "short_name": "Muster",
    "description": "Incidents, dispatch and responders: one live record.",
    "start_url": "/responder",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f3f5f8",
    "theme_color": "#0b4f8a",
    "icons": [
        {"src": "/static/icons/muster.svg", "sizes": "any", "type": "image/svg+xml"},
        *(
            {
                "src": f"/icons/muster-{size}.png",
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in icons.SIZES
        ),
    ],
}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: PageUser) -> HTMLResponse:
    return HTMLResponse(render("home.html", **await page_context(request, principal)))


@router.get("/manifest.webmanifest")
async def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


@router.get("/sw.js")
async def service_worker() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/icons/muster-{size}.png")
async def icon(size: int) -> Response:
    if size not in icons.SIZES:
        raise HTTPException(
            404, f"icons come in sizes {', '.join(map(str, icons.SIZES))}"
        )
    return Response(
        icons.png(size),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
