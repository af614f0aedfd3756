"""The department stream over WebSocket: live events, resume, filters, refusals."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from muster.org.roles import Role
from muster.web.app import create_app
from tests.factories.api import make_incident, make_incident_type, make_unit, post
from tests.factories.extra import colleague
from tests.factories.org import Caller, make_caller
from tests.live.conftest import WAIT_S, receive, receive_until, serving


def ws_url(server: str, caller: Caller, **params: str | int) -> str:
    query = "&".join(
        f"{key}={value}"
        for key, value in {"access_token": caller.token, **params}.items()
    )
    return f"ws://{server}/api/v1/stream?{query}"


async def add_note(client, caller: Caller, incident_id: str, text: str) -> None:
    response = await post(
        client, caller, f"/incidents/{incident_id}/notes", {"text": text}
    )
    assert response.status_code == 201, response.text


async def expect_refusal(url: str, code: int, **headers: str) -> dict:
    async with connect(url, additional_headers=headers, open_timeout=WAIT_S) as ws:
        problem = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code
    assert problem["status"] == code - 4000
    return problem


async def test_stream_created_incident_reaches_client(server, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    async with connect(ws_url(server, caller, since=0)) as ws:
        incident = await make_incident(client, caller)
        seen = await receive_until(ws, "incident.created", incident["id"])

    event = seen[-1]
    assert set(event) >= {"seq", "at", "kind", "incident_id", "data"}
    assert event["data"]["number"] == incident["number"]
    assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))


async def test_stream_resume_after_disconnect_gets_missed_events_once(
    server, client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    async with connect(ws_url(server, caller, since=0)) as ws:
        seen = await receive_until(ws, "incident.created", incident["id"])
    last = seen[-1]["seq"]

    for number in range(10):
        await add_note(client, caller, incident["id"], f"note {number}")
    async with connect(ws_url(server, caller, since=last)) as ws:
        missed = [await receive(ws) for _ in range(10)]
        await add_note(client, caller, incident["id"], "after the reconnect")
        following = await receive(ws)

    assert [e["seq"] for e in missed] == list(range(last + 1, last + 11))
    assert [e["data"]["text"] for e in missed] == [f"note {n}" for n in range(10)]
    assert following["seq"] == last + 11
    assert following["data"]["text"] == "after the reconnect"


async def test_stream_without_since_starts_live(server, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    async with connect(ws_url(server, caller)) as ws:
        await make_incident(client, caller)  # may or may not precede the start
        incident = await make_incident(client, caller, description="Second call")
        seen = await receive_until(ws, "incident.created", incident["id"])

    seqs = [event["seq"] for event in seen]
    assert seqs == sorted(set(seqs))
    assert seen[-1]["data"]["number"] == incident["number"]


async def test_stream_incident_filter_keeps_one_incident(server, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    watched = await make_incident(client, caller)
    other = await make_incident(client, caller, description="Another call")
    url = ws_url(server, caller, since=0, incident_id=watched["id"])

    async with connect(url) as ws:
        await add_note(client, caller, other["id"], "elsewhere")
        await add_note(client, caller, watched["id"], "here")
        seen = await receive_until(ws, "incident.note_added")

    assert {event["incident_id"] for event in seen} == {watched["id"]}
    assert seen[-1]["data"]["text"] == "here"


async def test_stream_shows_only_callers_department(server, client, sessions):
    ours = await make_caller(sessions)
    theirs = await make_caller(sessions)
    for caller in (ours, theirs):
        await make_incident_type(client, caller)

    async with connect(ws_url(server, ours, since=0)) as ws:
        await make_incident(client, theirs)
        mine = await make_incident(client, ours)
        seen = await receive_until(ws, "incident.created", mine["id"])

    incident_ids = {event["incident_id"] for event in seen} - {None}
    assert incident_ids == {mine["id"]}


async def test_stream_viewer_with_bearer_header_may_read(server, client, sessions):
    admin = await make_caller(sessions)
    viewer = await colleague(sessions, admin, Role.VIEWER)
    await make_incident_type(client, admin)
    incident = await make_incident(client, admin)
    url = f"ws://{server}/api/v1/stream?since=0"

    async with connect(url, additional_headers=viewer.headers) as ws:
        seen = await receive_until(ws, "incident.created", incident["id"])

    assert seen[-1]["incident_id"] == incident["id"]


async def test_stream_without_token_closes_4401(server):
    problem = await expect_refusal(f"ws://{server}/api/v1/stream", 4401)
    assert problem["type"] == "/problems/unauthorized"


async def test_stream_with_unknown_token_closes_4401(server):
    await expect_refusal(f"ws://{server}/api/v1/stream?access_token=nope", 4401)


@pytest.mark.parametrize("since", ["-1", "abc", "1.5"])
async def test_stream_bad_since_closes_4422(server, sessions, since):
    caller = await make_caller(sessions)
    problem = await expect_refusal(ws_url(server, caller, since=since), 4422)
    assert problem["errors"][0]["loc"] == ["query", "since"]


async def test_stream_since_past_last_event_closes_4422(server, sessions):
    caller = await make_caller(sessions)
    await expect_refusal(ws_url(server, caller, since=10**9), 4422)


async def test_stream_other_departments_incident_closes_4404(server, client, sessions):
    ours = await make_caller(sessions)
    theirs = await make_caller(sessions)
    await make_incident_type(client, theirs)
    incident = await make_incident(client, theirs)

    await expect_refusal(ws_url(server, ours, incident_id=incident["id"]), 4404)


async def test_stream_token_without_roles_closes_4403(server, client, sessions):
    admin = await make_caller(sessions)
    response = await post(client, admin, "/auth/tokens", {"name": "bare", "roles": []})
    assert response.status_code == 201, response.text
    token = response.json()["token"]

    url = f"ws://{server}/api/v1/stream?access_token={token}"
    problem = await expect_refusal(url, 4403)

    assert problem["type"] == "/problems/forbidden"


async def test_reported_positions_reach_clients_live_and_are_not_resumed(
    server, client, sessions
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    unit = await make_unit(client, caller)
    report = {"items": [{"unit_id": unit["id"], "lat": 37.78, "lon": -122.41}]}
    report["items"][0]["at"] = "2026-01-01T00:00:00Z"

    async with connect(ws_url(server, caller, since=0)) as ws:
        before = await receive_until(ws, "unit.created")
        moved = await post(client, caller, "/locations", report)
        assert moved.status_code == 200, moved.text
        message = await receive(ws)
        incident = await make_incident(client, caller)
        after = await receive_until(ws, "incident.created", incident["id"])

    assert message["kind"] == "units.moved"
    assert message["seq"] is None
    assert message["data"]["units"] == [
        {
            "unit_id": unit["id"],
            "lat": 37.78,
            "lon": -122.41,
            "at": "2026-01-01T00:00:00Z",
        }
    ]
    assert after[-1]["seq"] > before[-1]["seq"]
    async with connect(ws_url(server, caller, since=before[-1]["seq"])) as ws:
        resumed = await receive_until(ws, "incident.created", incident["id"])
    assert all(event["seq"] is not None for event in resumed)


async def test_stream_ends_once_its_token_is_revoked(client, sessions, settings):
    caller = await make_caller(sessions)
    quick = create_app(settings.model_copy(update={"live_reauth_s": 0.05}))
    try:
        async with (
            serving(quick) as address,
            connect(ws_url(address, caller)) as ws,
        ):
            logout = await post(client, caller, "/auth/logout", {})
            assert logout.status_code == 204, logout.text
            async with asyncio.timeout(WAIT_S):
                problem = json.loads(await ws.recv())
                with pytest.raises(ConnectionClosed) as closed:
                    await ws.recv()
    finally:
        await quick.state.engine.dispose()

    assert problem["status"] == 401
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
