"""Streams opened by the pages: the session cookie instead of a token, and a
WebSocket refused when another site's page opens it."""

import httpx
from websockets.asyncio.client import connect

from muster.core import sessions as cookie_sessions
from muster.core.settings import Settings
from tests.factories.api import make_incident, make_incident_type
from tests.factories.org import Caller, make_caller
from tests.live.conftest import WAIT_S, receive_until
from tests.live.test_sse import collect_until
from tests.live.test_websocket import expect_refusal


def cookie_of(caller: Caller, settings: Settings) -> str:
    sealed = cookie_sessions.seal(
        caller.token, secret=settings.secret_key.get_secret_value()
    )
    return f"{cookie_sessions.COOKIE_NAME}={sealed}"


async def test_sse_with_the_session_cookie_streams_the_department(
    server, client, sessions, settings
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    headers = {"Cookie": cookie_of(caller, settings)}

    async with (
        httpx.AsyncClient(base_url=f"http://{server}", timeout=WAIT_S) as http,
        http.stream("GET", "/api/v1/stream/sse?since=0", headers=headers) as response,
    ):
        assert response.status_code == 200
        incident = await make_incident(client, caller)
        seen = await collect_until(response, "incident.created", incident["id"])

    assert seen[-1][1]["data"]["number"] == incident["number"]


async def test_sse_with_a_forged_cookie_is_401(server, sessions):
    headers = {"Cookie": f"{cookie_sessions.COOKIE_NAME}=forged.value"}
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=WAIT_S) as http:
        response = await http.get("/api/v1/stream/sse", headers=headers)

    assert response.status_code == 401


async def test_websocket_with_the_cookie_from_our_own_page_streams(
    server, client, sessions, settings
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    headers = {"Cookie": cookie_of(caller, settings)}

    async with connect(
        f"ws://{server}/api/v1/stream?since=0",
        additional_headers=headers,
        origin=f"http://{server}",
        open_timeout=WAIT_S,
    ) as ws:
        incident = await make_incident(client, caller)
        seen = await receive_until(ws, "incident.created", incident["id"])

    assert seen[-1]["data"]["number"] == incident["number"]


async def test_websocket_with_the_cookie_from_another_site_is_refused_4403(
    server, sessions, settings
):
    caller = await make_caller(sessions)

    problem = await expect_refusal(
        f"ws://{server}/api/v1/stream",
        4403,
        Cookie=cookie_of(caller, settings),
        Origin="http://evil.example",
    )

    assert "this site" in problem["detail"]


async def test_websocket_with_a_token_needs_no_origin_check(server, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    async with connect(
        f"ws://{server}/api/v1/stream?since=0&access_token={caller.token}",
        origin="http://elsewhere.example",
        open_timeout=WAIT_S,
    ) as ws:
        incident = await make_incident(client, caller)
        seen = await receive_until(ws, "incident.created", incident["id"])

    assert seen[-1]["data"]["number"] == incident["number"]
