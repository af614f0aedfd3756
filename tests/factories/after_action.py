"""One worked incident, driven through the API on a stopped clock, so an
after-action review of it has exact times to check.

Seconds after the call (``T0``): E1 and E2 are assigned at 50 and 52; E1
acknowledges at 60; E2 declines at 65 and is escalated; E3 is assigned at 70
and acknowledges at 90; E1 leaves at 80 and arrives at 200; E3 leaves at 170
and arrives at 400. A message goes to the responder at 300 and they reply at
310. E1 clears at 1000 and the incident closes at 1200 (clearing E3). Both
units report positions on the way (``E1_TRACK``, ``E3_TRACK``), and E1 also
before its dispatch and after it cleared (``E1_ELSEWHERE``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.core import clock
from muster.org.roles import Role
from tests.factories.api import make_incident_type, make_unit, post
from tests.factories.extra import colleague, make_station, set_unit_status
from tests.factories.org import Caller

DESCRIPTION = "Smoke from a kitchen: Привет — café ✓"
Advance = Callable[[float], None]

# (seconds after the call, lat, lon) per unit, between dispatch and clearing.
E1_TRACK = [
    (85, 37.7700, -122.4300),
    (120, 37.7730, -122.4260),
    (190, 37.7790, -122.4200),
]
E3_TRACK = [
    (175, 37.7900, -122.4100),
    (300, 37.7840, -122.4160),
    (395, 37.7795, -122.4195),
]
# Reports outside the units' time on the incident: before E1's dispatch, and
# after it cleared.
E1_ELSEWHERE = [(20, 37.7000, -122.5000), (1100, 37.7100, -122.5100)]


@dataclass
class Worked:
    caller: Caller
    responder: Caller
    incident: dict[str, Any]
    t0: datetime
    units: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)
    message_id: str = ""


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


async def _assign(client: httpx.AsyncClient, worked: Worked, name: str) -> None:
    created = await post(
        client,
        worked.caller,
        f"/incidents/{worked.incident['id']}/assignments",
        {"unit_id": worked.units[name]},
    )
    worked.assignments[name] = (await _ok(created, 201))["id"]


async def _ack(
    client: httpx.AsyncClient, worked: Worked, name: str, response: str
) -> None:
    path = f"/assignments/{worked.assignments[name]}/ack"
    await _ok(await post(client, worked.caller, path, {"response": response}))


async def _move(
    client: httpx.AsyncClient, worked: Worked, name: str, status: str
) -> None:
    incident_id = worked.incident["id"]
    moved = await set_unit_status(
        client, worked.caller, worked.units[name], status, incident_id
    )
    await _ok(moved)


async def _positions(
    client: httpx.AsyncClient, worked: Worked, tracks: dict[str, list[Any]]
) -> None:
    items = [
        {
            "unit_id": worked.units[name],
            "lat": lat,
            "lon": lon,
            "at": (worked.t0 + timedelta(seconds=second)).isoformat(),
        }
        for name, track in tracks.items()
        for second, lat, lon in track
    ]
    await _ok(await post(client, worked.caller, "/locations", {"items": items}))


async def _department(client: httpx.AsyncClient, caller: Caller) -> dict[str, str]:
    await make_incident_type(client, caller, code="FIRE")
    station = await make_station(client, caller, code="ST1", lat=37.7700, lon=-122.4310)
    units = {}
    for name, lat, lon in (
        ("E1", 37.7700, -122.4305),
        ("E2", 37.7600, -122.4300),
        ("E3", 37.7905, -122.4105),
    ):
        unit = await make_unit(
            client, caller, name=name, station_id=station["id"], lat=lat, lon=lon
        )
        units[name] = unit["id"]
    return units


async def _message_and_reply(client: httpx.AsyncClient, worked: Worked) -> None:
    sent = await post(
        client,
        worked.caller,
        "/messages",
        {
            "body": "Stage at the hydrant on 3rd",
            "incident_id": worked.incident["id"],
            "to": {"members": [worked.responder.member_id]},
        },
    )
    worked.message_id = (await _ok(sent, 201))["id"]


async def make_worked_incident(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    caller: Caller,
    advance: Advance,
) -> Worked:
    """The incident above, in ``caller``'s department; ``advance(s)`` sets the
    stopped clock ``s`` seconds after the call."""
    responder = await colleague(sessions, caller, Role.RESPONDER)
    units = await _department(client, caller)
    advance(0)
    body = {
        "type": "FIRE",
        "description": DESCRIPTION,
        "location": {"lat": 37.7793, "lon": -122.4193, "address": "1 Main St"},
        "caller": {"name": "Pat", "phone": "+1 415 555 0100", "report": "Smoke"},
    }
    incident = await _ok(await post(client, caller, "/incidents", body), 201)
    worked = Worked(caller, responder, incident, clock.now(), units)
    for second, step in _steps(client, worked):
        advance(second)
        await step()
    return worked


def _steps(
    client: httpx.AsyncClient, worked: Worked
) -> list[tuple[float, Callable[[], Any]]]:
    return [
        (50, lambda: _assign(client, worked, "E1")),
        (52, lambda: _assign(client, worked, "E2")),
        (60, lambda: _ack(client, worked, "E1", "responding")),
        (65, lambda: _ack(client, worked, "E2", "declined")),
        (70, lambda: _assign(client, worked, "E3")),
        (80, lambda: _move(client, worked, "E1", "en_route")),
        (90, lambda: _ack(client, worked, "E3", "responding")),
        (170, lambda: _move(client, worked, "E3", "en_route")),
        (200, lambda: _move(client, worked, "E1", "on_scene")),
        (300, lambda: _message_and_reply(client, worked)),
        (310, lambda: _reply(client, worked)),
        (400, lambda: _move(client, worked, "E3", "on_scene")),
        (500, lambda: _positions(client, worked, {"E1": E1_TRACK, "E3": E3_TRACK})),
        (1000, lambda: _clear(client, worked, "E1")),
        (1100, lambda: _positions(client, worked, {"E1": E1_ELSEWHERE})),
        (1200, lambda: _close(client, worked)),
    ]


async def _reply(client: httpx.AsyncClient, worked: Worked) -> None:
    path = f"/messages/{worked.message_id}/replies"
    body = {"text": "Copy, staging at the hydrant"}
    await _ok(await post(client, worked.responder, path, body))


async def _clear(client: httpx.AsyncClient, worked: Worked, name: str) -> None:
    path = f"/assignments/{worked.assignments[name]}/clear"
    await _ok(await post(client, worked.caller, path, {}))


async def _close(client: httpx.AsyncClient, worked: Worked) -> None:
    path = f"/incidents/{worked.incident['id']}/close"
    body = {"disposition": "Kitchen fire out, ventilated"}
    await _ok(await post(client, worked.caller, path, body))
