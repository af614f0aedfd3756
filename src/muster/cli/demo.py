"""``muster demo``: load a demo department with a few incidents at work."""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from muster.cli import demo_data as data
from muster.cli.common import CLI_ACTOR, database_session, load_settings, run
from muster.core import clock
from muster.dispatch import assignments as assignment_service
from muster.dispatch import mutual_aid
from muster.dispatch import service as dispatch_service
from muster.dispatch.schemas import ResponsePlanCreate
from muster.events.schemas import Actor, Context
from muster.incidents import lifecycle_service, type_service
from muster.incidents import service as incident_service
from muster.incidents.schemas import IncidentCreate, IncidentTypeCreate
from muster.org import service as org_service
from muster.org.errors import DepartmentNotFound
from muster.org.schemas import MemberCreate, StationCreate
from muster.units import service as unit_service
from muster.units.schemas import UnitCreate, UnitStatusChange, UnitTypeCreate

DUPLICATES = incident_service.DuplicateRule(radius_m=300, window=timedelta(minutes=30))


async def _load_organisation(
    session: AsyncSession, department_id: str
) -> dict[str, str]:
    stations = {}
    for station in data.STATIONS:
        created = await org_service.create_station(
            session,
            ctx=Context(department_id, CLI_ACTOR),
            data=StationCreate(**station),
        )
        stations[created.code] = created.id
    for email, name, roles, station_code, qualifications in data.MEMBERS:
        member = MemberCreate(
            email=email,
            name=name,
            password=data.PASSWORD,
            roles=roles,
            qualifications=qualifications,
            station_id=stations[station_code] if station_code else None,
        )
        await org_service.add_member(
            session, ctx=Context(department_id, CLI_ACTOR), data=member
        )
    for incident_type in data.INCIDENT_TYPES:
        await type_service.create_incident_type(
            session,
            ctx=Context(department_id, CLI_ACTOR),
            data=IncidentTypeCreate(**incident_type),
        )
    return stations


Apparatus = list[tuple[str, str, str, int, float, float]]


async def _load_units(
    session: AsyncSession,
    department_id: str,
    stations: dict[str, str],
    where: tuple[list[dict[str, Any]], Apparatus] = (data.STATIONS, data.UNITS),
) -> dict[str, str]:
    station_list, apparatus = where
    for unit_type in data.UNIT_TYPES:
        await unit_service.create_unit_type(
            session,
            ctx=Context(department_id, CLI_ACTOR),
            data=UnitTypeCreate(**unit_type),
        )
    station_at = {s["code"]: (s["lat"], s["lon"]) for s in station_list}
    units = {}
    for name, type_code, station_code, crew, dlat, dlon in apparatus:
        lat, lon = station_at[station_code]
        unit = await unit_service.create_unit(
            session,
            ctx=Context(department_id, CLI_ACTOR),
            data=UnitCreate(
                name=name,
                unit_type=type_code,
                station_id=stations[station_code],
                crew_size=crew,
                lat=round(lat + dlat, 6),
                lon=round(lon + dlon, 6),
            ),
        )
        units[name] = unit.id
    return units


async def _incident(
    session: AsyncSession, department_id: str, actor: Actor, **fields: Any
) -> str:
    incident, _, _ = await incident_service.create_incident(
        session,
        ctx=Context(department_id, actor),
        data=IncidentCreate(**fields),
        duplicate_rule=DUPLICATES,
    )
    return incident.id


async def _move(
    session: AsyncSession, department_id: str, unit_id: str, actor: Actor, **change: Any
) -> None:
    await assignment_service.report_unit_status(
        session,
        ctx=Context(department_id, actor),
        unit_id=unit_id,
        data=UnitStatusChange(**change),
        expected_version=None,
    )


async def _load_incidents(
    session: AsyncSession, department_id: str, units: dict[str, str]
) -> None:
    dispatcher = Actor(name="Dana Dispatcher")
    now = clock.now()
    medical = await _incident(
        session,
        department_id,
        dispatcher,
        type="MEDICAL",
        description="Fall with head injury, elderly man, conscious",
        location={"lat": 37.7765, "lon": -122.4170, "address": "1355 Market St"},
        caller={"name": "Front desk", "phone": "+1 415 555 0101"},
        received_at=now - timedelta(hours=2),
    )
    for status, minutes in (
        ("dispatched", 119),
        ("en_route", 118),
        ("on_scene", 114),
        ("transporting", 100),
        ("at_hospital", 90),
        ("available", 80),
    ):
        await _move(
            session,
            department_id,
            units["M1"],
            dispatcher,
            status=status,
            incident_id=medical if status != "available" else None,
            at=now - timedelta(minutes=minutes),
        )
    await lifecycle_service.close_incident(
        session,
        ctx=Context(department_id, dispatcher),
        incident_id=medical,
        disposition="Patient transported to SF General",
        expected_version=None,
    )
    fire = await _incident(
        session,
        department_id,
        dispatcher,
        type="STRUCTURE_FIRE",
        description="Smoke showing from the second floor of a three-storey building",
        location={"lat": 37.7637, "lon": -122.4194, "address": "3000 20th St"},
        caller={
            "name": "Neighbour",
            "phone": "+1 415 555 0144",
            "report": "Smoke from upstairs windows, people on the fire escape",
        },
        fields={"occupancy": "residential", "floors": 3, "people_trapped": False},
        received_at=now - timedelta(minutes=12),
    )
    for unit, steps in (
        ("E7", ("dispatched", "en_route", "on_scene")),
        ("M7", ("dispatched", "en_route", "on_scene")),
        ("E1", ("dispatched", "en_route")),
        ("T1", ("dispatched",)),
    ):
        for offset, status in enumerate(steps):
            await _move(
                session,
                department_id,
                units[unit],
                dispatcher,
                status=status,
                incident_id=fire,
                at=now - timedelta(minutes=11 - 2 * offset),
            )
    await _incident(
        session,
        department_id,
        dispatcher,
        type="ALARM",
        description="Commercial fire alarm, monitoring company reports zone 3",
        location={"lat": 37.7936, "lon": -122.3966, "address": "101 California St"},
        caller={"name": "Alarm monitoring", "phone": "+1 800 555 0199"},
    )


async def load_demo(session: AsyncSession) -> bool:
    """Create the demo department; ``False`` if it is already there."""
    try:
        await org_service.get_department_by_slug(session, data.DEPARTMENT["slug"])
    except DepartmentNotFound:
        pass
    else:
        return False
    department = await org_service.create_department(
        session,
        name=data.DEPARTMENT["name"],
        slug=data.DEPARTMENT["slug"],
        timezone=data.DEPARTMENT["timezone"],
        actor=CLI_ACTOR,
    )
    stations = await _load_organisation(session, department.id)
    units = await _load_units(session, department.id, stations)
    await _load_plans(session, department.id)
    await _load_incidents(session, department.id, units)
    await _load_neighbour(session)
    return True


async def _load_neighbour(session: AsyncSession) -> None:
    """A neighbouring department with its own login that lends units to the demo."""
    neighbour = await org_service.create_department(
        session,
        name=data.NEIGHBOUR["name"],
        slug=data.NEIGHBOUR["slug"],
        timezone=data.NEIGHBOUR["timezone"],
        actor=CLI_ACTOR,
    )
    ctx = Context(neighbour.id, CLI_ACTOR)
    stations = {}
    for station in data.NEIGHBOUR_STATIONS:
        created = await org_service.create_station(
            session, ctx=ctx, data=StationCreate(**station)
        )
        stations[created.code] = created.id
    admin = MemberCreate(
        email=data.NEIGHBOUR_ADMIN,
        name="Bo Bayshore",
        password=data.PASSWORD,
        roles=["admin"],
    )
    await org_service.add_member(session, ctx=ctx, data=admin)
    where = (data.NEIGHBOUR_STATIONS, data.NEIGHBOUR_UNITS)
    await _load_units(session, neighbour.id, stations, where)
    await mutual_aid.grant(session, ctx=ctx, slug=data.DEPARTMENT["slug"])


async def _load_plans(session: AsyncSession, department_id: str) -> None:
    for incident_type, alarms in data.RESPONSE_PLANS.items():
        plan = ResponsePlanCreate(incident_type=incident_type, alarms=alarms)
        await dispatch_service.create_plan(
            session, ctx=Context(department_id, CLI_ACTOR), data=plan
        )


def demo() -> None:
    """Load the demo department (once) and print its login."""
    settings = load_settings()

    async def work() -> bool:
        async with database_session(settings) as session:
            return await load_demo(session)

    created = run(work)
    print("demo department loaded" if created else "demo department already present")
    print(f"Demo login: {data.ADMIN_EMAIL} / {data.PASSWORD} (department: demo)")
    print(
        "Other members (same password): dispatch@, chief@, riley@, viewer@demo.example"
    )
    print(
        f"Neighbouring department lending units: {data.NEIGHBOUR_ADMIN}"
        f" (department: {data.NEIGHBOUR['slug']})"
    )
