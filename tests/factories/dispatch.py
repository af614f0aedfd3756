"""A department ready to dispatch: stations, typed units at known places, a plan."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories.api import make_incident_type, post
from tests.factories.org import Caller

# Units around San Francisco City Hall (37.7793, -122.4193), nearest first.
UNITS = [
    ("E1", "ENGINE", 37.7800, -122.4190),
    ("E2", "ENGINE", 37.7900, -122.4190),
    ("E3", "ENGINE", 37.8100, -122.4190),
    ("T1", "TRUCK", 37.7850, -122.4100),
    ("M1", "MEDIC", 37.7750, -122.4200),
]
CAPABILITIES = {"ENGINE": ["engine"], "TRUCK": ["ladder"], "MEDIC": ["als"]}
FIRE_PLAN = [
    {
        "level": 1,
        "needs": [
            {"capability": "engine", "count": 2},
            {"capability": "ladder", "count": 1},
        ],
    },
    {"level": 2, "needs": [{"capability": "engine", "count": 1}]},
]


@dataclass
class Department:
    caller: Caller
    units: dict[str, str] = field(default_factory=dict)


async def make_dispatch_department(
    client: httpx.AsyncClient, caller: Caller, *, auto_dispatch: bool = False
) -> Department:
    for code, capabilities in CAPABILITIES.items():
        response = await post(
            client,
            caller,
            "/unit-types",
            {"code": code, "name": code.title(), "capabilities": capabilities},
        )
        assert response.status_code == 201, response.text
    department = Department(caller=caller)
    for name, unit_type, lat, lon in UNITS:
        response = await post(
            client,
            caller,
            "/units",
            {
                "name": name,
                "unit_type": unit_type,
                "lat": lat,
                "lon": lon,
                "crew_size": 4,
            },
        )
        assert response.status_code == 201, response.text
        department.units[name] = response.json()["id"]
    await make_incident_type(client, caller, code="FIRE", auto_dispatch=auto_dispatch)
    plan = await post(
        client,
        caller,
        "/response-plans",
        {"incident_type": "FIRE", "alarms": FIRE_PLAN},
    )
    assert plan.status_code == 201, plan.text
    return department


def fire_at_city_hall(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "FIRE",
        "description": "Smoke from the roof",
        "location": {"lat": 37.7793, "lon": -122.4193},
    }
    body.update(overrides)
    return body
