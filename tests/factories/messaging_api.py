"""API builders for messaging tests: crews, contact methods, endpoints, pages."""

from typing import Any

import httpx

from tests.factories.api import make_incident_type, make_unit, post
from tests.factories.extra import get, make_member, make_station
from tests.factories.messaging import Crew
from tests.factories.org import Caller


async def make_crew(
    client: httpx.AsyncClient, caller: Caller, *, size: int = 2, **member: Any
) -> Crew:
    station = await make_station(client, caller, code="ST9")
    unit = await make_unit(client, caller, name="E9", station_id=station["id"])
    ids = []
    for _ in range(size):
        made = await make_member(client, caller, station_id=station["id"], **member)
        ids.append(made["id"])
    return Crew(station_id=station["id"], unit_id=unit["id"], member_ids=ids)


async def add_contact(
    client: httpx.AsyncClient,
    caller: Caller,
    member_id: str,
    channel: str,
    address: str,
) -> dict[str, Any]:
    response = await post(
        client,
        caller,
        f"/members/{member_id}/contact-methods",
        {"channel": channel, "address": address},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_endpoint(
    client: httpx.AsyncClient, caller: Caller, kind: str, **fields: Any
) -> dict[str, Any]:
    body = {"kind": kind, "name": f"{kind} endpoint", **fields}
    response = await post(client, caller, "/notification-endpoints", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def open_incident(client: httpx.AsyncClient, caller: Caller) -> dict[str, Any]:
    await make_incident_type(client, caller, code="FIRE")
    body = {
        "type": "FIRE",
        "description": "Smoke from the roof",
        "location": {"lat": 37.7793, "lon": -122.4193, "address": "1 Main St"},
    }
    response = await post(client, caller, "/incidents", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def assign(
    client: httpx.AsyncClient, caller: Caller, incident_id: str, **target: str
) -> dict[str, Any]:
    response = await post(
        client, caller, f"/incidents/{incident_id}/assignments", target
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def incident_messages(
    client: httpx.AsyncClient, caller: Caller, incident_id: str
) -> list[dict[str, Any]]:
    response = await get(client, caller, f"/incidents/{incident_id}/messages")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def read_message(
    client: httpx.AsyncClient, caller: Caller, message_id: str
) -> dict[str, Any]:
    response = await get(client, caller, f"/messages/{message_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())
