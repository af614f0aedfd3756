"""Builders that go through the API, for tests about what clients see."""

from typing import Any

import httpx

from tests.factories.org import Caller

FIRE_FIELDS = {
    "type": "object",
    "properties": {"floors": {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}


async def post(
    client: httpx.AsyncClient, caller: Caller, path: str, body: Any, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1{path}", json=body, headers={**caller.headers, **headers}
    )


async def make_incident_type(
    client: httpx.AsyncClient, caller: Caller, code: str = "FIRE", **extra: Any
) -> dict[str, Any]:
    body = {
        "code": code,
        "name": code.title(),
        "category": "fire",
        "default_priority": 2,
        **extra,
    }
    response = await post(client, caller, "/incident-types", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def incident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "FIRE",
        "description": "Smoke from a kitchen window",
        "location": {
            "lat": 37.7749,
            "lon": -122.4194,
            "address": "1 Dr Carlton B Goodlett Pl",
        },
        "caller": {"name": "Pat", "phone": "+1 415 555 0100", "report": "I see smoke"},
    }
    body.update(overrides)
    return body


async def make_incident(
    client: httpx.AsyncClient, caller: Caller, **overrides: Any
) -> dict[str, Any]:
    response = await post(client, caller, "/incidents", incident_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_unit(
    client: httpx.AsyncClient,
    caller: Caller,
    name: str = "E1",
    unit_type: str = "ENGINE",
    **extra: Any,
) -> dict[str, Any]:
    types = await client.get("/api/v1/unit-types", headers=caller.headers)
    if unit_type not in {t["code"] for t in types.json()["items"]}:
        created = await post(
            client,
            caller,
            "/unit-types",
            {"code": unit_type, "name": unit_type.title(), "capabilities": ["engine"]},
        )
        assert created.status_code == 201, created.text
    response = await post(
        client, caller, "/units", {"name": name, "unit_type": unit_type, **extra}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
