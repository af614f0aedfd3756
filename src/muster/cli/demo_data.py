"""The demo department: four San Francisco stations, their apparatus and crews."""

from typing import Any

DEPARTMENT = {
    "name": "Muster Demo Fire & Rescue",
    "slug": "demo",
    "timezone": "America/Los_Angeles",
}
PASSWORD = "demo-password"  # noqa: S105 - printed to the user: it is the demo login
ADMIN_EMAIL = "admin@demo.example"

STATIONS: list[dict[str, Any]] = [
    {
        "code": "S1",
        "name": "Station 1",
        "address": "935 Folsom St",
        "lat": 37.7802,
        "lon": -122.4037,
    },
    {
        "code": "S7",
        "name": "Station 7",
        "address": "2300 Folsom St",
        "lat": 37.7605,
        "lon": -122.4148,
    },
    {
        "code": "S10",
        "name": "Station 10",
        "address": "655 Presidio Ave",
        "lat": 37.7854,
        "lon": -122.4467,
    },
    {
        "code": "S13",
        "name": "Station 13",
        "address": "530 Sansome St",
        "lat": 37.7951,
        "lon": -122.4013,
    },
]


def _rates(
    fuel: float, wear: float, hourly: float, *, min_available: int = 0
) -> dict[str, Any]:
    return {
        "fuel_cost_per_km": fuel,
        "wear_cost_per_km": wear,
        "cost_per_hour": hourly,
        "min_available": min_available,
    }


# Cost rates (fuel and wear per km, per committed hour) are illustrative
# figures in the department's currency, for the utilisation report.
UNIT_TYPES: list[dict[str, Any]] = [
    {
        "code": "ENGINE",
        "name": "Engine",
        "capabilities": ["engine", "bls"],
        **_rates(0.6, 0.9, 180, min_available=2),
    },
    {
        "code": "TRUCK",
        "name": "Truck (aerial ladder)",
        "capabilities": ["ladder", "rescue"],
        **_rates(0.8, 1.4, 220, min_available=1),
    },
    {
        "code": "MEDIC",
        "name": "Medic (ALS ambulance)",
        "capabilities": ["als", "transport"],
        **_rates(0.35, 0.45, 120, min_available=2),
    },
    {
        "code": "RESCUE",
        "name": "Heavy rescue",
        "capabilities": ["rescue", "hazmat"],
        **_rates(0.7, 1.1, 200),
    },
    {
        "code": "CHIEF",
        "name": "Battalion chief",
        "capabilities": ["chief", "command"],
        **_rates(0.2, 0.25, 90),
    },
]

# name, type, station, crew, offset from the station (lat, lon)
UNITS: list[tuple[str, str, str, int, float, float]] = [
    ("E1", "ENGINE", "S1", 4, 0.0, 0.0),
    ("T1", "TRUCK", "S1", 4, 0.0003, 0.0002),
    ("M1", "MEDIC", "S1", 2, 0.0062, -0.0051),
    ("RS1", "RESCUE", "S1", 5, -0.0002, 0.0001),
    ("E7", "ENGINE", "S7", 4, 0.0, 0.0),
    ("M7", "MEDIC", "S7", 2, -0.0040, 0.0035),
    ("E10", "ENGINE", "S10", 4, 0.0, 0.0),
    ("T10", "TRUCK", "S10", 4, 0.0001, 0.0003),
    ("M10", "MEDIC", "S10", 2, 0.0, 0.0),
    ("E13", "ENGINE", "S13", 4, 0.0, 0.0),
    ("B2", "CHIEF", "S13", 1, 0.0015, -0.0020),
]

# email, name, roles, station, qualifications
MEMBERS: list[tuple[str, str, list[str], str | None, list[str]]] = [
    (ADMIN_EMAIL, "Alex Admin", ["admin"], None, []),
    ("dispatch@demo.example", "Dana Dispatcher", ["dispatcher"], None, []),
    ("chief@demo.example", "Chris Chief", ["supervisor"], "S13", ["command", "als"]),
    ("riley@demo.example", "Riley Responder", ["responder"], "S1", ["engine", "bls"]),
    ("sam@demo.example", "Sam Paramedic", ["responder"], "S7", ["als"]),
    ("jo@demo.example", "Jo Firefighter", ["responder"], "S10", ["ladder", "rescue"]),
    ("viewer@demo.example", "Val Viewer", ["viewer"], None, []),
]

STRUCTURE_FIRE_FIELDS = {
    "type": "object",
    "properties": {
        "occupancy": {"enum": ["residential", "commercial", "industrial", "other"]},
        "floors": {"type": "integer", "minimum": 1, "maximum": 200},
        "people_trapped": {"type": "boolean"},
    },
    "additionalProperties": False,
}

INCIDENT_TYPES: list[dict[str, Any]] = [
    {
        "code": "STRUCTURE_FIRE",
        "name": "Structure fire",
        "category": "fire",
        "default_priority": 1,
        "fields_schema": STRUCTURE_FIRE_FIELDS,
    },
    {
        "code": "OUTSIDE_FIRE",
        "name": "Outside fire",
        "category": "fire",
        "default_priority": 3,
    },
    {"code": "ALARM", "name": "Fire alarm", "category": "fire", "default_priority": 3},
    {
        "code": "MEDICAL",
        "name": "Medical incident",
        "category": "ems",
        "default_priority": 2,
    },
    {
        "code": "TRAFFIC",
        "name": "Traffic collision",
        "category": "rescue",
        "default_priority": 2,
    },
    {
        "code": "RESCUE",
        "name": "Technical rescue",
        "category": "rescue",
        "default_priority": 2,
    },
    {
        "code": "HAZMAT",
        "name": "Hazardous materials",
        "category": "hazmat",
        "default_priority": 2,
    },
    {
        "code": "SERVICE",
        "name": "Citizen assist / service call",
        "category": "other",
        "default_priority": 4,
    },
]

# Alarm levels per incident type: what the recommender fills.
RESPONSE_PLANS: dict[str, list[dict[str, Any]]] = {
    "STRUCTURE_FIRE": [
        {
            "level": 1,
            "needs": [
                {"capability": "engine", "count": 3},
                {"capability": "ladder", "count": 1},
                {"capability": "als", "count": 1},
                {"capability": "chief", "count": 1},
            ],
        },
        {
            "level": 2,
            "needs": [
                {"capability": "engine", "count": 1},
                {"capability": "ladder", "count": 1},
                {"capability": "rescue", "count": 1},
            ],
        },
    ],
    "OUTSIDE_FIRE": [{"level": 1, "needs": [{"capability": "engine", "count": 1}]}],
    "ALARM": [{"level": 1, "needs": [{"capability": "engine", "count": 1}]}],
    "MEDICAL": [{"level": 1, "needs": [{"capability": "als", "count": 1}]}],
    "TRAFFIC": [
        {
            "level": 1,
            "needs": [
                {"capability": "engine", "count": 1},
                {"capability": "als", "count": 1},
            ],
        }
    ],
    "RESCUE": [
        {
            "level": 1,
            "needs": [
                {"capability": "rescue", "count": 1},
                {"capability": "engine", "count": 1},
                {"capability": "als", "count": 1},
            ],
        }
    ],
    "HAZMAT": [
        {
            "level": 1,
            "needs": [
                {"capability": "hazmat", "count": 1},
                {"capability": "engine", "count": 2},
                {"capability": "chief", "count": 1},
            ],
        }
    ],
}

# A neighbouring department that lends units to the demo one (mutual aid).
NEIGHBOUR = {
    "name": "Bayshore Fire District",
    "slug": "bayshore",
    "timezone": "America/Los_Angeles",
}
NEIGHBOUR_ADMIN = "admin@bayshore.example"
NEIGHBOUR_STATIONS: list[dict[str, Any]] = [
    {
        "code": "B1",
        "name": "Bayshore Station 1",
        "address": "2 Geneva Ave",
        "lat": 37.7085,
        "lon": -122.4215,
    },
]
NEIGHBOUR_UNITS: list[tuple[str, str, str, int, float, float]] = [
    ("BE1", "ENGINE", "B1", 4, 0.0, 0.0),
    ("BT1", "TRUCK", "B1", 4, 0.0002, 0.0001),
    ("BM1", "MEDIC", "B1", 2, 0.0, 0.0),
]
