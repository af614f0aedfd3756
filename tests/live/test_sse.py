"""The department stream as Server-Sent Events: framing, resume, refusals."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from muster.events.bus import volatile_event
from muster.live.api import _sse_message
from muster.web.app import create_app
from tests.factories.api import make_incident, make_incident_type
from tests.factories.extra import assert_problem
from tests.factories.org import Caller, make_caller
from tests.live.conftest import WAIT_S, serving


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, dict]]:
    """``(id, event)`` for each SSE message; comments and ``retry`` are skipped."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                yield fields.get("id", ""), json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


async def collect_until(
    response: httpx.Response, kind: str, incident_id: str
) -> list[tuple[str, dict[str, Any]]]:
    seen = []
    async with asyncio.timeout(WAIT_S):
        async for event_id, event in sse_events(response):
            seen.append((event_id, event))
            if event["kind"] == kind and event["incident_id"] == incident_id:
                return seen
    raise AssertionError("the stream ended early")


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=WAIT_S) as c:
        yield c


def stream_path(caller: Caller) -> str:
    return f"/api/v1/stream/sse?access_token={caller.token}"


async def test_sse_sends_events_with_their_sequence_as_id(http, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)

    async with http.stream("GET", stream_path(caller) + "&since=0") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        incident = await make_incident(client, caller)
        seen = await collect_until(response, "incident.created", incident["id"])

    assert [event_id for event_id, _ in seen] == [str(e["seq"]) for _, e in seen]
    assert [e["seq"] for _, e in seen] == list(range(1, len(seen) + 1))


async def test_sse_last_event_id_resumes_after_it(http, client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    first = await make_incident(client, caller)
    second = await make_incident(client, caller, description="Another call")
    async with http.stream("GET", stream_path(caller) + "&since=0") as response:
        before = await collect_until(response, "incident.created", first["id"])
    last_id = before[-1][0]

    headers = {"Last-Event-ID": last_id}
    async with http.stream("GET", stream_path(caller), headers=headers) as response:
        after = await collect_until(response, "incident.created", second["id"])

    assert after[0][1]["seq"] == int(last_id) + 1
    assert after[-1][1]["data"]["number"] == second["number"]


async def test_sse_without_token_is_401(http):
    response = await http.get("/api/v1/stream/sse")
    assert_problem(response, 401)


@pytest.mark.parametrize("since", ["-1", "abc"])
async def test_sse_bad_since_is_422(http, sessions, since):
    caller = await make_caller(sessions)
    response = await http.get(stream_path(caller) + f"&since={since}")
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["query", "since"]


async def test_sse_bad_last_event_id_is_422(http, sessions):
    caller = await make_caller(sessions)
    response = await http.get(stream_path(caller), headers={"Last-Event-ID": "x"})
    assert_problem(response, 422)


async def test_sse_other_departments_incident_is_404(http, client, sessions):
    ours = await make_caller(sessions)
    theirs = await make_caller(sessions)
    await make_incident_type(client, theirs)
    incident = await make_incident(client, theirs)

    response = await http.get(stream_path(ours) + f"&incident_id={incident['id']}")

    assert_problem(response, 404)


async def test_sse_sends_heartbeat_comments_when_idle(settings, sessions):
    quiet = create_app(settings.model_copy(update={"live_heartbeat_s": 0.05}))
    caller = await make_caller(sessions)
    try:
        async with (
            serving(quiet) as address,
            httpx.AsyncClient(base_url=f"http://{address}", timeout=WAIT_S) as http,
            http.stream("GET", stream_path(caller)) as response,
        ):
            lines = response.aiter_lines()
            async with asyncio.timeout(WAIT_S):
                while (line := await anext(lines)) != ": heartbeat":
                    pass
    finally:
        await quiet.state.engine.dispose()

    assert line == ": heartbeat"


def test_live_only_messages_carry_no_sse_id():
    message = volatile_event(
        "dept", kind="units.moved", at=datetime(2026, 1, 1, tzinfo=UTC), data={}
    )

    text = _sse_message(message)

    assert not text.startswith("id:")
    assert text.startswith("data: ")
    assert '"seq":null' in text
