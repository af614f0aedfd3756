"""More API builders and checks: logins, stations, members, unit status, problems."""

import itertools
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.org import Caller, make_caller

PROBLEM_TYPE = "application/problem+json"
_counter = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str), body
        assert body[key], body
    return body


async def colleague(
    sessions: async_sessionmaker[AsyncSession],
    caller: Caller,
    *roles: Role,
    password: str | None = None,
) -> Caller:
    """Another member of ``caller``'s department holding ``roles``."""
    return await make_caller(
        sessions,
        department=(caller.department_id, caller.department_slug),
        roles=roles,
        password=password,
    )


async def get(
    client: httpx.AsyncClient, caller: Caller, path: str, **params: Any
) -> httpx.Response:
    return await client.get(f"/api/v1{path}", params=params, headers=caller.headers)


async def patch(
    client: httpx.AsyncClient,
    caller: Caller,
    path: str,
    body: Any,
    if_match: int | None = None,
) -> httpx.Response:
    headers = dict(caller.headers)
    if if_match is not None:
        headers["If-Match"] = str(if_match)
    return await client.patch(f"/api/v1{path}", json=body, headers=headers)


async def delete(
    client: httpx.AsyncClient, caller: Caller, path: str
) -> httpx.Response:
    return await client.delete(f"/api/v1{path}", headers=caller.headers)


async def login(
    client: httpx.AsyncClient, email: str, password: str, department: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if department is not None:
        body["department"] = department
    return await client.post("/api/v1/auth/token", json=body)


async def make_station(
    client: httpx.AsyncClient, caller: Caller, code: str = "ST1", **extra: Any
) -> dict[str, Any]:
    body = {"code": code, "name": f"Station {code}", **extra}
    response = await post(client, caller, "/stations", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_member(
    client: httpx.AsyncClient,
    caller: Caller,
    name: str | None = None,
    roles: tuple[str, ...] = ("responder",),
    **extra: Any,
) -> dict[str, Any]:
    number = next(_counter)
    body = {
        "email": f"person{number}@example.net",
        "name": name or f"Person {number}",
        "roles": list(roles),
        **extra,
    }
    response = await post(client, caller, "/members", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def set_unit_status(
    client: httpx.AsyncClient,
    caller: Caller,
    unit_id: str,
    status: str,
    incident_id: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"status": status, **extra}
    if incident_id is not None:
        body["incident_id"] = incident_id
    return await post(client, caller, f"/units/{unit_id}/status", body)


async def timeline_kinds(
    client: httpx.AsyncClient, caller: Caller, incident_id: str
) -> list[str]:
    response = await get(client, caller, f"/incidents/{incident_id}/timeline")
    assert response.status_code == 200, response.text
    return [event["kind"] for event in response.json()["items"]]
